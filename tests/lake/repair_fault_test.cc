// A repair (docs/integrity.md) that fails or is killed at any step leaves a vault that
// recovery and a second repair make whole, with the original bars (label `fault`).
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "lake/lake_test_util.h"
#include "testutil/fault_sweep.h"

namespace barlake::lake {
namespace {

namespace fs = std::filesystem;

constexpr Micros kAll = std::numeric_limits<Micros>::max();

void FlipByte(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  const auto size = fs::file_size(path);
  f.seekg(static_cast<std::streamoff>(size / 2));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x10);
  f.seekp(static_cast<std::streamoff>(size / 2));
  f.write(&c, 1);
}

class RepairFaultTest : public VaultTest {
 protected:
  std::string Part(const std::string& period) {
    return vault_ + "/lake/symbol=ES/timeframe=1m/period=" + period + "/data.parquet";
  }
  BarColumns ReadAll(Lake* l) {
    auto r = l->Read("ES", "1m", 0, kAll);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : BarColumns{};
  }
};

// A repair that fails or crashes at any step leaves a vault that verifies or that a
// second repair makes whole (conformance: tests/lake/write_path_conformance_test.cc).
TEST_F(RepairFaultTest, ARepairFailingOrCrashingAtAnyStepLeavesARecoverableVault) {
  BarColumns before;
  {
    auto l = OpenLake();
    ASSERT_OK(l->Import(Req(WriteSource("first.txt", testutil::NtMinutes("20240131 220100", 240, 100)))).status());
    before = ReadAll(l.get());
  }
  FlipByte(Part("2024-01"));
  const std::string pristine = dir_.Sub("damaged");
  fs::copy(vault_, pristine, fs::copy_options::recursive);
  int64_t steps = 0;
  {
    testutil::FaultInjectionEnv env(Env::Default());
    LakeOptions o;
    o.env = &env;
    auto l = OpenLake(std::move(o));
    ASSERT_OK(l->Repair(false).status());
    steps = env.mutating_calls();
  }
  ASSERT_GT(steps, 3);
  // Every step took 6 minutes on 2 shared cores (each run replays an import twice): 16
  // steps spread over the whole repair, first and last included, cover each phase (the
  // replay into the scratch vault, staging, the swap, the commit).
  testutil::SweepFaults(
      steps, steps / 16,
      [&] {
        fs::remove_all(vault_);
        fs::copy(pristine, vault_, fs::copy_options::recursive);
      },
      [&](testutil::FaultInjectionEnv* env) {
        LakeOptions o;
        o.env = env;
        return OpenLake(std::move(o));
      },
      [&](Lake* l) { (void)l->Repair(false); },
      [&] {
        auto l = OpenLake();
        ASSERT_OK(l->Recover());
        ASSERT_OK(l->Repair(false).status());
        ASSERT_OK_AND_ASSIGN(VerifyReport v, l->Verify());
        EXPECT_TRUE(v.ok()) << v.problems[0].path << ": " << v.problems[0].what;
        const BarColumns after = ReadAll(l.get());
        EXPECT_EQ(after.ts, before.ts);
        EXPECT_EQ(after.close, before.close);
        EXPECT_EQ(after.job, before.job);
      });
}

}  // namespace
}  // namespace barlake::lake
