#include "lake/job_pipeline.h"

#include <unistd.h>

#include "core/checksum.h"
#include "lake/dataset_ops.h"
#include "lake/partition_writes.h"

namespace barlake::lake {

Result<bool> SkipIfImported(const JobContext& ctx, JobScope* scope, const std::string& sha256,
                            const std::string& symbol, const std::string& timeframe,
                            std::string* why, const std::function<std::string()>& report) {
  ASSIGN_OR_RETURN(auto previous, ctx.journal->FindCompletedImport(sha256, symbol, timeframe));
  if (!previous) return false;
  // A later drop or rename took that import's bars out of the dataset: import it again.
  ASSIGN_OR_RETURN(auto completed, ctx.journal->JobsWithStatus("completed"));
  for (const auto& j : completed) {
    if (j.id > previous->id && (j.kind == kDropJobKind || j.kind == kRenameJobKind) && j.symbol == symbol &&
        j.timeframe == timeframe)
      return false;
  }
  *why = "this file (SHA-256 " + sha256.substr(0, 12) + "...) was already imported by job " +
         std::to_string(previous->id);
  if (!scope->dry_run()) {
    journal::JobRecord& job = scope->job();
    job.status = "skipped";
    job.error = *why;
    job.report_json = report();
    RETURN_IF_ERROR(ctx.journal->UpdateJob(job));
  }
  return true;
}

std::string IncomingSourcePath(const VaultPaths& paths, int64_t job_id) {
  return JoinPath(paths.sources,
                  ".incoming-" + std::to_string(::getpid()) + "-" + std::to_string(job_id));
}

Status KeepSource(const JobContext& ctx, JobScope* scope, const std::string& incoming,
                  const std::string& sha256) {
  const std::string kept = JoinPath(ctx.paths->sources, sha256);
  if (ctx.env->FileExists(kept)) {
    if (ctx.env->FileExists(incoming)) RETURN_IF_ERROR(ctx.env->RemoveFile(incoming));
  } else {
    RETURN_IF_ERROR(ctx.env->RenameFile(incoming, kept));
  }
  scope->KeepTemp(incoming);
  RETURN_IF_ERROR(ctx.env->SyncDir(ctx.paths->sources));
  if (ctx.crash) ctx.crash(CrashPoint::kAfterSourceCopy);
  return Status::OK();
}

Status RemoveStaleIncoming(Env* env, const VaultPaths& paths) {
  if (!env->FileExists(paths.sources)) return Status::OK();
  ASSIGN_OR_RETURN(auto names, env->GetChildren(paths.sources));
  for (const auto& name : names) {
    if (name.rfind(".incoming-", 0) == 0)
      RETURN_IF_ERROR(env->RemoveFile(JoinPath(paths.sources, name)));
  }
  return Status::OK();
}

std::optional<PartitionWrite> RegistryTextWrite(const std::string& before, std::string after, int64_t job_id) {
  if (after == before) return std::nullopt;
  PartitionWrite w;
  w.change.rel_path = registry::kRegistryFileName;
  w.change.before_sha256 = Sha256Hex(before);
  w.change.before_rows = 1;
  w.change.after_version = job_id;
  w.rows = MakePayload(std::move(after));
  return w;
}

Status RunPlannedWrites(const JobContext& ctx, JobScopeEvents events, WriteProtocol protocol,
                        journal::JobRecord* job, const std::function<Status(std::vector<PartitionWrite>*)>& plan) {
  ASSIGN_OR_RETURN(auto scope, JobScope::Begin(ctx.journal, ctx.env, job, false, std::move(events)));
  Status done = [&]() -> Status {
    std::vector<PartitionWrite> writes;
    RETURN_IF_ERROR(plan(&writes));
    job->partitions = static_cast<int64_t>(writes.size());
    RETURN_IF_ERROR(protocol.Commit(job, &writes));
    return ctx.journal->UpdateJob(*job);
  }();
  return scope->Finish(done);
}

Result<std::optional<PartitionWrite>> RegistryWrite(const JobContext& ctx,
                                                    const std::vector<registry::DatasetSpec>& specs,
                                                    int64_t job_id) {
  ASSIGN_OR_RETURN(const std::string before, ctx.env->ReadFile(ctx.paths->registry));
  std::string after = before;
  for (const auto& spec : specs) {
    ASSIGN_OR_RETURN(after,
                     registry::Registry::WithDatasetAppended(after, ctx.paths->registry, spec));
  }
  return RegistryTextWrite(before, std::move(after), job_id);
}

Result<std::optional<PartitionWrite>> RegistryRollbackWrite(
    const JobContext& ctx, const journal::PartitionChange& registry_change,
    const std::vector<journal::PartitionChange>& target_changes, int64_t job_id) {
  // The registry the target replaced is kept under versions/; a dataset of its partitions
  // missing from it was declared by the target.
  const std::string kept = ctx.paths->Abs(registry_change.version_path);
  if (registry_change.version_path.empty() || !ctx.env->FileExists(kept))
    return std::optional<PartitionWrite>();
  ASSIGN_OR_RETURN(std::string kept_text, ctx.env->ReadFile(kept));
  ASSIGN_OR_RETURN(registry::Registry previous, registry::Registry::Parse(kept_text, kept));
  ASSIGN_OR_RETURN(const std::string before, ctx.env->ReadFile(ctx.paths->registry));
  std::string after = before;
  ASSIGN_OR_RETURN(registry::Registry current, registry::Registry::Parse(before, ctx.paths->registry));
  for (const auto& c : target_changes) {
    if (c.symbol.empty()) continue;
    if (previous.Find(c.symbol, c.timeframe)) {
      // Declared before the target and gone now: the target (a drop or a rename) removed
      // its table; put it back as it was written.
      if (current.Find(c.symbol, c.timeframe)) continue;
      const std::string block = DatasetBlockText(kept_text, c.symbol, c.timeframe);
      if (block.empty()) continue;
      if (!after.empty() && after.back() != '\n') after += '\n';
      after += "\n" + block;
      ASSIGN_OR_RETURN(current, registry::Registry::Parse(after, ctx.paths->registry));
      continue;
    }
    ASSIGN_OR_RETURN(after, registry::Registry::WithoutDataset(after, ctx.paths->registry, c.symbol,
                                                               c.timeframe));
  }
  return RegistryTextWrite(before, std::move(after), job_id);
}

Status OnConflictFailure(int64_t count, const std::string& what, const std::string& source,
                         const std::vector<std::string>& examples) {
  std::string msg = std::to_string(count) + " " + what + " in '" + source +
                    "' differ from stored ones " + "(--on-conflict fail); nothing was imported:";
  for (size_t k = 0; k < std::min<size_t>(examples.size(), 5); ++k) msg += "\n  " + examples[k];
  msg += "\nUse --on-conflict keep to keep stored " + what +
         " or --on-conflict replace to take the file's.";
  return Status::Conflict(msg);
}

Status CheckFreeSpace(const JobContext& ctx, uint64_t need) {
  ASSIGN_OR_RETURN(uint64_t free_bytes, ctx.env->FreeBytes(ctx.paths->meta));
  if (free_bytes >= need) return Status::OK();
  return Status::NoSpace("the import needs about " + std::to_string(need >> 20) + " MB free in '" +
                         ctx.paths->root + "' but " + std::to_string(free_bytes >> 20) +
                         " MB are free; free some space and run it again");
}

}  // namespace barlake::lake
