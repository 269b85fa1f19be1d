// The stages every write job shares, whatever it writes:
//
//   source -> parse -> validate -> gate -> plan/merge -> commit -> report
//
// Each job kind (bar import, snapshot import, quarantine release, regenerate, rollback)
// parses and validates its own way; from the gate on they go through these functions,
// inside a JobScope (lake/job_scope.h) that fails the job on any early return:
//   - SkipIfImported: idempotency by the source's SHA-256;
//   - KeepSource: the source's bytes under .barlake/sources/<sha256>;
//   - RegistryWrite: the job's registry change as a write of the job (staged, swapped and
//     journaled with its partitions, undone by rollback, redone by recovery);
//   - PlanAndCommit: count (dry run, --on-conflict fail), refuse conflicts, check the free
//     space, stage and commit the planner's partitions, record the report.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lake/job_scope.h"
#include "lake/keyed_merge.h"
#include "lake/vault.h"
#include "lake/write_protocol.h"
#include "registry/registry.h"

namespace barlake::lake {

/// What the shared stages need from the lake.
struct JobContext {
  Env* env = nullptr;
  const VaultPaths* paths = nullptr;
  journal::Journal* journal = nullptr;
  CrashHook crash;
};

/// True when the source (by SHA-256) already went into `symbol`/`timeframe`: `*why` says
/// so, and the job is recorded as skipped with `report` (made after `*why` is set).
Result<bool> SkipIfImported(const JobContext& ctx, JobScope* scope, const std::string& sha256,
                            const std::string& symbol, const std::string& timeframe,
                            std::string* why, const std::function<std::string()>& report);

/// Keep the source's bytes as .barlake/sources/<sha256>: rename the job's `incoming`
/// copy there (or drop it when that file exists), sync the folder.
Status KeepSource(const JobContext& ctx, JobScope* scope, const std::string& incoming,
                  const std::string& sha256);
/// The name of a job's incoming copy of its source (removed with the job unless kept).
std::string IncomingSourcePath(const VaultPaths& paths, int64_t job_id);
/// Remove incoming copies a crash left behind (call with the writer lock held).
Status RemoveStaleIncoming(Env* env, const VaultPaths& paths);

/// The registry write declaring `specs` that are not in barlake.toml yet, as part of the
/// job; nullopt when all are declared.
Result<std::optional<PartitionWrite>> RegistryWrite(const JobContext& ctx,
                                                    const std::vector<registry::DatasetSpec>& specs,
                                                    int64_t job_id);
/// A rollback's registry write: remove the datasets `target` declared (those of its
/// partitions absent from the registry it replaced) from the current file.
Result<std::optional<PartitionWrite>> RegistryRollbackWrite(
    const JobContext& ctx, const journal::PartitionChange& registry_change,
    const std::vector<journal::PartitionChange>& target_changes, int64_t job_id);

/// The --on-conflict fail refusal: `count` conflicting `what` ("bars", "snapshot rows")
/// in `source`, with up to five example lines.
Status OnConflictFailure(int64_t count, const std::string& what, const std::string& source,
                         const std::vector<std::string>& examples);

struct PlanOptions {
  bool dry_run = false;
  ConflictPolicy policy = ConflictPolicy::kKeep;
  /// Rough bytes a row takes on disk, for the free-space check.
  int64_t bytes_per_row = 12;
  /// The refusal when rows conflict under kFail (OnConflictFailure with examples).
  std::function<Status(int64_t conflicting)> conflict_failure;
  /// The job's report (JSON), stored with the job at the end, or when it fails.
  std::function<std::string()> report;
  /// Writes after the partitions (the registry change).
  std::vector<PartitionWrite> tail;
  /// The counts so far, after each partition (to fill the caller's result).
  std::function<void(const PlanCounts&)> on_counts;
  /// The counting pass is over and planning starts again (drop its conflict examples).
  std::function<void()> on_reset;
};

/// Journal counts of a job from a plan's counts.
inline void SetJobCounts(const PlanCounts& c, journal::JobRecord* job) {
  job->rows_conflicting = c.rows_conflicting;
  job->rows_written = c.rows_written();
  job->partitions = static_cast<int64_t>(c.partitions.size());
}

/// The free space a plan needs: its rows plus twice the partitions they touch (the new
/// file beside the kept one), plus a margin. kNoSpace when it is not there.
Status CheckFreeSpace(const JobContext& ctx, uint64_t need);

/// Stage and commit a plan (see the top of this file). On a dry run it only counts.
template <typename Rows>
Status PlanAndCommit(const JobContext& ctx, JobScope* scope, WriteProtocol* protocol,
                     PartitionPlanner<Rows>* planner, PlanOptions opt) {
  journal::JobRecord& job = scope->job();
  auto counted = [&] {
    SetJobCounts(planner->counts(), &job);
    if (opt.on_counts) opt.on_counts(planner->counts());
  };
  // A dry run, and --on-conflict fail (which must not write anything when one row
  // conflicts), first count every partition without keeping rows.
  if (opt.dry_run || opt.policy == ConflictPolicy::kFail) {
    for (;;) {
      ASSIGN_OR_RETURN(auto w, planner->Next(false));
      counted();
      if (!w) break;
    }
    if (opt.policy == ConflictPolicy::kFail && planner->counts().rows_conflicting > 0) {
      if (opt.report) job.report_json = opt.report();
      return opt.conflict_failure(planner->counts().rows_conflicting);
    }
    if (opt.dry_run) {
      job.status = "dry_run";
      return Status::OK();
    }
    planner->Reset();
    if (opt.on_reset) opt.on_reset();
    counted();
  }
  ASSIGN_OR_RETURN(uint64_t need, planner->BytesNeeded(opt.bytes_per_row));
  RETURN_IF_ERROR(CheckFreeSpace(ctx, need));
  // Two staging threads pay off once there are several partitions to write.
  const int64_t periods = planner->Periods();
  const int workers = periods >= 4 ? 2 : 0;
  size_t tail = 0;
  WriteProtocol::PartitionSource source = [&]() -> Result<std::optional<PartitionWrite>> {
    ASSIGN_OR_RETURN(auto w, planner->Next(true));
    counted();
    if (w) return w;
    if (tail < opt.tail.size()) return std::optional<PartitionWrite>(std::move(opt.tail[tail++]));
    return std::optional<PartitionWrite>();
  };
  Status committed =
      protocol->Commit(&job, source, workers, periods + static_cast<int64_t>(opt.tail.size()));
  if (opt.report) job.report_json = opt.report();
  RETURN_IF_ERROR(committed);  // the scope fails the job unless its plan is recorded
  return ctx.journal->UpdateJob(job);
}

}  // namespace barlake::lake
