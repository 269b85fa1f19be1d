// Crash-consistent reads and bit-rot repair through the real binary (docs/integrity.md):
// after `import` is killed at each named crash point, `read`, `stats`, `query` and
// `status` show the vault exactly as before or after that import, never a mix, on the
// vault itself (which they recover first, saying so) and on a read-only copy (which
// cannot be recovered); a damaged partition makes `read` exit 8 naming the file and
// `barlake repair`, and `repair` restores the original bars.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

namespace fs = std::filesystem;
using testutil::CommandResult;
using testutil::RunBarlake;

// What the reading commands print for a vault state.
struct Outputs {
  std::string read, stats, query;
};

const std::vector<std::string> kQuery = {"query", "SELECT count(*), sum(close), max(ts) FROM bars", "--format",
                                         "csv"};

class IntegrityCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The first file spans January into February; the second rewrites February and
    // creates March, so a half-finished import would show as a mix.
    first_ = dir_.Sub("first.txt");
    second_ = dir_.Sub("second.txt");
    ASSERT_TRUE(testutil::WriteText(first_, testutil::NtMinutes("20240131 200100", 600, 100)).ok());
    ASSERT_TRUE(testutil::WriteText(second_, testutil::NtMinutes("20240229 200100", 600, 120)).ok());
  }
  std::string NewVault(const std::string& name) {
    const std::string v = dir_.Sub(name);
    CommandResult r = RunBarlake({"init", v, "--source-tz", "UTC"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return v;
  }
  CommandResult Bl(const std::string& vault, std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), {"--vault", vault});
    return RunBarlake(args, env);
  }
  CommandResult Import(const std::string& vault, const std::string& file, std::vector<std::string> env = {}) {
    // A calendar, so `stats` has sessions (Crypto: every bar is inside one).
    return Bl(vault, {"import", file, "--symbol", "ES", "--timeframe", "1m", "--calendar", "Crypto"}, env);
  }
  Outputs Expect(const std::string& vault) {
    Outputs o;
    CommandResult r = Bl(vault, {"read", "ES", "1m"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    o.read = r.out;
    r = Bl(vault, {"stats", "ES", "1m"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    o.stats = r.out;
    r = Bl(vault, kQuery);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    o.query = r.out;
    return o;
  }
  std::string ReadOnlyCopy(const std::string& vault, const std::string& name) {
    const std::string shared = dir_.Sub(name);
    fs::create_directories(shared);
    const std::string ro = shared + "/vault";
    fs::copy(vault, ro, fs::copy_options::recursive);
    fs::permissions(dir_.path(), fs::perms(0755));
    fs::permissions(shared, fs::perms(0777));  // for the .err files
    EXPECT_EQ(std::system(("chmod -R a-w,a+rX '" + ro + "'").c_str()), 0);
    return ro;
  }
  testutil::TempDir dir_;
  std::string first_, second_;
};

TEST_F(IntegrityCliTest, ReadersAfterAKilledImportSeeTheStateBeforeOrAfterItNeverAMix) {
  const bool can_drop_root = ::geteuid() != 0 || fs::exists("/usr/bin/setpriv");
  const std::string ref = NewVault("ref");
  ASSERT_EQ(Import(ref, first_).exit_code, 0);
  const Outputs before = Expect(ref);
  ASSERT_EQ(Import(ref, second_).exit_code, 0);
  const Outputs after = Expect(ref);
  ASSERT_NE(before.read, after.read);
  struct Case {
    const char* point;
    bool plan_recorded;  // the job reached phase staged: recovery rolls it forward
    bool committed;
  };
  const Case cases[] = {{"after-stage-file", false, false}, {"after-staged", true, false},
                        {"after-keep-old", true, false},    {"after-swap-one", true, false},
                        {"after-swap-all", true, false},    {"after-commit", true, true}};
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.point);
    const std::string vault = NewVault("v" + std::to_string(n++));
    ASSERT_EQ(Import(vault, first_).exit_code, 0);
    CommandResult killed = Import(vault, second_, {std::string("BARLAKE_CRASH_AT=") + c.point});
    ASSERT_EQ(killed.signal, SIGKILL) << killed.err;

    if (can_drop_root) {
      // A read-only copy cannot be recovered: the readers show the state before the job
      // (the catalog's, from the files the job kept), query refuses naming recover.
      const std::string ro = ReadOnlyCopy(vault, "ro" + std::to_string(n));
      const Outputs& want = c.committed ? after : before;
      CommandResult r = testutil::RunBarlakeReadOnly(ro, {"read", "ES", "1m"});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out, want.read);
      r = testutil::RunBarlakeReadOnly(ro, {"stats", "ES", "1m"});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out, want.stats);
      r = testutil::RunBarlakeReadOnly(ro, kQuery);
      if (c.committed || !c.plan_recorded) {
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.out, want.query);
      } else {
        EXPECT_EQ(r.exit_code, 7) << r.out << r.err;
        EXPECT_NE(r.err.find("barlake recover"), std::string::npos) << r.err;
        EXPECT_EQ(r.out, "");
      }
      r = testutil::RunBarlakeReadOnly(ro, {"status"});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out.find("INTERRUPTED job 2") != std::string::npos, !c.committed) << r.out;
      std::system(("chmod -R u+w '" + ro + "'").c_str());
    }

    // The vault itself: the first reader recovers the job and says so on stderr.
    const Outputs& want = c.plan_recorded ? after : before;
    CommandResult r = Bl(vault, {"read", "ES", "1m"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, want.read);
    if (!c.committed) {
      EXPECT_NE(r.err.find("recovered job 2 (import ES 1m"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(c.plan_recorded ? "rolled forward" : "undone"), std::string::npos) << r.err;
    } else {
      EXPECT_EQ(r.err, "");
    }
    EXPECT_EQ(Bl(vault, {"stats", "ES", "1m"}).out, want.stats);
    EXPECT_EQ(Bl(vault, kQuery).out, want.query);
    r = Bl(vault, {"status"});
    EXPECT_EQ(r.out.find("INTERRUPTED"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(Bl(vault, {"verify"}).exit_code, 0);
  }
}

// Flip one byte in the middle of `path`, keeping its size.
void FlipByte(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  const auto size = fs::file_size(path);
  f.seekg(static_cast<std::streamoff>(size / 2));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x01);
  f.seekp(static_cast<std::streamoff>(size / 2));
  f.write(&c, 1);
}

TEST_F(IntegrityCliTest, ADamagedPartitionFailsReadWithExit8AndRepairRestoresTheOriginalBars) {
  const std::vector<std::pair<std::string, std::function<void(const std::string&)>>> damages = {
      {"flipped byte", FlipByte},
      {"truncated", [](const std::string& p) { fs::resize_file(p, fs::file_size(p) - 100); }},
      {"deleted", [](const std::string& p) { fs::remove(p); }}};
  int n = 0;
  for (const auto& [name, damage] : damages) {
    SCOPED_TRACE(name);
    const std::string vault = NewVault("d" + std::to_string(n++));
    ASSERT_EQ(Import(vault, first_).exit_code, 0);
    ASSERT_EQ(Import(vault, second_).exit_code, 0);
    const std::string original = Bl(vault, {"read", "ES", "1m"}).out;
    const std::string file = vault + "/lake/symbol=ES/timeframe=1m/period=2024-02/data.parquet";
    damage(file);

    CommandResult r = Bl(vault, {"read", "ES", "1m"});
    EXPECT_EQ(r.exit_code, 8) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("barlake repair"), std::string::npos) << r.err;
    // A read that does not open the damaged partition is not refused.
    r = Bl(vault, {"read", "ES", "1m", "--to", "2024-02-01T00:00:00Z"});
    EXPECT_EQ(r.exit_code, 0) << r.err;

    const auto damaged = testutil::Snapshot(vault);
    r = Bl(vault, {"repair", "--dry-run"});
    EXPECT_EQ(r.exit_code, 8) << r.out << r.err;
    EXPECT_NE(r.out.find("WOULD REPAIR " + file), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("replaying job 2"), std::string::npos) << r.out;
    EXPECT_EQ(testutil::Snapshot(vault), damaged) << "a dry run changed the vault";

    r = Bl(vault, {"repair", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto report = nlohmann::json::parse(r.out);
    ASSERT_EQ(report["items"].size(), 1u) << r.out;
    EXPECT_EQ(report["items"][0]["path"], file);
    EXPECT_EQ(report["items"][0]["method"], "replay");
    EXPECT_EQ(report["items"][0]["repaired"], true);
    EXPECT_EQ(report["job"], 3);

    EXPECT_EQ(Bl(vault, {"verify"}).exit_code, 0);
    r = Bl(vault, {"read", "ES", "1m"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, original);
    r = Bl(vault, {"repair"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("nothing to repair"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace barlake
