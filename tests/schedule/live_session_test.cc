// Live sessions (lake/live_session.h, docs/live.md): the live polls of `barlake serve`'s
// scheduler (schedule::RunDue with live = true) on a simulated clock against a Binance
// replay server on 127.0.0.1. Every poll is still a job of its own, committed through the
// write protocol; the jobs list shows one `live` job per dataset and day with its poll
// count; a poll killed mid-write is recovered and joins the session; a rollback of the
// session undoes every poll as one job.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "lake/lake.h"
#include "lake/live_session.h"
#include "lake/vault.h"
#include "providers/update.h"
#include "replay_server.h"
#include "schedule/live.h"
#include "schedule/runner.h"
#include "series.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake::schedule {
namespace {

using testutil::Reply;
using testutil::ReplayServer;
using testutil::SeenRequest;

constexpr Micros kT0 = 1764547200LL * kMicrosPerSecond;  // 2025-12-01T00:00:00Z
constexpr Micros kMinute = 60 * kMicrosPerSecond;

struct SimulatedCrash {};

class LiveSessionTest : public ::testing::Test {
 protected:
  /// More keys of the live dataset's table (a calendar).
  virtual std::string DatasetKeys() const { return ""; }
  void SetUp() override {
    vault_ = dir_.Sub("v");
    ASSERT_OK(lake::InitVault(Env::Default(), vault_, {}));
    ASSERT_OK(testutil::WriteText(vault_ + "/barlake.toml",
                                  testutil::ReadText(vault_ + "/barlake.toml") +
                                      "\n[[dataset]]\nsymbol = \"BTCUSDT\"\ntimeframe = \"1m\"\nasset_class = "
                                      "\"crypto\"\nlive = true\n" + DatasetKeys()));
    server_ = std::make_unique<ReplayServer>([this](const SeenRequest& r) {
      const int64_t last_open = (clock_.Now() / kMinute) * 60 * 1000;  // the bar forming now
      return Reply{200,
                   testutil::BinanceKlines(std::stoll(r.Param("startTime")), std::stoll(r.Param("endTime")),
                                           std::stoi(r.Param("limit")), 60000, 0, last_open),
                   "application/json",
                   {{"X-MBX-USED-WEIGHT-1M", "2"}}};
    });
    ::setenv("BARLAKE_BINANCE_URL", server_->origin().c_str(), 1);
    // The bars of the first hour, stored before serve starts.
    auto lake = OpenLake();
    providers::UpdaterOptions uo;
    uo.clock = &clock_;
    uo.http = http_.get();
    clock_ = providers::SimulatedClock(kT0 + 60 * kMinute + 3 * kMicrosPerSecond);
    providers::UpdateRequest req;
    req.symbols = {"BTCUSDT"};
    req.timeframes = {"1m"};
    req.from = kT0;
    ASSERT_OK_AND_ASSIGN(auto items, providers::Updater(lake.get(), uo).Run(req));
    ASSERT_EQ(items.size(), 1u);
    // 60 closed bars and the forming one, stored provisional (docs/live.md).
    ASSERT_EQ(items[0].rows_written, 61) << items[0].error;
  }
  void TearDown() override { ::unsetenv("BARLAKE_BINANCE_URL"); }

  std::unique_ptr<lake::Lake> OpenLake() {
    auto lake = lake::Lake::Open(vault_, lake::LakeOptions{});
    EXPECT_TRUE(lake.ok()) << lake.status().ToString();
    return lake.ok() ? std::move(*lake) : nullptr;
  }
  // One pass of the scheduler `minutes` after the first hour, a moment after the bar closed.
  std::vector<RunOutcome> PollAt(int minutes, lake::CrashHook crash = nullptr) {
    clock_ = providers::SimulatedClock(kT0 + (60 + minutes) * kMinute + 3 * kMicrosPerSecond);
    RunnerOptions o;
    o.vault = vault_;
    o.trigger = "serve";
    o.live = true;
    o.provider_clock = &clock_;
    o.http = http_.get();
    o.now = [this] { return clock_.Now(); };
    o.crash_hook = std::move(crash);
    auto out = RunDue(o);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *out : std::vector<RunOutcome>{};
  }
  int64_t LastBarMinute() {
    auto datasets = OpenLake()->Datasets();
    EXPECT_TRUE(datasets.ok());
    for (const auto& d : *datasets) {
      if (d.symbol == "BTCUSDT") return (d.last_ts - kT0) / kMinute;
    }
    return -1;
  }
  std::vector<journal::JobRecord> ListedJobs() {
    auto jobs = OpenLake()->Jobs(100);
    EXPECT_TRUE(jobs.ok());
    return jobs.ok() ? *jobs : std::vector<journal::JobRecord>{};
  }
  static int64_t Polls(const journal::JobRecord& j) {
    return nlohmann::json::parse(j.report_json).value("polls", int64_t{-1});
  }

  testutil::TempDir dir_;
  std::string vault_;
  providers::SimulatedClock clock_{kT0};
  std::unique_ptr<providers::HttpClient> http_ = providers::NewCurlHttpClient();
  std::unique_ptr<ReplayServer> server_;
};

TEST_F(LiveSessionTest, PollsAreOneListedSessionJobKilledPollRecoveredRollbackUndoesAll) {
  ASSERT_EQ(LastBarMinute(), 60);  // the forming bar, provisional
  for (int m = 1; m <= 5; ++m) {
    auto out = PollAt(m);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].schedule, "live BTCUSDT 1m");
    EXPECT_EQ(out[0].status, "completed") << out[0].message;
    EXPECT_NE(out[0].message.find("live session job"), std::string::npos) << out[0].message;
  }
  EXPECT_EQ(LastBarMinute(), 65);
  auto jobs = ListedJobs();
  ASSERT_EQ(jobs.size(), 2u) << "the first update and one live session, not five poll jobs";
  const journal::JobRecord session = jobs[0];
  EXPECT_EQ(session.kind, "live");
  EXPECT_EQ(session.status, "completed");
  EXPECT_EQ(session.source_path, "live session 2025-12-01");
  EXPECT_EQ(Polls(session), 5);
  EXPECT_GE(session.rows_written, 5);  // the sum of its polls (each also settles the overlap bar)

  // Killed mid-poll, after the poll's plan was journaled: the next writer recovers it, and
  // the next poll adds it to the session.
  auto killed = PollAt(6, [](lake::CrashPoint p) {
    if (p == lake::CrashPoint::kAfterSwapOne) throw SimulatedCrash{};
  });
  ASSERT_EQ(killed.size(), 1u);
  EXPECT_EQ(killed[0].status, "failed");
  auto next = PollAt(7);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].status, "completed") << next[0].message;
  EXPECT_EQ(LastBarMinute(), 67);
  jobs = ListedJobs();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].id, session.id);
  EXPECT_EQ(Polls(jobs[0]), 7);
  ASSERT_OK_AND_ASSIGN(auto report, OpenLake()->Verify());
  EXPECT_TRUE(report.problems.empty());

  // Killed before the plan: nothing of that poll stays; the next poll brings its bar.
  auto early = PollAt(8, [](lake::CrashPoint p) {
    if (p == lake::CrashPoint::kAfterStageFile) throw SimulatedCrash{};
  });
  ASSERT_EQ(early.size(), 1u);
  auto after_early = PollAt(9);
  ASSERT_EQ(after_early.size(), 1u);
  EXPECT_EQ(LastBarMinute(), 69);
  // The failed poll changed nothing and stays listed on its own, with its reason.
  jobs = ListedJobs();
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].status, "failed");
  EXPECT_EQ(jobs[1].id, session.id);
  EXPECT_EQ(Polls(jobs[1]), 8);

  // One rollback undoes the whole session.
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(journal::JobRecord rb, lake->Rollback(session.id));
  EXPECT_EQ(rb.status, "completed");
  lake.reset();
  EXPECT_EQ(LastBarMinute(), 60);
  jobs = ListedJobs();
  ASSERT_GE(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].kind, "rollback");
  EXPECT_EQ(jobs[0].target_job, session.id);
  EXPECT_EQ(jobs[2].id, session.id);
  EXPECT_EQ(jobs[2].status, "rolled_back");
  ASSERT_OK_AND_ASSIGN(report, OpenLake()->Verify());
  EXPECT_TRUE(report.problems.empty());
  // A poll of the session cannot be rolled back alone.
  ASSERT_OK_AND_ASSIGN(journal::JobRecord any_poll, OpenLake()->Job(session.id + 1));
  EXPECT_EQ(any_poll.status, "rolled_back");

  // The next poll opens a new session.
  auto fresh = PollAt(10);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].status, "completed") << fresh[0].message;
  jobs = ListedJobs();
  EXPECT_EQ(jobs[0].kind, "live");
  EXPECT_NE(jobs[0].id, session.id);
  EXPECT_EQ(LastBarMinute(), 70);
}

// Followers of one dataset sharing their reads (the server's streams): one read per change
// serves them all, and a poll with nothing changed reads nothing, though the last bar is
// provisional (it is read again only once the catalog says the dataset changed).
TEST_F(LiveSessionTest, FollowersShareOneReadPerChange) {
  auto shared = std::make_shared<SharedBarReads>();
  std::vector<std::unique_ptr<BarFollower>> followers;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(auto f, BarFollower::Open(vault_, "BTCUSDT", "1m", kOpenRangeStart, shared));
    ASSERT_OK_AND_ASSIGN(BarColumns newest, f->Newest(2));
    ASSERT_EQ(newest.size(), 2u);
    EXPECT_EQ(newest.ts.back(), kT0 + 60 * kMinute);
    EXPECT_TRUE(newest.FlagAt(1) & kBarProvisional);
    followers.push_back(std::move(f));
  }
  EXPECT_EQ(shared->reads(), 1);
  ASSERT_OK_AND_ASSIGN(auto alone, BarFollower::Open(vault_, "BTCUSDT", "1m", kOpenRangeStart));
  ASSERT_OK_AND_ASSIGN(BarColumns alone_newest, alone->Newest(2));
  for (int round = 0; round < 3; ++round) {
    for (auto& f : followers) {
      ASSERT_OK_AND_ASSIGN(BarColumns none, f->Poll());
      EXPECT_EQ(none.size(), 0u);
    }
    ASSERT_OK_AND_ASSIGN(BarColumns none, alone->Poll());
    EXPECT_EQ(none.size(), 0u);
  }
  EXPECT_EQ(shared->reads(), 1) << "nothing changed: nothing read";
  // A poll completes bar 60 and stores bar 61 forming: every follower gets both, from one read.
  ASSERT_EQ(PollAt(1).size(), 1u);
  ASSERT_OK_AND_ASSIGN(BarColumns want, alone->Poll());
  ASSERT_EQ(want.size(), 2u);
  EXPECT_EQ(want.ts[0], kT0 + 60 * kMinute);
  EXPECT_FALSE(want.FlagAt(0) & kBarProvisional);
  for (auto& f : followers) {
    ASSERT_OK_AND_ASSIGN(BarColumns got, f->Poll());
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got.ts, want.ts);
    EXPECT_EQ(got.close, want.close);
  }
  EXPECT_EQ(shared->reads(), 2);
}

TEST(LiveSessionForTest, CalendarSessionElseUtcDay) {
  registry::Registry reg;
  registry::DatasetSpec d;
  d.timeframe = "1m";
  for (const auto& [symbol, cal] : {std::pair<std::string, std::string>{"ES", "CME_Globex"}, {"BTCUSDT", "Crypto"},
                                    {"X", ""}, {"Y", "NoSuchCalendar"}}) {
    d.symbol = symbol;
    d.calendar = cal;
    reg.Upsert(d);
  }
  const Micros mon_2330 = kT0 + (23 * 60 + 30) * kMinute;
  EXPECT_EQ(lake::LiveSessionFor(reg, "ES", "1m", mon_2330).label, "live session 2025-12-02 (CME_Globex)");
  EXPECT_EQ(lake::LiveSessionFor(reg, "ES", "1m", mon_2330).start, kT0 + 23 * 60 * kMinute);
  // In the daily break (and over the weekend) a poll belongs to the session that closed last.
  EXPECT_EQ(lake::LiveSessionFor(reg, "ES", "1m", kT0 + 22 * 60 * kMinute + 3 * kMicrosPerSecond).label,
            "live session 2025-12-01 (CME_Globex)");
  EXPECT_EQ(lake::LiveSessionFor(reg, "ES", "1m", kT0 + 5 * kMicrosPerDay + 12 * 60 * kMinute).label,
            "live session 2025-12-05 (CME_Globex)");  // Saturday noon: Friday's session
  // A 24/7 calendar, none, or an unknown one: the UTC day.
  for (const char* symbol : {"BTCUSDT", "X", "Y", "NOT_DECLARED"}) {
    const lake::LiveSessionKey k = lake::LiveSessionFor(reg, symbol, "1m", mon_2330);
    EXPECT_EQ(k.label, "live session 2025-12-01") << symbol;
    EXPECT_EQ(k.calendar, "") << symbol;
    EXPECT_EQ(k.start, kT0) << symbol;
  }
}

// The same dataset on the CME Globex calendar (Sunday 18:00 to Friday 17:00 New York, a
// break from 17:00 to 18:00 each day: 22:00 to 23:00 UTC in December). Its live job is the
// calendar session, which spans two UTC days; the bars Binance serves in the break are kept
// (outside_session = "keep"), which does not matter here.
class CmeLiveSessionTest : public LiveSessionTest {
 protected:
  std::string DatasetKeys() const override { return "calendar = \"CME_Globex\"\n"; }
  // `hh:mm` UTC on 2025-12-01 (day 0, a Monday) or the day after (day 1), as PollAt's minutes.
  static int At(int day, int hh, int mm) { return day * 1440 + hh * 60 + mm - 60; }
  void ExpectCompleted(const std::vector<RunOutcome>& out) {
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].status, "completed") << out[0].message;
  }
  std::vector<lake::LiveSessionState> States() {
    auto lake = OpenLake();
    auto states = lake::LiveSessionStates(lake.get(), clock_.Now());
    EXPECT_TRUE(states.ok()) << states.status().ToString();
    return states.ok() ? *states : std::vector<lake::LiveSessionState>{};
  }
};

TEST_F(CmeLiveSessionTest, OneJobPerCalendarSessionAcrossUtcMidnightNewJobAfterTheBreak) {
  // Monday 23:30 UTC is Monday 18:30 New York: the session of Tuesday 2025-12-02.
  ExpectCompleted(PollAt(At(0, 23, 30)));
  ExpectCompleted(PollAt(At(0, 23, 31)));
  auto states = States();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].session.label, "live session 2025-12-02 (CME_Globex)");
  EXPECT_EQ(states[0].polls, 2);
  EXPECT_GT(states[0].last_poll, 0);
  EXPECT_EQ(lake::LiveSessionJson(states[0])["session_start"], "2025-12-01T23:00:00Z");
  // Tuesday 21:30 UTC, another UTC day: the same session.
  ExpectCompleted(PollAt(At(1, 21, 30)));
  // A poll killed after its plan is recovered and joins the session with the next one.
  auto killed = PollAt(At(1, 21, 31), [](lake::CrashPoint p) {
    if (p == lake::CrashPoint::kAfterSwapOne) throw SimulatedCrash{};
  });
  ASSERT_EQ(killed.size(), 1u);
  EXPECT_EQ(killed[0].status, "failed");
  ExpectCompleted(PollAt(At(1, 21, 32)));
  // Just after the 22:00 UTC close: the poll brings the session's last bar, into its job.
  ExpectCompleted(PollAt(At(1, 22, 0)));
  auto jobs = ListedJobs();
  ASSERT_EQ(jobs.size(), 2u) << "the first update and one live session across two UTC days";
  const journal::JobRecord first = jobs[0];
  EXPECT_EQ(first.kind, "live");
  EXPECT_EQ(first.source_path, "live session 2025-12-02 (CME_Globex)");
  EXPECT_EQ(Polls(first), 6);
  states = States();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].job, first.id);
  EXPECT_EQ(states[0].polls, 6);

  // After the daily break (Tuesday 23:30 UTC): the session of Wednesday, a new job.
  ExpectCompleted(PollAt(At(1, 23, 30)));
  EXPECT_EQ(LastBarMinute(), 60 + At(1, 23, 30));
  jobs = ListedJobs();
  ASSERT_EQ(jobs.size(), 3u);
  const journal::JobRecord second = jobs[0];
  EXPECT_EQ(second.kind, "live");
  EXPECT_NE(second.id, first.id);
  EXPECT_EQ(second.source_path, "live session 2025-12-03 (CME_Globex)");
  EXPECT_EQ(Polls(second), 1);
  EXPECT_EQ(Polls(jobs[1]), 6);
  states = States();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].job, second.id);
  EXPECT_EQ(states[0].polls, 1);

  // Each session rolls back as one job, newest first; a poll alone cannot.
  auto lake = OpenLake();
  EXPECT_FALSE(lake->Rollback(first.id + 1).ok());
  ASSERT_OK_AND_ASSIGN(journal::JobRecord rb2, lake->Rollback(second.id));
  EXPECT_EQ(rb2.status, "completed");
  ASSERT_OK_AND_ASSIGN(journal::JobRecord rb1, lake->Rollback(first.id));
  EXPECT_EQ(rb1.status, "completed");
  lake.reset();
  EXPECT_EQ(LastBarMinute(), 60);
  jobs = ListedJobs();
  ASSERT_EQ(jobs.size(), 5u) << "two rollback jobs, two sessions, the first update";
  EXPECT_EQ(jobs[0].target_job, first.id);
  EXPECT_EQ(jobs[1].target_job, second.id);
  ASSERT_OK_AND_ASSIGN(auto report, OpenLake()->Verify());
  EXPECT_TRUE(report.problems.empty());
}

}  // namespace
}  // namespace barlake::schedule
