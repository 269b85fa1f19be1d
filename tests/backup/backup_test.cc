// Backup and restore to a folder, in process (backup/backup.h, docs/backup.md): a restored
// vault reads exactly the bars the original read, an incremental backup sends only the
// objects the destination lacks, verify catches a missing and a corrupted object, prune
// keeps what its policy names, a backup is a consistent cut while an import replaces a
// partition, and an I/O error at any step of a backup or a restore leaves no manifest
// pointing at a missing object and no half vault.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "backup/backup.h"
#include "core/checksum.h"
#include "core/time_util.h"
#include "lake/lake.h"
#include "testutil/fault_injection_env.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake::backup {
namespace {

using testutil::NtMinutes;

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("vault");
    dest_ = dir_.Sub("backup");
    lake::InitOptions init;
    init.default_source_tz = "UTC";
    ASSERT_OK(lake::InitVault(Env::Default(), vault_, init));
    // ES over two months (two partitions), NQ in one.
    Import("es1.txt", NtMinutes("20240131 233100", 60, 4800), "ES");
    Import("nq1.txt", NtMinutes("20240110 100100", 30, 16000), "NQ");
  }

  void Import(const std::string& name, const std::string& text, const std::string& symbol,
              lake::ConflictPolicy policy = lake::ConflictPolicy::kKeep) {
    const std::string p = dir_.Sub("src/" + name);
    ASSERT_OK(testutil::WriteText(p, text));
    auto lake = lake::Lake::Open(vault_, {});
    ASSERT_OK(lake.status());
    lake::ImportRequest r;
    r.path = p;
    r.symbol = symbol;
    r.timeframe = "1m";
    r.on_conflict = policy;
    auto res = (*lake)->Import(r);
    ASSERT_OK(res.status());
    ASSERT_EQ(res->job.status, "completed");
  }

  std::unique_ptr<ObjectStore> Store(Env* env = Env::Default()) {
    auto s = OpenFolderStore(env, dest_, true);
    EXPECT_OK(s.status());
    return s.ok() ? std::move(s).value() : nullptr;
  }

  BackupResult Backup(Env* env = nullptr) {
    auto store = Store();
    BackupOptions o;
    o.env = env;
    auto r = BackupVault(vault_, store.get(), o);
    EXPECT_OK(r.status());
    return r.ok() ? std::move(r).value() : BackupResult{};
  }

  /// Every dataset's bars, as text (ts and OHLCV), for comparing two vaults.
  static std::string AllBars(const std::string& vault) {
    auto lake = lake::Lake::Open(vault, {});
    EXPECT_OK(lake.status());
    if (!lake.ok()) return "";
    std::string out;
    for (const char* sym : {"ES", "NQ"}) {
      auto bars = (*lake)->Read(sym, "1m", 0, ParseIsoUtc("2100-01-01").value());
      if (!bars.ok()) {
        out += std::string(sym) + ": " + bars.status().ToString() + "\n";
        continue;
      }
      for (size_t i = 0; i < bars->size(); ++i) {
        out += std::string(sym) + " " + std::to_string(bars->ts[i]) + " " + std::to_string(bars->open[i]) + " " +
               std::to_string(bars->high[i]) + " " + std::to_string(bars->low[i]) + " " +
               std::to_string(bars->close[i]) + " " + std::to_string(bars->volume[i]) + " " +
               std::to_string(bars->job[i]) + "\n";
      }
    }
    return out;
  }

  std::vector<std::string> ObjectFiles() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dest_ + "/objects")) out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  testutil::TempDir dir_;
  std::string vault_, dest_;
};

TEST_F(BackupTest, RestoredVaultReadsTheSameBarsAndVerifies) {
  const std::string before = AllBars(vault_);
  ASSERT_FALSE(before.empty());
  BackupResult b = Backup();
  EXPECT_GT(b.objects_sent, 0);
  EXPECT_EQ(b.objects_present, 0);
  // 3 partitions, 2 kept sources, barlake.toml and the 2 versions of it the imports kept
  // when they declared their datasets (the journal is apart).
  EXPECT_EQ(b.manifest.files.size(), 8u);
  EXPECT_EQ(b.manifest.journal.path, ".barlake/journal.sqlite");
  EXPECT_TRUE(std::filesystem::exists(dest_ + "/snapshots/" + b.manifest.id + ".json"));

  auto store = Store();
  RestoreOptions ro;
  ro.to = dir_.Sub("restored");
  ASSERT_OK_AND_ASSIGN(RestoreResult r, Restore(store.get(), ro));
  EXPECT_TRUE(r.verify.ok());
  EXPECT_EQ(r.verify.files_checked, 3);
  EXPECT_EQ(AllBars(ro.to), before);
  EXPECT_FALSE(std::filesystem::exists(ro.to + ".restoring"));
  // The data files are byte for byte the original's.
  EXPECT_EQ(testutil::Snapshot(ro.to + "/lake"), testutil::Snapshot(vault_ + "/lake"));
  EXPECT_EQ(testutil::ReadText(ro.to + "/barlake.toml"), testutil::ReadText(vault_ + "/barlake.toml"));
  // A restored vault is a working vault: it takes the next import.
  vault_ = ro.to;
  Import("es2.txt", NtMinutes("20240201 003100", 30, 4900), "ES");
}

TEST_F(BackupTest, RestoreRefusesANonEmptyTargetAndAnUnknownSnapshot) {
  Backup();
  auto store = Store();
  RestoreOptions ro;
  ro.to = vault_;
  ASSERT_RAISES(kAlreadyExists, Restore(store.get(), ro).status());
  ro.to = dir_.Sub("r2");
  ro.snapshot = "20200101T000000Z-00000000";
  ASSERT_RAISES(kNotFound, Restore(store.get(), ro).status());
  EXPECT_FALSE(std::filesystem::exists(ro.to));
}

TEST_F(BackupTest, SecondBackupSendsOnlyTheChangedObjects) {
  const BackupResult first = Backup();
  // Unchanged vault: nothing is sent (the journal's image is the same bytes), only a manifest.
  const BackupResult same = Backup();
  EXPECT_EQ(same.objects_sent, 0);
  EXPECT_EQ(same.bytes_sent, 0);
  // Append to the February partition of ES: that partition, the new kept source and the
  // journal change; the January partition, NQ, the old source and barlake.toml do not (the
  // old February file, now a kept version, is already there).
  Import("es2.txt", NtMinutes("20240201 003100", 30, 4900), "ES");
  const BackupResult second = Backup();
  EXPECT_EQ(second.objects_sent, 3) << "partition + source + journal";
  EXPECT_LT(second.bytes_sent, first.bytes_sent);
  EXPECT_EQ(second.manifest.files.size(), 10u) << "3 partitions, 3 sources, 3 kept versions, barlake.toml";
  ASSERT_OK_AND_ASSIGN(auto snaps, ListSnapshots(Store().get()));
  EXPECT_EQ(snaps.size(), 3u);
  // Each snapshot restores its own state.
  const std::string now = AllBars(vault_);
  RestoreOptions ro;
  ro.to = dir_.Sub("old");
  ro.snapshot = first.manifest.id;
  ASSERT_OK(Restore(Store().get(), ro).status());
  RestoreOptions ro2;
  ro2.to = dir_.Sub("new");
  ASSERT_OK(Restore(Store().get(), ro2).status());
  EXPECT_EQ(AllBars(ro2.to), now);
  EXPECT_NE(AllBars(ro.to), now);
}

TEST_F(BackupTest, VerifyCatchesAMissingAndACorruptedObject) {
  Backup();
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport clean, VerifyStore(Store().get(), true, nullptr));
  EXPECT_TRUE(clean.ok());
  EXPECT_EQ(clean.snapshots, 1);
  EXPECT_GT(clean.bytes_read, 0);
  auto objects = ObjectFiles();
  ASSERT_GE(objects.size(), 2u);
  // Corrupt one object without changing its size: only --read-data sees it.
  {
    std::string bytes = testutil::ReadText(objects[0]);
    bytes[bytes.size() / 2] ^= 0x5a;
    ASSERT_OK(testutil::WriteText(objects[0], bytes));
  }
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport sizes_only, VerifyStore(Store().get(), false, nullptr));
  EXPECT_TRUE(sizes_only.ok());
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport corrupt, VerifyStore(Store().get(), true, nullptr));
  ASSERT_EQ(corrupt.problems.size(), 1u);
  EXPECT_NE(corrupt.problems[0].what.find("corrupted"), std::string::npos);
  // A restore refuses the corrupted object rather than write it.
  RestoreOptions ro;
  ro.to = dir_.Sub("restored");
  ASSERT_RAISES(kCorruption, Restore(Store().get(), ro).status());
  EXPECT_FALSE(std::filesystem::exists(ro.to));
  // A missing object is seen without reading data.
  std::filesystem::remove(objects[1]);
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport missing, VerifyStore(Store().get(), false, nullptr));
  ASSERT_EQ(missing.problems.size(), 1u);
  EXPECT_NE(missing.problems[0].what.find("missing"), std::string::npos);
}

TEST_F(BackupTest, PruneKeepsThePolicysSnapshotsAndSweepsTheRest) {
  const BackupResult a = Backup();
  Import("es2.txt", NtMinutes("20240201 003100", 30, 4900), "ES");
  const BackupResult b = Backup();
  Import("nq2.txt", NtMinutes("20240110 103100", 30, 16100), "NQ");
  const BackupResult c = Backup();
  const size_t objects_before = ObjectFiles().size();
  // An object no manifest names (an interrupted backup's) is swept too.
  ASSERT_OK(testutil::WriteText(dest_ + "/objects/" + std::string(64, 'a'), "orphan"));
  ASSERT_RAISES(kInvalidArgument, Prune(Store().get(), {}).status());

  PruneOptions dry{1, 0, true};
  ASSERT_OK_AND_ASSIGN(PruneResult d, Prune(Store().get(), dry));
  EXPECT_EQ(d.removed.size(), 2u);
  EXPECT_EQ(ObjectFiles().size(), objects_before + 1) << "a dry run removes nothing";

  ASSERT_OK_AND_ASSIGN(PruneResult p, Prune(Store().get(), {1, 0, false}));
  EXPECT_EQ(p.kept, std::vector<std::string>{c.manifest.id});
  EXPECT_EQ(p.removed.size(), 2u);
  EXPECT_GT(p.objects_removed, 1);
  ASSERT_OK_AND_ASSIGN(auto snaps, ListSnapshots(Store().get()));
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0].id, c.manifest.id);
  // Exactly the objects the kept snapshot names are left, and they verify.
  std::set<std::string> named{c.manifest.journal.sha256};
  for (const auto& f : c.manifest.files) named.insert(f.sha256);
  EXPECT_EQ(ObjectFiles().size(), named.size());
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport v, VerifyStore(Store().get(), true, nullptr));
  EXPECT_TRUE(v.ok());
  RestoreOptions ro;
  ro.to = dir_.Sub("restored");
  ASSERT_OK(Restore(Store().get(), ro).status());
  EXPECT_EQ(AllBars(ro.to), AllBars(vault_));
  (void)a;
  (void)b;
}

TEST_F(BackupTest, PruneKeepDailyKeepsTheNewestOfEachDay) {
  Backup();
  Backup();
  ASSERT_OK_AND_ASSIGN(PruneResult p, Prune(Store().get(), {0, 7, false}));
  EXPECT_EQ(p.kept.size(), 1u) << "both backups are of the same day";
  EXPECT_EQ(p.removed.size(), 1u);
}

TEST_F(BackupTest, BackupIsTheVaultAtTheCutWhileAnImportReplacesAPartition) {
  const std::string at_cut = AllBars(vault_);
  auto store = Store();
  BackupOptions o;
  bool imported = false;
  // After the first object is stored (the journal was copied and the writer lock let go
  // before that), an import replaces ES's February partition, which the backup has not
  // read yet (objects go in path order: ES January first).
  o.hook = [&](const std::string& point) {
    if (point == "after-object" && !imported) {
      imported = true;
      Import("es2.txt", NtMinutes("20240201 003100", 30, 4900), "ES", lake::ConflictPolicy::kReplace);
    }
  };
  ASSERT_OK_AND_ASSIGN(BackupResult b, BackupVault(vault_, store.get(), o));
  ASSERT_TRUE(imported);
  ASSERT_NE(AllBars(vault_), at_cut);
  RestoreOptions ro;
  ro.to = dir_.Sub("restored");
  ASSERT_OK_AND_ASSIGN(RestoreResult r, Restore(Store().get(), ro));
  EXPECT_TRUE(r.verify.ok());
  EXPECT_EQ(AllBars(ro.to), at_cut) << "the snapshot holds the partition the copied journal describes";
  EXPECT_EQ(b.manifest.last_job, 2) << "the two imports of SetUp, not the one during the backup";
}

TEST_F(BackupTest, BackupRefusesANonEmptyFolderThatIsNotABackup) {
  ASSERT_OK(testutil::WriteText(dest_ + "/holiday.jpg", "x"));
  auto store = Store();
  ASSERT_RAISES(kAlreadyExists, BackupVault(vault_, store.get(), {}).status());
  ASSERT_RAISES(kNotFound, ListSnapshots(store.get()).status());
}

TEST_F(BackupTest, TheDestinationLockRefusesASecondBackupOrPrune) {
  auto store = Store();
  ASSERT_OK_AND_ASSIGN(auto lock, store->Lock("test"));
  auto other = Store();
  ASSERT_RAISES(kUnavailable, BackupVault(vault_, other.get(), {}).status());
  ASSERT_RAISES(kUnavailable, Prune(other.get(), {1, 0, false}).status());
}

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
