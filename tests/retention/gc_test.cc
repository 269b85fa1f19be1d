// `barlake gc` in process (lake/gc.h, docs/retention.md): a dry run changes nothing, a real
// run frees what [retention] lets go and keeps what a rollback inside the window or a
// repair needs (unless forced), orphans and empty hive folders go, foreign files stay.
#include <filesystem>
#include <fstream>

#include "lake/gc.h"
#include "lake/lake_test_util.h"

namespace barlake::lake {
namespace {

namespace fs = std::filesystem;
using testutil::NtMinutes;

constexpr Micros kAll = std::numeric_limits<Micros>::max();

registry::RetentionPolicy Zero() {
  registry::RetentionPolicy p;
  p.keep_versions = p.version_days = p.rollback_days = p.source_days = p.failed_days = p.quarantine_days = 0;
  return p;
}

bool Has(const std::vector<GcItem>& items, const std::string& prefix) {
  for (const auto& i : items) {
    if (i.path.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::string Paths(const std::vector<GcItem>& items) {
  std::string out;
  for (const auto& i : items) out += "\n  " + i.path + " (" + i.why + (i.needed_by.empty() ? "" : "; " + i.needed_by) + ")";
  return out;
}

class GcTest : public VaultTest {
 protected:
  // Three imports into one partition (ES 2024-01): jobs 1-3; jobs 2 and 3 keep the file
  // they replaced under versions/, each keeps its source.
  void ThreeImports() {
    auto l = OpenLake();
    const char* starts[] = {"20240110 100100", "20240111 100100", "20240112 100100"};
    for (int i = 0; i < 3; ++i) {
      auto r = l->Import(Req(WriteSource("f" + std::to_string(i) + ".txt", NtMinutes(starts[i], 60, 4800 + i))));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->job.id, i + 1);
    }
  }
  Result<GcReport> Gc(const registry::RetentionPolicy& p, bool dry_run, bool force = false, Micros age = 0) {
    auto l = OpenLake();
    GcOptions o;
    o.dry_run = dry_run;
    o.force = force;
    o.now = Env::Default()->NowMicros() + age;
    return CollectGarbage(l.get(), p, o);
  }
  std::map<std::string, std::string> Files() {
    auto all = testutil::Snapshot(vault_);
    for (auto it = all.begin(); it != all.end();) {
      it = it->first.rfind(".barlake/journal", 0) == 0 || it->first.rfind(".barlake/lock", 0) == 0 ? all.erase(it) : ++it;
    }
    return all;
  }
  size_t CountFiles(const std::string& dir) {
    if (!fs::exists(dir)) return 0;
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file();
    return n;
  }
  std::string Versions() const { return vault_ + "/.barlake/versions"; }
  std::string Sources() const { return vault_ + "/.barlake/sources"; }
  static constexpr Micros kForty = 40 * kMicrosPerDay;
};

TEST_F(GcTest, ADryRunListsWhatRetentionAllowsAndChangesNothing) {
  ThreeImports();
  const auto before = Files();
  ASSERT_OK_AND_ASSIGN(GcReport r, Gc(Zero(), /*dry_run=*/true, false, kForty));
  EXPECT_EQ(Files(), before);
  EXPECT_EQ(r.job, 0);
  EXPECT_TRUE(Has(r.removed, ".barlake/versions/job-2/")) << Paths(r.removed);
  // Job 3 wrote the current file: repair replays it onto the file it replaced, from its source.
  EXPECT_TRUE(Has(r.held, ".barlake/versions/job-3/")) << Paths(r.held);
  EXPECT_FALSE(Has(r.removed, ".barlake/versions/job-3/")) << Paths(r.removed);
  size_t sources_removed = 0, sources_held = 0;
  for (const auto& i : r.removed) sources_removed += i.area == "sources";
  for (const auto& i : r.held) sources_held += i.area == "sources";
  EXPECT_EQ(sources_removed, 2u) << Paths(r.removed);
  EXPECT_EQ(sources_held, 1u) << Paths(r.held);
  EXPECT_GT(r.bytes_freed, 0);
  // Young jobs: nothing is old enough yet under the defaults.
  ASSERT_OK_AND_ASSIGN(GcReport young, Gc(registry::RetentionPolicy{}, true));
  EXPECT_TRUE(young.removed.empty()) << Paths(young.removed);
}

TEST_F(GcTest, ARealRunFreesSpaceAsAJobAndLeavesARepairableVault) {
  ThreeImports();
  ASSERT_OK_AND_ASSIGN(GcReport r, Gc(Zero(), false, false, kForty));
  EXPECT_GT(r.job, 0);
  EXPECT_FALSE(fs::exists(Versions() + "/job-2")) << "its folder is emptied and removed";
  EXPECT_EQ(CountFiles(Versions() + "/job-3"), 1u);
  EXPECT_EQ(CountFiles(Sources()), 1u);
  auto l = OpenLake();
  ASSERT_OK_AND_ASSIGN(auto job, l->Job(r.job));
  EXPECT_EQ(job.kind, "gc");
  EXPECT_EQ(job.status, "completed");
  EXPECT_NE(job.report_json.find("versions/job-2"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(VerifyReport v, l->Verify());
  EXPECT_TRUE(v.ok());
  ASSERT_OK_AND_ASSIGN(BarColumns bars, l->Read("ES", "1m", 0, kAll));
  EXPECT_EQ(bars.size(), 180u);
  // A second gc finds nothing more to do.
  ASSERT_OK_AND_ASSIGN(GcReport again, Gc(Zero(), false, false, kForty));
  EXPECT_TRUE(again.removed.empty()) << Paths(again.removed);
  // The current file damaged: repair rebuilds it from what gc kept.
  const std::string part = LakeDir() + "/symbol=ES/timeframe=1m/period=2024-01/data.parquet";
  {
    std::fstream f(part, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(part) / 2));
    f.write("\x5a\x5a\x5a\x5a", 4);
  }
  ASSERT_OK(l->Repair(false).status());
  ASSERT_OK_AND_ASSIGN(VerifyReport after, l->Verify());
  EXPECT_TRUE(after.ok()) << after.problems[0].path << ": " << after.problems[0].what;
}

TEST_F(GcTest, ARollbackInsideTheWindowStaysPossible) {
  ThreeImports();
  registry::RetentionPolicy p = Zero();
  p.rollback_days = 7;
  ASSERT_OK_AND_ASSIGN(GcReport r, Gc(p, false));
  EXPECT_TRUE(Has(r.held, ".barlake/versions/job-2/")) << Paths(r.held);
  for (const auto& i : r.held) {
    if (i.path.rfind(".barlake/versions/job-2/", 0) == 0) {
      EXPECT_NE(i.needed_by.find("rolling back job 2"), std::string::npos);
    }
  }
  EXPECT_EQ(CountFiles(Sources()), 1u) << "sources are not needed to roll back";
  auto l = OpenLake();
  ASSERT_OK(l->Rollback(3).status());
  ASSERT_OK(l->Rollback(2).status());
  ASSERT_OK_AND_ASSIGN(BarColumns bars, l->Read("ES", "1m", 0, kAll));
  EXPECT_EQ(bars.size(), 60u);
}

TEST_F(GcTest, ForceRemovesWhatARollbackOrRepairWouldNeed) {
  ThreeImports();
  registry::RetentionPolicy p = Zero();
  p.rollback_days = 7;
  ASSERT_OK_AND_ASSIGN(GcReport r, Gc(p, false, /*force=*/true));
  EXPECT_TRUE(r.forced);
  EXPECT_TRUE(r.held.empty()) << Paths(r.held);
  EXPECT_TRUE(Has(r.removed, ".barlake/versions/job-3/"));
  bool said = false;
  for (const auto& i : r.removed) said = said || i.needed_by.find("rolling back job 3") != std::string::npos;
  EXPECT_TRUE(said) << "the report says what --force gave up";
  EXPECT_EQ(CountFiles(Versions()), 0u);
  EXPECT_EQ(CountFiles(Sources()), 0u);
  auto l = OpenLake();
  EXPECT_FALSE(l->Rollback(3).ok());
  ASSERT_OK_AND_ASSIGN(VerifyReport v, l->Verify());
  EXPECT_TRUE(v.ok()) << "the current data is untouched";
}

TEST_F(GcTest, OrphansAndEmptyHiveFoldersGoForeignFilesStay) {
  {
    auto l = OpenLake();
    ASSERT_OK(l->Import(Req(WriteSource("a.txt", NtMinutes("20240110 100100", 60, 4800)))).status());
    ASSERT_OK_AND_ASSIGN(auto renamed, l->RenameDataset({"ES", "1m", "ESX"}));
    ASSERT_OK(l->Rollback(renamed.id).status());
  }
  const std::string part = LakeDir() + "/symbol=ES/timeframe=1m/period=2024-01/data.parquet";
  const std::string stray = LakeDir() + "/symbol=ZZ/timeframe=1m/period=2024-01/data.parquet";
  fs::create_directories(fs::path(stray).parent_path());
  fs::copy_file(part, stray);
  ASSERT_OK(testutil::WriteText(LakeDir() + "/notes.txt", "mine"));
  ASSERT_OK(testutil::WriteText(Versions() + "/job-999/symbol=ES/x.parquet", "orphan"));
  fs::create_directories(LakeDir() + "/symbol=QQ/timeframe=5m");

  ASSERT_OK_AND_ASSIGN(GcReport r, Gc(registry::RetentionPolicy{}, false));
  EXPECT_TRUE(Has(r.removed, "lake/symbol=ZZ/timeframe=1m/period=2024-01/data.parquet")) << Paths(r.removed);
  EXPECT_TRUE(Has(r.removed, ".barlake/versions/job-999/symbol=ES/x.parquet")) << Paths(r.removed);
  EXPECT_FALSE(fs::exists(stray));
  EXPECT_FALSE(fs::exists(LakeDir() + "/symbol=ZZ"));
  EXPECT_FALSE(fs::exists(LakeDir() + "/symbol=QQ"));
  EXPECT_FALSE(fs::exists(LakeDir() + "/symbol=ESX")) << "the folders a rolled-back rename leaves";
  EXPECT_FALSE(fs::exists(Versions() + "/job-999"));
  EXPECT_TRUE(fs::exists(LakeDir() + "/notes.txt"));
  ASSERT_EQ(r.left_alone.size(), 1u);
  EXPECT_EQ(r.left_alone[0], "lake/notes.txt");
  EXPECT_TRUE(fs::exists(part));
  auto l = OpenLake();
  ASSERT_OK_AND_ASSIGN(BarColumns bars, l->Read("ES", "1m", 0, kAll));
  EXPECT_EQ(bars.size(), 60u);
}

TEST_F(GcTest, DroppedQuarantineRowsArePurgedAfterTheirDays) {
  std::string text = NtMinutes("20240110 100100", 200, 4800);
  text += testutil::NtLine("20240110 233000", 4800, 4790, 4810, 4800, 5);  // high below low
  auto l = OpenLake();
  ASSERT_OK(l->Import(Req(WriteSource("q.txt", text))).status());
  ASSERT_OK_AND_ASSIGN(auto held, l->TEST_journal()->ListQuarantine("ES", "1m", "held", 0, 100));
  ASSERT_EQ(held.size(), 1u);
  ASSERT_OK(l->DropQuarantine({held[0].id}));
  ASSERT_OK_AND_ASSIGN(GcReport young, Gc(registry::RetentionPolicy{}, false));
  EXPECT_EQ(young.quarantine_rows, 0);
  ASSERT_OK_AND_ASSIGN(GcReport old, Gc(registry::RetentionPolicy{}, false, false, 100 * kMicrosPerDay));
  EXPECT_EQ(old.quarantine_rows, 1);
  ASSERT_OK_AND_ASSIGN(auto dropped, l->TEST_journal()->ListQuarantine("ES", "1m", "dropped", 0, 100));
  EXPECT_TRUE(dropped.empty());
}

TEST_F(GcTest, DiskUsageNamesEveryArea) {
  ThreeImports();
  ASSERT_OK_AND_ASSIGN(auto areas, DiskUsage(Env::Default(), VaultPaths(vault_)));
  std::map<std::string, AreaUsage> by;
  for (const auto& a : areas) by[a.area] = a;
  for (const char* area : {"lake", "snapshots", "tables", "versions", "sources", "quarantine", "staging", "journal"}) {
    EXPECT_TRUE(by.count(area)) << area;
  }
  EXPECT_EQ(by["lake"].files, 1);
  EXPECT_GE(by["versions"].files, 2);  // the partition's previous files kept by jobs 2 and 3
  EXPECT_EQ(by["sources"].files, 3);
  EXPECT_GT(by["journal"].bytes, 0);
}

}  // namespace
}  // namespace barlake::lake
