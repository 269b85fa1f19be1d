#include "lake/read_check.h"

#include <algorithm>

#include "lake/lake.h"
#include "lake/write_protocol.h"
#include "lake/writer_lock.h"

namespace barlake::lake {

Result<PendingVersions> LoadPendingVersions(journal::Journal* journal, const VaultPaths& paths) {
  PendingVersions out;
  ASSIGN_OR_RETURN(auto running, journal->JobsWithStatus("running"));
  // Only a job whose plan is recorded may have touched lake files; before that it has
  // only staged, and after an undo ("undone") the lake is as before it.
  for (auto& job : running) {
    if (job.phase == "staged") out.jobs.push_back(std::move(job));
  }
  std::sort(out.jobs.begin(), out.jobs.end(), [](const auto& a, const auto& b) { return a.id > b.id; });
  for (const auto& job : out.jobs) {
    ASSIGN_OR_RETURN(auto changes, journal->GetChanges(job.id));
    for (const auto& c : changes) {
      if (!c.version_path.empty()) out.kept[c.rel_path].push_back(paths.Abs(c.version_path));
    }
  }
  return out;
}

Result<std::string> PartitionFileProblem(Env* env, const std::string& file, const journal::PartitionEntry& entry) {
  if (!env->FileExists(file)) return std::string("is missing");
  ASSIGN_OR_RETURN(uint64_t size, env->GetFileSize(file));
  // The size costs a stat; a truncated or extended file never needs its hash.
  if (static_cast<int64_t>(size) != entry.bytes) {
    return "has " + std::to_string(size) + " bytes, the journal recorded " + std::to_string(entry.bytes);
  }
  ASSIGN_OR_RETURN(auto sha, FileSha256(env, file));
  if (sha.first != entry.sha256) {
    return "has SHA-256 " + sha.first.substr(0, 16) + "..., the journal recorded " + entry.sha256.substr(0, 16) +
           "... (its bytes changed since it was written)";
  }
  return std::string();
}

Status DamagedPartition(const std::string& file, const std::string& problem) {
  return Status::Corruption("'" + file + "' " + problem +
                            ": the file is damaged and was not read. Run `barlake repair` to rebuild it "
                            "from the kept versions and sources (`barlake repair --dry-run` shows what it "
                            "would do)");
}

Result<std::string> CheckedPartitionFile(Env* env, const VaultPaths& paths, const journal::PartitionEntry& entry,
                                         const PendingVersions& pending) {
  const std::string file = paths.LakeFile(entry.rel_path);
  ASSIGN_OR_RETURN(std::string problem, PartitionFileProblem(env, file, entry));
  if (problem.empty()) return file;
  if (auto it = pending.kept.find(entry.rel_path); it != pending.kept.end()) {
    for (const auto& kept : it->second) {
      ASSIGN_OR_RETURN(std::string kept_problem, PartitionFileProblem(env, kept, entry));
      if (kept_problem.empty()) return kept;
    }
  }
  return DamagedPartition(file, problem);
}

std::string JobLabel(const journal::JobRecord& job) {
  std::string what = job.kind;
  if (!job.symbol.empty()) what += " " + job.symbol + " " + job.timeframe;
  if (!job.source_path.empty()) {
    const size_t slash = job.source_path.find_last_of('/');
    what += " from " + (slash == std::string::npos ? job.source_path : job.source_path.substr(slash + 1));
  }
  return "job " + std::to_string(job.id) + " (" + what + ")";
}

Result<std::vector<std::string>> CheckedPartitionFiles(Env* env, const VaultPaths& paths, journal::Journal* journal,
                                                       const std::vector<journal::PartitionEntry>& entries) {
  ASSIGN_OR_RETURN(PendingVersions pending, LoadPendingVersions(journal, paths));
  std::vector<std::string> files;
  files.reserve(entries.size());
  for (const auto& entry : entries) {
    ASSIGN_OR_RETURN(std::string file, CheckedPartitionFile(env, paths, entry, pending));
    files.push_back(std::move(file));
  }
  return files;
}

Result<bool> CatalogMoved(journal::Journal* journal, const std::vector<journal::PartitionEntry>& entries) {
  for (const auto& e : entries) {
    ASSIGN_OR_RETURN(auto now, journal->GetPartition(e.rel_path));
    if (!now || now->sha256 != e.sha256) return true;
  }
  return false;
}


// ---- interrupted jobs at open ---------------------------------------------------------------

Status Lake::RecoverOnOpen() {
  ASSIGN_OR_RETURN(auto running, journal_->JobsWithStatus("running"));
  if (running.empty()) return Status::OK();
  // No wait: a writer holding the lock is running these jobs, not interrupted; a reader
  // must neither recover them nor block on it.
  auto lock = WriterLock::Acquire(env_, paths_.lock, 0, options_.command);
  if (!lock.ok()) {
    if (lock.status().code() == ErrorCode::kUnavailable) return Status::OK();
    for (auto& job : running) {
      interrupted_.push_back(std::move(job));
    }
    interrupted_why_ = "the writer lock cannot be taken here: " + lock.status().message();
    return Status::OK();
  }
  ASSIGN_OR_RETURN(auto* store, Store());
  RETURN_IF_ERROR(Protocol(store).RecoverAll());
  RETURN_IF_ERROR(RemoveStaleIncoming(env_, paths_));
  ASSIGN_OR_RETURN(registry_, registry::Registry::Load(env_, paths_.registry));
  for (const auto& job : running) {
    ASSIGN_OR_RETURN(journal::JobRecord now, journal_->GetJob(job.id));
    recovered_on_open_.push_back({now, now.status == "completed"});
  }
  return Status::OK();
}

Result<std::vector<journal::JobRecord>> Lake::InterruptedJobs() {
  ASSIGN_OR_RETURN(PendingVersions pending, LoadPendingVersions(journal_.get(), paths_));
  if (pending.jobs.empty()) return pending.jobs;
  // A live writer holds the lock for as long as its job runs.
  auto probe = env_->TryLockFile(paths_.lock);
  if (!probe.ok() && probe.status().code() == ErrorCode::kUnavailable) return std::vector<journal::JobRecord>{};
  return pending.jobs;
}

}  // namespace barlake::lake
