// Backups to S3, against s3rver (npm, tests/s3/) on 127.0.0.1: the same promises as the
// folder tests (backup_test.cc): a restored vault reads the same bars, an incremental
// backup sends only the changed objects, verify catches a missing and a corrupted object,
// prune sweeps, and the CLI takes --endpoint. s3rver accepts any secret, so signatures are
// tested only by sigv4_test.cc's known answers. Without node or tests/s3/node_modules the
// tests fail with the fix (scripts/setup_node.sh), never pass by skipping.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "backup_fixture.h"

namespace barlake::backup {
namespace {

constexpr char kBucket[] = "barlake-test";

/// One s3rver process for the test: started in the constructor, stopped in the destructor.
class S3rver {
 public:
  explicit S3rver(const std::string& dir) {
    const std::string script = std::string(BARLAKE_S3_TEST_DIR) + "/s3rver_main.mjs";
    if (!std::filesystem::exists(std::string(BARLAKE_S3_TEST_DIR) + "/node_modules/s3rver/package.json")) {
      error_ = "s3rver is not installed: run scripts/setup_node.sh";
      return;
    }
    int out[2], in[2];
    if (::pipe(out) != 0 || ::pipe(in) != 0) {
      error_ = "pipe failed";
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(in[0], STDIN_FILENO);
      ::close(out[0]);
      ::close(in[1]);
      ::execlp(BARLAKE_NODE, BARLAKE_NODE, script.c_str(), dir.c_str(), kBucket, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(in[0]);
    stdin_ = in[1];
    FILE* f = ::fdopen(out[0], "r");
    char line[128] = {0};
    if (f && std::fgets(line, sizeof line, f) && std::sscanf(line, "PORT %d", &port_) == 1) {
      endpoint_ = "http://127.0.0.1:" + std::to_string(port_);
    } else {
      error_ = std::string("s3rver did not start: ") + line;
    }
    if (f) std::fclose(f);
  }
  ~S3rver() {
    if (pid_ > 0) {
      ::close(stdin_);
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& error() const { return error_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
  std::string endpoint_, error_;
};

/// The folder tests' vault (backup_fixture.h), backed up to a bucket of its own s3rver.
class S3BackupTest : public BackupTest {
 protected:
  void SetUp() override {
    ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
    server_ = std::make_unique<S3rver>(dir_.Sub("s3"));
    ASSERT_TRUE(server_->error().empty()) << server_->error();
    BackupTest::SetUp();
    dest_ = std::string("s3://") + kBucket + "/backups/v1";
  }
  std::unique_ptr<ObjectStore> Store() {
    auto s = OpenStore(Env::Default(), dest_, true, {server_->endpoint(), "us-east-1"});
    EXPECT_OK(s.status());
    return s.ok() ? std::move(s).value() : nullptr;
  }

  std::unique_ptr<S3rver> server_;
};

TEST_F(S3BackupTest, BackupIncrementalVerifyRestoreAndPrune) {
  auto store = Store();
  ASSERT_OK_AND_ASSIGN(BackupResult first, BackupVault(vault_, store.get(), {}));
  EXPECT_EQ(first.manifest.files.size(), 8u);
  EXPECT_GT(first.objects_sent, 0);
  Import("es2.txt", NtMinutes("20240201 003100", 30, 4900), "ES");
  ASSERT_OK_AND_ASSIGN(BackupResult second, BackupVault(vault_, store.get(), {}));
  EXPECT_EQ(second.objects_sent, 3) << "partition + source + journal";
  ASSERT_OK_AND_ASSIGN(auto snaps, ListSnapshots(store.get()));
  EXPECT_EQ(snaps.size(), 2u);
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport v, VerifyStore(store.get(), true, nullptr));
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.problems[0].what);

  RestoreOptions ro;
  ro.to = dir_.Sub("restored");
  ASSERT_OK_AND_ASSIGN(RestoreResult r, Restore(store.get(), ro));
  EXPECT_TRUE(r.verify.ok());
  EXPECT_EQ(AllBars(ro.to), AllBars(vault_));
  EXPECT_EQ(testutil::Snapshot(ro.to + "/lake"), testutil::Snapshot(vault_ + "/lake"));

  ASSERT_OK_AND_ASSIGN(PruneResult p, Prune(store.get(), {1, 0, false}));
  EXPECT_EQ(p.removed, std::vector<std::string>{first.manifest.id});
  EXPECT_GT(p.objects_removed, 0);
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport after, VerifyStore(store.get(), true, nullptr));
  EXPECT_TRUE(after.ok());
  ASSERT_OK_AND_ASSIGN(auto objects, store->List("objects/"));
  EXPECT_EQ(objects.size(), second.manifest.files.size() + 1) << "only the kept snapshot's objects";
}

TEST_F(S3BackupTest, VerifyCatchesAMissingAndACorruptedObject) {
  auto store = Store();
  ASSERT_OK(BackupVault(vault_, store.get(), {}).status());
  ASSERT_OK_AND_ASSIGN(auto objects, store->List("objects/"));
  ASSERT_GE(objects.size(), 2u);
  ASSERT_OK(store->Put(objects[0].key, std::string(objects[0].size, 'x')));
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport sizes, VerifyStore(store.get(), false, nullptr));
  EXPECT_TRUE(sizes.ok());
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport corrupt, VerifyStore(store.get(), true, nullptr));
  ASSERT_EQ(corrupt.problems.size(), 1u);
  EXPECT_NE(corrupt.problems[0].what.find("corrupted"), std::string::npos);
  ASSERT_OK(store->Delete(objects[1].key));
  ASSERT_OK_AND_ASSIGN(StoreVerifyReport missing, VerifyStore(store.get(), false, nullptr));
  ASSERT_EQ(missing.problems.size(), 1u);
  EXPECT_NE(missing.problems[0].what.find("missing"), std::string::npos);
  RestoreOptions ro;
  ro.to = dir_.Sub("restored");
  EXPECT_FALSE(Restore(store.get(), ro).ok());
  EXPECT_FALSE(std::filesystem::exists(ro.to));
}

TEST_F(S3BackupTest, TheLockRefusesASecondBackup) {
  auto store = Store();
  ASSERT_OK_AND_ASSIGN(auto lock, store->Lock("test holder"));
  auto other = Store();
  ASSERT_RAISES(kUnavailable, BackupVault(vault_, other.get(), {}).status());
  lock.reset();
  ASSERT_OK(BackupVault(vault_, other.get(), {}).status());
}

TEST_F(S3BackupTest, CliBackupAndRestoreWithEndpoint) {
  testutil::CommandResult b =
      testutil::RunBarlake({"--vault", vault_, "backup", dest_, "--endpoint", server_->endpoint()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(b.out.find("S3RVER"), std::string::npos);
  EXPECT_EQ(b.err.find("S3RVER"), std::string::npos) << "credentials are never printed";
  testutil::CommandResult ls = testutil::RunBarlake({"backup", "list", dest_, "--endpoint", server_->endpoint()});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find("1 snapshot(s)"), std::string::npos) << ls.out;
  const std::string to = dir_.Sub("restored");
  testutil::CommandResult r =
      testutil::RunBarlake({"restore", dest_, "--to", to, "--endpoint", server_->endpoint()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(AllBars(to), AllBars(vault_));
  // Without credentials: a usage error naming the variables.
  testutil::CommandResult nocred = testutil::RunBarlake(
      {"backup", "list", dest_, "--endpoint", server_->endpoint()}, {"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="});
  EXPECT_EQ(nocred.exit_code, 2) << nocred.err;
  EXPECT_NE(nocred.err.find("AWS_ACCESS_KEY_ID"), std::string::npos) << nocred.err;
}

/// `node polars_read.mjs`: the dataset as Polars reads it from the pushed lake over S3.
std::string PolarsRead(const std::string& endpoint, const std::string& url, const std::string& symbol) {
  const std::string cmd = std::string(BARLAKE_NODE) + " " + BARLAKE_S3_TEST_DIR + "/polars_read.mjs " + endpoint +
                          " " + url + " " + symbol + " 1m 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

// `barlake push`: the lake under the same hive keys, read back by Polars over S3 with the
// same rows as `barlake read`; a second push after an update sends only the changed
// partition; a partition a rollback removed is removed from the bucket.
TEST_F(S3BackupTest, PushMirrorsTheLakeAndPolarsReadsItBack) {
  ASSERT_TRUE(std::filesystem::exists(std::string(BARLAKE_S3_TEST_DIR) + "/node_modules/nodejs-polars/package.json"))
      << "nodejs-polars is not installed: run scripts/setup_node.sh";
  const std::string url = std::string("s3://") + kBucket + "/mirror";
  auto push = [&]() {
    testutil::CommandResult r =
        testutil::RunBarlake({"--vault", vault_, "push", url, "--endpoint", server_->endpoint(), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  auto read = [&](const std::string& sym) {
    testutil::CommandResult r = testutil::RunBarlake({"--vault", vault_, "read", sym, "1m"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  const std::string first = push();
  EXPECT_NE(first.find("\"uploaded\": 3"), std::string::npos) << first;
  auto store = OpenStore(Env::Default(), url, false, {server_->endpoint(), "us-east-1"}).value();
  ASSERT_OK_AND_ASSIGN(auto keys, store->List("lake/"));
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].key, "lake/symbol=ES/timeframe=1m/period=2024-01/data.parquet");
  ASSERT_OK_AND_ASSIGN(auto commits, store->List("_barlake/commits/"));
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].key, "_barlake/commits/2.json");
  for (const char* sym : {"ES", "NQ"}) EXPECT_EQ(PolarsRead(server_->endpoint(), url, sym), read(sym)) << sym;

  // An update of ES's February: only that partition goes up.
  Import("es2.txt", NtMinutes("20240201 003100", 30, 4900), "ES");
  const std::string second = push();
  EXPECT_NE(second.find("\"uploaded\": 1"), std::string::npos) << second;
  EXPECT_NE(second.find("\"removed\": 0"), std::string::npos) << second;
  EXPECT_EQ(PolarsRead(server_->endpoint(), url, "ES"), read("ES"));
  EXPECT_EQ(push().find("\"uploaded\": 0") != std::string::npos, true) << "nothing changed";

  // A new dataset, then its rollback: the key appears, then goes.
  Import("ym.txt", NtMinutes("20240301 100100", 20, 38000), "YM");
  EXPECT_NE(push().find("\"uploaded\": 1"), std::string::npos);
  testutil::CommandResult rb = testutil::RunBarlake({"--vault", vault_, "rollback", "4"});
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  const std::string after = push();
  EXPECT_NE(after.find("\"removed\": 1"), std::string::npos) << after;
  ASSERT_OK_AND_ASSIGN(auto left, store->List("lake/"));
  EXPECT_EQ(left.size(), 3u);
}

}  // namespace
}  // namespace barlake::backup
