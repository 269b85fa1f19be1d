// Lake: the library's object for one open vault. The public C++ API (include/barlake/lake.h,
// docs/library.md) is a facade over it; cli/ and server/ use it directly.
//
//   auto lake = Lake::Open("/data/vault", {});          // no I/O beyond the journal
//   ImportRequest req{.path = "ES.Last.txt", .symbol = "ES", .timeframe = "1m"};
//   auto result = (*lake)->Import(req);                 // journaled, crash-safe
//   auto bars = (*lake)->Read("ES", "1m", from, to);    // exact partition files only
//
// Writers (Import, Rollback, Recover) take the vault's writer lock, waiting up to
// LakeOptions::lock_wait_seconds, and first finish or undo any job a crash left running.
// Readers (Read, Datasets, Jobs, Verify, OpenQuery) never take the lock and only see files
// that were completely written. A Lake is not thread-safe; open one per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "barlake/listener.h"
#include "barlake/types.h"
#include "core/bars.h"
#include "core/result.h"
#include "core/timeframe.h"
#include "ingest/parsed_bars.h"
#include "env/env.h"
#include "journal/journal.h"
#include "lake/dataset_ops.h"
#include "lake/derived.h"
#include "lake/job_pipeline.h"
#include "lake/keyed_merge.h"
#include "lake/repair.h"
#include "lake/source.h"
#include "lake/vault.h"
#include "lake/write_protocol.h"
#include "registry/registry.h"
#include "storage/duckdb_conn.h"
#include "storage/parquet_store.h"
#include "storage/snapshot_store.h"
#include "storage/table_store.h"

namespace barlake::lake {

struct LakeOptions {
  Env* env = nullptr;  // nullptr: Env::Default()
  double lock_wait_seconds = 30;
  std::string command = "barlake";  // recorded in jobs and in the lock holder note
  /// Told when each job starts, is staged, commits or fails, and of progress
  /// (barlake/listener.h). Not owned; must outlive the Lake.
  EventListener* listener = nullptr;
  /// Progress only, for callers without a listener (also given to the listener).
  ProgressFn progress;
  /// Test seam: called at each named CrashPoint (lake/write_protocol.h). Production code
  /// leaves it empty; the CLI sets it from BARLAKE_CRASH_AT only in BARLAKE_TEST_HOOKS builds.
  CrashHook crash_hook;
  /// Finish or undo a job a crash left running when opening, if the writer lock can be
  /// taken at once (lake/read_check.h; the CLI sets it). When it cannot (a read-only
  /// vault), interrupted() names the jobs; a live writer's running job is left alone.
  bool recover_on_open = false;
};

/// A job Lake::Open finished or undid (LakeOptions::recover_on_open).
struct RecoveredJob {
  journal::JobRecord job;  // as recovery left it (completed: rolled forward; failed: undone)
  bool rolled_forward = false;
};

/// Rows of a query as text (each column cast to VARCHAR by DuckDB), `columns` its names.
using QueryTable = barlake::QueryResult;

/// A read-only SQL session over the whole vault (lake_queries.cc): the views `bars`,
/// `session_stats`, `level_touches`, `snapshots` and `snapshots_raw` exist in it. Holds the
/// Lake's DuckDB connection: use it while the Lake lives, from the Lake's thread.
class QuerySession {
 public:
  virtual ~QuerySession() = default;
  /// Prepare `sql` without running it: kInvalidArgument when it does not parse or bind.
  virtual Status Check(const std::string& sql) = 0;
  /// Run `sql`; every value comes back as text as DuckDB prints it (NULL as "").
  virtual Result<QueryTable> Run(const std::string& sql) = 0;
  /// A user's query: trailing `;` dropped, checked, then run. Every error is
  /// kInvalidArgument "in your query: ..." quoting only `sql`, except kIOError / kNoSpace
  /// reading the lake, which keep their code (`verify`, not a query, judges corruption).
  Result<QueryTable> Query(const std::string& sql);
};

/// Which quarantined rows Lake::Quarantine lists (empty / 0 = any).
using QuarantineQuery = barlake::QuarantineFilter;

struct SnapshotImportRequest;  // lake/snapshot_import.h
struct SnapshotImportResult;
struct KeyedDocument;  // lake/documents.h
Result<ConflictPolicy> ParseConflictPolicy(const std::string& name);

struct ImportRequest {
  std::string path;
  std::string symbol;
  std::string timeframe;
  /// A format name (ingest/format.h), "auto" (detect it and report why), or empty (the
  /// dataset's declared format, else auto).
  std::string format;
  std::string tz;  // empty: the dataset's source_tz, else the vault default
  std::string stamp;    // "open" | "close" | empty: the format's convention
  std::string columns;  // explicit column mapping for delimited text
  ConflictPolicy on_conflict = ConflictPolicy::kKeep;
  bool dry_run = false;
  /// Import even when more than the dataset's max_reject_share of rows is rejected
  /// (the rejected rows go to quarantine).
  bool force = false;
  /// Skip the comparison with stored bars (lake/alignment.h).
  bool skip_alignment_check = false;
  /// Parse, validate and run the alignment check, then stop (writes nothing; implies dry_run).
  bool alignment_only = false;
  /// The file was imported before with other options (zone, stamps, format, columns):
  /// replace that job's bars with this reading in one new job, instead of refusing.
  bool reimport = false;
  /// Keep a last bar that was still forming (by the file's modification time, a Binance
  /// close time in the future, Yahoo's regularMarketTime) as a provisional bar instead of
  /// dropping it; a later file holding it and later bars completes it (`barlake update`
  /// should set this, lake/provisional.h).
  bool keep_forming_last_bar = false;
  /// A new dataset's last trade date (registry end_date, "YYYY-MM-DD"; empty: none).
  std::string end_date;
  std::string description;  // for a new dataset's registry entry
  /// Session calendar (calendar/calendar.h) written into a new dataset's registry entry.
  /// For a declared dataset it must match its calendar (change it with `dataset set`).
  std::string calendar;
  /// The bytes to import when not the file at `path`: an upload, a download, bytes in
  /// memory (lake/source.h). Empty: Source::FromPath(path).
  Source source;
  /// Several sources of the dataset imported as ONE job (the responses of an update): each
  /// is parsed with `format` (or its own), hashed and kept under .barlake/sources/<sha256>
  /// and listed in the report (`sources`, with its provenance); their bars are merged and
  /// committed once, so rollback undoes them together. The job's source is the list of
  /// their SHA-256s (kept too), named by `source.name`. Needs a format.
  std::vector<Source> sources;
};

// What the import found and did is the public type (barlake/types.h); the result adds the
// journal's job record and what only the library uses.
using barlake::ConflictExample;
using barlake::RejectionExample;

struct ImportResult : barlake::ImportFindings {
  journal::JobRecord job;  // id 0 for a dry run
  std::string alignment_message;  // set when the file is shifted against stored bars
  int64_t blank_lines = 0;
  /// Derived datasets rebuilt after the import (auto_regenerate); a failure there is
  /// reported here and does not undo the import.
  std::vector<RegenerateItem> regenerated;
  /// The sources of a job of several (ImportRequest::sources), in order.
  struct KeptSource {
    std::string name, sha256, provenance;
    int64_t bytes = 0;
  };
  std::vector<KeptSource> sources;
  /// The report as JSON (stored with the job and printed by --json).
  std::string ReportJson() const;
};

using barlake::VerifyProblem;
using barlake::VerifyReport;

class Lake {
 public:
  static Result<std::unique_ptr<Lake>> Open(const std::string& vault_dir, LakeOptions options);
  ~Lake();

  Result<ImportResult> Import(const ImportRequest& request);
  /// Bars with from <= ts < to, sorted. Opens only the partitions that overlap.
  Result<BarColumns> Read(const std::string& symbol, const std::string& timeframe, Micros from,
                          Micros to);
  /// Import a GexBot snapshot file (docs/formats/gex-snapshots.md) into one snapshot
  /// dataset per ticker, with the same journal, staging and checks as bars (defined in
  /// lake/snapshot_import.cc).
  Result<SnapshotImportResult> ImportSnapshots(const SnapshotImportRequest& request);
  /// Snapshot rows of `ticker` with from <= ts < to, ordered by (ts, strike).
  Result<storage::SnapshotRows> ReadSnapshots(const std::string& ticker, Micros from, Micros to);
  /// Per-dataset summary from the catalog (never opens Parquet files).
  Result<std::vector<journal::DatasetSummary>> Datasets();
  /// Re-check every file against the catalog and look for stray files.
  Result<VerifyReport> Verify();
  /// Restore the partitions `job_id` changed to their previous versions, as a new job.
  Result<journal::JobRecord> Rollback(int64_t job_id);
  /// Merge quarantined rows (all of one dataset, status held) through the normal write
  /// protocol as a `release` job; they replace stored bars with the same stamp.
  Result<ImportResult> ReleaseQuarantine(const std::vector<int64_t>& ids);
  /// Mark quarantined rows as dropped (kept for the record, never merged).
  Status DropQuarantine(const std::vector<int64_t>& ids);
  /// Take the lock and finish or undo interrupted jobs.
  Status Recover();
  /// Remove a dataset (and with_dependents its derived datasets) as one `drop` job that
  /// keeps every file under versions/; `Rollback` brings it back (lake/dataset_ops.h).
  Result<journal::JobRecord> DropDataset(const DropRequest& request);
  /// Move a bar dataset to another symbol (partitions, catalog, registry) as one `rename` job.
  Result<journal::JobRecord> RenameDataset(const RenameRequest& request);
  /// kInvalidArgument when `symbol` differs from a stored or declared symbol only in case.
  Status CheckSymbolCase(const std::string& symbol, const std::string& timeframe);
  /// Rebuild damaged or missing partition files from kept versions and kept sources
  /// (lake/repair.h), as one `repair` job; with `dry_run`, only say what it would do.
  Result<RepairReport> Repair(bool dry_run);
  /// Jobs recover_on_open finished or undid.
  const std::vector<RecoveredJob>& recovered_on_open() const { return recovered_on_open_; }
  /// Jobs left interrupted at open because the writer lock could not be taken for
  /// another reason than a live writer (e.g. a read-only vault), and why. Reads show the
  /// vault as before them.
  const std::vector<journal::JobRecord>& interrupted() const { return interrupted_; }
  const std::string& interrupted_why() const { return interrupted_why_; }
  /// Read barlake.toml again (a long-lived reader sees datasets declared since it opened).
  Status ReloadRegistry();

  /// Live sessions (docs/live.md): add the completed poll jobs `polls` of a live dataset
  /// to its session job (kind `live`, one per dataset and trading session of its calendar,
  /// see LiveSessionFor in live_session.h; the UTC day without a calendar or for a 24/7
  /// one), created by the first poll of the session, with any earlier completed job
  /// `command` made in that session and not in one yet (a poll whose adding a crash cut
  /// off). `barlake jobs` lists the session with its poll count; `Rollback` of it undoes
  /// every poll as one job.
  Result<journal::JobRecord> AddToLiveSession(const std::string& symbol, const std::string& timeframe,
                                              const std::string& command, const std::vector<int64_t>& polls,
                                              Micros now);

  // Keyed documents (lake/documents.h, documents.cc).
  /// Store `docs` (each replacing the stored document of its collection, symbol and
  /// provider) as one `documents` job.
  Result<journal::JobRecord> PutDocuments(const std::vector<KeyedDocument>& docs);
  /// Remove the documents of `collection` expired at `now` as one `documents` job; a job
  /// with id 0 when none has expired.
  Result<journal::JobRecord> DropExpiredDocuments(const std::string& collection, Micros now);

  // Derived datasets (lake/derived.h).
  /// Every derived dataset of the registry with whether it is stale (journal only). Uses
  /// the registry as loaded; a long-lived reader calls ReloadRegistry() first.
  Result<std::vector<DerivedState>> DerivedStates();
  /// Rebuild derived datasets, inputs first, each as one `regenerate` job.
  Result<std::vector<RegenerateItem>> Regenerate(const RegenerateRequest& request);
  /// Declare resampled datasets of `request.symbol` in the registry and build them.
  Result<std::vector<RegenerateItem>> DeclareResample(const ResampleRequest& request);
  /// Declare a derived table (session_stats or level_touches) of `request.symbol` in the
  /// registry and build it (lake/derived_tables.h).
  Result<RegenerateItem> DeclareTable(const TableRequest& request);
  /// Create every data kind's query views on `duck` (lake/data_kind.h): `bars`,
  /// `snapshots` and `snapshots_raw`, one per derived table; in UTC. Empty views for kinds
  /// with nothing stored.
  Status CreateViews(storage::DuckConn* duck);
  /// Create the view `bars` (symbol, timeframe, ts, open, high, low, close, volume, flags)
  /// over every bar partition on `duck`, in UTC.
  Status CreateBarsView(storage::DuckConn* duck);
  /// Create a view per derived table (`session_stats`, `level_touches`): symbol, then the
  /// table's columns and job, over every stored partition of it (empty when none).
  Status CreateTableViews(storage::DuckConn* duck);

  // Journal and catalog reads (lake_queries.cc). Readers: no lock, one SQLite transaction.
  /// The newest `limit` jobs, newest first.
  Result<std::vector<journal::JobRecord>> Jobs(int64_t limit);
  /// One job; kNotFound when there is none.
  Result<journal::JobRecord> Job(int64_t id);
  /// The partitions job `id` changed (its plan), in plan order.
  Result<std::vector<journal::PartitionChange>> JobChanges(int64_t id);
  Result<std::vector<journal::JobRecord>> JobsWithStatus(const std::string& status);
  /// Quarantined rows of completed jobs matching `q`, oldest first.
  Result<std::vector<journal::QuarantineRow>> Quarantine(const QuarantineQuery& q);
  /// One quarantined row; kNotFound when there is none.
  Result<journal::QuarantineRow> QuarantineRow(int64_t id);
  /// Catalog entries of a dataset whose rows may fall in [from, to), ordered by min_ts.
  Result<std::vector<journal::PartitionEntry>> PartitionsInRange(const std::string& symbol,
                                                                 const std::string& timeframe, Micros from,
                                                                 Micros to);
  Result<std::vector<journal::PartitionEntry>> AllPartitions();
  /// A SQL session with every view of the vault; `threads` DuckDB threads (0: every core).
  Result<std::unique_ptr<QuerySession>> OpenQuery(int threads = 0);
  /// Write `bars` to a standalone zstd Parquet file at `path` (`barlake read --format parquet`).
  Status WriteBarsParquet(const BarColumns& bars, const std::string& path);

  const registry::Registry& registry() const { return registry_; }
  const VaultPaths& paths() const { return paths_; }
  Env* env() const { return env_; }

  /// Tests only (LevelDB's TEST_ convention): the journal and the DuckDB connection.
  /// Front-ends use the methods above.
  journal::Journal* TEST_journal() { return journal_.get(); }
  Result<storage::DuckConn*> TEST_Duck() { return Duck(); }

 private:
  friend class LakeModuleAccess;
  /// The DuckDB connection, opened on first use (status never pays for it).
  Result<storage::DuckConn*> Duck();
  // Events for options_.listener (lake_queries.cc). JobStarted also makes `job` the one
  // PointHook reports staged and committed: a Lake runs one job at a time.
  void JobStarted(const journal::JobRecord& job);
  void JobFailed(const journal::JobRecord& job, const Status& why);
  /// JobStarted/JobFailed for a JobScope (lake/job_scope.h).
  JobScopeEvents ScopeEvents();
  /// The hook WriteProtocol calls at each CrashPoint: the listener's OnJobStaged and
  /// OnJobCommitted, then the test crash hook.
  CrashHook PointHook();
  /// `options` with its progress also reported to its listener.
  static LakeOptions WithListenerProgress(LakeOptions options);
  Lake(VaultPaths paths, LakeOptions options);
  Result<std::unique_ptr<class WriterLock>> LockAndRecover();
  /// LakeOptions::recover_on_open (lake/read_check.cc).
  Status RecoverOnOpen();
  /// Running jobs with a recorded plan, when no live writer runs them (kept for
  /// OpenQuery's refusal); empty when a writer holds the lock.
  Result<std::vector<journal::JobRecord>> InterruptedJobs();
  /// Rebuild one damaged partition's rows by replaying the import that wrote it
  /// (lake/repair.cc); kNotFound/kCorruption say why it cannot.
  Result<BarColumns> ReplayPartition(const journal::PartitionEntry& entry);
  // The stages of a bar import (lake/import_bars.cc), on one import's state.
  struct BarImport;
  Status CheckBarRequest(BarImport* s);
  Status ParseBars(BarImport* s);
  Status ParseSources(BarImport* s);
  Status AfterParse(BarImport* s, Micros modified, bool ends_with_newline);
  Status ValidateBars(BarImport* s);
  Status GateBars(BarImport* s);
  Status RefuseReimportWithOtherOptions(BarImport* s);
  void RemoveSourceOfFailedJob(const BarImport& s);
  Status KeepBarSource(BarImport* s);
  /// Merge the parsed rows into their partitions and commit (imports and releases).
  Status CommitBars(BarImport* s);
  /// What the shared job stages need (lake/job_pipeline.h).
  JobContext Context() const;
  /// Gate, plan, merge and commit a snapshot import's rows (lake/snapshot_import.cc).
  Status CommitSnapshots(JobScope* scope, const SnapshotImportRequest& req, const std::string& label,
                         const std::string& data, const std::map<std::string, storage::SnapshotRows>& by_ticker,
                         SnapshotImportResult* result);
  Result<storage::ParquetStore*> Store();
  /// Every catalogued partition of one dataset.
  Result<std::vector<journal::PartitionEntry>> DatasetPartitions(const std::string& symbol,
                                                                 const std::string& timeframe);
  /// Regenerate `specs` (derived datasets, in dependency order) under the writer lock.
  Result<std::vector<RegenerateItem>> RegenerateLocked(const std::vector<registry::DatasetSpec>& specs, bool full,
                                                      bool keep_going);
  /// One `regenerate` job building `specs` (derived datasets built from the same inputs)
  /// with their builders (lake/derived_builder.h), declaring those not in barlake.toml yet
  /// as a write of the job. Datasets that are up to date (unless `full`) and declared are
  /// skipped; none left: no job. One item per spec.
  Result<std::vector<RegenerateItem>> RegenerateJob(const std::vector<registry::DatasetSpec>& specs, bool full);
  Result<DerivedState> StateOf(const registry::DatasetSpec& spec);
  /// The derived datasets with auto_regenerate built (transitively) from `datasets`
  /// ("SYMBOL TF"), inputs first, leaving out `datasets` themselves.
  Result<std::vector<registry::DatasetSpec>> DependentsOf(const std::set<std::string>& datasets);
  /// After an import or release: regenerate the derived datasets built from what it changed.
  Result<ImportResult> WithDependents(Result<ImportResult> merged);
  WriteProtocol Protocol(storage::ParquetStore* store);
  /// After a rollback: regenerate the dependents of the datasets it restored and record
  /// them in the rollback job's report ("regenerated"); returns the job.
  Result<journal::JobRecord> WithRollbackDependents(journal::JobRecord job,
                                                    const std::vector<journal::PartitionChange>& restored);
  Status RollbackWrites(const std::string& name, const std::vector<journal::PartitionChange>& changes,
                        journal::JobRecord* job, std::vector<PartitionWrite>* writes);

  VaultPaths paths_;
  LakeOptions options_;
  Env* env_;
  registry::Registry registry_;
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<storage::DuckConn> duck_;
  std::unique_ptr<storage::ParquetStore> store_;
  JobEvent current_job_;  // the job of the last JobStarted
  std::vector<RecoveredJob> recovered_on_open_;
  std::vector<journal::JobRecord> interrupted_;
  std::string interrupted_why_;
};

/// The lake module's own files outside the class (dataset_health.cc) read Parquet through
/// the Lake's DuckDB connection with this.
class LakeModuleAccess {
 public:
  static Result<storage::DuckConn*> Duck(Lake* lake) { return lake->Duck(); }
};

}  // namespace barlake::lake
