// The one job pipeline: JobScope (no job left running, no temporary file left behind),
// the generic keyed merge, registry changes journaled with their job, and Source.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/checksum.h"
#include "lake/job_pipeline.h"
#include "lake/job_scope.h"
#include "lake/keyed_merge.h"
#include "lake/lake_test_util.h"
#include "lake/snapshot_import.h"
#include "lake/source.h"
#include "testutil/fault_injection_env.h"
#include "registry/registry.h"

namespace barlake::lake {
namespace {

namespace fs = std::filesystem;

using testutil::ReadText;

std::vector<std::string> IncomingCopies(const std::string& vault) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(vault + "/.barlake/sources")) {
    if (e.path().filename().string().rfind(".incoming-", 0) == 0) out.push_back(e.path().string());
  }
  return out;
}

// Reports an error from FreeBytes, which the import asks after the job is created.
class FreeBytesFails : public EnvWrapper {
 public:
  FreeBytesFails() : EnvWrapper(Env::Default()) {}
  Result<uint64_t> FreeBytes(const std::string&) override { return Status::IOError("statfs: injected failure"); }
};

using PipelineTest = VaultTest;

TEST_F(PipelineTest, AnErrorAfterTheJobIsCreatedFailsItWithThatError) {
  FreeBytesFails env;
  LakeOptions o;
  o.env = &env;
  auto lake = OpenLake(o);
  auto r = lake->Import(Req(WriteSource("a.txt", testutil::NtMinutes("20240115 093100", 30, 100))));
  ASSERT_RAISES(kIOError, r);
  ASSERT_OK_AND_ASSIGN(auto jobs, lake->TEST_journal()->ListJobs(5));
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].status, "failed");
  EXPECT_NE(jobs[0].error.find("injected failure"), std::string::npos) << jobs[0].error;
  ASSERT_OK_AND_ASSIGN(auto running, lake->TEST_journal()->JobsWithStatus("running"));
  EXPECT_TRUE(running.empty());
  EXPECT_TRUE(IncomingCopies(vault_).empty());
}

TEST_F(PipelineTest, AFailedAlignmentReadFailsTheJobAndRemovesTheIncomingCopy) {
  auto lake = OpenLake();
  ASSERT_OK(lake->Import(Req(WriteSource("a.txt", testutil::NtMinutes("20240115 093100", 30, 100)))).status());
  // Damage the stored file: the overlap check of the next import cannot read it.
  const std::string stored = LakeDir() + "/symbol=ES/timeframe=1m/period=2024-01/data.parquet";
  fs::permissions(stored, fs::perms::owner_write, fs::perm_options::add);
  { std::ofstream(stored, std::ios::trunc) << "not parquet"; }
  auto r = lake->Import(Req(WriteSource("b.txt", testutil::NtMinutes("20240115 094100", 30, 100))));
  ASSERT_FALSE(r.ok());
  ASSERT_OK_AND_ASSIGN(auto jobs, lake->TEST_journal()->ListJobs(1));
  EXPECT_EQ(jobs[0].status, "failed");
  EXPECT_EQ(jobs[0].error, r.status().message());
  EXPECT_TRUE(IncomingCopies(vault_).empty());
}

TEST_F(PipelineTest, AScopeLeftWithoutFinishFailsItsJobAndRemovesItsTempFiles) {
  auto lake = OpenLake();
  const std::string temp = vault_ + "/.barlake/sources/.incoming-test";
  { std::ofstream(temp) << "bytes"; }
  journal::JobRecord job;
  job.kind = "import";
  {
    ASSERT_OK_AND_ASSIGN(auto scope, JobScope::Begin(lake->TEST_journal(), Env::Default(), &job, false));
    scope->AddTemp(temp);
  }
  ASSERT_OK_AND_ASSIGN(journal::JobRecord stored, lake->TEST_journal()->GetJob(job.id));
  EXPECT_EQ(stored.status, "failed");
  EXPECT_NE(stored.error.find("without recording its outcome"), std::string::npos);
  EXPECT_FALSE(fs::exists(temp));
}

TEST_F(PipelineTest, RecoveryRemovesIncomingCopiesACrashLeftBehind) {
  auto lake = OpenLake();
  const std::string stale = vault_ + "/.barlake/sources/.incoming-4242-7";
  { std::ofstream(stale) << "half a copy"; }
  ASSERT_OK(lake->Recover());
  EXPECT_FALSE(fs::exists(stale));
}

BarColumns Bars(std::vector<Micros> ts, std::vector<double> close, int64_t job) {
  BarColumns b;
  for (size_t i = 0; i < ts.size(); ++i) {
    b.ts.push_back(ts[i]);
    b.open.push_back(close[i]);
    b.high.push_back(close[i]);
    b.low.push_back(close[i]);
    b.close.push_back(close[i]);
    b.volume.push_back(1);
    if (job) b.job.push_back(job);
  }
  return b;
}

storage::SnapshotRows Snapshots(std::vector<Micros> ts, std::vector<double> strike, double value, int64_t job) {
  storage::SnapshotRows r;
  for (size_t i = 0; i < ts.size(); ++i) {
    r.ts.push_back(ts[i]);
    r.strike.push_back(strike[i]);
    std::array<double, storage::kSnapshotValueCount> v{};
    v[0] = value + static_cast<double>(i);
    r.values.push_back(v);
    r.job.push_back(job);
  }
  return r;
}

TEST(KeyedMergeTest, BarsMergeByTimeUnderEachPolicy) {
  const BarColumns stored = Bars({10, 20, 30}, {1, 2, 3}, 5);
  const BarColumns incoming = Bars({15, 20, 30}, {9, 2, 7}, 0);  // new, identical, conflicting
  for (ConflictPolicy policy : {ConflictPolicy::kKeep, ConflictPolicy::kReplace, ConflictPolicy::kFail}) {
    std::vector<std::pair<size_t, size_t>> conflicts;
    auto m = MergeSorted(stored, incoming, 0, incoming.size(), policy, 8,
                         [&](size_t i, size_t j) { conflicts.push_back({i, j}); });
    EXPECT_EQ(m.added, 1);
    EXPECT_EQ(m.identical, 1);
    EXPECT_EQ(m.conflicting, 1);
    ASSERT_EQ(conflicts.size(), 1u);
    EXPECT_EQ(conflicts[0], std::make_pair(size_t{2}, size_t{2}));
    EXPECT_EQ(m.rows.ts, (std::vector<Micros>{10, 15, 20, 30}));
    const bool replaced = policy == ConflictPolicy::kReplace;
    EXPECT_EQ(m.replaced, replaced ? 1 : 0);
    EXPECT_EQ(m.rows.close.back(), replaced ? 7 : 3);
    // New rows carry the writing job; kept rows keep theirs.
    EXPECT_EQ(m.rows.job, (std::vector<int64_t>{5, 8, 5, replaced ? 8 : 5}));
  }
}

TEST(KeyedMergeTest, SnapshotsMergeByTimeAndStrikeUnderEachPolicy) {
  const auto stored = Snapshots({10, 10, 20}, {100, 110, 100}, 1, 5);
  auto incoming = Snapshots({10, 10, 20}, {105, 110, 100}, 1, 0);  // new strike, identical, ...
  incoming.values[2][0] = 9;                                         // ... and a conflict
  for (ConflictPolicy policy : {ConflictPolicy::kKeep, ConflictPolicy::kReplace, ConflictPolicy::kFail}) {
    auto m = MergeSorted(stored, incoming, 0, incoming.size(), policy, 8, nullptr);
    EXPECT_EQ(m.added, 1);
    EXPECT_EQ(m.identical, 1);
    EXPECT_EQ(m.conflicting, 1);
    ASSERT_EQ(m.rows.size(), 4u);
    EXPECT_EQ(m.rows.strike, (std::vector<double>{100, 105, 110, 100}));
    const bool replaced = policy == ConflictPolicy::kReplace;
    EXPECT_EQ(m.replaced, replaced ? 1 : 0);
    EXPECT_EQ(m.rows.values[3][0], replaced ? 9 : 3);  // (20, 100)
    EXPECT_EQ(m.rows.job, (std::vector<int64_t>{5, 8, 5, replaced ? 8 : 5}));
  }
}

// --- the registry as part of the job --------------------------------------------------

struct SimulatedCrash {};

bool Declared(const std::string& vault, const std::string& symbol, const std::string& timeframe) {
  auto reg = registry::Registry::Load(Env::Default(), vault + "/barlake.toml");
  return reg.ok() && reg->Find(symbol, timeframe) != nullptr;
}

TEST_F(PipelineTest, ACrashAfterTheCommitNeverLeavesDataWithoutItsDataset) {
  const std::string src = WriteSource("a.txt", testutil::NtMinutes("20240115 093100", 30, 100));
  for (CrashPoint point : {CrashPoint::kAfterStaged, CrashPoint::kAfterSwapOne, CrashPoint::kAfterSwapAll,
                           CrashPoint::kAfterCommit}) {
    testutil::TempDir scratch;
    const std::string v = scratch.Sub("v");
    fs::copy(vault_, v, fs::copy_options::recursive);
    {
      LakeOptions o;
      o.crash_hook = [point](CrashPoint p) {
        if (p == point) throw SimulatedCrash{};
      };
      ASSERT_OK_AND_ASSIGN(auto lake, Lake::Open(v, o));
      EXPECT_THROW((void)lake->Import(Req(src)), SimulatedCrash) << CrashPointName(point);
    }
    ASSERT_OK_AND_ASSIGN(auto lake, Lake::Open(v, {}));
    ASSERT_OK(lake->Recover());
    ASSERT_OK_AND_ASSIGN(auto ds, lake->Datasets());
    ASSERT_EQ(ds.size(), 1u) << CrashPointName(point);
    EXPECT_TRUE(Declared(v, "ES", "1m")) << CrashPointName(point);
    ASSERT_OK_AND_ASSIGN(VerifyReport rep, lake->Verify());
    EXPECT_TRUE(rep.ok()) << CrashPointName(point);
  }
}

TEST_F(PipelineTest, ACrashBeforeThePlanDeclaresNothing) {
  {
    LakeOptions o;
    o.crash_hook = [](CrashPoint p) {
      if (p == CrashPoint::kAfterStageFile) throw SimulatedCrash{};
    };
    auto lake = OpenLake(o);
    EXPECT_THROW((void)lake->Import(Req(WriteSource("a.txt", testutil::NtMinutes("20240115 093100", 30, 100)))),
                 SimulatedCrash);
  }
  auto lake = OpenLake();
  ASSERT_OK(lake->Recover());
  EXPECT_FALSE(Declared(vault_, "ES", "1m"));
  EXPECT_TRUE(IncomingCopies(vault_).empty());
}

TEST_F(PipelineTest, RollingBackAFirstImportRemovesTheDatasetItDeclaredOnly) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(ImportResult es, lake->Import(Req(WriteSource("es.txt", testutil::NtMinutes("20240115 093100", 30, 100)))));
  ASSERT_OK_AND_ASSIGN(ImportResult nq, lake->Import(Req(WriteSource("nq.txt", testutil::NtMinutes("20240115 093100", 30, 200)), "NQ")));
  ASSERT_TRUE(Declared(vault_, "ES", "1m") && Declared(vault_, "NQ", "1m"));
  // NQ's import rewrote barlake.toml after ES's; that does not block rolling ES back.
  ASSERT_OK_AND_ASSIGN(journal::JobRecord undone, lake->Rollback(es.job.id));
  EXPECT_EQ(undone.status, "completed");
  EXPECT_FALSE(Declared(vault_, "ES", "1m"));
  EXPECT_TRUE(Declared(vault_, "NQ", "1m"));
  EXPECT_EQ(lake->registry().Find("ES", "1m"), nullptr);
  ASSERT_OK_AND_ASSIGN(VerifyReport rep, lake->Verify());
  EXPECT_TRUE(rep.ok());
  // A second import of a declared dataset changes no registry: its rollback keeps it.
  ASSERT_OK_AND_ASSIGN(ImportResult nq2, lake->Import(Req(WriteSource("nq2.txt", testutil::NtMinutes("20240116 093100", 30, 200)), "NQ")));
  ASSERT_OK(lake->Rollback(nq2.job.id).status());
  EXPECT_TRUE(Declared(vault_, "NQ", "1m"));
  (void)nq;
}

TEST_F(PipelineTest, AFailedFirstImportLeavesTheRegistryAsItWas) {
  const std::string before = ReadText(vault_ + "/barlake.toml");
  testutil::FaultInjectionEnv faulty(Env::Default());
  const std::string src = WriteSource("a.txt", testutil::NtMinutes("20240115 093100", 30, 100));
  // Fail each mutating step of a first import in turn: the registry is never half-changed.
  for (int64_t k = 1;; ++k) {
    testutil::TempDir scratch;
    const std::string v = scratch.Sub("v");
    fs::copy(vault_, v, fs::copy_options::recursive);
    faulty.Reset();
    faulty.FailAt(k, ErrorCode::kIOError);
    LakeOptions o;
    o.env = &faulty;
    ASSERT_OK_AND_ASSIGN(auto lake, Lake::Open(v, o));
    auto r = lake->Import(Req(src));
    if (faulty.failed().empty()) break;  // k is past the last step
    if (!r.ok()) {
      ASSERT_OK_AND_ASSIGN(auto clean, Lake::Open(v, {}));
      ASSERT_OK(clean->Recover());
      ASSERT_OK_AND_ASSIGN(auto ds, clean->Datasets());
      EXPECT_EQ(Declared(v, "ES", "1m"), !ds.empty()) << "step " << k << " " << faulty.failed();
      if (ds.empty()) {
        EXPECT_EQ(ReadText(v + "/barlake.toml"), before) << "step " << k;
      }
    }
    ASSERT_LT(k, 200);
  }
}

// --- Source ----------------------------------------------------------------------------

TEST_F(PipelineTest, BytesInMemoryImportExactlyLikeTheSameFile) {
  const std::string text = testutil::NtMinutes("20240131 233100", 60, 4800);
  const std::string path = WriteSource("es.txt", text);
  testutil::TempDir other;
  const std::string v2 = other.Sub("v");
  InitOptions init;
  init.default_source_tz = "UTC";
  ASSERT_OK(InitVault(Env::Default(), v2, init));

  auto from_file = OpenLake();
  ASSERT_OK_AND_ASSIGN(ImportResult a, from_file->Import(Req(path)));
  ASSERT_OK_AND_ASSIGN(auto memory_lake, Lake::Open(v2, {}));
  ImportRequest req = Req("");
  req.source = Source::FromBytes("es.txt", text, fs::last_write_time(path).time_since_epoch().count() / 1000, "upload");
  req.format = "ninjatrader";
  ASSERT_OK_AND_ASSIGN(ImportResult b, memory_lake->Import(req));
  EXPECT_EQ(b.job.status, "completed");
  EXPECT_EQ(a.job.source_sha256, b.job.source_sha256);
  EXPECT_EQ(a.partitions, b.partitions);
  EXPECT_EQ(b.job.source_path, "es.txt");
  ASSERT_OK_AND_ASSIGN(auto pa, from_file->TEST_journal()->AllPartitions());
  ASSERT_OK_AND_ASSIGN(auto pb, memory_lake->TEST_journal()->AllPartitions());
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].rel_path, pb[i].rel_path);
    EXPECT_EQ(pa[i].rows, pb[i].rows);
  }
  EXPECT_TRUE(fs::exists(v2 + "/.barlake/sources/" + b.job.source_sha256));
  EXPECT_TRUE(IncomingCopies(v2).empty());
  // The same bytes again, now from the file: skipped by SHA-256.
  ASSERT_OK_AND_ASSIGN(ImportResult again, memory_lake->Import(Req(path)));
  EXPECT_EQ(again.job.status, "skipped");
  ASSERT_OK_AND_ASSIGN(journal::JobRecord skipped, memory_lake->TEST_journal()->GetJob(again.job.id));
  EXPECT_NE(skipped.report_json.find("\"skipped_because\""), std::string::npos) << skipped.report_json;
}

TEST_F(PipelineTest, AFileIsKeptByAKernelCopyWhoseHashIsItsName) {
  const std::string text = testutil::NtMinutes("20240131 233100", 60, 4800);
  const std::string path = WriteSource("es.txt", text);
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(ImportResult r, lake->Import(Req(path)));
  ASSERT_EQ(r.job.status, "completed");
  EXPECT_EQ(r.job.source_sha256, Sha256Hex(text));
  const std::string kept = vault_ + "/.barlake/sources/" + r.job.source_sha256;
  ASSERT_TRUE(fs::exists(kept));
  EXPECT_EQ(ReadText(kept), text);
  EXPECT_TRUE(IncomingCopies(vault_).empty());
}

TEST_F(PipelineTest, TheSourceHasherCopiesAFileHashesTheCopyAndNoticesAFileThatChanged) {
  const std::string text = std::string(3 << 20, 'a') + testutil::NtMinutes("20240131 233100", 60, 4800);
  const std::string path = WriteSource("big.txt", text);
  {
    SourceHasher hasher(Env::Default(), text, dir_.Sub("copy"), path);
    ASSERT_OK_AND_ASSIGN(std::string sha, hasher.Join());
    EXPECT_EQ(sha, Sha256Hex(text));
    EXPECT_TRUE(ReadText(dir_.Sub("copy")) == text);
  }
  // The file grew after it was opened (an export still being written): the bytes parsed
  // are not the bytes kept, so the job must not go ahead.
  {
    const std::string_view opened(text.data(), text.size() - 1000);
    SourceHasher hasher(Env::Default(), opened, dir_.Sub("copy2"), path);
    auto sha = hasher.Join();
    ASSERT_RAISES(kInvalidInput, sha);
    EXPECT_NE(sha.status().message().find("changed while it was being imported"), std::string::npos)
        << sha.status().message();
    EXPECT_NE(sha.status().message().find("big.txt"), std::string::npos);
  }
  // A copy that fails (a full disk on its second write) reports that error.
  {
    testutil::FaultInjectionEnv env(Env::Default());
    env.FillDiskAt(2);
    SourceHasher hasher(&env, text, dir_.Sub("copy3"), path);
    ASSERT_RAISES(kNoSpace, hasher.Join());
    EXPECT_FALSE(fs::exists(dir_.Sub("copy3")));
  }
}

TEST_F(PipelineTest, ABrowserModificationTimeMarksAPartialLastBar) {
  const std::string text = testutil::NtMinutes("20240115 093100", 10, 100);
  ImportRequest req = Req("");
  // The export was written 30 s into the last bar (09:40 close stamp = 09:39 open bar).
  req.source = Source::FromBytes("es.txt", text, ParseIsoUtc("2024-01-15T09:39:30Z").value(), "upload");
  req.format = "ninjatrader";
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(ImportResult r, lake->Import(req));
  EXPECT_TRUE(r.partial_last_bar_dropped);
  EXPECT_EQ(r.job.rows_written, 9);
}

TEST_F(PipelineTest, SnapshotBytesInMemoryImportAndAreSkippedTheSecondTime) {
  const std::string text = ReadText(std::string(BARLAKE_TEST_DATA_DIR) + "/gex/SPX_2026-02-25_rt.json");
  auto lake = OpenLake();
  SnapshotImportRequest req;
  req.source = Source::FromBytes("spx.json", text, 0, "https://example.invalid/spx");
  ASSERT_OK_AND_ASSIGN(SnapshotImportResult r, lake->ImportSnapshots(req));
  EXPECT_EQ(r.job.status, "completed");
  EXPECT_EQ(r.job.source_sha256, Sha256Hex(text));
  EXPECT_TRUE(Declared(vault_, "SPX", "gex"));
  ASSERT_OK_AND_ASSIGN(SnapshotImportResult again, lake->ImportSnapshots({WriteSource("spx.json", text)}));
  EXPECT_EQ(again.job.status, "skipped");
  // Rolling the first import back undeclares the ticker with its data.
  ASSERT_OK(lake->Rollback(r.job.id).status());
  EXPECT_FALSE(Declared(vault_, "SPX", "gex"));
}

}  // namespace
}  // namespace barlake::lake
