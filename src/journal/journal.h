// Journal: the vault's SQLite record of every job and the catalog of what the lake holds.
// Schema and state machine: docs/formats/journal.md.
//
// A job moves running -> completed | failed | skipped; a completed import can later become
// rolled_back. While running, `phase` says how far the write protocol got: empty (nothing
// recorded, lake untouched) -> staged (every new file written, synced, verified and the
// changes recorded) -> done; `undone` marks a job whose failure was reversed.
// WriteProtocol::RecoverAll (lake/write_protocol.h) reads the phase to finish or undo it.
//
// The catalog (tables `partitions` and `datasets`) is changed only in the same SQLite
// transaction that completes a job, so it always describes the files in the lake.
// Thread-compatible; one Journal per process.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "journal/sqlite_db.h"

namespace barlake::journal {

constexpr int kSchemaVersion = 1;

struct JobRecord {
  int64_t id = 0;
  std::string kind;    // import | rollback
  std::string status;  // pending running completed failed skipped rolled_back
  std::string phase;   // staged done undone (empty before the plan is recorded)
  std::string source_path, source_sha256, symbol, timeframe, format;
  std::string command;  // the command line that created the job
  int64_t rows_read = 0, rows_written = 0, rows_rejected = 0, rows_conflicting = 0;
  int64_t partitions = 0;
  std::string error;
  std::string report_json;  // the job's report, JSON
  int64_t created_at = 0, updated_at = 0;  // micros since epoch
  int64_t target_job = 0;       // for rollback jobs: the job being rolled back
  int64_t rolled_back_by = 0;   // for rolled back jobs: the rollback job
};

/// One partition file a job replaces, creates or removes; or, with an empty symbol, another
/// vault file the job rewrites as part of it (barlake.toml, when it declares a dataset),
/// which the catalog never lists.
struct PartitionChange {
  int64_t job_id = 0;
  std::string symbol, timeframe, period, rel_path;
  std::string before_sha256;  // empty: the partition did not exist
  int64_t before_rows = 0;
  int64_t before_version = 0;  // job that wrote the previous file
  std::string after_sha256;   // empty: the partition is removed
  int64_t after_rows = 0, after_min_ts = 0, after_max_ts = 0, after_bytes = 0;
  std::string after_content_hash;
  int64_t after_version = 0;  // job that wrote the new file (a rollback restores an older one)
  std::string staged_path;   // relative to the vault
  std::string version_path;  // relative to the vault: where the previous file is kept
};

/// A catalog entry: one current partition file of the lake.
struct PartitionEntry {
  std::string symbol, timeframe, period, rel_path;
  int64_t rows = 0, min_ts = 0, max_ts = 0, bytes = 0;
  std::string sha256, content_hash;
  int64_t version = 0;  // the job that wrote this file
  int64_t updated_at = 0;
};

/// One input partition of a derived dataset as a regenerate job read it ("" sha256: the
/// partition did not exist then).
struct LineageEntry {
  std::string input_rel_path;
  std::string input_sha256;
  int64_t job_id = 0;
};

struct DatasetSummary {
  std::string symbol, timeframe;
  int64_t first_ts = 0, last_ts = 0, rows = 0, bytes = 0, partitions = 0;
  int64_t last_update = 0, last_job = 0;
};

/// A row an import rejected, kept with its reason until released or dropped.
struct QuarantineRow {
  int64_t id = 0;
  int64_t job_id = 0;  // the import that rejected it
  std::string symbol, timeframe;
  uint32_t line = 0;  // in the job's source file
  std::string rule, field, reason;
  int64_t ts = 0;
  double open = 0, high = 0, low = 0, close = 0, volume = 0;
  std::string status;  // held | released | dropped
  int64_t resolved_job = 0;  // the job that released it
  int64_t created_at = 0;
};

class Journal {
 public:
  /// Open the journal at `path`; with `create`, create it and its schema.
  static Result<std::unique_ptr<Journal>> Open(const std::string& path, bool create);

  /// Insert a job and return its id (status as given, usually pending).
  Result<int64_t> CreateJob(JobRecord job);
  /// Overwrite the mutable fields of a job (status, phase, counts, error, report).
  Status UpdateJob(const JobRecord& job);
  Result<JobRecord> GetJob(int64_t id);
  /// Newest first.
  Result<std::vector<JobRecord>> ListJobs(int64_t limit);
  Result<std::vector<JobRecord>> JobsWithStatus(const std::string& status);
  /// The completed import of this source into this dataset, if any.
  Result<std::optional<JobRecord>> FindCompletedImport(const std::string& sha256,
                                                       const std::string& symbol,
                                                       const std::string& timeframe);

  /// Record the planned changes and set phase=planned in one transaction.
  Status RecordPlan(const JobRecord& job, const std::vector<PartitionChange>& changes);
  Result<std::vector<PartitionChange>> GetChanges(int64_t job_id);
  /// Set phase (and status) in one transaction.
  Status SetPhase(int64_t job_id, const std::string& status, const std::string& phase);
  /// Complete a job: apply its changes to the catalog, store the final record. Atomic.
  Status CompleteJob(const JobRecord& job, const std::vector<PartitionChange>& changes);
  /// Mark `target` rolled back by `rollback_job` (inside CompleteJob's caller flow).
  Status MarkRolledBack(int64_t target, int64_t rollback_job);
  /// Live sessions (docs/live.md): add completed poll jobs to `session` (a `live` job;
  /// created first when its id is 0) and set its counts to the sums of its polls, in one
  /// transaction. Adding a member twice changes nothing. Returns the session as stored.
  Result<JobRecord> AddToSession(JobRecord session, const std::vector<int64_t>& members);
  /// The poll jobs of a session, oldest first.
  Result<std::vector<int64_t>> SessionMembers(int64_t session_job);
  /// The session a job belongs to, 0 when none.
  Result<int64_t> SessionOf(int64_t job_id);
  /// Completed jobs after `job_id` that changed any of `rel_paths`.
  Result<std::vector<int64_t>> LaterJobsTouching(int64_t job_id,
                                                 const std::vector<std::string>& rel_paths);

  /// Store rows rejected by `job_id` (status held). They are listed only once that job
  /// has completed, so a failed or interrupted import leaves nothing behind.
  Status AddQuarantine(int64_t job_id, const std::vector<QuarantineRow>& rows);
  /// Rows of completed jobs; filters are optional (empty / 0 = any). Oldest first. A row
  /// marked released reads as held unless its release job completed (and still stands).
  Result<std::vector<QuarantineRow>> ListQuarantine(const std::string& symbol, const std::string& timeframe,
                                                    const std::string& status, int64_t job_id, int64_t limit);
  Result<QuarantineRow> GetQuarantine(int64_t id);
  Status SetQuarantineStatus(const std::vector<int64_t>& ids, const std::string& status, int64_t resolved_job);
  /// Rows dropped from quarantine and quarantined before `cutoff` (micros): how many there
  /// are, deleted too (in one transaction) unless `count_only`. gc's purge (docs/retention.md).
  Result<int64_t> PurgeDroppedQuarantine(int64_t cutoff, bool count_only);

  Result<std::optional<PartitionEntry>> GetPartition(const std::string& rel_path);
  /// Partitions of a dataset whose rows may fall in [from, to), ordered by min_ts.
  Result<std::vector<PartitionEntry>> PartitionsInRange(const std::string& symbol,
                                                        const std::string& timeframe,
                                                        int64_t from, int64_t to);
  Result<std::vector<PartitionEntry>> AllPartitions();
  Result<std::vector<DatasetSummary>> Datasets();

  /// Record what job `job_id` (a regenerate of symbol/timeframe) read. Written before the
  /// job commits; only counts once the job is completed (CurrentLineage).
  Status AddLineage(int64_t job_id, const std::string& symbol, const std::string& timeframe,
                    const std::vector<LineageEntry>& inputs);
  /// Per input partition, the entry of the latest completed, not rolled back regenerate
  /// job of symbol/timeframe. Empty when the dataset was never built.
  Result<std::vector<LineageEntry>> CurrentLineage(const std::string& symbol, const std::string& timeframe);

  /// For tests and the fault-injection harness: the underlying database.
  SqliteDb* TEST_db() { return db_.get(); }

 private:
  explicit Journal(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  Status CreateSchema();
  Status CheckSchema();
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace barlake::journal
