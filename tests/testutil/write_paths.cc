#include "testutil/write_paths.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/checksum.h"
#include "lake/documents.h"
#include "lake/snapshot_import.h"
#include "registry/registry.h"
#include "testutil/fault_injection_env.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake::testutil {
namespace {

namespace fs = std::filesystem;

// ---- journal -------------------------------------------------------------------------

struct Db {
  sqlite3* db = nullptr;
  ~Db() {
    if (db) sqlite3_close(db);
  }
  // Every row of `sql`, each column as text ("" for NULL).
  std::vector<std::vector<std::string>> Rows(const std::string& sql, std::string* error) {
    std::vector<std::vector<std::string>> out;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      *error = sqlite3_errmsg(db);
      return out;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const unsigned char* t = sqlite3_column_text(st, c);
        row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    return out;
  }
};

}  // namespace

JournalFacts ReadJournal(const std::string& vault) {
  JournalFacts f;
  Db db;
  const std::string path = vault + "/.barlake/journal.sqlite";
  if (sqlite3_open_v2(path.c_str(), &db.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    f.problems.push_back("cannot open " + path);
    return f;
  }
  sqlite3_busy_timeout(db.db, 10000);
  std::string error;
  auto check = [&](const std::string& what, const std::string& sql) {
    for (const auto& row : db.Rows(sql, &error)) {
      std::string line = what + ":";
      for (const auto& v : row) line += " " + v;
      f.problems.push_back(line);
    }
  };
  auto integrity = db.Rows("PRAGMA integrity_check", &error);
  if (integrity.empty() || integrity[0][0] != "ok")
    f.problems.push_back("integrity_check is not ok");
  for (const auto& r : db.Rows("SELECT id, kind, status, coalesce(phase, ''), coalesce(error, '') "
                               "FROM jobs ORDER BY id",
                               &error)) {
    f.jobs.push_back({std::stoll(r[0]), r[1], r[2], r[3], r[4]});
  }
  // Rows a failed release marked are held again (they read as released only once the
  // release job completed).
  for (const auto& r :
       db.Rows("SELECT q.id FROM quarantine q LEFT JOIN jobs j ON j.id = q.resolved_job "
               "WHERE q.status = 'held' OR (q.status = 'released' AND coalesce(j.status, '') <> "
               "'completed') ORDER BY q.id",
               &error)) {
    f.held_quarantine.push_back(std::stoll(r[0]));
  }
  check("job still running",
        "SELECT id, kind, phase FROM jobs WHERE status IN ('running', 'pending')");
  check("failed job without its reason",
        "SELECT id, kind FROM jobs WHERE status = 'failed' AND coalesce(error, '') = ''");
  check("rolled-back job without a completed rollback",
        "SELECT id FROM jobs WHERE status = 'rolled_back' AND coalesce(rolled_back_by, 0) NOT IN "
        "(SELECT id FROM jobs WHERE kind = 'rollback' AND status = 'completed')");
  check("dataset row without partitions",
        "SELECT symbol, timeframe FROM datasets EXCEPT SELECT symbol, timeframe FROM partitions");
  check("partitions without a dataset row",
        "SELECT symbol, timeframe FROM partitions EXCEPT SELECT symbol, timeframe FROM datasets");
  check("partition written by a job that is not completed",
        "SELECT rel_path, version FROM partitions WHERE version NOT IN (SELECT id FROM jobs WHERE "
        "status = 'completed')");
  if (!error.empty()) f.problems.push_back("SQL error: " + error);
  return f;
}

std::string JobsText(const std::vector<JobFact>& jobs) {
  std::string out;
  for (const auto& j : jobs) out += std::to_string(j.id) + " " + j.kind + " " + j.status + "; ";
  return out;
}

// ---- files ---------------------------------------------------------------------------

VaultFiles CaptureVaultFiles(const std::string& vault) {
  VaultFiles out;
  for (const char* dir : {"lake", "snapshots", "tables", "documents", ".barlake/versions"}) {
    for (const auto& [rel, sha] : Snapshot(vault + "/" + dir))
      out[std::string(dir) + "/" + rel] = sha;
  }
  std::error_code ec;
  if (fs::exists(vault + "/barlake.toml", ec)) {
    out["barlake.toml"] = Sha256Hex(ReadText(vault + "/barlake.toml"));
  }
  return out;
}

VaultFiles DataFiles(const VaultFiles& files) {
  VaultFiles out = files;
  out.erase("barlake.toml");
  return out;
}

std::string DiffFiles(const VaultFiles& got, const VaultFiles& want) {
  std::string out;
  int shown = 0;
  for (const auto& [path, sha] : want) {
    auto it = got.find(path);
    if (it == got.end()) {
      if (shown++ < 6) out += "missing " + path + "; ";
    } else if (it->second != sha) {
      if (shown++ < 6) out += "differs " + path + "; ";
    }
  }
  for (const auto& [path, sha] : got) {
    if (!want.count(path) && shown++ < 6) out += "extra " + path + "; ";
  }
  return out;
}

std::vector<std::string> StrayFiles(const std::string& vault) {
  std::vector<std::string> out;
  std::error_code ec;
  const std::string staging = vault + "/.barlake/staging";
  if (fs::exists(staging, ec) && !fs::is_empty(staging, ec))
    out.push_back(".barlake/staging is not empty");
  for (auto it = fs::recursive_directory_iterator(vault, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool tmp = name.size() > 4 && name.substr(name.size() - 4) == ".tmp";
    if (it->is_regular_file(ec) && (tmp || name.rfind(".incoming-", 0) == 0)) {
      out.push_back(fs::relative(it->path(), vault).string());
    }
  }
  return out;
}

// ---- the write paths -------------------------------------------------------------------

namespace {

std::unique_ptr<lake::Lake> OpenHealthy(const std::string& vault) {
  auto l = lake::Lake::Open(vault, {});
  EXPECT_TRUE(l.ok()) << l.status().ToString();
  return l.ok() ? std::move(l).value() : nullptr;
}

lake::ImportRequest BarRequest(const std::string& path, const std::string& symbol = "ES") {
  lake::ImportRequest r;
  r.path = path;
  r.symbol = symbol;
  r.timeframe = "1m";
  return r;
}

Status Completed(const Result<lake::ImportResult>& r) {
  if (!r.ok()) return r.status();
  if (r->job.status != "completed")
    return Status::Internal("import job is " + r->job.status + ": " + r->job.error);
  return Status::OK();
}

// ES 1m, CME_Globex sessions of 2023-12-29 and 2024-01-02 (two month partitions).
void BuildEs(const PathBase& b) {
  lake::InitOptions init;
  init.default_source_tz = "UTC";
  ASSERT_OK(lake::InitVault(Env::Default(), b.vault, init));
  const std::string es = b.sources + "/es.txt";
  ASSERT_OK(WriteText(
      es, NtMinutes("20231228 230100", 1380, 4800) + NtMinutes("20240101 230100", 1380, 4801)));
  // Read by import_merge and rollback: adds to January, creates February.
  ASSERT_OK(WriteText(b.sources + "/es_more.txt", NtMinutes("20240102 230100", 60, 4802) +
                                                      NtMinutes("20240205 150100", 30, 4803)));
  // Read by import_new: a new dataset of two months.
  ASSERT_OK(WriteText(b.sources + "/nq.txt", NtMinutes("20240110 150100", 30, 17000) +
                                                 NtMinutes("20240212 150100", 30, 17010)));
  auto lake = OpenHealthy(b.vault);
  ASSERT_NE(lake, nullptr);
  lake::ImportRequest r = BarRequest(es);
  r.calendar = "CME_Globex";
  ASSERT_OK(Completed(lake->Import(r)));
}

// ES dropped (job 2), for the rollback of a drop.
void BuildEsDropped(const PathBase& b) {
  ASSERT_NO_FATAL_FAILURE(BuildEs(b));
  ASSERT_OK_AND_ASSIGN(journal::JobRecord j, OpenHealthy(b.vault)->DropDataset({"ES", "1m", false}));
  ASSERT_EQ(j.status, "completed");
}

// A fundamentals document of AAPL from `provider`, fetched at `fetched_at` for a day.
lake::KeyedDocument AaplDocument(const std::string& provider, Micros fetched_at, double market_cap) {
  lake::KeyedDocument d;
  d.symbol = "AAPL";
  d.provider = provider;
  d.fetched_at = fetched_at;
  d.ttl_seconds = 86400;
  d.source_sha256 = std::string(64, 'a');
  d.source_url = "http://127.0.0.1/fixture";
  d.document = R"({"Symbol":"AAPL","Name":"Apple Inc"})";
  d.text_fields["name"] = "Apple Inc";
  d.number_fields["market_cap"] = market_cap;
  return d;
}

// ES plus AAPL fundamentals from yahoo (job 2) and alphavantage (job 3), fetched
// 2026-01-02 with a one-day TTL: the stored documents the document paths replace or drop.
void BuildEsWithDocuments(const PathBase& b) {
  ASSERT_NO_FATAL_FAILURE(BuildEs(b));
  const Micros t = 1767312000LL * kMicrosPerSecond;
  ASSERT_OK(OpenHealthy(b.vault)->PutDocuments({AaplDocument("yahoo", t, 3.9e12)}).status());
  ASSERT_OK(OpenHealthy(b.vault)->PutDocuments({AaplDocument("alphavantage", t, 3.8e12)}).status());
}

// ES plus es_more.txt imported (job 2), for the rollback.
void BuildEsImportedTwice(const PathBase& b) {
  ASSERT_NO_FATAL_FAILURE(BuildEs(b));
  ASSERT_OK(Completed(OpenHealthy(b.vault)->Import(BarRequest(b.sources + "/es_more.txt"))));
}

// ES plus two quarantined bars (high below low): one in February among good bars, one in
// March alone. Releasing them rewrites February and creates March.
void BuildEsWithQuarantine(const PathBase& b) {
  ASSERT_NO_FATAL_FAILURE(BuildEs(b));
  const std::string bad = b.sources + "/bad.txt";
  ASSERT_OK(WriteText(bad, NtMinutes("20240206 150100", 20, 4810) +
                               NtLine("20240206 152100", 4811, 4810.5, 4811.5, 4811, 5) +
                               NtLine("20240305 150100", 4820, 4819.5, 4820.5, 4820, 5)));
  lake::ImportRequest r = BarRequest(bad);
  r.force = true;
  ASSERT_OK(Completed(OpenHealthy(b.vault)->Import(r)));
  ASSERT_EQ(ReadJournal(b.vault).held_quarantine.size(), 2u);
}

// ES with three derived datasets built and then made stale by a replaced bar on
// 2024-01-02: ES 1h (resample), ES_HOURLY 1h (sql), ES session_stats (table). None
// regenerates on its own, so each regenerate path is one job.
void BuildEsDerived(const PathBase& b) {
  ASSERT_NO_FATAL_FAILURE(BuildEs(b));
  {
    auto lake = OpenHealthy(b.vault);
    lake::ResampleRequest rs;
    rs.symbol = "ES";
    rs.to = {"1h"};
    rs.auto_regenerate = false;
    ASSERT_OK(lake->DeclareResample(rs).status());
    lake::TableRequest t;
    t.symbol = "ES";
    t.table = "session_stats";
    t.auto_regenerate = false;
    ASSERT_OK(lake->DeclareTable(t).status());
  }
  registry::DatasetSpec sql;
  sql.symbol = "ES_HOURLY";
  sql.timeframe = "1h";
  sql.method = "sql";
  sql.inputs = {"ES 1m"};
  sql.auto_regenerate = false;
  sql.sql =
      "SELECT time_bucket(INTERVAL 1 hour, ts) AS ts, arg_min(open, ts) AS open, max(high) AS "
      "high, "
      "min(low) AS low, arg_max(close, ts) AS close, sum(volume) AS volume FROM bars "
      "WHERE symbol = 'ES' AND timeframe = '1m' GROUP BY 1";
  ASSERT_OK(
      registry::Registry::AppendDataset(Env::Default(), b.vault + "/barlake.toml", sql).status());
  auto lake = OpenHealthy(b.vault);
  lake::RegenerateRequest rr;
  rr.datasets = {"ES_HOURLY 1h"};
  ASSERT_OK(lake->Regenerate(rr).status());
  const std::string fix = b.sources + "/fix.txt";
  ASSERT_OK(WriteText(fix, NtLine("20240102 150000", 4900, 4900.25, 4899.75, 4900, 7)));
  lake::ImportRequest r = BarRequest(fix);
  r.on_conflict = lake::ConflictPolicy::kReplace;
  ASSERT_OK(Completed(lake->Import(r)));
  ASSERT_OK_AND_ASSIGN(auto states, lake->DerivedStates());
  for (const auto& s : states) ASSERT_TRUE(s.stale) << s.symbol << " " << s.timeframe;
}

// SPX snapshots of February; spx.jsonl replaces February and creates March.
void BuildSnapshots(const PathBase& b) {
  ASSERT_OK(lake::InitVault(Env::Default(), b.vault, {}));
  const std::string gex = std::string(BARLAKE_TEST_DATA_DIR) + "/gex/";
  ASSERT_OK(OpenHealthy(b.vault)->ImportSnapshots({gex + "SPX_2026-02-25_rt.json"}).status());
  std::string feb = ReadText(gex + "SPX_2026-02-26_rt.json");
  std::string mar = feb;
  mar.replace(mar.find("1772053200"), 10, "1772744400");  // 2026-03-05 21:00 UTC
  ASSERT_OK(WriteText(b.sources + "/spx.jsonl", feb + mar));
}

Status RegenerateOne(lake::Lake& lake, const std::string& dataset) {
  lake::RegenerateRequest rr;
  rr.datasets = {dataset};
  rr.full = true;  // every partition, so the run rewrites and compares more than one
  ASSIGN_OR_RETURN(auto items, lake.Regenerate(rr));
  if (items.size() != 1 || items[0].job.status != "completed") {
    return Status::Internal("regenerate of " + dataset + " did not complete a job");
  }
  return Status::OK();
}

using CP = lake::CrashPoint;
const std::vector<CP> kAllPoints = {CP::kAfterSourceCopy, CP::kAfterStageFile, CP::kAfterStaged,
                                    CP::kAfterKeepOld,    CP::kAfterSwapOne,   CP::kAfterSwapAll,
                                    CP::kAfterCommit};
const std::vector<CP> kNoSourceCopy = {CP::kAfterStageFile, CP::kAfterStaged,  CP::kAfterKeepOld,
                                       CP::kAfterSwapOne,   CP::kAfterSwapAll, CP::kAfterCommit};

std::vector<WritePath> MakePaths() {
  std::vector<WritePath> p;
  p.push_back({"import_new",
               BuildEs,
               [](lake::Lake& l, const PathBase& b) {
                 return Completed(l.Import(BarRequest(b.sources + "/nq.txt", "NQ")));
               },
               // barlake.toml is replaced by the job, so its old version is kept too.
               {CP::kAfterSourceCopy, CP::kAfterStageFile, CP::kAfterStaged, CP::kAfterKeepOld,
                CP::kAfterSwapOne, CP::kAfterSwapAll, CP::kAfterCommit},
               /*declares_after_commit=*/false});  // the registry entry is part of the job
  p.push_back({"import_merge", BuildEs,
               [](lake::Lake& l, const PathBase& b) {
                 return Completed(l.Import(BarRequest(b.sources + "/es_more.txt")));
               },
               kAllPoints});
  p.push_back({"snapshot_import", BuildSnapshots,
               [](lake::Lake& l, const PathBase& b) -> Status {
                 ASSIGN_OR_RETURN(auto r, l.ImportSnapshots({b.sources + "/spx.jsonl"}));
                 if (r.job.status != "completed")
                   return Status::Internal("snapshot import is " + r.job.status);
                 return Status::OK();
               },
               kAllPoints});
  p.push_back({"quarantine_release", BuildEsWithQuarantine,
               [](lake::Lake& l, const PathBase& b) {
                 return Completed(l.ReleaseQuarantine(ReadJournal(b.vault).held_quarantine));
               },
               kNoSourceCopy});
  p.push_back({"rollback", BuildEsImportedTwice,
               [](lake::Lake& l, const PathBase& b) -> Status {
                 int64_t last_import = 0;  // the newest completed import
                 for (const auto& j : ReadJournal(b.vault).jobs) {
                   if (j.kind == "import" && j.status == "completed") last_import = j.id;
                 }
                 ASSIGN_OR_RETURN(journal::JobRecord r, l.Rollback(last_import));
                 if (r.status != "completed") return Status::Internal("rollback is " + r.status);
                 return Status::OK();
               },
               kNoSourceCopy});
  p.push_back({"resample_regenerate", BuildEsDerived,
               [](lake::Lake& l, const PathBase&) { return RegenerateOne(l, "ES 1h"); },
               kNoSourceCopy});
  p.push_back({"sql_regenerate", BuildEsDerived,
               [](lake::Lake& l, const PathBase&) { return RegenerateOne(l, "ES_HOURLY 1h"); },
               kNoSourceCopy});
  p.push_back({"table_regenerate", BuildEsDerived,
               [](lake::Lake& l, const PathBase&) { return RegenerateOne(l, "ES session_stats"); },
               kNoSourceCopy});
  WritePath declare_resample{
      "declare_resample", BuildEs,
      [](lake::Lake& l, const PathBase&) -> Status {
        lake::ResampleRequest r;
        r.symbol = "ES";
        r.to = {"4h"};
        ASSIGN_OR_RETURN(auto items, l.DeclareResample(r));
        if (items.size() != 1 || items[0].job.status != "completed") {
          return Status::Internal("DeclareResample did not complete one job");
        }
        return Status::OK();
      },
      // The declaration is a write of the build job: barlake.toml's old version is kept.
      kNoSourceCopy};
  p.push_back(declare_resample);
  WritePath declare_table{"declare_table", BuildEs,
                          [](lake::Lake& l, const PathBase&) -> Status {
                            lake::TableRequest t;
                            t.symbol = "ES";
                            t.table = "session_stats";
                            ASSIGN_OR_RETURN(lake::RegenerateItem item, l.DeclareTable(t));
                            if (item.job.status != "completed")
                              return Status::Internal("DeclareTable: " + item.job.status);
                            return Status::OK();
                          },
                          kNoSourceCopy};
  p.push_back(declare_table);
  // Dataset operations (lake/dataset_ops.h): removes and byte-for-byte copies, plus the
  // registry rewrite, in one job.
  auto done = [](const Result<journal::JobRecord>& r) -> Status {
    if (!r.ok()) return r.status();
    return r->status == "completed" ? Status::OK() : Status::Internal("job is " + r->status);
  };
  p.push_back({"dataset_drop", BuildEs,
               [done](lake::Lake& l, const PathBase&) { return done(l.DropDataset({"ES", "1m", false})); },
               kNoSourceCopy});
  p.push_back({"dataset_rename", BuildEs,
               [done](lake::Lake& l, const PathBase&) { return done(l.RenameDataset({"ES", "1m", "MES"})); },
               kNoSourceCopy});
  // Keyed documents (lake/documents.h): a newer answer replaces the stored one; cleanup
  // removes the expired ones.
  p.push_back({"documents_put", BuildEsWithDocuments,
               [done](lake::Lake& l, const PathBase&) {
                 return done(l.PutDocuments({AaplDocument("yahoo", 1767398400LL * kMicrosPerSecond, 4.0e12)}));
               },
               kNoSourceCopy});
  p.push_back({"documents_cleanup", BuildEsWithDocuments,
               [done](lake::Lake& l, const PathBase&) {
                 return done(l.DropExpiredDocuments(lake::kFundamentalsCollection, 1767484800LL * kMicrosPerSecond));
               },
               kNoSourceCopy});
  p.push_back({"rollback_drop", BuildEsDropped,
               [done](lake::Lake& l, const PathBase&) { return done(l.Rollback(2)); }, kNoSourceCopy});
  return p;
}

// Process-lifetime scratch space for starting vaults and uninterrupted runs.
TempDir& Scratch() {
  static TempDir dir;
  return dir;
}

}  // namespace

const std::vector<WritePath>& WritePaths() {
  static const std::vector<WritePath> paths = MakePaths();
  return paths;
}

const WritePath& FindWritePath(const std::string& name) {
  for (const auto& p : WritePaths()) {
    if (p.name == name) return p;
  }
  ADD_FAILURE() << "no write path " << name;
  return WritePaths().front();
}

const PathBase& BaseOf(const WritePath& path) {
  static std::map<std::string, PathBase> bases;
  auto it = bases.find(path.name);
  if (it != bases.end()) return it->second;
  PathBase b{Scratch().Sub("base-" + path.name + "/vault"),
             Scratch().Sub("base-" + path.name + "/sources")};
  fs::create_directories(b.sources);
  path.build(b);
  return bases[path.name] = b;
}

PathBase CopyOfBase(const WritePath& path, const std::string& dir) {
  const PathBase& base = BaseOf(path);
  PathBase copy{dir + "/vault", base.sources};
  fs::create_directories(dir);
  fs::copy(base.vault, copy.vault, fs::copy_options::recursive);
  return copy;
}

const AfterRun& AfterOf(const WritePath& path) {
  static std::map<std::string, AfterRun> afters;
  auto it = afters.find(path.name);
  if (it != afters.end()) return it->second;
  AfterRun& a = afters[path.name];
  const PathBase b = CopyOfBase(path, Scratch().Sub("after-" + path.name));
  FaultInjectionEnv counting(Env::Default());
  lake::LakeOptions o;
  o.env = &counting;
  o.crash_hook = [&a, &counting](lake::CrashPoint p) {
    if (a.crash_hits[p]++ == 0) a.steps_before[p] = counting.mutating_calls();
  };
  {
    auto lake = lake::Lake::Open(b.vault, o);
    EXPECT_TRUE(lake.ok()) << lake.status().ToString();
    if (!lake.ok()) return a;
    Status s = path.run(**lake, b);
    EXPECT_TRUE(s.ok()) << path.name << ": " << s.ToString();
  }
  a.steps = counting.mutating_calls();
  a.calls = counting.log();
  a.files = CaptureVaultFiles(b.vault);
  a.journal = ReadJournal(b.vault);
  return a;
}

const char* VaultStateName(VaultState s) {
  switch (s) {
    case VaultState::kBefore:
      return "before";
    case VaultState::kAfter:
      return "after";
    case VaultState::kAfterUndeclared:
      return "after, dataset undeclared";
    case VaultState::kNeither:
      return "neither before nor after";
  }
  return "?";
}

bool IsAfter(VaultState s) { return s == VaultState::kAfter || s == VaultState::kAfterUndeclared; }

VaultState RecoverAndCheck(const WritePath& path, const std::string& vault,
                           const std::string& context) {
  const VaultFiles before = CaptureVaultFiles(BaseOf(path).vault);
  const JournalFacts before_journal = ReadJournal(BaseOf(path).vault);
  const AfterRun& after = AfterOf(path);
  {
    auto lake = lake::Lake::Open(vault, {});
    EXPECT_TRUE(lake.ok()) << context << ": " << lake.status().ToString();
    if (!lake.ok()) return VaultState::kNeither;
    Status recovered = (*lake)->Recover();
    EXPECT_TRUE(recovered.ok()) << context << ": recover: " << recovered.ToString();
    auto v = (*lake)->Verify();
    EXPECT_TRUE(v.ok()) << context << ": " << v.status().ToString();
    if (v.ok()) {
      EXPECT_TRUE(v->ok()) << context << ": verify: "
                           << (v->ok() ? "" : v->problems[0].path + " " + v->problems[0].what);
    }
  }
  const VaultFiles now = CaptureVaultFiles(vault);
  const JournalFacts journal = ReadJournal(vault);
  for (const auto& p : journal.problems) ADD_FAILURE() << context << ": journal: " << p;
  for (const auto& f : StrayFiles(vault)) ADD_FAILURE() << context << ": stray file " << f;

  auto toml = [](const VaultFiles& f) {
    auto it = f.find("barlake.toml");
    return it == f.end() ? std::string() : it->second;
  };
  const bool data_before = DataFiles(now) == DataFiles(before),
             data_after = DataFiles(now) == DataFiles(after.files);
  const bool toml_before = toml(now) == toml(before), toml_after = toml(now) == toml(after.files);
  VaultState state = VaultState::kNeither;
  if (data_before && toml_before) {
    state = VaultState::kBefore;
  } else if (data_after && toml_after) {
    state = VaultState::kAfter;
  } else if (data_after && toml_before && path.declares_after_commit) {
    state = VaultState::kAfterUndeclared;
  }
  EXPECT_NE(state, VaultState::kNeither)
      << context << ": against before: " << DiffFiles(now, before)
      << " against after: " << DiffFiles(now, after.files);
  if (IsAfter(state)) {
    EXPECT_EQ(journal.jobs, after.journal.jobs) << context << ": jobs " << JobsText(journal.jobs)
                                                << " want " << JobsText(after.journal.jobs);
  } else {
    for (size_t i = 0; i < journal.jobs.size(); ++i) {
      if (i < before_journal.jobs.size()) {
        EXPECT_EQ(journal.jobs[i], before_journal.jobs[i])
            << context << ": " << JobsText(journal.jobs);
      } else {
        EXPECT_EQ(journal.jobs[i].status, "failed") << context << ": " << JobsText(journal.jobs);
      }
    }
    EXPECT_GE(journal.jobs.size(), before_journal.jobs.size()) << context;
  }
  return state;
}

}  // namespace barlake::testutil
