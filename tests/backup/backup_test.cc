// Backup and restore to a folder, in process (backup/backup.h, docs/backup.md): a restored
// vault reads exactly the bars the original read, an incremental backup sends only the
// objects the destination lacks, verify catches a missing and a corrupted object, prune
// keeps what its policy names, and a backup is a consistent cut while an import replaces
// a partition; text objects are stored gzip-compressed and read back, and a destination of
// plain objects only (what barlake wrote before compression) still verifies, restores and
// takes incremental backups. I/O errors at every step: backup_fault_test.cc.
#include <set>

#include <nlohmann/json.hpp>

#include "backup/object_codec.h"
#include "backup_fixture.h"
#include "core/checksum.h"
#include "lake/compressed_source.h"

namespace barlake::backup {
namespace {

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

TEST_F(BackupTest, TextObjectsAreStoredCompressedAndReadBack) {
  const BackupResult b = Backup();
  const std::string manifest = testutil::ReadText(dest_ + "/snapshots/" + b.manifest.id + ".json");
  EXPECT_NE(manifest.find("\"format\": 2"), std::string::npos);
  int compressed = 0;
  std::vector<SnapshotFile> all = b.manifest.files;
  all.push_back(b.manifest.journal);
  for (const auto& f : all) {
    const bool text = f.path.rfind(".barlake/sources/", 0) == 0 || f.path == ".barlake/journal.sqlite";
    // (These Parquet files hold a few dozen rows, so their footers can be a tenth of them
    // and they may compress; a month of minutes does not: bench/bench_backup.cc.)
    EXPECT_TRUE(std::filesystem::exists(dest_ + "/objects/" + f.sha256 + (f.stored_size > 0 ? ".gz" : "")))
        << f.path;
    if (text) {
      ASSERT_GT(f.stored_size, 0u) << f.path;
      EXPECT_LT(f.stored_size * 2, f.size) << f.path << ": text shrinks at least twofold";
      // Still named by the plain content's SHA-256, and plain gzip: gunzip gets the file.
      const std::string key = dest_ + "/objects/" + f.sha256 + ".gz";
      EXPECT_EQ(std::filesystem::file_size(key), f.stored_size);
      ASSERT_OK_AND_ASSIGN(std::string plain, lake::Gunzip(testutil::ReadText(key), key));
      EXPECT_EQ(Sha256Hex(plain), f.sha256);
      EXPECT_FALSE(std::filesystem::exists(dest_ + "/objects/" + f.sha256));
      ++compressed;
    }
  }
  EXPECT_EQ(compressed, 3) << "two kept sources and the journal";
  EXPECT_LT(b.bytes_sent, static_cast<int64_t>(b.manifest.TotalBytes()));
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport v, VerifyStore(Store().get(), true, nullptr));
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.problems[0].what);
  RestoreOptions ro;
  ro.to = dir_.Sub("restored");
  ASSERT_OK(Restore(Store().get(), ro).status());
  EXPECT_EQ(testutil::Snapshot(ro.to + "/.barlake/sources"), testutil::Snapshot(vault_ + "/.barlake/sources"));
  EXPECT_EQ(AllBars(ro.to), AllBars(vault_));
}

TEST_F(BackupTest, ACorruptedOrCutCompressedObjectIsCaught) {
  const BackupResult b = Backup();
  std::vector<std::string> gz;
  for (const auto& o : ObjectFiles()) {
    if (o.size() > 3 && o.compare(o.size() - 3, 3, ".gz") == 0) gz.push_back(o);
  }
  ASSERT_GE(gz.size(), 2u);
  {  // A flipped byte, same size: only --read-data sees it (the gzip CRC or the SHA-256).
    std::string bytes = testutil::ReadText(gz[0]);
    bytes[bytes.size() / 2] ^= 0x5a;
    ASSERT_OK(testutil::WriteText(gz[0], bytes));
  }
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport sizes_only, VerifyStore(Store().get(), false, nullptr));
  EXPECT_TRUE(sizes_only.ok());
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport corrupt, VerifyStore(Store().get(), true, nullptr));
  ASSERT_EQ(corrupt.problems.size(), 1u);
  EXPECT_NE(corrupt.problems[0].what.find("corrupted"), std::string::npos) << corrupt.problems[0].what;
  RestoreOptions ro;
  ro.to = dir_.Sub("restored");
  ASSERT_RAISES(kCorruption, Restore(Store().get(), ro).status());
  EXPECT_FALSE(std::filesystem::exists(ro.to));
  {  // Cut short: the size the manifest records no longer matches, seen without reading.
    std::string bytes = testutil::ReadText(gz[1]);
    ASSERT_OK(testutil::WriteText(gz[1], bytes.substr(0, bytes.size() / 2)));
  }
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport cut, VerifyStore(Store().get(), false, nullptr));
  ASSERT_EQ(cut.problems.size(), 1u);
  EXPECT_NE(cut.problems[0].what.find("bytes, the manifest says"), std::string::npos) << cut.problems[0].what;
  (void)b;
}

/// Turns the destination into what barlake wrote before objects were compressed: every
/// object plain under objects/<sha256>, manifests of format 1 without "stored".
void MakePlainOnly(const std::string& dest) {
  for (const auto& e : std::filesystem::directory_iterator(dest + "/objects")) {
    const std::string path = e.path().string();
    if (path.size() < 3 || path.compare(path.size() - 3, 3, ".gz") != 0) continue;
    ASSERT_OK_AND_ASSIGN(std::string plain, lake::Gunzip(testutil::ReadText(path), path));
    ASSERT_OK(testutil::WriteText(path.substr(0, path.size() - 3), plain));
    std::filesystem::remove(path);
  }
  for (const auto& e : std::filesystem::directory_iterator(dest + "/snapshots")) {
    auto j = nlohmann::json::parse(testutil::ReadText(e.path().string()));
    j["format"] = 1;
    j["journal"].erase("stored");
    for (auto& [path, f] : j["files"].items()) f.erase("stored");
    ASSERT_OK(testutil::WriteText(e.path().string(), j.dump(1) + "\n"));
  }
}

TEST_F(BackupTest, ABackupOfPlainObjectsOnlyStillVerifiesRestoresAndTakesIncrementals) {
  const BackupResult old = Backup();
  MakePlainOnly(dest_);
  for (const auto& o : ObjectFiles()) EXPECT_EQ(o.find(".gz"), std::string::npos) << o;
  ASSERT_OK_AND_ASSIGN(auto snaps, ListSnapshots(Store().get()));
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps[0].format, 1);
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport v, VerifyStore(Store().get(), true, nullptr));
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.problems[0].what);
  const std::string at_old = AllBars(vault_);
  RestoreOptions ro;
  ro.to = dir_.Sub("restored-old");
  ASSERT_OK(Restore(Store().get(), ro).status());
  EXPECT_EQ(AllBars(ro.to), at_old);
  EXPECT_EQ(testutil::Snapshot(ro.to + "/.barlake/sources"), testutil::Snapshot(vault_ + "/.barlake/sources"));

  // A new backup on top reuses the plain objects and compresses only what it sends.
  Import("es2.txt", NtMinutes("20240201 003100", 30, 4900), "ES");
  const BackupResult next = Backup();
  EXPECT_EQ(next.objects_sent, 3) << "partition + source + journal";
  for (const auto& f : next.manifest.files) {
    if (f.path.rfind(".barlake/sources/", 0) != 0) continue;
    const bool sent_now = std::none_of(old.manifest.files.begin(), old.manifest.files.end(),
                                       [&](const SnapshotFile& o) { return o.sha256 == f.sha256; });
    EXPECT_EQ(f.stored_size > 0, sent_now) << f.path << ": old sources stay plain, the new one is compressed";
  }
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport both, VerifyStore(Store().get(), true, nullptr));
  EXPECT_TRUE(both.ok()) << (both.ok() ? "" : both.problems[0].what);
  EXPECT_EQ(both.snapshots, 2);
  RestoreOptions ro_old;
  ro_old.to = dir_.Sub("restored-old-again");
  ro_old.snapshot = old.manifest.id;
  ASSERT_OK(Restore(Store().get(), ro_old).status());
  EXPECT_EQ(AllBars(ro_old.to), at_old);
  RestoreOptions ro_new;
  ro_new.to = dir_.Sub("restored-new");
  ASSERT_OK(Restore(Store().get(), ro_new).status());
  EXPECT_EQ(AllBars(ro_new.to), AllBars(vault_));
  // Prune sweeps plain and compressed objects by the SHA-256 they are named by.
  ASSERT_OK(Prune(Store().get(), {1, 0, false}).status());
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport pruned, VerifyStore(Store().get(), true, nullptr));
  EXPECT_TRUE(pruned.ok());
  std::set<std::string> named{next.manifest.journal.sha256};
  for (const auto& f : next.manifest.files) named.insert(f.sha256);
  EXPECT_EQ(ObjectFiles().size(), named.size());
}

}  // namespace
}  // namespace barlake::backup
