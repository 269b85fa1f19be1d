// Migration of bars kept in another layout into the lake (`barlake migrate`,
// docs/migration.md). The legacy tree is only ever read: each dataset is ONE journaled
// import job fed the legacy files through Lake::Import (ImportRequest::sources), so it is
// idempotent, crash-safe, recovered like any job and undone by Lake::Rollback.
//
//   plan    scan SOURCE_DIR (layout.cc), count files, rows and bytes, check the free space,
//           write .barlake/migrations/<id>.json atomically, register [[legacy]]
//   run     one import job per pending dataset, the plan saved after each
//   verify  legacy rows vs lake rows per dataset: count and a canonical content hash
//   activate / rollback / delete-legacy: see each function.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bars.h"
#include "core/result.h"
#include "core/text.h"
#include "env/env.h"
#include "lake/lake.h"
#include "storage/duckdb_conn.h"

namespace barlake::migrate {

/// A path in a message: quoted, never cut (core/text.h).
inline std::string QuotePath(const std::string& path) { return QuoteBytes(path, path.size()); }

/// One legacy file of a dataset.
struct LegacyFile {
  std::string path;  // relative to the plan's source_dir
  uint64_t bytes = 0;
  int64_t rows = 0;  // Parquet: exact (metadata); text: data lines
  /// "parquet", or the ingest format (ingest/format.h) the file is read with.
  std::string format;
};

/// One dataset of a plan and what became of it.
struct PlannedDataset {
  std::string symbol, timeframe;
  std::vector<LegacyFile> files;
  int64_t rows = 0;
  uint64_t bytes = 0;
  std::string state = "pending";  // pending | done | failed
  int64_t job = 0;                // the import job that migrated it
  int64_t rows_written = 0;
  std::string error;
  // The last verify.
  std::string verify = "";  // "" | ok | mismatch | error
  int64_t legacy_rows = 0, lake_rows = 0;
  std::string legacy_hash, lake_hash, verify_error;
};

struct Plan {
  int schema_version = 1;
  std::string id;
  std::string created_at;   // ISO 8601 UTC
  std::string source_dir;   // absolute
  std::string layout;       // flat | yf_parqed | csv-cache | vendor-files
  std::string layout_why;
  std::string tz;           // zone of naive stamps
  std::string name_pattern; // vendor-files
  /// planned | running | migrated | verified | activated | rolled_back | legacy_deleted
  std::string status = "planned";
  std::vector<PlannedDataset> datasets;
  int64_t rows = 0;
  uint64_t bytes = 0, disk_needed = 0, free_bytes = 0;
  std::string verified_at, activated_at, rolled_back_at, trash;
  std::vector<std::string> notes;  // what the scan skipped, and why
};

/// The free space a migration needs: 2.5x the legacy bytes (the kept source copies, the
/// partitions, and room for the staging of one job at a time).
uint64_t DiskNeeded(uint64_t legacy_bytes);

// Plan files (plan.cc) under <vault>/.barlake/migrations/.
std::string PlanPath(const lake::VaultPaths& paths, const std::string& id);
std::string PlanToJson(const Plan& plan);
Result<Plan> PlanFromJson(const std::string& text, const std::string& path);
/// Write the plan atomically (staged, fsynced, renamed, folder fsynced).
Status SavePlan(Env* env, const lake::VaultPaths& paths, const Plan& plan);
/// kNotFound naming the plans there are when `id` is not one.
Result<Plan> LoadPlan(Env* env, const lake::VaultPaths& paths, const std::string& id);
/// Ids of every plan, oldest first.
Result<std::vector<std::string>> ListPlans(Env* env, const lake::VaultPaths& paths);

// Layouts (layout.cc).
struct ScanRequest {
  std::string source_dir;
  std::string layout = "auto";  // auto | flat | yf_parqed | csv-cache | vendor-files
  std::vector<std::string> symbols;  // only these (empty: all)
  std::string name_pattern;          // vendor-files: "{symbol} {contract}.Last.txt", ...
  std::string timeframe;             // when names do not say it (vendor-files, flat)
};
/// The layout of `source_dir` and why (for `--layout auto`). kInvalidArgument naming what
/// was looked for when none fits.
Result<std::pair<std::string, std::string>> DetectLayout(Env* env, const std::string& source_dir);
/// The datasets of `request.source_dir` in `layout`, files sorted; `notes` gets what was
/// skipped. Rows are counted (Parquet metadata through DuckDB, lines of text files).
Result<std::vector<PlannedDataset>> ScanLayout(Env* env, const ScanRequest& request, const std::string& layout,
                                               std::vector<std::string>* notes);

// Legacy files (legacy_reader.cc).
/// The source the import of one legacy file reads: a text file itself (.gz too), or a
/// Parquet file's rows read by DuckDB (`read_parquet`) as CSV text
/// (time,open,high,low,close,volume: daily stamps as dates, zoned stamps in UTC with Z,
/// naive ones as written). kInvalidInput naming the file for a file without a time or a
/// price column, or that DuckDB cannot read.
Result<lake::Source> LegacySource(const std::string& source_dir, const LegacyFile& file,
                                  const std::string& timeframe, const std::string& provenance);
/// Rows of a Parquet file (its metadata).
Result<int64_t> ParquetRowCount(const std::string& path);
/// The rows the legacy files of `dataset` hold, read with the same formats and zone the
/// migration imports them with, sorted by time, identical duplicates dropped.
Result<BarColumns> ReadLegacyRows(const Plan& plan, const PlannedDataset& dataset);
/// SHA-256 over each row's ts and OHLCV (as bits, -0 as 0): the same for equal rows
/// whatever file layout or encoding they came from.
std::string CanonicalHash(const BarColumns& bars);

// The steps (migration.cc).
struct PlanRequest : ScanRequest {
  std::string tz;  // empty: the vault's default_source_tz
};
/// Scan, count and size a migration. kNoSpace (with the numbers) when the free space of
/// the vault's file system (`env->FreeBytes`) is below DiskNeeded; else the plan is
/// saved and the legacy folder registered as [[legacy]] in barlake.toml.
Result<Plan> CreatePlan(lake::Lake* lake, Env* env, const PlanRequest& request);

struct Progress {
  size_t index = 0, total = 0;  // datasets of this run
  const PlannedDataset* dataset = nullptr;
  std::string outcome;          // "imported" | "already imported" | "dry run" | "failed: ..."
  int64_t rows_done = 0, rows_total = 0;
  double elapsed_seconds = 0, eta_seconds = 0;
};
struct RunOptions {
  bool dry_run = false;
  int64_t batch = 0;  // stop after this many datasets (0: all)
  bool force = false; // ImportRequest::force
  /// Checked between datasets: true stops the run (the dataset in hand is finished).
  std::function<bool()> stop;
  std::function<void(const Progress&)> on_dataset;
};
struct RunSummary {
  int64_t imported = 0, already = 0, failed = 0, dry_run = 0, remaining = 0;
  bool stopped = false;  // by RunOptions::stop or batch
};
/// Migrate every pending (or failed) dataset of `plan`, one import job each, saving the
/// plan after each. A dataset the lake already holds from this migration (a job a crash
/// interrupted and recovery finished) is found by its job and marked done. Holds the
/// plan's lock (kUnavailable when another run or rollback holds it).
Result<RunSummary> RunMigration(lake::Lake* lake, Env* env, Plan* plan, const RunOptions& options);

struct VerifySummary {
  int64_t ok = 0, mismatched = 0, errors = 0, not_migrated = 0;
};
/// Per migrated dataset: the legacy rows (ReadLegacyRows) against the lake's rows from
/// the first to the last legacy stamp, row count and CanonicalHash. Reads both sides only;
/// records the results in the plan (status verified when every dataset is ok).
Result<VerifySummary> VerifyMigration(lake::Lake* lake, Env* env, Plan* plan);
/// Only after a passing verify: mark the plan activated and its [[legacy]] entry
/// `activated = true` (reads stop falling back to the legacy files).
Status ActivateMigration(lake::Lake* lake, Env* env, Plan* plan);
/// Roll back every job of the migration, newest first (Lake::Rollback: the lake as
/// before), and mark the plan rolled_back (its datasets pending: `run` can start again).
/// Refused after activation (roll back the jobs one by one with `barlake rollback`).
Result<std::vector<int64_t>> RollbackMigration(lake::Lake* lake, Env* env, Plan* plan);
/// Only after activation: move the legacy folder into a dated trash folder beside it
/// (`<parent>/.barlake-trash/<YYYY-MM-DD>-<id>/<name>`, one rename); returns that path.
Result<std::string> MoveLegacyToTrash(lake::Lake* lake, Env* env, Plan* plan);

// Read-compatibility (read_compat.cc, docs/migration.md#reading-while-mixed): until a
// migration is activated, `read`, `query` and the HTTP API serve a dataset the lake does
// not hold yet from its legacy files, marked as such. LegacyServedDatasets is the one rule
// every reader asks; nothing else decides which legacy files serve what.

/// A dataset served from legacy files now: its plan and its entry in that plan.
struct LegacyServed {
  std::shared_ptr<const Plan> plan;
  const PlannedDataset* dataset = nullptr;  // points into *plan
  std::string layout;                      // of the [[legacy]] entry
};
/// Which legacy files serve which dataset: a dataset of the plan of a [[legacy]] entry
/// that is not activated (nor its plan), of which the lake holds no partition (the lake
/// wins as soon as it holds any). When two entries list one dataset, the first in the
/// registry file serves it. With `symbol` and `timeframe`, only that dataset is looked at.
/// Reads barlake.toml, the plans and the catalog; never the legacy tree.
Result<std::vector<LegacyServed>> LegacyServedDatasets(lake::Lake* lake, const std::string& symbol = "",
                                                       const std::string& timeframe = "");

/// The rows of a legacy-served dataset in [from, to) and where they come from.
struct LegacyRows {
  std::string plan_id, source_dir;
  BarColumns bars;
};
/// `symbol`/`timeframe` read from its legacy files when LegacyServedDatasets serves it;
/// nullopt when it does not (the lake answers).
Result<std::optional<LegacyRows>> ReadFromLegacy(lake::Lake* lake, const std::string& symbol,
                                                 const std::string& timeframe, Micros from, Micros to);

/// The query views of read-compatibility on `duck` (a connection on which the lake made
/// its views, Lake::OpenQuery): `legacy_datasets` (symbol, timeframe, migration,
/// source_dir, layout, files, rows) lists the legacy-served datasets, `legacy_bars` has
/// their rows with the columns of `bars`, `lake_bars` is `bars` as the lake made it, and
/// `bars` becomes `lake_bars` plus `legacy_bars`. Returns the datasets served (empty:
/// `bars` is left as the lake made it).
Result<std::vector<LegacyServed>> AddLegacyQueryViews(lake::Lake* lake, storage::DuckConn* duck);

}  // namespace barlake::migrate
