// A gc killed at any step (FaultInjectionEnv::CrashAfter) or failing at any step leaves a
// consistent vault: recovery records the job as failed, verify passes, the bars read the
// same, and the next gc ends where an uninterrupted one would (label `fault`).
#include <filesystem>

#include "lake/gc.h"
#include "lake/lake_test_util.h"
#include "testutil/fault_sweep.h"

namespace barlake::lake {
namespace {

namespace fs = std::filesystem;
using testutil::NtMinutes;

constexpr Micros kAll = std::numeric_limits<Micros>::max();

class GcFaultTest : public VaultTest {
 protected:
  registry::RetentionPolicy Policy() {
    registry::RetentionPolicy p;
    p.keep_versions = p.version_days = p.source_days = p.failed_days = 0;
    p.rollback_days = 7;  // some files held, some removed
    return p;
  }
  Result<GcReport> Gc(Lake* l) {
    GcOptions o;
    o.now = Env::Default()->NowMicros();
    return CollectGarbage(l, Policy(), o);
  }
  std::map<std::string, std::string> Files() {
    auto all = testutil::Snapshot(vault_);
    for (auto it = all.begin(); it != all.end();) {
      it = it->first.rfind(".barlake/journal", 0) == 0 || it->first.rfind(".barlake/lock", 0) == 0 ? all.erase(it) : ++it;
    }
    return all;
  }
};

TEST_F(GcFaultTest, AGcKilledOrFailingAtAnyStepLeavesAConsistentVault) {
  BarColumns before;
  {
    auto l = OpenLake();
    const char* starts[] = {"20240110 100100", "20240111 100100", "20240112 100100"};
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK(l->Import(Req(WriteSource("f" + std::to_string(i) + ".txt", NtMinutes(starts[i], 60, 4800 + i)))).status());
    }
    ASSERT_OK_AND_ASSIGN(auto renamed, l->RenameDataset({"ES", "1m", "ESX"}));
    ASSERT_OK(l->Rollback(renamed.id).status());
    ASSERT_OK_AND_ASSIGN(before, l->Read("ES", "1m", 0, kAll));
  }
  ASSERT_OK(testutil::WriteText(vault_ + "/.barlake/versions/job-999/a/orphan.parquet", "orphan"));
  ASSERT_OK(testutil::WriteText(vault_ + "/.barlake/sources/.incoming-1-2", "partial"));
  const std::string pristine = dir_.Sub("pristine");
  fs::copy(vault_, pristine, fs::copy_options::recursive);

  int64_t steps = 0;
  std::map<std::string, std::string> clean;
  {
    testutil::FaultInjectionEnv env(Env::Default());
    LakeOptions o;
    o.env = &env;
    auto l = OpenLake(std::move(o));
    ASSERT_OK_AND_ASSIGN(GcReport r, Gc(l.get()));
    ASSERT_GT(r.removed.size(), 5u);
    ASSERT_FALSE(r.held.empty());
    steps = env.mutating_calls();
    l.reset();
    clean = Files();
  }
  ASSERT_GT(steps, 5);
  testutil::SweepFaults(
      steps, 1,
      [&] {
        fs::remove_all(vault_);
        fs::copy(pristine, vault_, fs::copy_options::recursive);
      },
      [&](testutil::FaultInjectionEnv* env) {
        LakeOptions o;
        o.env = env;
        return OpenLake(std::move(o));
      },
      [&](Lake* l) { (void)Gc(l); },
      [&] {
        auto l = OpenLake();
        ASSERT_OK(l->Recover());
        ASSERT_OK_AND_ASSIGN(auto running, l->JobsWithStatus("running"));
        EXPECT_TRUE(running.empty());
        ASSERT_OK_AND_ASSIGN(VerifyReport v, l->Verify());
        EXPECT_TRUE(v.ok()) << v.problems[0].path << ": " << v.problems[0].what;
        ASSERT_OK_AND_ASSIGN(BarColumns after, l->Read("ES", "1m", 0, kAll));
        EXPECT_EQ(after.ts, before.ts);
        EXPECT_EQ(after.close, before.close);
        ASSERT_OK(Gc(l.get()).status());
        l.reset();
        EXPECT_EQ(Files(), clean) << "the next gc ends where an uninterrupted one does";
      });
}

}  // namespace
}  // namespace barlake::lake
