#include "lake/lake.h"
#include "lake/live_session.h"
#include "lake/read_check.h"
#include "lake/lake_json.h"

#include <limits>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "calendar/calendar.h"
#include "core/checksum.h"
#include "core/json_text.h"
#include "core/time_zone.h"
#include "core/timeframe.h"
#include "ingest/format.h"
#include "validate/validator.h"
#include "lake/alignment.h"
#include "lake/data_kind.h"
#include "lake/partition_writes.h"
#include "lake/range_files.h"
#include "lake/snapshot_import.h"
#include "lake/source_file.h"
#include "lake/writer_lock.h"
#include "storage/partition_layout.h"

namespace barlake::lake {

using journal::JobRecord;
using journal::PartitionChange;
using journal::PartitionEntry;

Result<ConflictPolicy> ParseConflictPolicy(const std::string& name) {
  if (name == "keep") return ConflictPolicy::kKeep;
  if (name == "replace") return ConflictPolicy::kReplace;
  if (name == "fail") return ConflictPolicy::kFail;
  return Status::InvalidArgument("--on-conflict '" + name + "' must be keep, replace or fail");
}

namespace {

// Rows a rule rejected or flagged: where and why.
template <typename Rows>
nlohmann::json RuleRowsJson(const Rows& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) out.push_back({{"line", r.line}, {"rule", r.rule}, {"field", r.field}, {"reason", r.reason}});
  return out;
}

}  // namespace

std::string ImportResult::ReportJson() const {
  // Grouped by what the keys describe; the keys and values are those of
  // docs/cli.md ("import --json").
  nlohmann::json j = {{"job", job.id},
                      {"status", dry_run ? std::string("dry_run") : job.status},
                      {"rows_read", job.rows_read},
                      {"rows_written", job.rows_written},
                      {"rows_rejected", job.rows_rejected},
                      {"rows_conflicting", job.rows_conflicting},
                      {"partitions", static_cast<int64_t>(partitions.size())}};
  if (!regenerated.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : regenerated) list.push_back(RegenerateItemJson(r));
    j["regenerated"] = list;
  }
  j.update({{"rows_added", rows_added}, {"rows_identical", rows_identical}, {"rows_replaced", rows_replaced}});
  j.update({{"source_tz", source_tz}, {"source_tz_because", source_tz_because}, {"source_tz_used", source_tz_used}});
  j.update({{"format", format}, {"stamp", stamp}, {"columns", columns}});
  if (!format_why.empty()) j["format_detected_because"] = format_why;
  j["notes"] = notes;
  if (!sources.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : sources) {
      list.push_back({{"name", s.name}, {"sha256", s.sha256}, {"provenance", s.provenance}, {"bytes", s.bytes}});
    }
    j["sources"] = list;
  }
  j.update({{"dst_nonexistent_stamps", nonexistent_local}, {"dst_ambiguous_stamps", ambiguous_local}});
  j.update({{"rows_reordered", reordered}, {"alignment_checked", alignment_checked},
            {"partial_last_bar_dropped", partial_last_bar_dropped}});
  j.update({{"provisional_completed", provisional_completed}, {"replaced_job", replaced_job},
            {"rows_removed", rows_removed}});
  if (!alignment_message.empty()) j["alignment"] = alignment_message;
  j["identical_duplicates_dropped"] = identical_duplicates;
  j.update({{"rejected_by_rule", rejected_by_rule}, {"rejections", RuleRowsJson(rejections)}});
  j.update({{"calendar", calendar}, {"flagged_kept_by_rule", flagged_by_rule}, {"flagged_kept", RuleRowsJson(flagged)}});
  if (dry_run) j["bytes_estimate"] = bytes_estimate;
  if (!skipped_because.empty()) j["skipped_because"] = skipped_because;
  j["partition_paths"] = partitions;
  nlohmann::json conflicts_json = nlohmann::json::array();
  for (const auto& c : conflicts) {
    conflicts_json.push_back({{"ts", FormatIsoUtc(c.ts)},
                              {"line", c.line},
                              {"stored", {c.stored[0], c.stored[1], c.stored[2], c.stored[3], c.stored[4]}},
                              {"incoming", {c.incoming[0], c.incoming[1], c.incoming[2], c.incoming[3], c.incoming[4]}}});
  }
  j["conflicts"] = conflicts_json;
  return ToJsonText(j);
}

Lake::Lake(VaultPaths paths, LakeOptions options)
    : paths_(std::move(paths)), options_(WithListenerProgress(std::move(options))),
      env_(options_.env ? options_.env : Env::Default()) {}

Lake::~Lake() = default;

Result<std::unique_ptr<Lake>> Lake::Open(const std::string& vault_dir, LakeOptions options) {
  std::unique_ptr<Lake> lake(new Lake(VaultPaths(vault_dir), std::move(options)));
  RETURN_IF_ERROR(CheckIsVault(lake->env_, vault_dir));
  ASSIGN_OR_RETURN(lake->registry_, registry::Registry::Load(lake->env_, lake->paths_.registry));
  ASSIGN_OR_RETURN(lake->journal_, journal::Journal::Open(lake->paths_.journal, false));
  if (lake->options_.recover_on_open) RETURN_IF_ERROR(lake->RecoverOnOpen());
  return lake;
}

Result<storage::DuckConn*> Lake::Duck() {
  if (!duck_) {
    // One DuckDB thread per connection: the write protocol runs two staging connections
    // side by side, and two threads each on 2 cores only contend (measured in bench/).
    // `barlake query` raises it for scans.
    ASSIGN_OR_RETURN(duck_, storage::DuckConn::OpenInMemory(1));
  }
  return duck_.get();
}

Result<storage::ParquetStore*> Lake::Store() {
  if (!store_) {
    ASSIGN_OR_RETURN(storage::DuckConn * conn, Duck());
    store_ = std::make_unique<storage::ParquetStore>(conn);
  }
  return store_.get();
}

WriteProtocol Lake::Protocol(storage::ParquetStore* store) {
  return WriteProtocol(env_, &paths_, journal_.get(), duck_.get(), store, PointHook(), options_.progress);
}

Result<std::unique_ptr<WriterLock>> Lake::LockAndRecover() {
  ASSIGN_OR_RETURN(auto lock, WriterLock::Acquire(env_, paths_.lock, options_.lock_wait_seconds,
                                                  options_.command));
  ASSIGN_OR_RETURN(auto* store, Store());
  RETURN_IF_ERROR(Protocol(store).RecoverAll());
  // Another writer may have declared datasets since this Lake was opened.
  // A crash leaves the copy of a source being imported; no writer holds it now.
  RETURN_IF_ERROR(RemoveStaleIncoming(env_, paths_));
  ASSIGN_OR_RETURN(registry_, registry::Registry::Load(env_, paths_.registry));
  return lock;
}

Status Lake::ReloadRegistry() {
  ASSIGN_OR_RETURN(registry_, registry::Registry::Load(env_, paths_.registry));
  return Status::OK();
}

Status Lake::Recover() {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  return Status::OK();
}

Result<BarColumns> Lake::Read(const std::string& symbol, const std::string& timeframe,
                              Micros from, Micros to) {
  // Each file is checked against the catalog before DuckDB opens it (lake/read_check.h); a
  // check that fails because a writer committed meanwhile is retried on the new catalog.
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(RangeFiles range, FilesInRange(journal_.get(), paths_, symbol, timeframe, from, to,
                                                   "there is no dataset " + symbol + " " + timeframe +
                                                       "; `barlake status` lists the datasets"));
    if (range.files.empty()) return BarColumns{};
    if (const DataKind& kind = KindOfRelPath(range.first_rel_path); &kind != &BarsKind()) {
      return Status::InvalidArgument(kind.NotBarsAdvice(symbol, timeframe));
    }
    auto files = CheckedPartitionFiles(env_, paths_, journal_.get(), range.entries);
    if (!files.ok()) {
      ASSIGN_OR_RETURN(bool moved, CatalogMoved(journal_.get(), range.entries));
      if (moved && attempt < 3) continue;
      return files.status();
    }
    ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
    return store->ReadRange(*files, range.from, range.to);
  }
}

Result<std::vector<journal::DatasetSummary>> Lake::Datasets() { return journal_->Datasets(); }

Result<VerifyReport> Lake::Verify() {
  VerifyReport report;
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  ASSIGN_OR_RETURN(auto parts, journal_->AllPartitions());
  ASSIGN_OR_RETURN(auto running, journal_->JobsWithStatus("running"));
  for (const auto& j : running) {
    report.problems.push_back({"job " + std::to_string(j.id),
                               "was interrupted and is not finished yet; run `barlake recover` "
                               "(any write also recovers it)"});
  }
  for (const auto& p : parts) {
    const std::string file = paths_.LakeFile(p.rel_path);
    auto add = [&](const std::string& what) { report.problems.push_back({file, what}); };
    ++report.files_checked;
    if (!env_->FileExists(file)) {
      add("is missing (the journal lists it with " + std::to_string(p.rows) + " rows)");
      continue;
    }
    auto sha = FileSha256(env_, file);
    if (!sha.ok()) {
      add(sha.status().message());
      continue;
    }
    if (sha->first != p.sha256) add("SHA-256 " + sha->first + " differs from the journal's " + p.sha256);
    if (static_cast<int64_t>(sha->second) != p.bytes) {
      add("size " + std::to_string(sha->second) + " differs from the journal's " + std::to_string(p.bytes));
    }
    ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());
    auto facts = KindOfRelPath(p.rel_path).ReadFacts(KindIo{store, duck, env_}, p.rel_path, file, /*check_schema=*/true);
    if (!facts.ok()) {
      add(facts.status().message());
      continue;
    }
    report.rows_checked += facts->rows;
    CompareWithJournal(*facts, p, add);
  }
  // Every kind's rel_paths are relative to its own data root.
  std::vector<std::string> files;
  for (const DataKind* kind : AllDataKinds()) {
    if (!kind->catalogued()) continue;
    const std::string root = kind->Root(paths_);
    if (!env_->FileExists(root)) continue;
    ASSIGN_OR_RETURN(auto more, ListFilesRecursive(env_, root));
    files.insert(files.end(), more.begin(), more.end());
  }
  std::vector<std::string> known;
  known.reserve(parts.size());
  for (const auto& p : parts) known.push_back(p.rel_path);
  std::sort(known.begin(), known.end());
  for (const auto& f : files) {
    if (!std::binary_search(known.begin(), known.end(), f)) {
      report.problems.push_back({paths_.LakeFile(f),
                                 "is a stray file the journal does not know; move it out of the lake"});
    }
  }
  return report;
}

Result<JobRecord> Lake::Rollback(int64_t job_id) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  ASSIGN_OR_RETURN(JobRecord target, journal_->GetJob(job_id));
  const std::string name = "job " + std::to_string(job_id);
  if (target.status == "rolled_back") {
    return Status::Conflict(name + " was already rolled back by job " + std::to_string(target.rolled_back_by));
  }
  if (target.status != "completed") {
    return Status::Conflict(name + " is " + target.status + " and changed nothing; there is nothing to roll back");
  }
  // A live session (lake/live_session.h) is rolled back as one job over all its polls; a
  // poll only with its session.
  const bool session = target.kind == kLiveSessionJobKind;
  if (!session && !IsRollbackJobKind(target.kind)) {
    return Status::Conflict(name + " is a " + target.kind + "; only imports, releases, regenerates, drops and renames can be rolled back");
  }
  ASSIGN_OR_RETURN(int64_t session_of_target, journal_->SessionOf(job_id));
  if (session_of_target != 0) {
    return Status::Conflict(name + " is a poll of the live session job " + std::to_string(session_of_target) +
                            "; roll back the session (`barlake rollback " + std::to_string(session_of_target) + "`)");
  }
  std::vector<int64_t> members;
  std::vector<PartitionChange> changes;
  if (session) {
    ASSIGN_OR_RETURN(changes, CombinedSessionChanges(journal_.get(), job_id, &members));
  } else {
    ASSIGN_OR_RETURN(changes, journal_->GetChanges(job_id));
  }
  // Later jobs block the rollback only through the partitions they changed: many jobs
  // rewrite barlake.toml, each its own entries.
  std::vector<std::string> rel_paths;
  for (const auto& c : changes) {
    if (KindOfRelPath(c.rel_path).catalogued()) rel_paths.push_back(c.rel_path);
  }
  ASSIGN_OR_RETURN(auto later, journal_->LaterJobsTouching(members.empty() ? job_id : members.front(), rel_paths));
  std::vector<int64_t> blocking;
  for (int64_t id : later) {
    if (std::find(members.begin(), members.end(), id) != members.end()) continue;
    ASSIGN_OR_RETURN(JobRecord l, journal_->GetJob(id));
    // A later poll is named by its session, the job `barlake jobs` shows.
    ASSIGN_OR_RETURN(int64_t later_session, journal_->SessionOf(id));
    if (later_session != 0) id = later_session;
    if (l.status == "completed" && IsRollbackJobKind(l.kind) &&
        std::find(blocking.begin(), blocking.end(), id) == blocking.end()) {
      blocking.push_back(id);
    }
  }
  if (!blocking.empty()) {
    std::string ids;
    for (int64_t id : blocking) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
    return Status::Conflict(name + " cannot be rolled back: later job" +
                            (blocking.size() > 1 ? "s " : " ") + ids +
                            " changed the same partitions. Roll back the later jobs first "
                            "(newest first), then this one");
  }
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  JobRecord job;
  job.kind = "rollback";
  job.symbol = target.symbol;
  job.timeframe = target.timeframe;
  job.command = options_.command;
  job.target_job = job_id;
  ASSIGN_OR_RETURN(auto scope, JobScope::Begin(journal_.get(), env_, &job, false, ScopeEvents()));
  std::vector<PartitionWrite> writes;
  Status done = RollbackWrites(name, changes, &job, &writes);
  const bool registry_changes = std::any_of(writes.begin(), writes.end(), [](const PartitionWrite& w) {
    return !KindOfRelPath(w.change.rel_path).catalogued();
  });
  if (done.ok()) done = Protocol(store).Commit(&job, &writes);
  RETURN_IF_ERROR(scope->Finish(done));
  if (registry_changes) RETURN_IF_ERROR(ReloadRegistry());
  return WithRollbackDependents(job, changes);
}

// After a rollback: regenerate the derived datasets built from what it restored, as an
// import does (the rolled-back datasets themselves stay as restored), and name them in
// the rollback job's report. The rollback already stands: a failure here is reported, and
// `regenerate --stale` retries.
Result<JobRecord> Lake::WithRollbackDependents(JobRecord job, const std::vector<PartitionChange>& restored) {
  std::set<std::string> datasets;
  for (const auto& c : restored) {
    if (KindOfRelPath(c.rel_path).catalogued()) datasets.insert(c.symbol + " " + c.timeframe);
  }
  auto dependents = DependentsOf(datasets);
  if (!dependents.ok() || dependents->empty()) return journal_->GetJob(job.id);
  nlohmann::json report = nlohmann::json::object();
  report["job"] = job.id;
  report["target_job"] = job.target_job;
  report["partitions"] = job.partitions;
  nlohmann::json list = nlohmann::json::array();
  auto items = RegenerateLocked(*dependents, false, true);
  if (items.ok()) {
    for (const auto& r : *items) list.push_back(RegenerateItemJson(r));
  } else {
    report["regenerate_error"] = items.status().message();
  }
  report["regenerated"] = list;
  ASSIGN_OR_RETURN(JobRecord record, journal_->GetJob(job.id));
  record.report_json = ToJsonText(report);
  const Status saved = journal_->UpdateJob(record);
  if (!saved.ok()) {
    // The rollback and the regenerates stand; only their report did not reach the
    // journal. The caller prints the record, so it says so there (`barlake jobs` shows
    // the rollback without the list).
    report["report_not_saved"] = saved.message();
    record.report_json = ToJsonText(report);
  }
  return record;
}

// The writes that restore what `changes` (of the job called `name`) replaced: each
// partition's previous file byte for byte (or its removal), and the registry without the
// datasets the job declared.
Status Lake::RollbackWrites(const std::string& name, const std::vector<PartitionChange>& changes, JobRecord* job,
                            std::vector<PartitionWrite>* writes) {
  // The datasets the job wrote, for the registry rollback: those of its partitions, and
  // its own (a job may declare a dataset without writing a partition of it).
  std::vector<PartitionChange> written = changes;
  ASSIGN_OR_RETURN(JobRecord target, journal_->GetJob(job->target_job));
  PartitionChange own;
  own.symbol = target.symbol;
  own.timeframe = target.timeframe;
  written.push_back(own);
  for (const auto& c : changes) {
    if (!KindOfRelPath(c.rel_path).catalogued()) {
      ASSIGN_OR_RETURN(auto undeclare, RegistryRollbackWrite(Context(), c, written, job->id));
      if (undeclare) writes->push_back(std::move(*undeclare));
      continue;
    }
    ASSIGN_OR_RETURN(auto current, journal_->GetPartition(c.rel_path));
    const std::string current_sha = current ? current->sha256 : "";
    if (current_sha != c.after_sha256) {
      return Status::Corruption("'" + c.rel_path + "' no longer holds what " + name + " wrote; run `barlake verify`");
    }
    PartitionWrite w = WriteTo(c);
    w.change.before_sha256 = c.after_sha256;
    w.change.before_rows = c.after_rows;
    w.change.before_version = c.after_version;
    w.change.after_version = c.before_version;
    if (c.before_sha256.empty()) {
      w.remove = true;
    } else {
      w.copy_from = paths_.Abs(c.version_path);
      w.expected_sha256 = c.before_sha256;
      if (!env_->FileExists(w.copy_from)) {
        return Status::NotFound("the previous version '" + w.copy_from + "' is missing; " + name +
                                " cannot be rolled back");
      }
    }
    job->rows_written += c.before_rows;
    writes->push_back(std::move(w));
  }
  job->partitions = static_cast<int64_t>(writes->size());
  return Status::OK();
}

Status Lake::DropQuarantine(const std::vector<int64_t>& ids) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  for (int64_t id : ids) {
    ASSIGN_OR_RETURN(journal::QuarantineRow r, journal_->GetQuarantine(id));
    if (r.status != "held") {
      return Status::Conflict("quarantined row " + std::to_string(id) + " is already " + r.status);
    }
  }
  return journal_->SetQuarantineStatus(ids, "dropped", 0);
}

}  // namespace barlake::lake
