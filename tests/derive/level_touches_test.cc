// ComputeLevelTouches: a hand-checked two-session case, options, and a DuckDB SQL
// reference on synthetic CME-like data (09:30 New York day start).
#include "derive/level_touches.h"

#include <cmath>

#include "derive/derive_test_util.h"

namespace barlake::derive {
namespace {

using namespace testing;

void AddBar(BarColumns* b, Micros t, double lo, double hi) {
  b->ts.push_back(t);
  b->open.push_back(lo);
  b->high.push_back(hi);
  b->low.push_back(lo);
  b->close.push_back(hi);
  b->volume.push_back(1);
}

class LevelTouchesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Trade dates Tue 2024-01-09 and Wed 2024-01-10 (winter: 09:30 New York = 14:30 UTC).
    sessions_ = CmeSessions(Day(2024, 1, 8), Day(2024, 1, 9));
    const int64_t wed = Day(2024, 1, 10);
    AddBar(&bars_, sessions_[0].open, 95, 110);                   // prior high 110
    AddBar(&bars_, sessions_[0].open + 2 * kHour, 90, 96);        // prior low 90
    AddBar(&bars_, sessions_[0].close - kMinute, 99, 100);        // prior close 100 (close = high)
    AddBar(&bars_, sessions_[1].open + kMinute, 101, 103);        // overnight
    AddBar(&bars_, NewYork(wed, 2 * 60), 102, 105);               // overnight high 105
    AddBar(&bars_, NewYork(wed, 9 * 60 + 29), 98, 102);           // overnight low 98 (last overnight bar)
    AddBar(&bars_, NewYork(wed, 9 * 60 + 30), 101, 104);          // day: touches nothing
    AddBar(&bars_, NewYork(wed, 9 * 60 + 31), 99.5, 105.5);       // prior close, overnight high
    AddBar(&bars_, NewYork(wed, 10 * 60), 97, 99);                // overnight low
    AddBar(&bars_, NewYork(wed, 11 * 60), 100, 100.5);            // prior close again
    AddBar(&bars_, NewYork(wed, 12 * 60), 90, 91);                // prior low, exactly at the level
  }
  calendar::SessionList sessions_;
  BarColumns bars_;
};

TEST_F(LevelTouchesTest, HandCheckedTouchesAndFirstTouchTimes) {
  ASSERT_OK_AND_ASSIGN(auto rows, ComputeLevelTouches(bars_, sessions_, LevelOptions{}));
  ASSERT_EQ(rows.size(), 2u);
  const int64_t wed = Day(2024, 1, 10);
  // The first session has no prior session.
  for (int k : {kPriorHigh, kPriorLow, kPriorClose}) {
    EXPECT_TRUE(std::isnan(rows[0].levels[k].price));
    EXPECT_FALSE(rows[0].levels[k].touched);
  }
  const SessionLevels& r = rows[1];
  EXPECT_EQ(r.trade_date, wed);
  EXPECT_EQ(r.day_start, ParseIsoUtc("2024-01-10T14:30:00Z").value());
  EXPECT_EQ(r.overnight_bars, 3);
  EXPECT_EQ(r.day_bars, 5);
  EXPECT_EQ(r.levels[kPriorHigh].price, 110);
  EXPECT_FALSE(r.levels[kPriorHigh].touched);
  EXPECT_EQ(r.levels[kPriorLow].price, 90);
  EXPECT_TRUE(r.levels[kPriorLow].touched);
  EXPECT_EQ(r.levels[kPriorLow].first_touch, NewYork(wed, 12 * 60));
  EXPECT_EQ(r.levels[kPriorClose].price, 100);
  EXPECT_TRUE(r.levels[kPriorClose].touched);
  EXPECT_EQ(r.levels[kPriorClose].first_touch, NewYork(wed, 9 * 60 + 31));
  EXPECT_EQ(r.levels[kOvernightHigh].price, 105);
  EXPECT_EQ(r.levels[kOvernightHigh].first_touch, NewYork(wed, 9 * 60 + 31));
  EXPECT_EQ(r.levels[kOvernightLow].price, 98);
  EXPECT_TRUE(r.levels[kOvernightLow].touched);
  EXPECT_EQ(r.levels[kOvernightLow].first_touch, NewYork(wed, 10 * 60));
  EXPECT_STREQ(LevelName(kOvernightLow), "overnight_low");
}

TEST_F(LevelTouchesTest, WithoutADayStartTouchesCountOverTheWholeSession) {
  LevelOptions o;
  o.day_start_minutes = std::nullopt;
  ASSERT_OK_AND_ASSIGN(auto rows, ComputeLevelTouches(bars_, sessions_, o));
  ASSERT_EQ(rows.size(), 2u);
  const SessionLevels& r = rows[1];
  EXPECT_EQ(r.overnight_bars, 0);
  EXPECT_EQ(r.day_bars, 8);
  EXPECT_TRUE(std::isnan(r.levels[kOvernightHigh].price));
  EXPECT_FALSE(r.levels[kOvernightHigh].touched);
  // Prior close 100 is first touched by the 09:29 overnight bar (98..102) now.
  EXPECT_EQ(r.levels[kPriorClose].first_touch, NewYork(Day(2024, 1, 10), 9 * 60 + 29));
}

TEST_F(LevelTouchesTest, RejectsABadZoneOrDayStart) {
  LevelOptions o;
  o.zone = "Mars/Olympus_Mons";
  ASSERT_RAISES(kInvalidArgument, ComputeLevelTouches(bars_, sessions_, o));
  o = LevelOptions{};
  o.day_start_minutes = 24 * 60;
  ASSERT_RAISES(kInvalidArgument, ComputeLevelTouches(bars_, sessions_, o));
}

TEST(LevelTouchesSqlTest, EqualsSqlReference) {
  // Includes the spring-forward week: 09:30 New York is 14:30 UTC, then 13:30 UTC.
  const calendar::SessionList sessions = CmeSessions(Day(2024, 3, 3), Day(2024, 3, 15));
  const BarColumns bars = SyntheticBars(sessions, 33);
  LevelOptions o;
  ASSERT_OK_AND_ASSIGN(auto got, ComputeLevelTouches(bars, sessions, o));
  SqlReference ref;
  ref.SetUp(bars, sessions);
  ASSERT_OK(ref.duck()->Execute("CREATE TABLE day_start(s_open BIGINT, day_start BIGINT)"));
  for (const auto& s : sessions) {
    ASSERT_OK(ref.duck()->Execute("INSERT INTO day_start VALUES (" + std::to_string(s.open) + ", " +
                                  std::to_string(NewYork(s.trade_date, 9 * 60 + 30)) + ")"));
  }
  auto first_touch = [](const std::string& level) {
    return "(SELECT min(ts) FROM j WHERE j.s_open = lv.s_open AND j.ts >= lv.day_start AND j.low <= " + level +
           " AND " + level + " <= j.high)";
  };
  ASSERT_OK_AND_ASSIGN(auto r, ref.duck()->Query(
      "WITH j AS (SELECT b.*, s.open AS s_open, s.trade_date, d.day_start FROM bars b"
      "           JOIN sessions s ON b.ts >= s.open AND b.ts < s.close JOIN day_start d ON d.s_open = s.open),"
      " st AS (SELECT s_open, trade_date, day_start, max(high) AS h, min(low) AS l, arg_max(close, ts) AS c,"
      "               max(high) FILTER (WHERE ts < day_start) AS onh, min(low) FILTER (WHERE ts < day_start) AS onl"
      "        FROM j GROUP BY ALL),"
      " lv AS (SELECT *, lag(h) OVER w AS ph, lag(l) OVER w AS pl, lag(c) OVER w AS pc FROM st"
      "        WINDOW w AS (ORDER BY s_open))"
      " SELECT trade_date, ph, pl, pc, onh, onl, " +
      first_touch("ph") + ", " + first_touch("pl") + ", " + first_touch("pc") + ", " + first_touch("onh") + ", " +
      first_touch("onl") + " FROM lv ORDER BY s_open"));
  duckdb_result* res = r->raw();
  ASSERT_EQ(got.size(), r->RowCount());
  int touched = 0, untouched = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].trade_date, duckdb_value_int32(res, 0, i));
    for (int k = 0; k < kNumLevels; ++k) {
      const LevelTouch& lv = got[i].levels[k];
      const bool level_null = duckdb_value_is_null(res, 1 + k, i);
      EXPECT_EQ(std::isnan(lv.price), level_null) << "session " << i << " " << LevelName(LevelKind(k));
      if (!level_null) {
        EXPECT_EQ(lv.price, duckdb_value_double(res, 1 + k, i));
      }
      const bool touch_null = duckdb_value_is_null(res, 6 + k, i);
      EXPECT_EQ(lv.touched, !touch_null) << "session " << i << " " << LevelName(LevelKind(k));
      if (!touch_null) {
        EXPECT_EQ(lv.first_touch, duckdb_value_int64(res, 6 + k, i)) << "session " << i << " " << LevelName(LevelKind(k));
      }
      (lv.touched ? touched : untouched) += 1;
    }
  }
  // The data has both outcomes, so the comparison means something.
  EXPECT_GT(touched, 10);
  EXPECT_GT(untouched, 5);
}

}  // namespace
}  // namespace barlake::derive
