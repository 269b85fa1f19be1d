#include "validate/validator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "ingest/ninjatrader.h"
#include "testutil/status_matchers.h"

namespace barlake::validate {
namespace {

ingest::ParsedBars Parse(const std::string& text, const std::string& tf = "1m") {
  static TimeZone utc = TimeZone::Locate("UTC").value();
  ingest::ParseOptions o{Timeframe::Parse(tf).value(), &utc, "file.txt"};
  ingest::ParsedBars p = ingest::ParseNinjaTrader(text, o).value();
  ingest::SortByTime(&p);
  return p;
}

std::string Fixture(const std::string& name) {
  std::ifstream f(std::string(BARLAKE_TEST_DATA_DIR) + "/ninjatrader/" + name, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Calm(int n) {  // 1-minute bars around 100 from 2024-01-15 09:31 close
  std::string out;
  for (int i = 0; i < n; ++i) {
    char line[96];
    const double c = 100 + 0.25 * (i % 4);
    std::snprintf(line, sizeof line, "20240115 %02d%02d00;%g;%g;%g;%g;%d\n", 9 + (31 + i) / 60, (31 + i) % 60, c,
                  c + 0.25, c - 0.25, c, 10 + i);
    out += line;
  }
  return out;
}

}  // namespace

TEST(ValidatorTest, CleanFileKeepsEveryRow) {
  ingest::ParsedBars p = Parse(Calm(100));
  ValidationReport r = Validate(&p, Timeframe::Parse("1m").value(), {});
  EXPECT_EQ(r.rejected_rows(), 0);
  EXPECT_EQ(p.bars.size(), 100u);
}

TEST(ValidatorTest, EachRuleRejectsWithLineFieldAndCode) {
  std::string text = Calm(60);
  text += "20240115 103100;100;99;100;100;1\n";     // ohlc_inconsistent (high < open)
  text += "20240115 103200;100;101;99;100;-5\n";    // negative_volume
  text += "20240115 103300;nan;101;99;100;5\n";     // non_finite
  text += "20240115 103400;0;101;0;100;5\n";        // non_positive_price
  text += "20240115 103430;100;101;99;100;5\n";     // misaligned (30 s off the 1m grid)
  text += "20240115 103500;100;101;99;100;5\n";     // duplicate_conflict with the next line
  text += "20240115 103500;100;102;99;100;5\n";
  text += "20240115 103600;100;101;99;100;5\n";     // identical duplicate: dropped
  text += "20240115 103600;100;101;99;100;5\n";
  ingest::ParsedBars p = Parse(text);
  const size_t total = p.bars.size();
  ValidationReport r = Validate(&p, Timeframe::Parse("1m").value(), {});
  EXPECT_EQ(r.counts["ohlc_inconsistent"], 1);
  EXPECT_EQ(r.counts["negative_volume"], 1);
  EXPECT_EQ(r.counts["non_finite"], 1);
  EXPECT_EQ(r.counts["non_positive_price"], 1);
  EXPECT_EQ(r.counts["misaligned"], 1);
  EXPECT_EQ(r.counts["duplicate_conflict"], 2);
  EXPECT_EQ(r.identical_duplicates, 1);
  EXPECT_EQ(p.bars.size() + static_cast<size_t>(r.rejected_rows()) + 1, total);
  const std::string summary = r.Summary("file.txt");
  EXPECT_NE(summary.find("file.txt:61: field 'high': high 99 is below low 100 (ohlc_inconsistent)"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("file.txt:62: field 'volume': is negative (-5) (negative_volume)"), std::string::npos)
      << summary;
  for (size_t i = 1; i < p.bars.size(); ++i) EXPECT_LT(p.bars.ts[i - 1], p.bars.ts[i]);
}

TEST(ValidatorTest, NegativePricesAreAllowedWhenTheDatasetSaysSo) {
  ingest::ParsedBars p = Parse("20200420 183000;-5;-1;-40;-37.63;100\n20200420 183100;-37.63;-30;-38;-35;100\n");
  ValidationOptions o;
  o.allow_non_positive = true;
  ValidationReport r = Validate(&p, Timeframe::Parse("1m").value(), o);
  EXPECT_EQ(r.rejected_rows(), 0);
}

TEST(ValidatorTest, TheClBadTickIsQuarantinedNotTheNeighbours) {
  std::string text = Calm(30) + "20240115 100100;593.13;593.13;100;100.25;3\n" + Calm(0);
  for (int i = 0; i < 30; ++i) {
    char line[96];
    std::snprintf(line, sizeof line, "20240115 10%02d00;100;100.25;99.75;100;5\n", 2 + i);
    text += line;
  }
  ingest::ParsedBars p = Parse(text);
  ValidationReport r = Validate(&p, Timeframe::Parse("1m").value(), {});
  ASSERT_EQ(r.rejected_rows(), 1) << r.Summary("file.txt");
  EXPECT_EQ(r.reasons[0].rule, "bad_tick");
  EXPECT_EQ(r.reasons[0].line, 31u);
  EXPECT_EQ(r.rejected.bars.open[0], 593.13);
}

TEST(ValidatorTest, FixtureBadRowsAreCaught) {
  std::string text = Fixture("bad_rows.txt");
  // Lines 3 and 5 do not parse; blank them so the value rules run on the others.
  std::istringstream in(text);
  std::string line, kept;
  int n = 0;
  while (std::getline(in, line)) kept += (++n == 3 || n == 5) ? "\n" : line + "\n";
  ingest::ParsedBars p = Parse(kept);
  ValidationReport r = Validate(&p, Timeframe::Parse("1m").value(), {});
  EXPECT_EQ(r.counts["ohlc_inconsistent"], 1);
  EXPECT_EQ(r.counts["negative_volume"], 1);
  EXPECT_EQ(r.identical_duplicates, 1);  // line 6 repeats line 1 exactly
}

}  // namespace barlake::validate
