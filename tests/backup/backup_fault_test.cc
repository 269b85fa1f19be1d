// An I/O error at every mutating step of a backup and of a restore (FaultInjectionEnv over
// the folder store and the vault): no manifest ever names a missing object, no half vault
// appears at the target, and the next backup or restore succeeds. Label `fault`.
#include "backup_fixture.h"
#include "testutil/fault_injection_env.h"

namespace barlake::backup {
namespace {

// An I/O error at every mutating step of a backup: the backup fails with it, and the
// destination never holds a manifest naming a missing object; the next backup succeeds.
TEST_F(BackupTest, AnIoErrorAtAnyStepOfABackupLeavesNoDanglingManifest) {
  Backup();  // a previous snapshot that must survive
  Import("es2.txt", NtMinutes("20240201 003100", 30, 4900), "ES");
  testutil::FaultInjectionEnv counter(Env::Default());
  {
    const std::string copy = dir_.Sub("count");
    std::filesystem::copy(dest_, copy, std::filesystem::copy_options::recursive);
    auto store = OpenFolderStore(&counter, copy, false).value();
    BackupOptions o;
    o.env = &counter;
    ASSERT_OK(BackupVault(vault_, store.get(), o).status());
  }
  const int64_t steps = counter.mutating_calls();
  ASSERT_GT(steps, 5);
  for (int64_t n = 1; n <= steps; ++n) {
    const std::string d = dir_.Sub("d" + std::to_string(n));
    std::filesystem::copy(dest_, d, std::filesystem::copy_options::recursive);
    testutil::FaultInjectionEnv env(Env::Default());
    env.FailAt(n, ErrorCode::kIOError);
    auto store = OpenFolderStore(&env, d, false).value();
    BackupOptions o;
    o.env = &env;
    auto r = BackupVault(vault_, store.get(), o);
    auto plain = OpenFolderStore(Env::Default(), d, false).value();
    ASSERT_OK_AND_ASSIGN(StoreVerifyReport v, VerifyStore(plain.get(), true, nullptr));
    EXPECT_TRUE(v.ok()) << "step " << n << ": " << (v.ok() ? "" : v.problems[0].what);
    ASSERT_OK_AND_ASSIGN(auto snaps, ListSnapshots(plain.get()));
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kIOError) << "step " << n;
      // The only failure after the manifest is in place is its folder's fsync.
      EXPECT_LE(snaps.size(), 2u) << "step " << n;
    } else {
      EXPECT_EQ(snaps.size(), 2u) << "step " << n << " (a lock-note write may fail harmlessly)";
    }
    ASSERT_OK(BackupVault(vault_, plain.get(), {}).status()) << "step " << n;
  }
}

// An I/O error at every mutating step of a restore: no vault appears at the target.
TEST_F(BackupTest, AnIoErrorAtAnyStepOfARestoreLeavesNoVault) {
  Backup();
  testutil::FaultInjectionEnv counter(Env::Default());
  {
    auto store = OpenFolderStore(&counter, dest_, false).value();
    RestoreOptions ro;
    ro.env = &counter;
    ro.to = dir_.Sub("count");
    ASSERT_OK(Restore(store.get(), ro).status());
  }
  const int64_t steps = counter.mutating_calls();
  for (int64_t n = 1; n <= steps; ++n) {
    testutil::FaultInjectionEnv env(Env::Default());
    env.FailAt(n, ErrorCode::kIOError);
    auto store = OpenFolderStore(&env, dest_, false).value();
    RestoreOptions ro;
    ro.env = &env;
    ro.to = dir_.Sub("r" + std::to_string(n));
    auto r = Restore(store.get(), ro);
    // Only the fsync of the parent folder after the final rename can fail once the vault
    // is in place: then it is the whole, verified vault (checked below).
    if (!r.ok() && !std::filesystem::exists(ro.to)) {
      // A later restore to the same target starts over and succeeds.
      RestoreOptions again;
      again.to = ro.to;
      ASSERT_OK(Restore(Store().get(), again).status()) << "step " << n;
    }
    EXPECT_EQ(AllBars(ro.to), AllBars(vault_)) << "step " << n;
  }
}

}  // namespace
}  // namespace barlake::backup
