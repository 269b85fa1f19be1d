// Resample against an independent DuckDB SQL reference (computed here, from the rules in
// docs/derived.md) on synthetic CME-like data with DST weeks, holiday halts, early closes,
// gaps and stray bars, and on the real NinjaTrader CL exports when ../shared is present.
#include "derive/resampler.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "derive/derive_test_util.h"

namespace barlake::derive {
namespace {

using namespace testing;

constexpr int64_t kTargetsMinutes[] = {5, 15, 30, 60, 240, 7, 90};

void ExpectEqualsReference(const DerivedBars& got, const std::vector<RefBar>& want, const std::string& label) {
  ASSERT_EQ(got.size(), want.size()) << label;
  ASSERT_EQ(got.flags.size(), want.size()) << label;
  int shown = 0;
  for (size_t i = 0; i < want.size() && shown < 5; ++i) {
    const BarColumns& b = got.bars;
    const bool same = b.ts[i] == want[i].ts && b.open[i] == want[i].open && b.high[i] == want[i].high &&
                      b.low[i] == want[i].low && b.close[i] == want[i].close && b.volume[i] == want[i].volume &&
                      got.flags[i] == want[i].flags;
    if (!same) {
      ++shown;
      ADD_FAILURE() << label << " bar " << i << ": got " << FormatIsoUtc(b.ts[i]) << " " << b.open[i] << "/"
                    << b.high[i] << "/" << b.low[i] << "/" << b.close[i] << " v" << b.volume[i] << " flags "
                    << int(got.flags[i]) << "; want " << FormatIsoUtc(want[i].ts) << " " << want[i].open << "/"
                    << want[i].high << "/" << want[i].low << "/" << want[i].close << " v" << want[i].volume
                    << " flags " << want[i].flags;
    }
  }
}

// Trade dates with a shortened session: MLK day 2024-01-15 (holiday halt at 13:00 New
// York), Thanksgiving 2024-11-28 (halt at 13:00) and the day after (close at 13:15).
std::map<int64_t, int> Holidays() {
  return {{Day(2024, 1, 15), 13 * 60}, {Day(2024, 11, 28), 13 * 60}, {Day(2024, 11, 29), 13 * 60 + 15}};
}

// Four stretches of 2024: January with MLK, the US spring-forward week (2024-03-10), the
// fall-back week (2024-11-03), and Thanksgiving.
calendar::SessionList SyntheticSessions() {
  calendar::SessionList all;
  const std::pair<int64_t, int64_t> ranges[] = {{Day(2024, 1, 7), Day(2024, 1, 19)},
                                                {Day(2024, 3, 3), Day(2024, 3, 15)},
                                                {Day(2024, 10, 27), Day(2024, 11, 8)},
                                                {Day(2024, 11, 24), Day(2024, 11, 29)}};
  for (auto [a, b] : ranges) {
    auto part = CmeSessions(a, b, Holidays());
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

class ResampleSyntheticTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sessions_ = SyntheticSessions();
    bars_ = SyntheticBars(sessions_);
    ref_.SetUp(bars_, sessions_);
  }
  calendar::SessionList sessions_;
  BarColumns bars_;
  SqlReference ref_;
};

TEST_F(ResampleSyntheticTest, EqualsSqlReferenceForEveryTarget) {
  for (int64_t minutes : kTargetsMinutes) {
    ASSERT_OK_AND_ASSIGN(DerivedBars got, Resample(bars_, 60, minutes * 60, sessions_));
    ExpectEqualsReference(got, ref_.Resample(minutes * 60), std::to_string(minutes) + "m");
    EXPECT_EQ(got.input_rows, static_cast<int64_t>(bars_.size()));
    // The data exercises what the comparison is about.
    EXPECT_GT(got.outside_session_rows, 0);
    EXPECT_GT(got.outside_session_bars, 0);
    int early = 0;
    for (uint8_t f : got.flags) early += (f & kEarlyClose) != 0;
    EXPECT_EQ(early, 3) << minutes << "m: one last bar per shortened session";
  }
}

TEST_F(ResampleSyntheticTest, VolumeAndRowsAreConserved) {
  double total = 0;
  for (double v : bars_.volume) total += v;
  for (int64_t minutes : kTargetsMinutes) {
    ASSERT_OK_AND_ASSIGN(DerivedBars got, Resample(bars_, 60, minutes * 60, sessions_));
    double sum = 0;
    for (double v : got.bars.volume) sum += v;
    EXPECT_EQ(sum, total) << minutes << "m";
  }
}

TEST_F(ResampleSyntheticTest, FourHourBarsStartAtSixPmGridInNewYorkInWinterAndSummer) {
  // Winter (EST) and summer (EDT) sessions: 18:00 New York is 23:00 UTC, then 22:00 UTC.
  calendar::SessionList s = CmeSessions(Day(2024, 1, 7), Day(2024, 1, 11));
  auto summer = CmeSessions(Day(2024, 7, 7), Day(2024, 7, 11));
  s.insert(s.end(), summer.begin(), summer.end());
  const BarColumns bars = SyntheticBars(s, 3);
  ASSERT_OK_AND_ASSIGN(DerivedBars got, Resample(bars, 60, 4 * 3600, s));
  std::set<int> starts;
  std::set<int> utc_hours_of_first;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got.flags[i] & kOutsideSession) continue;
    starts.insert(NewYorkMinuteOfDay(got.bars.ts[i]));
  }
  EXPECT_EQ(starts, (std::set<int>{18 * 60, 22 * 60, 2 * 60, 6 * 60, 10 * 60, 14 * 60}));
  // The last bar of every session runs 14:00-17:00: three hours, flagged truncated.
  for (size_t i = 0; i < got.size(); ++i) {
    if (got.flags[i] & kOutsideSession) continue;
    const bool last = NewYorkMinuteOfDay(got.bars.ts[i]) == 14 * 60;
    EXPECT_EQ((got.flags[i] & kTruncated) != 0, last) << FormatIsoUtc(got.bars.ts[i]);
  }
  // The session opening Sunday 2024-01-07 starts its first 4h bar at 23:00 UTC, the one
  // opening Sunday 2024-07-07 at 22:00 UTC.
  auto has = [&](const char* iso) {
    const Micros t = ParseIsoUtc(iso).value();
    return std::find(got.bars.ts.begin(), got.bars.ts.end(), t) != got.bars.ts.end();
  };
  EXPECT_TRUE(has("2024-01-07T23:00:00Z"));
  EXPECT_TRUE(has("2024-01-08T03:00:00Z"));
  EXPECT_TRUE(has("2024-07-07T22:00:00Z"));
  EXPECT_TRUE(has("2024-07-08T02:00:00Z"));
}

TEST(ResampleTest, EarlyCloseAndHolidayHaltFlagsByHand) {
  // Thanksgiving: halt at 13:00 New York on the 28th; early close 13:15 on the 29th.
  const auto sessions = CmeSessions(Day(2024, 11, 27), Day(2024, 11, 28), Holidays());
  ASSERT_EQ(sessions.size(), 2u);
  const BarColumns bars = SyntheticBars(sessions, 11);
  auto find = [](const DerivedBars& d, Micros t) -> int {
    for (size_t i = 0; i < d.size(); ++i) {
      if (d.bars.ts[i] == t) return static_cast<int>(d.flags[i]);
    }
    return -1;
  };
  const int64_t thu = Day(2024, 11, 28), fri = Day(2024, 11, 29);
  ASSERT_OK_AND_ASSIGN(DerivedBars h4, Resample(bars, 60, 4 * 3600, sessions));
  EXPECT_EQ(find(h4, NewYork(thu, 10 * 60)), kTruncated | kEarlyClose);  // 10:00-13:00
  EXPECT_EQ(find(h4, NewYork(thu, 6 * 60)), 0);
  EXPECT_EQ(find(h4, NewYork(fri, 10 * 60)), kTruncated | kEarlyClose);  // 10:00-13:15
  ASSERT_OK_AND_ASSIGN(DerivedBars h1, Resample(bars, 60, 3600, sessions));
  EXPECT_EQ(find(h1, NewYork(thu, 12 * 60)), kEarlyClose);  // a full hour that ends at the halt
  EXPECT_EQ(find(h1, NewYork(fri, 13 * 60)), kTruncated | kEarlyClose);  // 13:00-13:15
  EXPECT_EQ(find(h1, NewYork(fri, 12 * 60)), 0);
  ASSERT_OK_AND_ASSIGN(DerivedBars m15, Resample(bars, 60, 900, sessions));
  EXPECT_EQ(find(m15, NewYork(fri, 13 * 60)), kEarlyClose);
  int in_session_truncated = 0;
  for (uint8_t f : h4.flags) in_session_truncated += (f & kTruncated) && !(f & kOutsideSession);
  EXPECT_EQ(in_session_truncated, 2);
}

TEST(ResampleTest, GapsInsideASessionInventNoBars) {
  const auto sessions = CmeSessions(Day(2024, 2, 5), Day(2024, 2, 5));
  BarColumns bars;
  auto add = [&](Micros t, double p, double v) {
    bars.ts.push_back(t);
    bars.open.push_back(p);
    bars.high.push_back(p + 1);
    bars.low.push_back(p - 1);
    bars.close.push_back(p + 0.5);
    bars.volume.push_back(v);
  };
  const Micros open = sessions[0].open;
  add(open, 100, 1);
  add(open + 4 * kMinute, 101, 2);
  add(open + 3 * kHour + 2 * kMinute, 102, 4);  // nothing for three hours before it
  ASSERT_OK_AND_ASSIGN(DerivedBars m5, Resample(bars, 60, 300, sessions));
  ASSERT_EQ(m5.size(), 2u);
  EXPECT_EQ(m5.bars.ts[0], open);
  EXPECT_EQ(m5.bars.open[0], 100);
  EXPECT_EQ(m5.bars.high[0], 102);
  EXPECT_EQ(m5.bars.low[0], 99);
  EXPECT_EQ(m5.bars.close[0], 101.5);
  EXPECT_EQ(m5.bars.volume[0], 3);
  EXPECT_EQ(m5.bars.ts[1], open + 3 * kHour);
  EXPECT_EQ(m5.bars.volume[1], 4);
  EXPECT_EQ(m5.flags[0] | m5.flags[1], 0);
}

TEST(ResampleTest, BarsOutsideSessionsUseTheUtcDayGridClippedToTheGap) {
  // Winter: the session of trade date 2024-01-10 closes 22:00 UTC; the next opens 23:00 UTC.
  const auto sessions = CmeSessions(Day(2024, 1, 9), Day(2024, 1, 10));
  BarColumns bars;
  for (const char* iso : {"2024-01-10T21:59:00Z", "2024-01-10T22:07:00Z", "2024-01-10T22:31:00Z",
                          "2024-01-10T23:00:00Z"}) {
    bars.ts.push_back(ParseIsoUtc(iso).value());
    for (auto* col : {&bars.open, &bars.high, &bars.low, &bars.close, &bars.volume}) col->push_back(1);
  }
  ASSERT_OK_AND_ASSIGN(DerivedBars h4, Resample(bars, 60, 4 * 3600, sessions));
  ASSERT_EQ(h4.size(), 3u);
  EXPECT_EQ(h4.bars.ts[0], ParseIsoUtc("2024-01-10T19:00:00Z").value());  // 14:00 New York, in session
  EXPECT_EQ(h4.flags[0], kTruncated);
  // The UTC cell 20:00-24:00 clipped to the gap 22:00-23:00: starts 22:00, one hour long.
  EXPECT_EQ(h4.bars.ts[1], ParseIsoUtc("2024-01-10T22:00:00Z").value());
  EXPECT_EQ(h4.flags[1], kOutsideSession | kTruncated);
  EXPECT_EQ(h4.bars.volume[1], 2);
  EXPECT_EQ(h4.bars.ts[2], ParseIsoUtc("2024-01-10T23:00:00Z").value());
  EXPECT_EQ(h4.outside_session_rows, 2);
  EXPECT_EQ(h4.outside_session_bars, 1);
  ASSERT_OK_AND_ASSIGN(DerivedBars m15, Resample(bars, 60, 900, sessions));
  ASSERT_EQ(m15.size(), 4u);
  EXPECT_EQ(m15.flags[1], kOutsideSession);  // 22:00-22:15, a whole cell
  EXPECT_EQ(m15.flags[2], kOutsideSession);  // 22:30-22:45
}

TEST(ResampleTest, NoCalendarUsesTheEpochGrid) {
  const auto sessions = CmeSessions(Day(2024, 3, 3), Day(2024, 3, 8));
  const BarColumns bars = SyntheticBars(sessions, 5);
  SqlReference ref;
  ref.SetUp(bars, {});
  for (int64_t minutes : kTargetsMinutes) {
    ASSERT_OK_AND_ASSIGN(DerivedBars got, Resample(bars, 60, minutes * 60, {}));
    ExpectEqualsReference(got, ref.Resample(minutes * 60, /*epoch_grid=*/true), std::to_string(minutes) + "m");
    EXPECT_EQ(got.outside_session_rows, 0);
  }
}

TEST(ResampleTest, SessionAcrossADstChangeKeepsElapsedTimeFromTheOpen) {
  // A (made-up) session from Saturday 2024-03-09 18:00 EST to Sunday 17:00 EDT spans the
  // spring-forward: 22 hours. Buckets are open + k*4h in UTC, so after 02:00 EST the
  // labels read 03:00 EDT onwards.
  calendar::Session s;
  s.open = NewYork(Day(2024, 3, 9), 18 * 60);
  s.close = NewYork(Day(2024, 3, 10), 17 * 60);
  s.trade_date = static_cast<int32_t>(Day(2024, 3, 10));
  ASSERT_EQ(s.close - s.open, 22 * kHour);
  const calendar::SessionList sessions = {s};
  const BarColumns bars = SyntheticBars(sessions, 9);
  ASSERT_OK_AND_ASSIGN(DerivedBars h4, Resample(bars, 60, 4 * 3600, sessions));
  ASSERT_EQ(h4.size(), 8u);  // six in the session, two for the stray bars after its close
  EXPECT_EQ(h4.outside_session_bars, 2);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(h4.bars.ts[i], s.open + static_cast<Micros>(i) * 4 * kHour);
  EXPECT_EQ(NewYorkMinuteOfDay(h4.bars.ts[1]), 22 * 60);  // 22:00 EST
  EXPECT_EQ(NewYorkMinuteOfDay(h4.bars.ts[2]), 3 * 60);   // 07:00 UTC: 03:00 EDT, not 02:00
  EXPECT_EQ(NewYorkMinuteOfDay(h4.bars.ts[5]), 15 * 60);  // 15:00-17:00 EDT, two hours
  EXPECT_EQ(h4.flags[5], kTruncated);
  SqlReference ref;
  ref.SetUp(bars, sessions);
  ExpectEqualsReference(h4, ref.Resample(4 * 3600), "4h across DST");
}

TEST_F(ResampleSyntheticTest, ASubRangeOfSessionsEqualsTheSameSliceOfAFullRun) {
  ASSERT_OK_AND_ASSIGN(DerivedBars full, Resample(bars_, 60, 3600, sessions_));
  // Sessions 10..20 and the bars in [their first open, their last close).
  const calendar::SessionList sub(sessions_.begin() + 10, sessions_.begin() + 21);
  const Micros from = sub.front().open, to = sub.back().close;
  BarColumns part;
  for (size_t i = 0; i < bars_.size(); ++i) {
    if (bars_.ts[i] >= from && bars_.ts[i] < to) part.Append(bars_, i);
  }
  ASSERT_OK_AND_ASSIGN(DerivedBars got, Resample(part, 60, 3600, sub));
  std::vector<RefBar> want;
  for (size_t i = 0; i < full.size(); ++i) {
    const Micros t = full.bars.ts[i];
    if (t >= from && t < to) {
      want.push_back({t, full.bars.open[i], full.bars.high[i], full.bars.low[i], full.bars.close[i],
                      full.bars.volume[i], full.flags[i]});
    }
  }
  ASSERT_GT(want.size(), 100u);
  ExpectEqualsReference(got, want, "sub-range");
  // The same bars against the whole calendar give the same rows too.
  ASSERT_OK_AND_ASSIGN(DerivedBars against_all, Resample(part, 60, 3600, sessions_));
  ExpectEqualsReference(against_all, want, "sub-range, all sessions");
}

TEST(ResampleTest, RejectsBadArguments) {
  const auto sessions = CmeSessions(Day(2024, 2, 5), Day(2024, 2, 6));
  BarColumns bars = SyntheticBars(sessions, 1);
  ASSERT_RAISES(kInvalidArgument, Resample(bars, 60, 90, sessions));  // 1.5 source bars
  ASSERT_RAISES(kInvalidArgument, Resample(bars, 60, 0, sessions));
  ASSERT_RAISES(kInvalidArgument, Resample(bars, 0, 300, sessions));
  calendar::SessionList overlapping = sessions;
  overlapping[0].close = overlapping[1].open + kMinute;
  ASSERT_RAISES(kInvalidArgument, Resample(bars, 60, 300, overlapping));
  calendar::SessionList backwards = sessions;
  std::swap(backwards[0].open, backwards[0].close);
  ASSERT_RAISES(kInvalidArgument, Resample(bars, 60, 300, backwards));
  BarColumns unsorted = bars;
  std::swap(unsorted.ts[10], unsorted.ts[11]);
  auto r = Resample(unsorted, 60, 300, sessions);
  ASSERT_RAISES(kInvalidInput, r);
  EXPECT_NE(r.status().message().find("row 11"), std::string::npos) << r.status().ToString();
  BarColumns duplicate = bars;
  duplicate.ts[11] = duplicate.ts[10];
  ASSERT_RAISES(kInvalidInput, Resample(duplicate, 60, 300, sessions));
  BarColumns ragged = bars;
  ragged.volume.pop_back();
  ASSERT_RAISES(kInvalidInput, Resample(ragged, 60, 300, sessions));
  // Empty input is fine and gives nothing.
  ASSERT_OK_AND_ASSIGN(DerivedBars none, Resample(BarColumns{}, 60, 300, sessions));
  EXPECT_EQ(none.size(), 0u);
}

// ---- real data -------------------------------------------------------------------------

TEST(ResampleRealDataTest, NinjaTraderClExportsEqualSqlReference) {
  const std::string dir = std::string(BARLAKE_SHARED_DIR) + "/realdata/ninjatrader";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "../shared/realdata is not present";
  int files = 0;
  for (const char* name : {"CL 03-24.Last.txt", "CL 06-20.Last.txt", "CL 12-20.Last.txt", "CL 09-08.Last.txt"}) {
    const std::string path = dir + "/" + name;
    if (!std::filesystem::exists(path)) continue;
    ++files;
    ASSERT_OK_AND_ASSIGN(const BarColumns bars, ParseRealNinjaTrader(path));
    ASSERT_GT(bars.size(), 30000u) << name;
    const int64_t first_day = bars.ts.front() / kMicrosPerDay - 2, last_day = bars.ts.back() / kMicrosPerDay + 1;
    const auto sessions = CmeSessions(first_day, last_day);
    SqlReference ref;
    ref.SetUp(bars, sessions);
    int64_t outside = -1;
    for (int64_t minutes : kTargetsMinutes) {
      ASSERT_OK_AND_ASSIGN(DerivedBars got, Resample(bars, 60, minutes * 60, sessions));
      ExpectEqualsReference(got, ref.Resample(minutes * 60), std::string(name) + " " + std::to_string(minutes) + "m");
      if (outside >= 0) {
        EXPECT_EQ(got.outside_session_rows, outside) << "the same bars lie outside at every target";
      }
      outside = got.outside_session_rows;
      if (minutes == 240) {
        // 4h bars in a session start at 18:00, 22:00, 02:00, ... New York, whatever the season.
        for (size_t i = 0; i < got.size(); ++i) {
          if (got.flags[i] & kOutsideSession) continue;
          EXPECT_EQ(NewYorkMinuteOfDay(got.bars.ts[i]) % 240, 120) << name << " " << FormatIsoUtc(got.bars.ts[i]);
        }
      }
    }
    // SOURCES.md: every file has weekend or pre-open stray bars; they are kept, flagged.
    EXPECT_GT(outside, 0) << name;
  }
  if (files == 0) GTEST_SKIP() << "no CL export in " << dir;
}

}  // namespace
}  // namespace barlake::derive
