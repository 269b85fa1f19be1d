#include "validate/spike_detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/time_util.h"
#include "ingest/ninjatrader.h"

namespace barlake::validate {
namespace {

// A calm random-walk-like series around `level`.
BarColumns Calm(int n, double level, double step) {
  BarColumns b;
  for (int i = 0; i < n; ++i) {
    const double c = level + step * std::sin(i * 0.7) + step * 0.5 * std::cos(i * 1.3);
    b.ts.push_back(i * 60 * kMicrosPerSecond);
    b.open.push_back(c - step * 0.1);
    b.high.push_back(c + step * 0.3);
    b.low.push_back(c - step * 0.3);
    b.close.push_back(c);
    b.volume.push_back(10);
  }
  return b;
}

std::string Read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Yahoo/yfinance CSV (Date,Open,High,Low,Close,...), oldest first after sorting by text.
BarColumns ReadYfinanceCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    if (f.size() >= 5) rows.push_back(f);
  }
  std::sort(rows.begin(), rows.end());
  BarColumns b;
  for (size_t i = 0; i < rows.size(); ++i) {
    b.ts.push_back(static_cast<Micros>(i));
    b.open.push_back(std::stod(rows[i][1]));
    b.high.push_back(std::stod(rows[i][2]));
    b.low.push_back(std::stod(rows[i][3]));
    b.close.push_back(std::stod(rows[i][4]));
    b.volume.push_back(0);
  }
  return b;
}

}  // namespace

TEST(SpikeDetectorTest, CalmSeriesHasNoFindings) {
  EXPECT_TRUE(FindSpikes(Calm(500, 4800, 1.0)).empty());
}

TEST(SpikeDetectorTest, CatchesABadTickThatReturns) {
  BarColumns b = Calm(200, 73, 0.05);
  b.open[100] = b.high[100] = 593.13;  // the CL 03-24 shape: open/high far off, close normal
  auto f = FindSpikes(b);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].row, 100u);
  EXPECT_EQ(f[0].kind, SpikeKind::kBadTick);
  EXPECT_NE(f[0].reason.find("593.13"), std::string::npos) << f[0].reason;
}

TEST(SpikeDetectorTest, CatchesAStrayLowPrint) {
  BarColumns b = Calm(40, 60, 0.5);
  b.low[20] = b.close[20] = 0.6;
  auto f = FindSpikes(b);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].row, 20u);
}

TEST(SpikeDetectorTest, CatchesHundredfoldUnitErrors) {
  BarColumns b = Calm(40, 0.1455, 0.0005);
  for (double* p : {&b.open[10], &b.high[10], &b.low[10], &b.close[10]}) *p *= 100;
  b.high[30] = 15.34;  // one bar spanning both units
  auto f = FindSpikes(b);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].row, 10u);
  EXPECT_EQ(f[0].kind, SpikeKind::kUnitError);
  EXPECT_EQ(f[1].row, 30u);
  EXPECT_EQ(f[1].kind, SpikeKind::kUnitError);
}

TEST(SpikeDetectorTest, KeepsASustainedCrash) {
  // 20% one-minute falls that do not come back, as in April 2020 crude.
  BarColumns b = Calm(60, 20, 0.05);
  double level = 20;
  for (int i = 30; i < 60; ++i) {
    if (i % 5 == 0) level *= 0.8;
    b.open[i] = b.close[i - 1];
    b.close[i] = level;
    b.high[i] = std::max(b.open[i], b.close[i]) + 0.02;
    b.low[i] = std::min(b.open[i], b.close[i]) - 0.02;
  }
  EXPECT_TRUE(FindSpikes(b).empty());
}

TEST(SpikeDetectorTest, HandlesNegativePrices) {
  BarColumns b = Calm(40, -10, 0.5);
  EXPECT_TRUE(FindSpikes(b).empty());
}

class SpikeRealDataTest : public ::testing::Test {
 protected:
  std::string Shared(const std::string& rel) {
    const std::string p = std::string(BARLAKE_SHARED_DIR) + "/realdata/" + rel;
    std::ifstream f(p);
    if (!f) return "";
    return Read(p);
  }
  BarColumns ParseNt(const std::string& text) {
    TimeZone utc = TimeZone::Locate("UTC").value();
    ingest::ParseOptions o{Timeframe::Parse("1m").value(), &utc, "nt"};
    return ingest::ParseNinjaTrader(text, o).value().bars;
  }
};

TEST_F(SpikeRealDataTest, Cl0324BadTickIsCaught) {
  const std::string text = Shared("ninjatrader/CL 03-24.Last.txt");
  if (text.empty()) GTEST_SKIP() << "../shared/realdata is not present";
  BarColumns b = ParseNt(text);
  auto f = FindSpikes(b);
  bool found = false;
  for (const auto& x : f) found = found || (b.open[x.row] == 593.13);
  EXPECT_TRUE(found);
  EXPECT_LE(f.size(), 3u) << "too many findings in a clean month";
}

TEST_F(SpikeRealDataTest, Cl0620CrashIsKept) {
  const std::string text = Shared("ninjatrader/CL 06-20.Last.txt");
  if (text.empty()) GTEST_SKIP() << "../shared/realdata is not present";
  BarColumns b = ParseNt(text);
  const Micros day = ParseIsoUtc("2020-04-21T00:00:00Z").value();
  const auto findings = FindSpikes(b);
  EXPECT_LE(findings.size(), 5u) << "a month of real bars should have almost no findings";
  for (const auto& x : findings) {
    EXPECT_FALSE(b.ts[x.row] >= day && b.ts[x.row] < day + kMicrosPerDay)
        << FormatIsoUtc(b.ts[x.row]) << ": " << x.reason;
  }
}

TEST_F(SpikeRealDataTest, CleanRealMonthsHaveFewFindings) {
  for (const char* name : {"ninjatrader/CL 09-08.Last.txt", "ninjatrader/CL 12-20.Last.txt"}) {
    const std::string text = Shared(name);
    if (text.empty()) GTEST_SKIP() << "../shared/realdata is not present";
    BarColumns b = ParseNt(text);
    const auto findings = FindSpikes(b);
    EXPECT_LE(findings.size(), 5u) << name << ": " << (findings.empty() ? "" : findings[0].reason);
  }
}

TEST_F(SpikeRealDataTest, YahooUnitErrorsAndStrayPrintAreCaught) {
  const std::string aet = Shared("yahoo_yfinance_csv/AET-L-1wk-100x-error.csv");
  const std::string asai = Shared("yahoo_yfinance_csv/ASAI-L-1h-bad-unit.csv");
  if (aet.empty() || asai.empty()) GTEST_SKIP() << "../shared/realdata is not present";
  BarColumns a = ReadYfinanceCsv(aet);
  auto fa = FindSpikes(a);
  int unit = 0;
  for (const auto& x : fa) unit += x.kind == SpikeKind::kUnitError;
  EXPECT_GE(unit, 3);  // 2022-05-09, 2022-05-16 and the 2021-10-04 mixed bar
  BarColumns s = ReadYfinanceCsv(asai);
  auto fs = FindSpikes(s);
  bool found = false;
  for (const auto& x : fs) found = found || std::fabs(s.low[x.row] - 0.6) < 1e-6;
  EXPECT_TRUE(found);
}

}  // namespace barlake::validate
