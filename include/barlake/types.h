// Value types of the public barlake API (barlake/lake.h). Plain structs of standard types:
// no barlake internals, no DuckDB or SQLite types. Times are int64 microseconds since the
// Unix epoch, UTC (`Micros`).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "barlake/health.h"

namespace barlake {

/// Microseconds since 1970-01-01T00:00:00Z.
using Micros = int64_t;

/// The [vault] table of a vault's barlake.toml.
struct VaultSettings {
  std::string name;
  std::string display_tz;         // the zone tables and the dashboard show times in
  std::string default_source_tz;  // the zone of a source's stamps when nothing says otherwise
};

/// One trading session of a calendar (docs/calendars.md).
struct Session {
  Micros open = 0;   // UTC instant of the first trade of the session (inclusive)
  Micros close = 0;  // UTC instant the session ends (exclusive)
  /// The trade date the session belongs to, as days since 1970-01-01. For CME Globex the
  /// session that opens Sunday 18:00 New York belongs to Monday (the day it closes).
  int32_t trade_date = 0;
  /// Closed earlier than the calendar's regular close (half day, holiday halt).
  bool early_close = false;
  /// Opened later than the calendar's regular open (e.g. after a holiday halt).
  bool late_open = false;
};

/// The sessions of a dataset's calendar over a span (Lake::Sessions).
struct DatasetSessions {
  std::string calendar;  // its name, e.g. "CME_Globex"
  std::string zone;      // its zone: wall-clock times of the market
  std::vector<Session> sessions;  // sorted by open, non-overlapping
};

/// Bars of one dataset, column-wise, sorted by `ts` (strictly increasing). Every vector has
/// size() elements.
struct Bars {
  std::vector<Micros> ts;  // bar open time, UTC
  std::vector<double> open, high, low, close, volume;
  /// The journal job that wrote each row (provenance).
  std::vector<int64_t> job;
  /// Per-row flags (docs/derived.md): 1 truncated, 2 early close, 4 outside session, 8 late
  /// open. 0 for imported bars.
  std::vector<uint8_t> flags;

  size_t size() const { return ts.size(); }
  bool empty() const { return ts.empty(); }
};

/// What to import: a file on disk, or bytes in memory with the name and modification time
/// the file would have had. The name picks the format (with the first bytes) and appears in
/// messages and the job; the modification time tells a partial last bar
/// (docs/validation.md). Idempotency is by the SHA-256 of the bytes either way.
struct Source {
  std::string name;     // bytes: the file name they stand for ("ES 03-25.Last.txt")
  std::string path;     // a file to read; empty when `bytes` holds the content
  std::string bytes;    // the content, when `path` is empty
  Micros modified = 0;  // bytes: their modification time, 0 unknown (a file has its own)
  /// Where the bytes came from (a URL, "upload by alice"). Not recorded yet: the job
  /// records the source's path (for bytes, the spool file; docs/library.md).
  std::string provenance;

  static Source File(std::string path) {
    Source s;
    s.path = std::move(path);
    return s;
  }
  static Source Bytes(std::string name, std::string bytes, Micros modified = 0, std::string provenance = {}) {
    Source s;
    s.name = std::move(name);
    s.bytes = std::move(bytes);
    s.modified = modified;
    s.provenance = std::move(provenance);
    return s;
  }
};

/// What an import does with a stored bar whose values differ from the file's.
enum class OnConflict { kKeep, kReplace, kFail };

struct ImportOptions {
  std::string symbol;     // "ES"
  std::string timeframe;  // "1m", "5m", "1h", "1d", ...
  /// A format name (docs/formats/formats.md), "auto" (detect and report why), or empty (the
  /// dataset's declared format, else auto).
  std::string format;
  std::string tz;       // source time zone; empty: the dataset's, else the vault default
  std::string stamp;    // "open" | "close" | empty: the format's convention
  std::string columns;  // explicit column mapping for delimited text
  OnConflict on_conflict = OnConflict::kKeep;
  bool dry_run = false;  // parse, validate and plan; write nothing
  /// Import even when more than the dataset's max_reject_share of rows is rejected.
  bool force = false;
  bool skip_alignment_check = false;
  /// The file was imported before with other options: replace that job's bars with this
  /// reading in one new job (`import --reimport`), instead of refusing.
  bool reimport = false;
  /// A new dataset's last trade date, "YYYY-MM-DD" (a contract's expiry): health judges
  /// staleness up to it (registry end_date; docs/health.md). Empty: none.
  std::string end_date;
  std::string description;  // for a new dataset's registry entry
  std::string calendar;     // session calendar of a new dataset ("CME_Globex", ...)
};

/// One job of the journal (docs/formats/journal.md).
struct Job {
  int64_t id = 0;
  std::string kind;    // import, import-snapshot, rollback, release, regenerate
  std::string status;  // running completed failed skipped rolled_back
  std::string phase;   // "", staged, done, undone
  std::string symbol, timeframe, format;
  std::string source_path, source_sha256;
  std::string command;  // the command line (or API caller note) that created it
  int64_t rows_read = 0, rows_written = 0, rows_rejected = 0, rows_conflicting = 0;
  int64_t partitions = 0;
  std::string error;        // set when failed
  std::string report_json;  // the job's report (JSON text), when it has one
  Micros created_at = 0, updated_at = 0;
  int64_t target_job = 0;      // a rollback: the job it rolled back
  int64_t rolled_back_by = 0;  // a rolled back job: the rollback job
};

/// One partition file a job created, replaced or removed.
struct PartitionChange {
  std::string symbol, timeframe, period;
  std::string path;            // relative to the vault's lake root
  std::string before_sha256;   // empty: the partition is new
  int64_t before_rows = 0;
  std::string after_sha256;    // empty: the partition was removed
  int64_t after_rows = 0, after_bytes = 0;
  Micros after_min_ts = 0, after_max_ts = 0;
  std::string previous_version;  // relative to the vault: where the previous file is kept
};

struct JobDetail {
  Job job;
  std::vector<PartitionChange> changes;  // data partitions only
  /// The job also declared a dataset in barlake.toml (journaled with it, undone by its
  /// rollback).
  bool registry_changed = false;
};

/// One derived dataset a regenerate (or an import's automatic regeneration) handled.
struct RegenerateResult {
  std::string symbol, timeframe;
  Job job;                      // id 0 when nothing had to be done
  std::string skipped_because;  // "up to date"
  bool incremental = false;
  int64_t partitions_written = 0, partitions_removed = 0, partitions_unchanged = 0;
  int64_t rows_written = 0;
  int64_t truncated_bars = 0;  // resampled bars whose session cut them short
  std::string error;  // set when this dataset failed (automatic regeneration only)
};

/// Resampled datasets to declare (docs/derived.md): SYMBOL's `from` bars, anchored to the
/// session of `calendar`, as each timeframe of `to`.
struct ResampleOptions {
  std::string symbol;            // input dataset symbol
  std::string from = "1m";       // input timeframe
  std::vector<std::string> to;   // "5m", "15m", "1h", "4h", "90m", "1d", ...
  std::string name;              // output symbol (default: symbol; required for 1d and longer)
  std::string calendar;          // default: the input dataset's calendar
  bool auto_regenerate = true;   // rebuilt whenever an import changes the input
};

/// A derived table to declare (docs/derived.md): "session_stats" or "level_touches".
struct TableOptions {
  std::string symbol;            // input dataset symbol
  std::string from = "1m";       // input timeframe
  std::string table;             // "session_stats" | "level_touches"
  std::string name;              // output symbol (default: symbol)
  std::string calendar;          // default: the input dataset's calendar
  std::string day_start;         // level_touches: "HH:MM" or "none"; empty: 09:30
  bool auto_regenerate = true;
};

/// The result of a SQL query, every value as text as DuckDB prints it (NULL as "").
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  /// DuckDB's type name of each column ("BIGINT", "TIMESTAMP WITH TIME ZONE", ...) where
  /// the public Lake::Query could describe the statement; empty otherwise.
  std::vector<std::string> types;
};

/// A stored bar whose values differ from the file's (an import's first 20 are kept).
struct ConflictExample {
  Micros ts = 0;
  uint32_t line = 0;                    // in the source
  double stored[5] = {0, 0, 0, 0, 0};   // open high low close volume
  double incoming[5] = {0, 0, 0, 0, 0};
};

/// A row an import rejected or flagged, with the rule that caught it.
struct RejectionExample {
  uint32_t line = 0;  // in the source
  std::string rule, field, reason;
};

/// What an import found in its source and did with it (ImportReport; the library's own
/// result shares it).
struct ImportFindings {
  bool dry_run = false;
  std::string skipped_because;  // set when these bytes were already imported
  std::string format;           // the format used
  std::string format_why;       // set when it was detected
  std::string source_tz;
  /// Where source_tz came from: "--tz", "the dataset's source_tz", "the vault's
  /// default_source_tz".
  std::string source_tz_because;
  /// False when every stamp carried its own zone (or the format names it): source_tz was
  /// not used. The first note of the report says which.
  bool source_tz_used = false;
  std::string stamp, columns;      // as asked (--stamp, --columns); empty: the format's own
  std::vector<std::string> notes;  // what the parser decided about the file
  int64_t rows_added = 0, rows_identical = 0, rows_replaced = 0;
  int64_t bytes_estimate = 0;                       // dry run: bytes of the files it would write
  std::vector<std::string> partitions;              // lake-relative paths written
  std::vector<ConflictExample> conflicts;           // the first 20
  std::map<std::string, int64_t> rejected_by_rule;  // rule -> rows sent to quarantine
  std::vector<RejectionExample> rejections;         // the first 20
  std::string calendar;  // the dataset's session calendar; empty: no session check
  std::map<std::string, int64_t> flagged_by_rule;  // rule -> rows flagged but kept (outside_session)
  std::vector<RejectionExample> flagged;           // the first 20
  int64_t identical_duplicates = 0;                // identical repeated rows dropped
  bool partial_last_bar_dropped = false;           // docs/validation.md
  /// Provisional bars (an earlier file's last bar) this file completed: it holds them and
  /// later bars (docs/validation.md "Provisional last bars").
  int64_t provisional_completed = 0;
  /// --reimport: the job whose bars this import replaced, and how many of them it removed
  /// without writing them again (at times the new reading does not hold).
  int64_t replaced_job = 0, rows_removed = 0;
  bool alignment_checked = false;                  // enough overlap with stored bars to compare
  int64_t nonexistent_local = 0, ambiguous_local = 0;  // stamps in a DST gap / repeated hour
  int64_t reordered = 0;                               // rows out of time order, sorted
};

struct ImportReport : ImportFindings {
  Job job;  // id 0 for a dry run
  std::vector<RegenerateResult> regenerated;  // derived datasets rebuilt after it
  /// The whole report as JSON (what `barlake import --json` prints).
  std::string report_json;
};

/// One dataset of the catalog.
struct Dataset {
  std::string symbol, timeframe;
  std::string kind;  // "bars", "snapshot" or "table"
  Micros first_ts = 0, last_ts = 0;
  int64_t rows = 0, bytes = 0, partitions = 0;
  Micros last_update = 0;
  int64_t last_job = 0;
  /// Derived datasets: how they are built and whether an input changed since.
  std::string method;  // "" for imported data; "resample", "sql", "session_stats", ...
  std::vector<std::string> inputs;
  bool stale = false;
  std::string stale_why;
};

struct VerifyProblem {
  std::string path;
  std::string what;
};

struct VerifyReport {
  int64_t files_checked = 0;
  int64_t rows_checked = 0;
  std::vector<VerifyProblem> problems;
  bool ok() const { return problems.empty(); }
};

struct RegenerateOptions {
  std::vector<std::string> datasets;  // "SYMBOL TF"; or stale_only / all
  bool stale_only = false;
  bool all = false;
  bool full = false;  // rebuild every partition, not only those whose inputs changed
};

struct HealthOptions {
  std::string symbol, timeframe;  // empty: every dataset (of that symbol)
  int64_t gap_min_seconds = 30 * 60;
  Micros now = 0;  // 0: the clock
};

struct DatasetHealth {
  std::string symbol, timeframe;
  std::string calendar;  // empty: none (then only the partition checks ran)
  std::string zone;      // the calendar's zone, in which its daily pattern is read
  /// Every finding (barlake/health.h); the fields below summarise it.
  HealthReport report;
  std::string status;    // "ok", "warn", "fail" or "unchecked"
  int score = 100;
  double coverage_pct = 0;
  int64_t gap_count = 0, gap_missing_bars = 0, stray_count = 0;
  bool stale = false;
  std::vector<std::string> notes;
  /// The full report as JSON (what `barlake health --json` prints per dataset).
  std::string report_json;
};

/// A filter over quarantined rows; empty / 0 fields match anything.
struct QuarantineFilter {
  std::string symbol, timeframe;
  std::string status = "held";  // held | released | dropped | "" (any)
  int64_t job = 0;
  int64_t limit = 200;
};

/// A row an import rejected, kept with its reason until released or dropped.
struct QuarantinedRow {
  int64_t id = 0;
  int64_t job = 0;  // the import that rejected it
  std::string symbol, timeframe;
  uint32_t line = 0;  // in the job's source
  std::string rule, field, reason;
  Micros ts = 0;
  double open = 0, high = 0, low = 0, close = 0, volume = 0;
  std::string status;        // held | released | dropped
  int64_t resolved_job = 0;  // the job that released it
};

// --- Columnar reads, SQL queries and the registry's datasets (Lake::ReadInto, Lake::Query,
// Lake::RegisteredDatasets): what bindings such as the Python package build on.

/// A run of bars handed to a BarSink, column-wise and sorted by `ts`. The pointers are valid
/// during the BarSink::Append call only; each points at `size` values.
struct BarsChunk {
  size_t size = 0;
  const Micros* ts = nullptr;
  const double *open = nullptr, *high = nullptr, *low = nullptr, *close = nullptr, *volume = nullptr;
  const int64_t* job = nullptr;
  const uint8_t* flags = nullptr;
};

/// Receives the bars of Lake::ReadInto chunk by chunk, so a caller can fill its own columns
/// (numpy arrays, a database's vectors) without the whole range ever being held twice.
class BarSink {
 public:
  virtual ~BarSink() = default;
  /// Called once, before any Append, with the number of rows the catalog holds in the
  /// partitions that overlap the range: an upper bound unless a writer commits during the
  /// read. Return false to stop the read (ReadInto then returns kCancelled).
  virtual bool Begin(int64_t /*expected_rows*/) { return true; }
  /// The next bars, later than every bar of the previous chunks. Return false to stop the
  /// read (ReadInto then returns kCancelled).
  virtual bool Append(const BarsChunk& chunk) = 0;
};

/// The result of Lake::Query: every value as text, as DuckDB prints it (NULL as ""),
/// row-wise, with each column's DuckDB type name ("BIGINT", "DOUBLE", "VARCHAR",
/// "TIMESTAMP WITH TIME ZONE", ...; empty when the statement has no describable result).
/// One stored Parquet file of a dataset.
struct PartitionFile {
  std::string period;  // "2024-03" (docs/formats/layout.md)
  std::string path;    // absolute
  int64_t rows = 0, bytes = 0;
  Micros min_ts = 0, max_ts = 0;
  std::string sha256;
  int64_t job = 0;  // the job that wrote this version of the file
};

/// A dataset declared in barlake.toml with the files that hold it now (none before its
/// first import).
struct RegisteredDataset {
  std::string symbol, timeframe;
  std::string kind;      // "bars", "snapshot" or "table"
  std::string category;  // "published", "pipeline" or "raw"
  std::string description, calendar;
  std::string method;  // "" for imported data; "resample", "sql", ...
  std::vector<PartitionFile> files;  // ordered by period
};

/// One damaged or missing partition file `Lake::Repair` found (docs/integrity.md).
struct RepairItem {
  std::string path;     // the lake file, absolute
  std::string problem;  // what is wrong with it ("is missing", "has SHA-256 ...")
  /// How it is (or would be) rebuilt: "kept-version" (an identical file kept under
  /// .barlake/versions), "replay" (the import that wrote it, replayed from its kept
  /// source), or "" when it cannot be; `action` then says what to do.
  std::string method;
  std::string action;
  bool repaired = false;  // false for a dry run and for what cannot be repaired
};

struct RepairReport {
  int64_t files_checked = 0;
  int64_t job = 0;  // the repair job (0: a dry run, or nothing to repair)
  bool dry_run = false;
  std::vector<RepairItem> items;  // one per damaged file; empty: the vault is intact
  /// Whether every damaged file is (or would be) rebuilt.
  bool all_repairable() const {
    for (const auto& i : items) {
      if (i.method.empty()) return false;
    }
    return true;
  }
};

}  // namespace barlake
