// The record of schedule runs and its lease (schedule/run_store.h): a run still going is
// not started twice, in this process or another; a run whose process died stops blocking.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/time_util.h"
#include "journal/journal.h"
#include "journal/sqlite_db.h"
#include "schedule/run_store.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

namespace barlake::schedule {
namespace {

class RunStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("journal.sqlite");
    ASSERT_OK_AND_ASSIGN(auto j, journal::Journal::Open(path_, /*create=*/true));
  }
  // A running row of another process, as a serve or run-due elsewhere leaves it.
  void InsertRunning(const std::string& schedule, int64_t pid, Micros slot) {
    ASSERT_OK_AND_ASSIGN(auto db, journal::SqliteDb::Open(path_, false));
    ASSERT_OK_AND_ASSIGN(auto s, db->Prepare("INSERT INTO schedule_runs (schedule, action, slot, status, started_at, "
                                             "pid, trigger) VALUES (?, 'update', ?, 'running', 1, ?, 'serve')"));
    s->Bind(1, schedule).Bind(2, slot).Bind(3, pid);
    ASSERT_OK(s->Run());
  }
  testutil::TempDir dir_;
  std::string path_;
};

TEST_F(RunStoreTest, ARunningRunOfALiveProcessBlocksTheNext) {
  ASSERT_OK_AND_ASSIGN(auto store, RunStore::Open(path_));
  pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  InsertRunning("nightly", child, 100);
  ASSERT_OK_AND_ASSIGN(BeginResult b, store->Begin("nightly", "update", 200, 300, "run-due"));
  EXPECT_EQ(b.run_id, 0);
  ASSERT_TRUE(b.blocked_by.has_value());
  EXPECT_EQ(b.blocked_by->pid, child);
  EXPECT_EQ(b.blocked_by->status, "running");
  // Another schedule is not blocked.
  ASSERT_OK_AND_ASSIGN(b, store->Begin("hourly", "health", 200, 300, "run-due"));
  EXPECT_GT(b.run_id, 0);

  // The holder dies: its row becomes abandoned and the next run starts.
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_OK_AND_ASSIGN(b, store->Begin("nightly", "update", 200, 400, "run-due"));
  EXPECT_GT(b.run_id, 0);
  ASSERT_OK_AND_ASSIGN(auto runs, store->Runs("nightly", 10));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].status, "running");
  EXPECT_EQ(runs[1].status, "abandoned");
  EXPECT_EQ(runs[1].message, "process " + std::to_string(child) + " ended before the run finished");
}

TEST_F(RunStoreTest, ASlotRunOnceIsNotRunAgainAndLastSlotIgnoresSkips) {
  ASSERT_OK_AND_ASSIGN(auto store, RunStore::Open(path_));
  ASSERT_OK_AND_ASSIGN(BeginResult b, store->Begin("s", "update", 500, 510, "serve"));
  ASSERT_GT(b.run_id, 0);
  // In this process too, a second Begin while the first runs is refused.
  ASSERT_OK_AND_ASSIGN(BeginResult again, store->Begin("s", "update", 500, 511, "run-due"));
  EXPECT_EQ(again.run_id, 0);
  ASSERT_OK(store->Finish(b.run_id, "completed", {7, 8}, "2 datasets", 520));
  // A second process that saw the same slot due a moment later does not run it again.
  ASSERT_OK_AND_ASSIGN(again, store->Begin("s", "update", 500, 530, "run-due"));
  EXPECT_EQ(again.run_id, 0);
  ASSERT_TRUE(again.blocked_by.has_value());
  EXPECT_EQ(again.blocked_by->status, "completed");
  ASSERT_OK(store->Record({0, "s", "update", 900, "skipped", 901, 901, 0, {}, "busy", "run-due"}));
  ASSERT_OK_AND_ASSIGN(Micros last, store->LastSlot("s"));
  EXPECT_EQ(last, 500);
  ASSERT_OK_AND_ASSIGN(auto latest, store->LastRun("s"));
  EXPECT_EQ(latest->status, "skipped");
  ASSERT_OK_AND_ASSIGN(auto runs, store->Runs("s", 10));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].jobs, (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(runs[1].finished_at, 520);
}

}  // namespace
}  // namespace barlake::schedule
