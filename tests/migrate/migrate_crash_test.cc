// kill -9 during `barlake migrate run` through the binary (label slow).
#include <gtest/gtest.h>

#include <csignal>

#include "migrate_fixture.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using migrate_test::MigrateCliTest;

// kill -9 in the middle of a run (inside a job, and between a commit and the plan's
// save): the next run recovers the job like any other and resumes where the plan says;
// verify is equal, rollback leaves the lake as before; the legacy tree never changes.
TEST_F(MigrateCliTest, SigkillMidRunResumesAndRollsBack) {
  migrate_test::MakeFlat(legacy_, 120, 40);
  const auto before = testutil::Snapshot(legacy_);
  const std::string id = Plan();
  for (const std::string point : {"after-swap-one:40", "after-commit:70", "after-staged:10"}) {
    CommandResult k = Bl({"migrate", "run", id}, {"BARLAKE_CRASH_AT=" + point});
    ASSERT_EQ(k.signal, SIGKILL) << point << ": " << k.out << k.err;
    EXPECT_EQ(testutil::Snapshot(legacy_), before) << point;
    auto p = PlanJson(id);  // the plan file is always whole
    EXPECT_EQ(p["id"], id);
  }
  CommandResult run = Bl({"migrate", "run", id});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(PlanJson(id)["status"], "migrated");
  EXPECT_EQ(LakeRows(), 120 * 40 + 600);
  CommandResult v = Bl({"migrate", "verify", id});
  ASSERT_EQ(v.exit_code, 0) << v.out;
  EXPECT_EQ(Bl({"verify"}).exit_code, 0);
  ASSERT_EQ(Bl({"migrate", "rollback", id}).exit_code, 0);
  EXPECT_EQ(LakeRows(), 0);
  EXPECT_EQ(Bl({"verify"}).exit_code, 0);
  EXPECT_EQ(testutil::Snapshot(legacy_), before);
}

}  // namespace
}  // namespace barlake
