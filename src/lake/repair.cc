// Lake::Repair and the replay of an import into a scratch vault (lake/repair.h).
#include "lake/repair.h"

#include <nlohmann/json.hpp>

#include "lake/data_kind.h"
#include "lake/lake.h"
#include "lake/partition_writes.h"
#include "lake/read_check.h"
#include "lake/writer_lock.h"
#include "storage/partition_layout.h"

namespace barlake::lake {
namespace {

// Where a replay imports a kept source again: inside .barlake (never under a data root),
// removed after each use and at the start of the next repair (a crash leaves it).
constexpr const char* kScratchName = "repair-scratch";

std::string JsonString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An identical file under versions/: a rollback restores a copy of a version that stays
// kept, and any later job keeps the file it replaces, so the catalog's bytes may exist
// there under another job's folder.
Result<std::string> FindKeptCopy(Env* env, const VaultPaths& paths, const journal::PartitionEntry& entry) {
  if (!env->FileExists(paths.versions)) return std::string();
  ASSIGN_OR_RETURN(auto jobs, env->GetChildren(paths.versions));
  for (const auto& dir : jobs) {
    const std::string candidate = JoinPath(JoinPath(paths.versions, dir), entry.rel_path);
    if (!env->FileExists(candidate)) continue;
    ASSIGN_OR_RETURN(std::string problem, PartitionFileProblem(env, candidate, entry));
    if (problem.empty()) return candidate;
  }
  return std::string();
}

}  // namespace

Result<BarColumns> Lake::ReplayPartition(const journal::PartitionEntry& entry) {
  ASSIGN_OR_RETURN(journal::JobRecord job, journal_->GetJob(entry.version));
  const std::string label = JobLabel(job);
  if (job.kind != "import") {
    return Status::NotFound("it was written by " + label + ", which has no kept source to replay" +
                            (job.kind == "regenerate" ? "; rebuild it with `barlake regenerate " + entry.symbol + " " +
                                                            entry.timeframe + " --full`"
                                                      : "; restore the file from a backup"));
  }
  const std::string kept = JoinPath(paths_.sources, job.source_sha256);
  if (job.source_sha256.empty() || !env_->FileExists(kept)) {
    return Status::NotFound("the source of " + label + " is not kept under .barlake/sources; import that file " +
                            "again with `barlake import FILE --symbol " + entry.symbol + " --timeframe " +
                            entry.timeframe + " --reimport`, or restore the file from a backup");
  }
  ASSIGN_OR_RETURN(auto kept_sha, FileSha256(env_, kept));
  if (kept_sha.first != job.source_sha256) {
    return Status::Corruption("the kept source '" + kept + "' of " + label +
                              " is damaged too (its SHA-256 changed); restore the file from a backup");
  }
  // The partition as that job found it: the previous file it kept under versions/.
  ASSIGN_OR_RETURN(auto changes, journal_->GetChanges(job.id));
  const journal::PartitionChange* change = nullptr;
  for (const auto& c : changes) {
    if (c.rel_path == entry.rel_path) change = &c;
  }
  if (!change) return Status::NotFound(label + " records no change of this partition; restore it from a backup");
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  BarColumns previous;
  if (!change->before_sha256.empty()) {
    const std::string prev = paths_.Abs(change->version_path);
    if (!env_->FileExists(prev)) {
      return Status::NotFound("the previous version '" + prev + "' that " + label + " merged into is missing");
    }
    ASSIGN_OR_RETURN(auto prev_sha, FileSha256(env_, prev));
    if (prev_sha.first != change->before_sha256) {
      return Status::Corruption("the previous version '" + prev + "' that " + label + " merged into is damaged too");
    }
    ASSIGN_OR_RETURN(previous, store->ReadFile(prev));
  }
  // The job's options as its report recorded them.
  ImportRequest req;
  req.path = kept;
  req.symbol = job.symbol;
  req.timeframe = job.timeframe;
  req.force = true;  // rows it rejected are rejected again, and left out the same way
  req.skip_alignment_check = true;
  if (!job.report_json.empty()) {
    const nlohmann::json report = nlohmann::json::parse(job.report_json, nullptr, false);
    if (report.is_object()) {
      req.format = JsonString(report, "format");
      req.stamp = JsonString(report, "stamp");
      req.columns = JsonString(report, "columns");
      auto used = report.find("source_tz_used");
      if (used == report.end() || (used->is_boolean() && used->get<bool>())) req.tz = JsonString(report, "source_tz");
    }
  }
  // Import it alone into a scratch vault with this vault's registry (its datasets'
  // calendars and rules), then merge the partition's rows as the job did.
  const std::string scratch = JoinPath(paths_.meta, kScratchName);
  RETURN_IF_ERROR(RemoveTree(env_, scratch));
  auto replayed = [&]() -> Result<BarColumns> {
    RETURN_IF_ERROR(InitVault(env_, scratch, {}));
    ASSIGN_OR_RETURN(std::string registry_text, env_->ReadFile(paths_.registry));
    RETURN_IF_ERROR(WriteFileAtomic(env_, VaultPaths(scratch).registry, registry_text));
    LakeOptions o;
    o.env = env_;
    o.command = options_.command + " (replay of " + label + ")";
    ASSIGN_OR_RETURN(auto lake, Lake::Open(scratch, std::move(o)));
    RETURN_IF_ERROR(lake->Import(req).status().WithContext("replaying " + label));
    ASSIGN_OR_RETURN(auto range, storage::PeriodRange(entry.period));
    return lake->Read(entry.symbol, entry.timeframe, range.first, range.second);
  }();
  (void)RemoveTree(env_, scratch);
  if (!replayed.ok()) return replayed.status();
  for (ConflictPolicy policy : {ConflictPolicy::kKeep, ConflictPolicy::kReplace}) {
    auto merged = MergeSorted(previous, *replayed, 0, replayed->size(), policy, job.id, nullptr);
    if (ContentHash(merged.rows) == entry.content_hash) return std::move(merged.rows);
  }
  return Status::Corruption("replaying " + label + " gives other rows than it wrote (the source, the vault's " +
                            "settings or barlake changed since); roll that job back and import the file again, " +
                            "or restore the file from a backup");
}

Result<RepairReport> Lake::Repair(bool dry_run) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  RepairReport report;
  report.dry_run = dry_run;
  ASSIGN_OR_RETURN(auto parts, journal_->AllPartitions());
  std::vector<PartitionWrite> writes;
  std::vector<size_t> write_items;
  for (const auto& p : parts) {
    ++report.files_checked;
    const std::string file = paths_.LakeFile(p.rel_path);
    ASSIGN_OR_RETURN(std::string problem, PartitionFileProblem(env_, file, p));
    if (problem.empty()) continue;
    RepairItem item;
    item.path = file;
    item.problem = problem;
    PartitionWrite w = WriteTo(p);
    w.change.before_rows = p.rows;
    w.change.before_version = p.version;
    w.change.after_version = p.version;  // the rows are still that job's
    if (env_->FileExists(file)) {
      // The damaged file is kept under versions/ by the swap, as any replaced file is.
      ASSIGN_OR_RETURN(auto damaged, FileSha256(env_, file));
      w.change.before_sha256 = damaged.first;
    }
    ASSIGN_OR_RETURN(std::string kept, FindKeptCopy(env_, paths_, p));
    if (!kept.empty()) {
      item.method = "kept-version";
      item.action = "copy the identical kept version '" + kept + "'";
      w.copy_from = kept;
      w.expected_sha256 = p.sha256;
    } else if (&KindOfRelPath(p.rel_path) == &BarsKind()) {
      auto rows = ReplayPartition(p);
      if (rows.ok()) {
        item.method = "replay";
        item.action = "rebuild it by replaying job " + std::to_string(p.version) + "'s import of its kept source (" +
                      std::to_string(rows->size()) + " rows, content hash checked against the journal)";
        w.rows = MakePayload(std::move(rows).value());
      } else {
        item.action = "cannot be rebuilt: " + rows.status().message();
      }
    } else {
      item.action = "cannot be rebuilt: no identical version is kept and only bar files can be replayed; " +
                    std::string("restore the file from a backup");
    }
    if (!item.method.empty()) {
      write_items.push_back(report.items.size());
      writes.push_back(std::move(w));
    }
    report.items.push_back(std::move(item));
  }
  if (dry_run || writes.empty()) return report;
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  journal::JobRecord job;
  job.kind = "repair";
  job.command = options_.command;
  job.partitions = static_cast<int64_t>(writes.size());
  for (const auto& w : writes) job.rows_written += w.change.before_rows;
  ASSIGN_OR_RETURN(auto scope, JobScope::Begin(journal_.get(), env_, &job, false, ScopeEvents()));
  Status done = Protocol(store).Commit(&job, &writes);
  RETURN_IF_ERROR(scope->Finish(done));
  report.job = job.id;
  for (size_t k : write_items) report.items[k].repaired = true;
  return report;
}

}  // namespace barlake::lake
