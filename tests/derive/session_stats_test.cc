// ComputeSessionStats: hand-checked small cases and a DuckDB SQL reference on synthetic
// CME-like data.
#include "derive/session_stats.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "derive/derive_test_util.h"

namespace barlake::derive {
namespace {

using namespace testing;

struct Bar {
  Micros ts;
  double o, h, l, c, v;
};

BarColumns Columns(const std::vector<Bar>& rows) {
  BarColumns b;
  for (const Bar& r : rows) {
    b.ts.push_back(r.ts);
    b.open.push_back(r.o);
    b.high.push_back(r.h);
    b.low.push_back(r.l);
    b.close.push_back(r.c);
    b.volume.push_back(r.v);
  }
  return b;
}

TEST(SessionStatsTest, HandCheckedSessionsWithTiesAndStrayBars) {
  // Three sessions (trade dates Tue 2024-01-09 .. Thu 01-11); the middle one has no bars.
  const auto sessions = CmeSessions(Day(2024, 1, 8), Day(2024, 1, 10));
  ASSERT_EQ(sessions.size(), 3u);
  const Micros a = sessions[0].open, c = sessions[2].open;
  const BarColumns bars = Columns({
      {a - 30 * kMinute, 1, 1, 1, 1, 9},              // before the first session: outside
      {a, 10, 12, 9, 11, 5},                          // open 10
      {a + kMinute, 11, 15, 10, 14, 6},               // high 15 first reached here
      {a + 2 * kMinute, 14, 15, 8, 9, 7},             // ties the high (ignored), low 8
      {a + 3 * kHour, 9, 10, 8, 9.5, 1},              // ties the low (ignored); close 9.5
      {sessions[0].close + 7 * kMinute, 1, 99, 0, 1, 3},  // in the maintenance break: outside
      {c + kMinute, 20, 21, 19, 20.5, 2},
  });
  ASSERT_OK_AND_ASSIGN(SessionStats st, ComputeSessionStats(bars, sessions));
  EXPECT_EQ(st.bars_outside_sessions, 2);
  ASSERT_EQ(st.sessions.size(), 2u);
  const SessionStat& s = st.sessions[0];
  EXPECT_EQ(s.trade_date, Day(2024, 1, 9));
  EXPECT_EQ(s.session_open, a);
  EXPECT_EQ(s.open, 10);
  EXPECT_EQ(s.high, 15);
  EXPECT_EQ(s.high_time, a + kMinute);
  EXPECT_EQ(s.low, 8);
  EXPECT_EQ(s.low_time, a + 2 * kMinute);
  EXPECT_EQ(s.close, 9.5);
  EXPECT_EQ(s.range, 7);
  EXPECT_EQ(s.volume, 19);
  EXPECT_EQ(s.bars, 4);
  EXPECT_EQ(s.first_bar, a);
  EXPECT_EQ(s.last_bar, a + 3 * kHour);
  const SessionStat& t = st.sessions[1];
  EXPECT_EQ(t.trade_date, Day(2024, 1, 11));
  EXPECT_EQ(t.open, 20);
  EXPECT_EQ(t.high_time, c + kMinute);
  EXPECT_EQ(t.low_time, c + kMinute);
  EXPECT_EQ(t.range, 2);
  EXPECT_EQ(t.bars, 1);
}

TEST(SessionStatsTest, EarlyCloseIsCarriedAndRejectsUnsortedInput) {
  const auto sessions = CmeSessions(Day(2024, 11, 27), Day(2024, 11, 28), {{Day(2024, 11, 28), 13 * 60}});
  BarColumns bars = SyntheticBars(sessions, 2);
  ASSERT_OK_AND_ASSIGN(SessionStats st, ComputeSessionStats(bars, sessions));
  ASSERT_EQ(st.sessions.size(), 2u);
  EXPECT_TRUE(st.sessions[0].early_close);
  EXPECT_FALSE(st.sessions[1].early_close);
  EXPECT_LT(st.sessions[0].last_bar, sessions[0].close);
  std::swap(bars.ts[3], bars.ts[4]);
  ASSERT_RAISES(kInvalidInput, ComputeSessionStats(bars, sessions));
}

// Compares ComputeSessionStats with the same statistics computed in SQL.
void ExpectEqualsSqlReference(const BarColumns& bars, const calendar::SessionList& sessions, const std::string& label) {
  SqlReference ref;
  ref.SetUp(bars, sessions);
  ASSERT_OK_AND_ASSIGN(SessionStats got, ComputeSessionStats(bars, sessions));
  ASSERT_OK_AND_ASSIGN(auto r, ref.duck()->Query(
      "WITH j AS (SELECT b.*, s.open AS s_open, s.trade_date FROM bars b"
      "           JOIN sessions s ON b.ts >= s.open AND b.ts < s.close),"
      " a AS (SELECT s_open, trade_date, arg_min(open, ts) AS o, max(high) AS h, min(low) AS l,"
      "              arg_max(close, ts) AS c, sum(volume) AS v, count(*) AS n FROM j GROUP BY ALL)"
      " SELECT a.trade_date, o, h, l, c, v, n,"
      "   (SELECT min(ts) FROM j WHERE j.s_open = a.s_open AND j.high = a.h),"
      "   (SELECT min(ts) FROM j WHERE j.s_open = a.s_open AND j.low = a.l),"
      "   (SELECT count(*) FROM bars) - (SELECT count(*) FROM j)"
      " FROM a ORDER BY a.s_open"));
  duckdb_result* res = r->raw();
  ASSERT_EQ(got.sessions.size(), r->RowCount()) << label;
  ASSERT_GT(got.sessions.size(), 10u) << label;
  for (size_t i = 0; i < got.sessions.size(); ++i) {
    const SessionStat& s = got.sessions[i];
    SCOPED_TRACE(label + " session " + std::to_string(i));
    EXPECT_EQ(s.trade_date, duckdb_value_int32(res, 0, i));
    EXPECT_EQ(s.open, duckdb_value_double(res, 1, i));
    EXPECT_EQ(s.high, duckdb_value_double(res, 2, i));
    EXPECT_EQ(s.low, duckdb_value_double(res, 3, i));
    EXPECT_EQ(s.close, duckdb_value_double(res, 4, i));
    EXPECT_EQ(s.volume, duckdb_value_double(res, 5, i));
    EXPECT_EQ(s.bars, duckdb_value_int64(res, 6, i));
    EXPECT_EQ(s.high_time, duckdb_value_int64(res, 7, i));
    EXPECT_EQ(s.low_time, duckdb_value_int64(res, 8, i));
    EXPECT_NEAR(s.range, s.high - s.low, 1e-9);
  }
  EXPECT_EQ(got.bars_outside_sessions, duckdb_value_int64(res, 9, 0)) << label;
  EXPECT_GT(got.bars_outside_sessions, 0) << label;
}

TEST(SessionStatsTest, RangeHasThePricesDecimalsNotBinaryNoise) {
  EXPECT_EQ(PriceDifference(1.0835, 1.0812), 0.0023);
  EXPECT_NE(1.0835 - 1.0812, 0.0023);  // what the plain difference would have been
  EXPECT_EQ(PriceDifference(4800.25, 4790.5), 9.75);
  EXPECT_EQ(PriceDifference(101, 99), 2);
}

TEST(SessionStatsTest, EqualsSqlReference) {
  calendar::SessionList sessions = CmeSessions(Day(2024, 3, 3), Day(2024, 3, 22), {{Day(2024, 3, 15), 13 * 60 + 15}});
  ExpectEqualsSqlReference(SyntheticBars(sessions, 21), sessions, "synthetic");
}

TEST(SessionStatsTest, RealClExportEqualsSqlReference) {
  const std::string path = std::string(BARLAKE_SHARED_DIR) + "/realdata/ninjatrader/CL 12-20.Last.txt";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "../shared/realdata is not present";
  // Spans the 2020-11-01 DST change and the week of shifted stamps (SOURCES.md), whose
  // bars partly fall outside the sessions.
  ASSERT_OK_AND_ASSIGN(const BarColumns bars, ParseRealNinjaTrader(path));
  const auto sessions = CmeSessions(bars.ts.front() / kMicrosPerDay - 2, bars.ts.back() / kMicrosPerDay + 1);
  ExpectEqualsSqlReference(bars, sessions, "CL 12-20");
}

}  // namespace
}  // namespace barlake::derive
