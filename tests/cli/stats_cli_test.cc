// `barlake stats` and `barlake touches` as users run them: the real binary over a vault of
// generated CME bars, checked against statistics the test computes itself from the bars
// it wrote (plain loops over the generated rows, session bounds and New York offsets
// worked out by hand below).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/time_util.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using nlohmann::json;
using testutil::CommandResult;
using testutil::RunBarlake;

constexpr Micros kMinute = 60 * kMicrosPerSecond;
constexpr Micros kHour = 60 * kMinute;

Micros Utc(int y, unsigned m, unsigned d, int hh, int mm) {
  return DaysFromCivil(y, m, d) * kMicrosPerDay + hh * kHour + mm * kMinute;
}

struct Bar {
  Micros ts;  // open time, UTC
  double open, high, low, close, volume;
};

// NinjaTrader stamps are bar close times; the file is imported with --tz UTC.
std::string NtText(const std::vector<Bar>& bars) {
  std::string out;
  for (const Bar& b : bars) {
    const std::string iso = FormatIsoUtc(b.ts + kMinute);  // 2024-03-08T14:31:00Z
    const std::string stamp = iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) + " " + iso.substr(11, 2) +
                              iso.substr(14, 2) + iso.substr(17, 2);
    out += testutil::NtLine(stamp, b.open, b.high, b.low, b.close, b.volume);
  }
  return out;
}

// One full CME session of 1m bars, [open, close), a deterministic quarter-tick walk. The
// session's extremes are planted twice each, so "first occurrence" is tested: the high at
// bars 100 and 900, the low at bars 200 and 1000.
std::vector<Bar> Session(Micros open, Micros close, double start, uint32_t seed) {
  std::vector<Bar> bars;
  double price = start;
  uint32_t x = seed;
  for (Micros t = open; t < close; t += kMinute) {
    x = x * 1664525u + 1013904223u;
    const double o = price;
    const double c = o + (static_cast<int>(x >> 24 & 7) - 3) * 0.25;
    const double h = std::max(o, c) + static_cast<int>(x >> 16 & 3) * 0.25;
    const double l = std::min(o, c) - static_cast<int>(x >> 12 & 3) * 0.25;
    bars.push_back({t, o, h, l, c, static_cast<double>(10 + (x >> 8 & 63))});
    price = c;
  }
  double hi = -1e9, lo = 1e9;
  for (const Bar& b : bars) hi = std::max(hi, b.high), lo = std::min(lo, b.low);
  for (size_t i : {100, 900}) bars[i].high = hi + 2;
  for (size_t i : {200, 1000}) bars[i].low = lo - 2;
  return bars;
}

// America/New_York in March 2024: EST (-5) until 2024-03-10 07:00 UTC, EDT (-4) after.
std::string NewYork(Micros utc) {
  const bool edt = utc >= Utc(2024, 3, 10, 7, 0);
  std::string s = FormatIsoUtc(utc + (edt ? -4 : -5) * kHour);
  s.pop_back();
  return s + (edt ? "-04:00" : "-05:00");
}

// Quarter-tick prices and integer volumes print exactly with %.10g.
std::string G(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

struct Expected {
  double open = 0, high = -1e9, low = 1e9, close = 0, volume = 0;
  Micros high_time = 0, low_time = 0;
  int64_t bars = 0;
};

Expected StatsOf(const std::vector<Bar>& bars, Micros open, Micros close) {
  Expected e;
  for (const Bar& b : bars) {
    if (b.ts < open || b.ts >= close) continue;
    if (e.bars++ == 0) e.open = b.open;
    if (b.high > e.high) e.high = b.high, e.high_time = b.ts;  // strict: the first bar at the high wins
    if (b.low < e.low) e.low = b.low, e.low_time = b.ts;
    e.close = b.close;
    e.volume += b.volume;
  }
  return e;
}

struct Touch {
  std::optional<double> price;
  std::optional<Micros> first;
};

Touch TouchOf(const std::vector<Bar>& bars, std::optional<double> level, Micros day_start, Micros close) {
  Touch t{level, std::nullopt};
  if (!level) return t;
  for (const Bar& b : bars) {
    if (b.ts >= day_start && b.ts < close && b.low <= *level && *level <= b.high) {
      t.first = b.ts;
      break;
    }
  }
  return t;
}

class StatsCliTest : public ::testing::Test {
 protected:
  // CME sessions (18:00 New York the evening before to 17:00 on the trade date):
  //   Fri 2024-03-08: 2024-03-07 23:00Z .. 2024-03-08 22:00Z (EST)
  //   Mon 2024-03-11: 2024-03-10 22:00Z .. 2024-03-11 21:00Z (EDT: the clocks changed Sunday)
  //   Tue 2024-03-12: 2024-03-11 22:00Z .. 2024-03-12 21:00Z
  void SetUp() override {
    vault_ = dir_.Sub("v");
    ASSERT_EQ(RunBarlake({"init", vault_}).exit_code, 0);
    opens_ = {Utc(2024, 3, 7, 23, 0), Utc(2024, 3, 10, 22, 0), Utc(2024, 3, 11, 22, 0)};
    closes_ = {Utc(2024, 3, 8, 22, 0), Utc(2024, 3, 11, 21, 0), Utc(2024, 3, 12, 21, 0)};
    for (size_t k = 0; k < opens_.size(); ++k) {
      auto s = Session(opens_[k], closes_[k], 5100 + 10.0 * k, 7 + static_cast<uint32_t>(k));
      bars_.insert(bars_.end(), s.begin(), s.end());
    }
    // A stray bar in Friday's maintenance break: outside every session, in no row.
    bars_.push_back({Utc(2024, 3, 8, 22, 30), 5100, 5100.5, 5099.75, 5100.25, 3});
    std::sort(bars_.begin(), bars_.end(), [](const Bar& a, const Bar& b) { return a.ts < b.ts; });
    Import("ES", bars_, true);
  }
  void Import(const std::string& symbol, const std::vector<Bar>& bars, bool with_calendar) {
    const std::string src = dir_.Sub(symbol + ".Last.txt");
    ASSERT_TRUE(testutil::WriteText(src, NtText(bars)).ok());
    std::vector<std::string> args = {"import", src, "--symbol", symbol, "--timeframe", "1m", "--tz", "UTC"};
    if (with_calendar) args.insert(args.end(), {"--calendar", "CME_Globex"});
    CommandResult r = Bl(args);
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  }
  CommandResult Bl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--vault", vault_});
    return RunBarlake(args);
  }
  json Json(std::vector<std::string> args) {
    args.push_back("--json");
    CommandResult r = Bl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json();
  }
  testutil::TempDir dir_;
  std::string vault_;
  std::vector<Bar> bars_;
  std::vector<Micros> opens_, closes_;
};

TEST_F(StatsCliTest, StatsMatchTheBarsWithFirstHighLowTimesInNewYorkAcrossTheDstChange) {
  json j = Json({"stats", "ES"});
  EXPECT_EQ(j["symbol"], "ES");
  EXPECT_EQ(j["timeframe"], "1m");
  EXPECT_EQ(j["calendar"], "CME_Globex");
  EXPECT_EQ(j["display_tz"], "America/New_York");
  EXPECT_EQ(j["bars_outside_sessions"], 1);  // the stray Friday 22:30Z bar
  const std::vector<std::string> dates = {"2024-03-08", "2024-03-11", "2024-03-12"};
  ASSERT_EQ(j["sessions"].size(), dates.size()) << j.dump(2);
  for (size_t k = 0; k < dates.size(); ++k) {
    SCOPED_TRACE(dates[k]);
    const json& s = j["sessions"][k];
    const Expected e = StatsOf(bars_, opens_[k], closes_[k]);
    EXPECT_EQ(s["trade_date"], dates[k]);
    EXPECT_EQ(s["open"].get<double>(), e.open);
    EXPECT_EQ(s["high"].get<double>(), e.high);
    EXPECT_EQ(s["low"].get<double>(), e.low);
    EXPECT_EQ(s["close"].get<double>(), e.close);
    EXPECT_EQ(s["range"].get<double>(), e.high - e.low);
    EXPECT_EQ(s["volume"].get<double>(), e.volume);
    EXPECT_EQ(s["bars"].get<int64_t>(), e.bars);
    EXPECT_EQ(e.bars, 1380);
    // The planted extremes: the earlier of the two bars gives the time.
    EXPECT_EQ(e.high_time, opens_[k] + 100 * kMinute);
    EXPECT_EQ(e.low_time, opens_[k] + 200 * kMinute);
    EXPECT_EQ(s["high_time"], NewYork(e.high_time));
    EXPECT_EQ(s["low_time"], NewYork(e.low_time));
    EXPECT_EQ(s["session_open"], NewYork(opens_[k]));
    EXPECT_EQ(s["early_close"], false);
    EXPECT_EQ(s["late_open"], false);
  }
  // Both sides of the change: Friday's session in EST, Monday's (opened Sunday) in EDT.
  EXPECT_EQ(j["sessions"][0]["session_open"], "2024-03-07T18:00:00-05:00");
  EXPECT_EQ(j["sessions"][1]["session_open"], "2024-03-10T18:00:00-04:00");
  EXPECT_EQ(j["sessions"][1]["high_time"], "2024-03-10T19:40:00-04:00");  // open + 100 minutes

  // --tz shows the same instants in another zone; --from/--to pick trade dates.
  json utc = Json({"stats", "ES", "1m", "--from", "2024-03-11", "--to", "2024-03-11", "--tz", "UTC"});
  ASSERT_EQ(utc["sessions"].size(), 1u);
  EXPECT_EQ(utc["display_tz"], "UTC");
  EXPECT_EQ(utc["sessions"][0]["trade_date"], "2024-03-11");
  EXPECT_EQ(utc["sessions"][0]["high_time"], "2024-03-10T23:40:00+00:00");
}

TEST_F(StatsCliTest, CsvAndTableAgreeWithJson) {
  CommandResult csv = Bl({"stats", "ES", "--format", "csv", "--from", "2024-03-11"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const Expected e = StatsOf(bars_, opens_[1], closes_[1]);
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')),
            "trade_date,open,high,low,close,high_time,low_time,range,volume,bars,early_close,late_open,expected_bars,"
            "suspicious_week");
  const std::string row = "2024-03-11," + G(e.open) + "," + G(e.high) + "," + G(e.low) + "," + G(e.close) + "," +
                          NewYork(e.high_time) + "," + NewYork(e.low_time) + "," + G(e.high - e.low) + "," +
                          G(e.volume) + ",1380,false,false,1380,false";
  EXPECT_NE(csv.out.find("\n" + row + "\n"), std::string::npos) << csv.out << "\nwanted " << row;
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 3);  // header, 03-11, 03-12

  CommandResult table = Bl({"stats", "ES"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("times in America/New_York"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("HIGH AT"), std::string::npos);
  // Minute resolution with the offset, on both sides of the change.
  EXPECT_NE(table.out.find(NewYork(e.high_time).replace(10, 1, " ").erase(16, 3)), std::string::npos) << table.out;
  const Expected fri = StatsOf(bars_, opens_[0], closes_[0]);
  EXPECT_NE(table.out.find(NewYork(fri.low_time).replace(10, 1, " ").erase(16, 3)), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("1 bars outside every session"), std::string::npos) << table.out;
}

TEST_F(StatsCliTest, DefaultRangeIsTheLastTwentySessions) {
  // One bar at 15:00Z on each weekday 2024-01-16 .. 2024-02-16 (no CME holiday inside).
  std::vector<Bar> bars;
  std::vector<std::string> dates;
  for (int64_t day = DaysFromCivil(2024, 1, 16); day <= DaysFromCivil(2024, 2, 16); ++day) {
    if ((day + 4) % 7 == 0 || (day + 4) % 7 == 6) continue;  // 1970-01-01 was a Thursday
    bars.push_back({day * kMicrosPerDay + 15 * kHour, 100, 101, 99, 100.5, 5});
    // A second bar a minute later: one bar a day would read as a 24h file, not 1m.
    bars.push_back({day * kMicrosPerDay + 15 * kHour + 60 * 1000000LL, 100, 101, 99, 100.5, 5});
    std::string iso = FormatIsoUtc(day * kMicrosPerDay);
    dates.push_back(iso.substr(0, 10));
  }
  ASSERT_EQ(dates.size(), 24u);
  Import("MANY", bars, true);
  json j = Json({"stats", "MANY"});
  ASSERT_EQ(j["sessions"].size(), 20u);
  for (size_t k = 0; k < 20; ++k) EXPECT_EQ(j["sessions"][k]["trade_date"], dates[4 + k]);
  // --to alone: up to 20 sessions ending with it; only 19 stored sessions end by 02-09.
  json to = Json({"stats", "MANY", "--to", "2024-02-09"});
  ASSERT_EQ(to["sessions"].size(), 19u);
  EXPECT_EQ(to["sessions"].front()["trade_date"], "2024-01-16");
  EXPECT_EQ(to["sessions"].back()["trade_date"], "2024-02-09");
  json touches = Json({"touches", "MANY"});
  EXPECT_EQ(touches["sessions"].size(), 20u);
}

TEST_F(StatsCliTest, TouchesMatchTheBarsAndFindThePriorSessionAcrossTheWeekend) {
  json j = Json({"touches", "ES", "--from", "2024-03-11"});
  EXPECT_EQ(j["day_start"], "09:30");
  EXPECT_EQ(j["day_start_zone"], "America/New_York");
  ASSERT_EQ(j["sessions"].size(), 2u) << j.dump(2);
  int touched = 0, untouched = 0;
  for (size_t k = 1; k < 3; ++k) {
    const json& s = j["sessions"][k - 1];
    SCOPED_TRACE(s["trade_date"].get<std::string>());
    // 09:30 EDT is 13:30 UTC on both trade dates.
    const Micros day_start = Utc(2024, 3, 10 + static_cast<unsigned>(k), 13, 30);
    EXPECT_EQ(s["day_start"], NewYork(day_start));
    const Expected prior = StatsOf(bars_, opens_[k - 1], closes_[k - 1]);
    const Expected overnight = StatsOf(bars_, opens_[k], day_start);
    EXPECT_EQ(s["overnight_bars"].get<int64_t>(), overnight.bars);
    EXPECT_EQ(s["day_bars"].get<int64_t>(), 1380 - overnight.bars);
    const std::vector<std::pair<std::string, double>> levels = {{"prior_high", prior.high},
                                                                {"prior_low", prior.low},
                                                                {"prior_close", prior.close},
                                                                {"overnight_high", overnight.high},
                                                                {"overnight_low", overnight.low}};
    for (const auto& [name, price] : levels) {
      SCOPED_TRACE(name);
      const json& lv = s["levels"][name];
      const Touch t = TouchOf(bars_, price, day_start, closes_[k]);
      EXPECT_EQ(lv["price"].get<double>(), price);
      EXPECT_EQ(lv["touched"].get<bool>(), t.first.has_value());
      if (t.first) {
        EXPECT_EQ(lv["first_touch"], NewYork(*t.first));
        ++touched;
      } else {
        EXPECT_TRUE(lv["first_touch"].is_null());
        ++untouched;
      }
    }
  }
  // The data exercises both outcomes, so the comparison above means something.
  EXPECT_GT(touched, 0);
  EXPECT_GT(untouched, 0);

  // The first session of the data has no prior session: null levels, never touched.
  json first = Json({"touches", "ES", "--to", "2024-03-08"});
  ASSERT_EQ(first["sessions"].size(), 1u);
  EXPECT_TRUE(first["sessions"][0]["levels"]["prior_high"]["price"].is_null());
  EXPECT_EQ(first["sessions"][0]["levels"]["prior_high"]["touched"], false);

  // --day-start none: no overnight split, no overnight levels.
  json none = Json({"touches", "ES", "--from", "2024-03-12", "--day-start", "none"});
  ASSERT_EQ(none["sessions"].size(), 1u);
  EXPECT_TRUE(none["day_start"].is_null());
  EXPECT_TRUE(none["sessions"][0]["levels"]["overnight_high"]["price"].is_null());
  EXPECT_EQ(none["sessions"][0]["overnight_bars"], 0);
}

TEST_F(StatsCliTest, PriorLevelsAreFoundBeyondALongGapInTheData) {
  // Sessions 2024-02-09 and 2024-03-11 only: 20 sessions without bars in between.
  auto feb = Session(Utc(2024, 2, 8, 23, 0), Utc(2024, 2, 9, 22, 0), 4000, 3);
  auto mar = Session(opens_[1], closes_[1], 4010, 4);
  std::vector<Bar> bars = feb;
  bars.insert(bars.end(), mar.begin(), mar.end());
  Import("GAP", bars, true);
  json j = Json({"touches", "GAP", "--from", "2024-03-11"});
  ASSERT_EQ(j["sessions"].size(), 1u);
  const Expected prior = StatsOf(feb, feb.front().ts, feb.back().ts + kMinute);
  EXPECT_EQ(j["sessions"][0]["levels"]["prior_high"]["price"].get<double>(), prior.high);
  EXPECT_EQ(j["sessions"][0]["levels"]["prior_low"]["price"].get<double>(), prior.low);
  EXPECT_EQ(j["sessions"][0]["levels"]["prior_close"]["price"].get<double>(), prior.close);
}

TEST_F(StatsCliTest, CsvTouchesHaveOneRowPerSessionAndEveryLevel) {
  CommandResult csv = Bl({"touches", "ES", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const std::string header = csv.out.substr(0, csv.out.find('\n'));
  for (const char* level : {"prior_high", "prior_low", "prior_close", "overnight_high", "overnight_low"}) {
    EXPECT_NE(header.find(std::string(",") + level + "," + level + "_touched," + level + "_first_touch"),
              std::string::npos)
        << header;
  }
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 4);
  EXPECT_NE(csv.out.find("\n2024-03-08,2024-03-08T09:30:00-05:00,"), std::string::npos) << csv.out;
  CommandResult table = Bl({"touches", "ES"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("PRIOR HIGH"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("n/a"), std::string::npos) << table.out;  // the first session's prior levels
}

TEST_F(StatsCliTest, LongRangesAreComputedInBlocksWithoutLosingBarsOrPriorLevels) {
  // 14 months (about 290 sessions, more than one block of 250): on each weekday bars at
  // 15:07Z (in the session), 21:30Z and 22:30Z (one of them in the daily break, by DST),
  // and one on each Saturday (the weekend gap). Every gap between two sessions holds a
  // bar, wherever a block boundary falls.
  std::vector<Bar> bars;
  double price = 100;
  for (int64_t day = DaysFromCivil(2023, 1, 3); day <= DaysFromCivil(2024, 3, 1); ++day) {
    const int weekday = static_cast<int>((day + 4) % 7);  // 0 = Sunday
    if (weekday == 0) continue;
    for (int hh : weekday == 6 ? std::vector<int>{12} : std::vector<int>{15, 21, 22}) {
      price += (day % 3 == 0 ? -0.25 : 0.5);
      bars.push_back({day * kMicrosPerDay + hh * kHour + (hh == 15 ? 7 : 30) * kMinute, price, price + 0.5,
                      price - 0.5, price + 0.25, 1});
    }
  }
  Import("LONG", bars, true);
  json stats = Json({"stats", "LONG", "--from", "2023-01-03"});
  const json& rows = stats["sessions"];
  ASSERT_GT(rows.size(), 260u);
  int64_t in_rows = 0;
  for (const json& r : rows) in_rows += r["bars"].get<int64_t>();
  EXPECT_GT(stats["bars_outside_sessions"].get<int64_t>(), 60);
  // Counted: the bars from the first session's open to the last one's close (Friday
  // 2024-03-01 17:00 New York); the 22:30Z bar after it lies beyond the range.
  const int64_t in_range = std::count_if(bars.begin(), bars.end(), [](const Bar& b) { return b.ts < Utc(2024, 3, 1, 22, 0); });
  EXPECT_EQ(in_range, static_cast<int64_t>(bars.size()) - 1);
  EXPECT_EQ(in_rows + stats["bars_outside_sessions"].get<int64_t>(), in_range);
  // Each session's prior close is the close of the row before it, across block boundaries.
  json touches = Json({"touches", "LONG", "--from", "2023-01-04"});
  ASSERT_EQ(touches["sessions"].size() + 1, rows.size());
  for (size_t k = 1; k < rows.size(); ++k) {
    const json& t = touches["sessions"][k - 1];
    ASSERT_EQ(t["trade_date"], rows[k]["trade_date"]);
    EXPECT_EQ(t["levels"]["prior_close"]["price"].get<double>(), rows[k - 1]["close"].get<double>()) << t["trade_date"];
    EXPECT_EQ(t["levels"]["prior_high"]["price"].get<double>(), rows[k - 1]["high"].get<double>()) << t["trade_date"];
  }
}

// `--save` stores the tables as derived datasets; `barlake query` reads them through the
// `session_stats` and `level_touches` views, and they match the bars as computed here.
// A DOUBLE as `barlake query` prints it (DuckDB's text: 5100.0, 5251.5).
std::string Dbl(double v) {
  std::string s = G(v);
  return s.find('.') == std::string::npos ? s + ".0" : s;
}

TEST_F(StatsCliTest, SavedTablesAreDatasetsThatQueryBackAsTheBarsSay) {
  CommandResult saved = Bl({"stats", "ES", "--save"});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  EXPECT_NE(saved.out.find("Stored as dataset ES session_stats"), std::string::npos) << saved.out;
  CommandResult q = Bl({"query",
                        "SELECT trade_date, open, high, low, close, epoch_us(high_time), epoch_us(low_time), volume, "
                        "bars FROM session_stats WHERE symbol = 'ES' ORDER BY trade_date",
                        "--format", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::string want = "trade_date,open,high,low,close,epoch_us(high_time),epoch_us(low_time),volume,bars\n";
  const std::vector<std::string> dates = {"2024-03-08", "2024-03-11", "2024-03-12"};
  for (size_t k = 0; k < dates.size(); ++k) {
    const Expected e = StatsOf(bars_, opens_[k], closes_[k]);
    want += dates[k] + "," + Dbl(e.open) + "," + Dbl(e.high) + "," + Dbl(e.low) + "," + Dbl(e.close) + "," +
            std::to_string(e.high_time) + "," + std::to_string(e.low_time) + "," + Dbl(e.volume) + "," +
            std::to_string(e.bars) + "\n";
  }
  EXPECT_EQ(q.out, want);

  CommandResult touches = Bl({"touches", "ES", "--save", "--day-start", "09:30"});
  ASSERT_EQ(touches.exit_code, 0) << touches.err;
  // 2024-03-11: the prior session is Friday's; touches over its day session.
  const Expected prior = StatsOf(bars_, opens_[0], closes_[0]);
  const Micros day_start = Utc(2024, 3, 11, 13, 30);
  const Touch high = TouchOf(bars_, prior.high, day_start, closes_[1]);
  const Touch low = TouchOf(bars_, prior.low, day_start, closes_[1]);
  CommandResult lt = Bl({"query",
                         "SELECT prior_high, prior_high_touched, epoch_us(prior_high_first_touch), prior_low, "
                         "prior_low_touched, epoch_us(prior_low_first_touch) FROM level_touches "
                         "WHERE symbol = 'ES' AND trade_date = DATE '2024-03-11'",
                         "--format", "csv"});
  ASSERT_EQ(lt.exit_code, 0) << lt.err;
  auto touch_cells = [](const Touch& t) {
    return std::string(t.first ? "true," + std::to_string(*t.first) : "false,");  // NULL prints empty
  };
  EXPECT_EQ(lt.out.substr(lt.out.find('\n') + 1),
            Dbl(prior.high) + "," + touch_cells(high) + "," + Dbl(prior.low) + "," + touch_cells(low) + "\n")
      << lt.out;

  // Both are derived datasets of kind table in status, up to date, and refuse to be read as bars.
  json st = Json({"status"});
  int tables = 0;
  for (const auto& d : st["datasets"]) {
    if (d["kind"] != "table") continue;
    ++tables;
    EXPECT_EQ(d["derived"]["stale"], false) << d.dump();
  }
  EXPECT_EQ(tables, 2) << st.dump(2);
  CommandResult read = Bl({"read", "ES", "session_stats"});
  EXPECT_EQ(read.exit_code, 2) << read.err;
  EXPECT_NE(read.err.find("is a derived table, not bars"), std::string::npos) << read.err;
  CommandResult regen = Bl({"regenerate", "ES", "level_touches"});
  ASSERT_EQ(regen.exit_code, 0) << regen.err;
  EXPECT_NE(regen.out.find("skipped: up to date"), std::string::npos) << regen.out;
  // Saving again is idempotent; saving with another day start is a conflict with advice.
  EXPECT_EQ(Bl({"touches", "ES", "--save", "--day-start", "09:30"}).exit_code, 0);
  CommandResult other = Bl({"touches", "ES", "--save", "--day-start", "08:30"});
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.err.find("edit it in"), std::string::npos) << other.err;
  CommandResult ranged = Bl({"stats", "ES", "--save", "--from", "2024-03-11"});
  EXPECT_EQ(ranged.exit_code, 2);
  EXPECT_NE(ranged.err.find("--save stores every session"), std::string::npos) << ranged.err;
  EXPECT_EQ(Bl({"verify"}).exit_code, 0);
}

TEST_F(StatsCliTest, ErrorsNameTheProblemAndTheFix) {
  std::vector<Bar> bars = {{Utc(2024, 3, 8, 15, 0), 1, 2, 0.5, 1.5, 10}};
  Import("NOCAL", bars, false);
  for (const char* cmd : {"stats", "touches"}) {
    CommandResult r = Bl({cmd, "NOCAL"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("has no calendar"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("dataset set NOCAL 1m --calendar NAME"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  CommandResult missing = Bl({"stats", "YM"});
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  EXPECT_NE(missing.err.find("there is no dataset YM 1m"), std::string::npos) << missing.err;
  EXPECT_EQ(Bl({"stats", "ES", "--from", "2024-13-01"}).exit_code, 2);
  EXPECT_EQ(Bl({"stats", "ES", "--from", "2024-03-12", "--to", "2024-03-08"}).exit_code, 2);
  EXPECT_EQ(Bl({"stats", "ES", "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(Bl({"stats", "ES", "--tz", "Mars/Olympus"}).exit_code, 2);
  EXPECT_EQ(Bl({"touches", "ES", "--day-start", "9:30"}).exit_code, 2);
  // A range without sessions is not an error: no rows.
  json empty = Json({"stats", "ES", "--from", "2025-01-01"});
  EXPECT_TRUE(empty["sessions"].empty());
}

}  // namespace
}  // namespace barlake
