// barlake::Lake: the public C++ API of barlake, one object per open vault.
//
//   #include <barlake/lake.h>
//   auto lake = barlake::Lake::Open("/data/vault");             // the journal only
//   if (!lake.ok()) return lake.status();
//   auto report = (*lake)->Import(barlake::Source::File("ES.Last.txt"),
//                                 {.symbol = "ES", .timeframe = "1m"});  // journaled, crash-safe
//   auto bars = (*lake)->Read("ES", "1m", from, to);              // barlake::Bars, sorted
//
// Includes only the C++ standard library and barlake/*.h; link barlake::barlake
// (find_package(barlake)). See docs/library.md.
//
// Errors: every method returns a Status or Result<T> and never throws. The codes each method
// documents are the ones a caller can act on; any method can also return kIOError or
// kNoSpace (the disk), kCorruption (stored data does not match the journal) and kInternal (a
// bug, including an exception caught at this edge).
//
// Writers (Import, Rollback, Regenerate, Resample, DeclareTable, ReleaseQuarantined,
// Recover) take the vault's writer lock, waiting up
// to Options::lock_wait_seconds (then kUnavailable), and first finish or undo any job a crash
// left running. Readers (Read, CheckAlignment, Datasets, Jobs, GetJob, Quarantine,
// GetQuarantined, Verify, Health, Query) never take the lock and only see files that were
// completely written. Any number of processes and Lake
// objects may use one vault at once.
//
// Thread safety: a Lake is thread-compatible, not thread-safe: one thread at a time may call
// its methods (open one Lake per thread; they are cheap until they read Parquet).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "barlake/listener.h"
#include "barlake/result.h"
#include "barlake/status.h"
#include "barlake/types.h"

namespace barlake {

namespace internal {
struct LakeAccess;  // barlake's own front-ends (src/api/lake_access.h)
}  // namespace internal

/// The version of this library (the project's VERSION).
const char* Version();

struct Options {
  double lock_wait_seconds = 30;
  /// Recorded with every job this Lake creates and in the writer-lock holder note.
  std::string command = "barlake library";
  /// Told about each write job (barlake/listener.h). Not owned; must outlive the Lake.
  EventListener* listener = nullptr;
};

struct InitOptions {
  std::string name;  // the vault's name in barlake.toml; empty: "barlake vault"
  std::string display_tz = "America/New_York";
  std::string default_source_tz = "America/Los_Angeles";
};

class Lake {
 public:
  /// Create a new, empty vault in `dir` (created if missing). Returns kAlreadyExists when
  /// `dir` already holds a vault, kInvalidArgument for an unknown time zone.
  /// Thread-safe (touches no Lake).
  static Status Init(const std::string& dir, const InitOptions& options = {});

  /// Open the vault in `dir`. Opens the journal only (no Parquet is read). Returns
  /// kNotFound when `dir` is not a vault, kInvalidInput when its barlake.toml is malformed.
  /// Thread-safe.
  static Result<std::unique_ptr<Lake>> Open(const std::string& dir, const Options& options = {});

  ~Lake();
  Lake(const Lake&) = delete;
  Lake& operator=(const Lake&) = delete;

  /// The vault folder this Lake was opened on.
  const std::string& vault() const;

  /// The vault's settings from barlake.toml as read when the Lake opened (or last wrote).
  VaultSettings Settings() const;

  /// Import bars from `source` into the dataset options.symbol / options.timeframe, as one
  /// journaled job (staged, fsynced, read back, swapped; the previous files kept). The same
  /// bytes imported again into the same dataset are skipped (report.skipped_because).
  /// Returns kInvalidArgument for a bad option (unknown timeframe, format, zone),
  /// kInvalidInput when the source does not parse or too many rows are rejected,
  /// kConflict when bars differ from stored ones under OnConflict::kFail, kNotFound when
  /// `source.path` does not exist, kUnavailable when another writer holds the lock.
  Result<ImportReport> Import(const Source& source, const ImportOptions& options);

  /// Parse and validate `source` as Import would, then compare its bars with the stored
  /// ones where they overlap; writes nothing and creates no job. report.alignment_checked
  /// says whether the overlap was enough to compare. Returns kConflict naming the shift
  /// (time zone, open/close stamping) when the file looks shifted against the stored bars,
  /// and what Import returns for a bad option or a source that does not parse. Rejected
  /// rows do not stop the check. Reader: takes no lock.
  Result<ImportReport> CheckAlignment(const Source& source, const ImportOptions& options);

  /// Bars of symbol/timeframe with from <= ts < to, sorted. Opens only the partitions that
  /// overlap. Returns kNotFound when the dataset does not exist, kInvalidArgument for a
  /// malformed timeframe.
  Result<Bars> Read(const std::string& symbol, const std::string& timeframe, Micros from, Micros to);

  /// The sessions of the calendar of dataset symbol/timeframe that overlap [from, to) (pass
  /// the stored span from Datasets() for all of them). Returns kNotFound when the dataset
  /// is not declared or names an unknown calendar, kInvalidArgument when it has no
  /// calendar. Registry only: opens no Parquet.
  Result<DatasetSessions> Sessions(const std::string& symbol, const std::string& timeframe, Micros from, Micros to);

  /// Every dataset of the catalog (never opens Parquet files), with its derived state.
  Result<std::vector<Dataset>> Datasets();

  /// Every derived dataset barlake.toml declares, built or not, with its method, inputs
  /// and whether it is stale (one never built is stale, with zero rows). Journal and
  /// registry only; the registry as read when the Lake opened.
  Result<std::vector<Dataset>> DerivedDatasets();

  /// The newest `limit` jobs, newest first. Returns kInvalidArgument when limit < 1.
  Result<std::vector<Job>> Jobs(int64_t limit = 50);

  /// One job with the partitions it changed. Returns kNotFound when there is no such job.
  Result<JobDetail> GetJob(int64_t id);

  /// Restore the partitions job `job_id` changed to what they held before it, as a new
  /// rollback job (returned). Returns kNotFound when there is no such job, kConflict when a
  /// later job changed the same partitions or the job cannot be rolled back (not completed,
  /// already rolled back).
  Result<Job> Rollback(int64_t job_id);

  /// Re-read every partition file and compare it with the catalog (rows, time range,
  /// content hash, SHA-256, schema); look for stray files. Problems are in the report (the
  /// Status is OK even when the vault is damaged).
  Result<VerifyReport> Verify();

  /// Rebuild damaged or missing partition files (docs/integrity.md) from identical kept
  /// versions or by replaying the import that wrote them from its kept source, through
  /// the normal write protocol as one `repair` job. With `dry_run`, change nothing and
  /// report what would be done. What cannot be rebuilt is in the report with what to do
  /// (the Status is OK). Takes the writer lock (kUnavailable after the wait).
  Result<RepairReport> Repair(bool dry_run = false);

  /// Rebuild derived datasets (docs/derived.md), inputs first, each as one regenerate job.
  /// Returns kNotFound for a named dataset the registry does not declare, kInvalidArgument
  /// for one that is imported rather than derived or when the options name nothing.
  Result<std::vector<RegenerateResult>> Regenerate(const RegenerateOptions& options);

  /// Health of the datasets `options` names, against each one's session calendar
  /// (docs/health.md). Returns kNotFound when a named dataset does not exist.
  Result<std::vector<DatasetHealth>> Health(const HealthOptions& options = {});

  /// Gaps of at least `min_seconds` of session time in the bars of symbol/timeframe with
  /// from <= ts < to (clipped to the stored bars), against the dataset's calendar, in time
  /// order, with that calendar's name (docs/health.md). Returns kNotFound when the dataset does not exist or has no
  /// calendar (or is daily or longer), kInvalidArgument for a malformed timeframe. Reader.
  Result<GapReport> Gaps(const std::string& symbol, const std::string& timeframe, Micros from,
                                      Micros to, int64_t min_seconds = 30 * 60);

  /// Quarantined rows (rows imports rejected) matching `filter`, oldest first. Returns
  /// kInvalidArgument for an unknown status.
  Result<std::vector<QuarantinedRow>> Quarantine(const QuarantineFilter& filter = {});

  /// One quarantined row. Returns kNotFound when there is no row `id`.
  Result<QuarantinedRow> GetQuarantined(int64_t id);

  /// Merge quarantined rows (all of one dataset, held) into their dataset as one `release`
  /// job, through the same staged, journaled write as an import; they replace stored bars
  /// with the same stamp. Returns kInvalidArgument when `ids` is empty or names rows of
  /// several datasets, kNotFound for an unknown row, kConflict for a row no longer held,
  /// kUnavailable when another writer holds the lock. Writer.
  Result<ImportReport> ReleaseQuarantined(const std::vector<int64_t>& ids);

  /// Mark quarantined rows as dropped (kept in the journal, never merged). Returns
  /// kNotFound for an unknown row, kConflict for a row no longer held. Journal only.
  Status DropQuarantined(const std::vector<int64_t>& ids);

  /// Run read-only SQL over the whole vault (DuckDB) with the views `bars`, the derived
  /// tables and `snapshots` (docs/cli.md#query); every value comes back as text. `threads`
  /// DuckDB threads, 0 every core. Returns kInvalidArgument, with a message that quotes
  /// only the caller's SQL, when it does not parse, bind or run; kIOError when reading the
  /// lake fails. A trailing `;` is ignored; `types` names each column's DuckDB type. Reader.
  Result<QueryResult> Query(const std::string& sql, int threads = 0);

  /// Write `bars` (sorted, as Read returns them) to a standalone zstd Parquet file at
  /// `path`, outside the vault's journal. Returns kInvalidArgument for unsorted bars or
  /// columns of different lengths, kIOError when the file cannot be written. No lock.
  Status WriteParquet(const Bars& bars, const std::string& path);

  /// Declare resampled datasets in barlake.toml and build them, each as one regenerate job
  /// (docs/derived.md). Returns kNotFound when the input dataset does not exist,
  /// kInvalidArgument for a bad timeframe, calendar or name, kUnavailable when another
  /// writer holds the lock. Writer.
  Result<std::vector<RegenerateResult>> Resample(const ResampleOptions& options);

  /// Declare a derived table (session_stats, level_touches) in barlake.toml and build it as
  /// one regenerate job. Returns kNotFound when the input dataset does not exist,
  /// kInvalidArgument for an unknown table, a dataset without a calendar or a bad
  /// day_start, kUnavailable when another writer holds the lock. Writer.
  Result<RegenerateResult> DeclareTable(const TableOptions& options);

  /// The bearer token of the vault's HTTP API (`barlake serve`, docs/api.md), created (mode
  /// 0600) when missing or when `rotate`. Returns kNotFound when `dir` is not a vault.
  /// Thread-safe; two processes rotating at once each write a whole token.
  static Result<std::string> ApiToken(const std::string& dir, bool rotate = false);
  /// The file that holds that token (inside the vault's `.barlake/`). Pure: touches no file.
  static std::string ApiTokenPath(const std::string& dir);

  /// Take the writer lock and finish or undo every job a crash left running; returns how
  /// many there were. Returns kUnavailable when another writer holds the lock.
  Result<int64_t> Recover();

  // --- Columnar reads, SQL and the registry (for bindings such as the Python package).

  /// The bars Read returns, handed to `sink` in chunks of about `chunk_rows` rows (whole
  /// partitions), so they are never held twice; returns how many bars were passed. Returns
  /// kNotFound when the dataset does not exist, kInvalidArgument for a malformed timeframe
  /// or a dataset that does not hold bars, kCancelled when the sink stopped the read. A
  /// reader: no lock; a writer committing meanwhile may leave chunks of before and after it.
  /// Thread-compatible (as every method).
  Result<int64_t> ReadInto(const std::string& symbol, const std::string& timeframe, Micros from,
                           Micros to, BarSink& sink, int64_t chunk_rows = 1 << 19);

  /// The datasets barlake.toml declares (read again from disk), with their current
  /// partition files; only those of `category` ("published", "pipeline", "raw") unless it is
  /// empty. Returns kInvalidArgument for another category, kInvalidInput when barlake.toml is
  /// malformed. A reader. Thread-compatible.
  Result<std::vector<RegisteredDataset>> RegisteredDatasets(const std::string& category = "");

  // --- Dataset operations (docs/cli.md#dataset-drop). Writers: journaled jobs that
  // `Rollback` undoes.

  /// Remove dataset `symbol` `timeframe` (its partitions, catalog entries and [[dataset]]
  /// table) as one `drop` job, keeping every file under .barlake/versions/ so that
  /// `Rollback(job.id)` brings it back. With `with_dependents`, the derived datasets built
  /// from it go in the same job. Returns kNotFound for an unknown dataset, kConflict when
  /// derived datasets are built from it and `with_dependents` is false (the message names
  /// them), kUnavailable when another writer holds the lock.
  Result<Job> DropDataset(const std::string& symbol, const std::string& timeframe,
                          bool with_dependents = false);
  /// Give bar dataset `symbol` `timeframe` the symbol `new_symbol` (partitions copied byte
  /// for byte, catalog, [[dataset]] table) as one `rename` job; `Rollback` undoes it.
  /// Returns kNotFound for an unknown dataset, kAlreadyExists when the new one exists,
  /// kInvalidArgument for an invalid symbol or one that differs from a stored symbol only in
  /// case, a dataset without bars or not of bars, kConflict when derived datasets are built
  /// from it.
  Result<Job> RenameDataset(const std::string& symbol, const std::string& timeframe,
                            const std::string& new_symbol);

 private:
  friend struct internal::LakeAccess;
  struct Impl;
  explicit Lake(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// `job` as the JSON object `barlake rollback --json` and `barlake jobs --json` print
/// (docs/cli.md). Thread-safe.
std::string JobToJson(const Job& job);

}  // namespace barlake
