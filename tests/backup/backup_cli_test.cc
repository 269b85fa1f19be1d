// `barlake backup` and `barlake restore` through the binary (docs/backup.md): the
// restored vault's `barlake read` equals the original's; SIGKILL during a backup never
// leaves a manifest pointing at a missing object, and during a restore never leaves a
// vault at the target; `backup verify` exits 8 on a missing object.
#include <gtest/gtest.h>

#include <filesystem>

#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::RunBarlake;

class BackupCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("vault");
    dest_ = dir_.Sub("bk");
    ASSERT_EQ(RunBarlake({"init", vault_, "--source-tz", "UTC"}).exit_code, 0);
    Import("es1.txt", testutil::NtMinutes("20240131 233100", 90, 4800), "ES");
    Import("nq1.txt", testutil::NtMinutes("20240310 100100", 30, 16000), "NQ");
  }
  void Import(const std::string& name, const std::string& text, const std::string& symbol) {
    ASSERT_TRUE(testutil::WriteText(dir_.Sub(name), text).ok());
    CommandResult r = RunBarlake({"--vault", vault_, "import", dir_.Sub(name), "--symbol", symbol, "--timeframe", "1m"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string Read(const std::string& vault, const std::string& symbol) {
    CommandResult r = RunBarlake({"--vault", vault, "read", symbol, "1m", "--format", "csv"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  CommandResult Backup(std::vector<std::string> env = {}) {
    return RunBarlake({"--vault", vault_, "backup", dest_}, env);
  }
  size_t Snapshots() {
    if (!std::filesystem::exists(dest_ + "/snapshots")) return 0;
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dest_ + "/snapshots")) {
      n += e.path().extension() == ".json";
    }
    return n;
  }

  testutil::TempDir dir_;
  std::string vault_, dest_;
};

TEST_F(BackupCliTest, BackupListVerifyRestoreReadsTheSameBars) {
  CommandResult b = Backup();
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.out.find("snapshot "), std::string::npos) << b.out;
  CommandResult ls = RunBarlake({"backup", "list", dest_});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find("1 snapshot(s)"), std::string::npos) << ls.out;
  CommandResult v = RunBarlake({"backup", "verify", dest_, "--read-data"});
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("OK"), std::string::npos) << v.out;

  const std::string to = dir_.Sub("restored");
  CommandResult r = RunBarlake({"restore", dest_, "--to", to});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* sym : {"ES", "NQ"}) {
    const std::string original = Read(vault_, sym);
    EXPECT_GT(original.size(), 100u);
    EXPECT_EQ(Read(to, sym), original) << sym;
  }
  EXPECT_EQ(RunBarlake({"--vault", to, "verify"}).exit_code, 0);

  // Second backup after an import: only what changed is sent.
  Import("es2.txt", testutil::NtMinutes("20240201 013100", 30, 4900), "ES");
  CommandResult b2 = RunBarlake({"--vault", vault_, "backup", dest_, "--json"});
  ASSERT_EQ(b2.exit_code, 0) << b2.err;
  EXPECT_NE(b2.out.find("\"objects_sent\": 3"), std::string::npos) << b2.out;

  // --in-place keeps the current vault as a safety copy.
  CommandResult ip = RunBarlake({"--vault", to, "restore", dest_, "--in-place"});
  ASSERT_EQ(ip.exit_code, 0) << ip.err;
  EXPECT_EQ(Read(to, "ES"), Read(vault_, "ES"));
  bool safety = false;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    safety |= e.path().filename().string().rfind("restored.before-restore-", 0) == 0;
  }
  EXPECT_TRUE(safety);
}

TEST_F(BackupCliTest, VerifyExitsEightOnAMissingObject) {
  ASSERT_EQ(Backup().exit_code, 0);
  auto it = std::filesystem::directory_iterator(dest_ + "/objects");
  std::filesystem::remove(it->path());
  CommandResult v = RunBarlake({"backup", "verify", dest_});
  EXPECT_EQ(v.exit_code, 8) << v.out;
  EXPECT_NE(v.out.find("missing"), std::string::npos) << v.out;
  CommandResult none = RunBarlake({"backup", "list", dir_.Sub("nothing")});
  EXPECT_EQ(none.exit_code, 3) << none.err;
}

TEST_F(BackupCliTest, PruneThroughTheCli) {
  ASSERT_EQ(Backup().exit_code, 0);
  Import("es2.txt", testutil::NtMinutes("20240201 013100", 30, 4900), "ES");
  ASSERT_EQ(Backup().exit_code, 0);
  CommandResult p = RunBarlake({"backup", "prune", dest_, "--keep-last", "1"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("removed 1 snapshot(s), kept 1"), std::string::npos) << p.out;
  EXPECT_EQ(Snapshots(), 1u);
  EXPECT_EQ(RunBarlake({"backup", "verify", dest_, "--read-data"}).exit_code, 0);
  EXPECT_EQ(RunBarlake({"backup", "prune", dest_}).exit_code, 2) << "a policy that keeps nothing";
}

// SIGKILL at every object of a backup and just before its manifest: the destination keeps
// only complete snapshots, verifies, and the next backup completes.
TEST_F(BackupCliTest, SigkillDuringBackupNeverLeavesADanglingManifest) {
  ASSERT_EQ(Backup().exit_code, 0);
  Import("es2.txt", testutil::NtMinutes("20240201 013100", 30, 4900), "ES");
  // Each kill starts from the destination as the first backup left it (objects a killed run
  // stored would otherwise spare the next run that many).
  const std::string base = dir_.Sub("bk-base");
  std::filesystem::copy(dest_, base, std::filesystem::copy_options::recursive);
  std::vector<std::string> points = {"after-object:1", "after-object:2", "after-object:3", "before-manifest"};
  for (const auto& point : points) {
    std::filesystem::remove_all(dest_);
    std::filesystem::copy(base, dest_, std::filesystem::copy_options::recursive);
    CommandResult k = Backup({"BARLAKE_BACKUP_CRASH_AT=" + point});
    ASSERT_EQ(k.signal, SIGKILL) << point << ": " << k.err;
    EXPECT_EQ(Snapshots(), 1u) << point;
    CommandResult v = RunBarlake({"backup", "verify", dest_, "--read-data"});
    EXPECT_EQ(v.exit_code, 0) << point << ": " << v.out;
  }
  ASSERT_EQ(Backup().exit_code, 0);
  EXPECT_EQ(Snapshots(), 2u);
  EXPECT_EQ(RunBarlake({"backup", "verify", dest_, "--read-data"}).exit_code, 0);
}

// SIGKILL while a restore writes its files and just before it activates the vault: the
// target never appears; the next restore starts over and succeeds.
TEST_F(BackupCliTest, SigkillDuringRestoreNeverPresentsAHalfVault) {
  ASSERT_EQ(Backup().exit_code, 0);
  const std::string to = dir_.Sub("restored");
  for (const std::string point : {"after-restore-file:1", "after-restore-file:4", "before-activate"}) {
    CommandResult k = RunBarlake({"restore", dest_, "--to", to}, {"BARLAKE_BACKUP_CRASH_AT=" + point});
    ASSERT_EQ(k.signal, SIGKILL) << point << ": " << k.err;
    EXPECT_FALSE(std::filesystem::exists(to)) << point;
    CommandResult st = RunBarlake({"--vault", to, "status"});
    EXPECT_EQ(st.exit_code, 3) << point << ": not a vault";
  }
  CommandResult r = RunBarlake({"restore", dest_, "--to", to});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(to + ".restoring"));
  EXPECT_EQ(Read(to, "ES"), Read(vault_, "ES"));
}

// [[backup]] tables name destinations: `backup` with no DEST takes the first, a name takes
// its table, `prune NAME` its keep counts; a credential in the table is refused (exit 4).
TEST_F(BackupCliTest, NamedDestinationsFromTheRegistry) {
  const std::string reg = vault_ + "/barlake.toml";
  ASSERT_TRUE(testutil::WriteText(reg, testutil::ReadText(reg) + "\n[[backup]]\nname = \"usb\"\ndest = \"" + dest_ +
                                           "\"\nkeep_last = 1\n").ok());
  CommandResult first = RunBarlake({"--vault", vault_, "backup"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  CommandResult named = RunBarlake({"--vault", vault_, "backup", "usb"});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(Snapshots(), 2u);
  CommandResult prune = RunBarlake({"--vault", vault_, "backup", "prune", "usb"});
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  EXPECT_EQ(Snapshots(), 1u) << "keep_last = 1 from the table";
  EXPECT_EQ(RunBarlake({"--vault", vault_, "backup", "list", "usb"}).exit_code, 0);

  ASSERT_TRUE(testutil::WriteText(reg, testutil::ReadText(reg) +
                                           "\n[[backup]]\nname = \"s3\"\ndest = \"s3://b/p\"\nsecret_key = \"x\"\n")
                  .ok());
  CommandResult bad = RunBarlake({"--vault", vault_, "status"});
  EXPECT_EQ(bad.exit_code, 4) << bad.err;
  EXPECT_NE(bad.err.find("credentials do not belong"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace barlake
