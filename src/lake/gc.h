// Garbage collection of a vault (`barlake gc`, docs/retention.md): what [retention]
// (registry/retention_config.h) lets go, plus what nothing refers to.
//
// What it removes, each with the reason it may:
//   versions  previous partition files under .barlake/versions/ beyond the newest
//             keep_versions of their partition and older than version_days; those of
//             failed jobs after failed_days; files there no journal row names
//   sources   kept source copies whose newest job is older than source_days (a failed
//             job's after failed_days), copies no job names, partial `.incoming-` copies
//   staging   folders of jobs that are no longer running
//   lake      files under lake/, snapshots/ and tables/ the catalog does not list, when
//             they are barlake's own kind (`.parquet`); anything else is named, left alone
//   folders   folders that are (or become) empty: the hive folders a rename leaves
//   quarantine  rows dropped from quarantine more than quarantine_days ago (journal rows)
// What it keeps unless `force`: the previous files a job younger than rollback_days
// needs to be rolled back, and what `barlake repair` needs to rebuild a current
// partition (the previous file and the kept source of the job that wrote it, and kept
// copies identical to it). Those are reported as held.
//
// gc is a writer: it recovers interrupted jobs, then holds the vault's writer lock for the
// whole run, so no live or interrupted job owns any file it looks at. A real run is a
// journal job (kind "gc"): created with its plan in the report before the first removal
// and completed with what it freed. Every removal only narrows what older rollbacks or
// repairs can do, never the current data, so a gc killed at any point leaves a consistent
// vault: recovery marks the job failed ("interrupted") and the next gc finishes the work.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"
#include "lake/vault.h"
#include "registry/retention_config.h"

namespace barlake::lake {

class Lake;

/// The journal kind of a gc job.
constexpr const char* kGcJobKind = "gc";

struct GcOptions {
  bool dry_run = false;
  /// Also remove what a rollback inside rollback_days or a repair would need.
  bool force = false;
  double lock_wait_seconds = 30;
  std::string command = "barlake gc";
  /// The clock the ages are judged by; 0: the Env's.
  Micros now = 0;
};

/// One file or folder gc removes, would remove (dry run) or holds back.
struct GcItem {
  std::string path;  // vault-relative; a folder ends with '/'
  std::string area;  // versions | sources | staging | lake | folders
  std::string why;   // why retention lets it go
  int64_t bytes = 0;
  /// Why a rollback or repair needs it ("" when nothing does). With --force the item is
  /// removed anyway and keeps this text, so the report says what was given up.
  std::string needed_by;
};

struct GcReport {
  int64_t job = 0;  // the gc job (0 for a dry run)
  bool dry_run = false;
  bool forced = false;
  std::vector<GcItem> removed;  // removed, or for a dry run what would be
  std::vector<GcItem> held;     // let go by retention but needed; kept (force: empty)
  /// Files under the data roots the catalog does not list and that are not barlake's
  /// kind: named so the user moves them out, never removed.
  std::vector<std::string> left_alone;
  int64_t quarantine_rows = 0;  // dropped quarantine rows purged (or that would be)
  int64_t bytes_freed = 0;      // of `removed`
  int64_t bytes_held = 0;
};

/// The [retention] table of the vault's barlake.toml (the defaults when it has none).
Result<registry::RetentionPolicy> LoadRetention(Env* env, const VaultPaths& paths);

/// Run gc on the vault `lake` has open (see above). kUnavailable when the writer lock
/// cannot be had within lock_wait_seconds.
Result<GcReport> CollectGarbage(Lake* lake, const registry::RetentionPolicy& policy, const GcOptions& options);

/// {"job", "dry_run", "forced", "bytes_freed", "bytes_held", "quarantine_rows",
///  "removed": [{path, area, why, bytes, needed_by}], "held": [...], "left_alone": [...]}
std::string GcReportJson(const GcReport& report);

/// The space one area of a vault takes (`barlake status --disk`).
struct AreaUsage {
  std::string area;  // lake | snapshots | tables | versions | sources | quarantine | staging | journal
  std::string path;  // vault-relative
  int64_t files = 0;
  int64_t bytes = 0;
};

/// Every area of the vault, in the order above (an area that does not exist has 0 files).
Result<std::vector<AreaUsage>> DiskUsage(Env* env, const VaultPaths& paths);

}  // namespace barlake::lake
