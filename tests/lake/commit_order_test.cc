// The write protocol batches its fsyncs (all staged files together, each folder once), so
// these tests check the order that makes a job survive a power loss, from the log of every
// mutating call (FaultInjectionEnv) and the crash points:
//  - every staged file and the staging folder are fsynced before the plan is recorded;
//  - every kept version's folder is fsynced after its link and before the lake file it
//    keeps is replaced;
//  - every lake folder a rename, link or mkdir touched is fsynced after it and before the
//    commit;
//  - a staged file linked into a new partition keeps its staged name until the commit, so
//    the new lake folders need no fsync before the link.
#include <algorithm>
#include <filesystem>

#include "lake/lake_test_util.h"
#include "testutil/fault_injection_env.h"

namespace barlake::lake {
namespace {

using testutil::NtMinutes;

struct Logged {
  std::vector<std::string> log;
  size_t at_staged = 0, at_swap_all = 0, at_commit = 0;  // log size at each crash point
};

// Index of the first entry at or after `from` equal to `entry`, or npos.
size_t Find(const std::vector<std::string>& log, const std::string& entry, size_t from = 0) {
  for (size_t i = from; i < log.size(); ++i) {
    if (log[i] == entry) return i;
  }
  return std::string::npos;
}

class CommitOrderTest : public VaultTest {
 protected:
  Logged ImportLogged(const std::string& source) {
    testutil::FaultInjectionEnv env(Env::Default());
    Logged out;
    LakeOptions o;
    o.env = &env;
    o.crash_hook = [&](CrashPoint p) {
      if (p == CrashPoint::kAfterStaged) out.at_staged = env.log().size();
      if (p == CrashPoint::kAfterSwapAll) out.at_swap_all = env.log().size();
      if (p == CrashPoint::kAfterCommit) out.at_commit = env.log().size();
    };
    auto lake = OpenLake(std::move(o));
    auto r = lake->Import(Req(source));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    out.log = env.log();
    return out;
  }

  // Check the durability order of one logged import; returns how many staged files it put
  // into the lake (renamed over an old file, or linked in).
  size_t CheckOrder(const Logged& l) {
    EXPECT_GT(l.at_staged, 0u);
    EXPECT_GT(l.at_swap_all, l.at_staged);
    EXPECT_GE(l.at_commit, l.at_swap_all);  // the commit itself is SQLite's, not the Env's
    size_t put = 0;
    for (size_t i = 0; i < l.log.size(); ++i) {
      const std::string& e = l.log[i];
      const bool renamed = e.rfind("rename ", 0) == 0, linked = e.rfind("link ", 0) == 0;
      const size_t op_len = renamed ? 7 : 5;
      if ((renamed || linked) && e.find(" -> " + LakeDir()) != std::string::npos) {
        ++put;
        const std::string staged = e.substr(op_len, e.find(" -> ") - op_len);
        const std::string target = e.substr(e.find(" -> ") + 4);
        // The staged file was fsynced, and its folder after it, before the plan.
        const size_t synced = Find(l.log, "fsync " + staged);
        EXPECT_LT(synced, l.at_staged) << staged;
        EXPECT_LT(Find(l.log, "fsync-dir " + DirName(staged), synced), l.at_staged) << staged;
        EXPECT_GT(i, l.at_staged) << "put in place before the plan: " << e;
        // The partition's folder is fsynced after the rename or link, before the commit.
        EXPECT_LT(Find(l.log, "fsync-dir " + DirName(target), i), l.at_swap_all) << "after " << e;
        if (renamed) {
          // A rename replaces a file the lake held: its folders existed and were durable.
          EXPECT_EQ(Find(l.log, "mkdir " + DirName(target)), std::string::npos) << e;
          continue;
        }
        // A link leaves the staged name in place until the job is committed...
        const size_t unstaged = Find(l.log, "remove " + staged);
        EXPECT_TRUE(unstaged == std::string::npos || unstaged >= l.at_commit) << staged;
        // ...and every folder from the partition's up to lake/ is fsynced after the link
        // (and after the mkdir that made it) and before the commit.
        for (std::string d = DirName(target); d.size() >= LakeDir().size(); d = DirName(d)) {
          const size_t made = Find(l.log, "mkdir " + d);
          EXPECT_LT(Find(l.log, "fsync-dir " + d, made == std::string::npos ? i : std::max(made, i)),
                    l.at_swap_all)
              << d << " after " << e;
        }
        continue;
      }
      if (linked) {
        // A kept version: its folder is durable before the lake file is replaced.
        const std::string lake_file = e.substr(5, e.find(" -> ") - 5);
        const std::string version = e.substr(e.find(" -> ") + 4);
        size_t replaced = std::string::npos;
        for (size_t k = i; k < l.log.size(); ++k) {
          if (l.log[k].rfind("rename ", 0) == 0 && l.log[k].size() > lake_file.size() &&
              l.log[k].compare(l.log[k].size() - lake_file.size(), lake_file.size(), lake_file) == 0) {
            replaced = k;
            break;
          }
        }
        EXPECT_NE(replaced, std::string::npos) << e;
        if (replaced == std::string::npos) continue;
        EXPECT_LT(Find(l.log, "fsync-dir " + DirName(version), i), replaced) << e;
      }
    }
    return put;
  }
};

TEST_F(CommitOrderTest, NewPartitionsAreDurableInOrderWithOneSyncPerFolder) {
  // Five months on the staging threads (4 or more periods start them).
  const Logged l = ImportLogged(WriteSource("five.txt", NtMinutes("20240101 000100", 60 * 24 * 150, 100)));
  EXPECT_EQ(CheckOrder(l), 5u);
  // Each folder is fsynced once by the swap, not once per partition that touches it.
  EXPECT_EQ(std::count(l.log.begin(), l.log.end(), "fsync-dir " + LakeDir()), 1);
  EXPECT_EQ(std::count(l.log.begin(), l.log.end(), "fsync-dir " + LakeDir() + "/symbol=ES/timeframe=1m"), 1);
  // Staging made no folder per partition: the only mkdir under staging is the job's.
  size_t staging_mkdirs = 0;
  for (const auto& e : l.log) staging_mkdirs += e.rfind("mkdir " + vault_ + "/.barlake/staging", 0) == 0;
  EXPECT_EQ(staging_mkdirs, 1u);
}

TEST_F(CommitOrderTest, ReplacedPartitionsKeepTheirOldFileDurablyBeforeTheRename) {
  {
    auto lake = OpenLake();
    ASSERT_OK(lake->Import(Req(WriteSource("base.txt", NtMinutes("20240131 233100", 60, 100)))).status());
  }
  // Replaces February (adds rows to it) and creates March.
  const Logged l = ImportLogged(WriteSource("second.txt", NtMinutes("20240229 230100", 120, 101)));
  EXPECT_EQ(CheckOrder(l), 2u);
  // One kept version (February's old file) and one staged file linked in (March).
  size_t kept = 0, linked_in = 0;
  for (const auto& e : l.log) {
    if (e.rfind("link ", 0) != 0) continue;
    kept += e.find(" -> " + vault_ + "/.barlake/versions/") != std::string::npos;
    linked_in += e.find(" -> " + LakeDir()) != std::string::npos;
  }
  EXPECT_EQ(kept, 1u);
  EXPECT_EQ(linked_in, 1u);
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
}

}  // namespace
}  // namespace barlake::lake
