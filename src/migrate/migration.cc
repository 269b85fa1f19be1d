// The steps of a migration (migration.h): plan, run, verify, activate, rollback, and the
// move of the legacy folder to a dated trash folder.
#include "migrate/migration.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/checksum.h"
#include "core/text.h"
#include "core/time_zone.h"
#include "lake/writer_lock.h"
#include "registry/legacy_config.h"

namespace barlake::migrate {

namespace {

std::string Now(Env* env) { return FormatIsoUtc(env->NowMicros()); }

/// Bytes as MiB for messages (the CLI prints its own sizes).
std::string Mib(uint64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(b) / (1 << 20));
  return buf;
}

/// The job source name of a dataset's migration job: how rollback finds the jobs of a
/// migration in the journal even when a crash kept the plan from recording one.
std::string JobSourceName(const Plan& plan, const PlannedDataset& d) {
  return "migrate " + plan.id + ": " + d.symbol + " " + d.timeframe;
}

bool IsMigrationJob(const Plan& plan, const journal::JobRecord& j) {
  const std::string prefix = "migrate " + plan.id + ": ";
  return j.kind == "import" && j.source_path.rfind(prefix, 0) == 0;
}

/// Held while a run or rollback changes the plan: one at a time per plan.
Result<std::unique_ptr<FileLock>> LockPlan(Env* env, const lake::VaultPaths& paths, const Plan& plan) {
  auto lock = env->TryLockFile(PlanPath(paths, plan.id) + ".lock");
  if (!lock.ok() && lock.status().code() == ErrorCode::kUnavailable) {
    return Status::Unavailable("another `barlake migrate` of " + plan.id +
                               " is running (run or rollback); wait for it to finish");
  }
  return lock;
}

std::string Absolute(const std::string& dir) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(dir, ec);
  if (ec) return dir;
  std::string s = abs.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool Inside(const std::string& child, const std::string& parent) {
  return child == parent || (child.size() > parent.size() && child.compare(0, parent.size(), parent) == 0 &&
                             child[parent.size()] == '/');
}

/// The zone a csv-cache's first .metadata.json names ("timezone" or "tz"), or "".
Result<std::string> MetadataZone(Env* env, const std::string& dir) {
  ASSIGN_OR_RETURN(auto files, ListFilesRecursive(env, dir));
  for (const auto& f : files) {
    if (f != ".metadata.json" && !(f.size() > 15 && f.compare(f.size() - 15, 15, "/.metadata.json") == 0)) continue;
    ASSIGN_OR_RETURN(std::string text, env->ReadFile(JoinPath(dir, f)));
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return Status::InvalidInput(QuotePath(JoinPath(dir, f)) + ": not a JSON object");
    for (const char* key : {"timezone", "tz", "time_zone"}) {
      if (!j.contains(key) || !j[key].is_string()) continue;
      const std::string zone = j[key].get<std::string>();
      auto located = TimeZone::Locate(zone);
      if (!located.ok()) return located.status().WithContext(QuotePath(JoinPath(dir, f)));
      return zone;
    }
    return std::string();
  }
  return std::string();
}

}  // namespace

Result<Plan> CreatePlan(lake::Lake* lake, Env* env, const PlanRequest& request) {
  const lake::VaultPaths& paths = lake->paths();
  Plan plan;
  plan.source_dir = Absolute(request.source_dir);
  const std::string vault = Absolute(paths.root);
  if (Inside(vault, plan.source_dir) || Inside(plan.source_dir, vault)) {
    return Status::InvalidArgument("the legacy folder " + QuotePath(plan.source_dir) + " and the vault " +
                                   QuotePath(vault) + " must not hold each other");
  }
  // SOURCE_DIR is the user's argument: a missing folder or a file is a usage error naming
  // it and what to give instead, not an I/O error.
  if (!env->FileExists(plan.source_dir)) {
    return Status::InvalidArgument("the folder to migrate " + QuotePath(plan.source_dir) +
                                   " does not exist; give the folder that holds your bars, e.g. "
                                   "`barlake migrate plan ~/old-data` (check the path for typos)");
  }
  ASSIGN_OR_RETURN(bool is_folder, env->IsDirectory(plan.source_dir));
  if (!is_folder) {
    const std::string parent = std::filesystem::path(plan.source_dir).parent_path().string();
    return Status::InvalidArgument("the folder to migrate " + QuotePath(plan.source_dir) +
                                   " is a file, not a folder; give the folder that holds it (" + QuotePath(parent) +
                                   "), or import a single file with `barlake import`");
  }
  ScanRequest scan = request;
  scan.source_dir = plan.source_dir;
  if (request.layout.empty() || request.layout == "auto") {
    ASSIGN_OR_RETURN(auto detected, DetectLayout(env, plan.source_dir));
    plan.layout = detected.first;
    plan.layout_why = detected.second;
  } else {
    plan.layout = request.layout;
    plan.layout_why = "--layout " + request.layout;
  }
  plan.tz = request.tz.empty() ? lake->registry().settings().default_source_tz : request.tz;
  if (request.tz.empty() && plan.layout == "csv-cache") {
    ASSIGN_OR_RETURN(std::string zone, MetadataZone(env, plan.source_dir));
    if (!zone.empty()) {
      plan.tz = zone;
      plan.notes.push_back("naive stamps read in " + zone + ", the zone the cache's .metadata.json names");
    }
  }
  RETURN_IF_ERROR(TimeZone::Locate(plan.tz).status());
  plan.name_pattern = request.name_pattern;
  ASSIGN_OR_RETURN(plan.datasets, ScanLayout(env, scan, plan.layout, &plan.notes));
  for (const auto& d : plan.datasets) {
    plan.rows += d.rows;
    plan.bytes += d.bytes;
  }
  plan.disk_needed = DiskNeeded(plan.bytes);
  ASSIGN_OR_RETURN(plan.free_bytes, env->FreeBytes(paths.root));
  if (plan.free_bytes < plan.disk_needed) {
    return Status::NoSpace("the migration of " + std::to_string(plan.datasets.size()) + " datasets needs " +
                           Mib(plan.disk_needed) + " free (2.5x the " + Mib(plan.bytes) +
                           " of legacy files) but the vault's disk has " + Mib(plan.free_bytes) +
                           "; free some space or plan fewer datasets with --symbols. No plan was written");
  }
  const Micros now = env->NowMicros();
  std::string stamp = FormatIsoUtc(now);  // 2026-12-03T18:24:55Z
  std::string id;
  for (char c : stamp.substr(0, 19)) {
    if (std::isdigit(static_cast<unsigned char>(c))) id += c;
    if (c == 'T') id += '-';
  }
  plan.id = id + "-" + Sha256Hex(plan.source_dir + std::to_string(now)).substr(0, 6);
  plan.created_at = stamp;
  RETURN_IF_ERROR(SavePlan(env, paths, plan));
  // [[legacy]] lets reads serve what is not migrated yet; written under the writer lock,
  // as every change of barlake.toml.
  ASSIGN_OR_RETURN(auto lock, lake::WriterLock::Acquire(env, paths.lock, 30, "barlake migrate plan"));
  RETURN_IF_ERROR(registry::AppendLegacySource(env, paths.registry, {plan.id, plan.source_dir, plan.layout, false, ""}));
  RETURN_IF_ERROR(lake->ReloadRegistry());
  return plan;
}

Result<RunSummary> RunMigration(lake::Lake* lake, Env* env, Plan* plan, const RunOptions& options) {
  const lake::VaultPaths& paths = lake->paths();
  if (plan->status == "activated" || plan->status == "legacy_deleted") {
    return Status::InvalidArgument("migration " + plan->id + " is " + plan->status + "; nothing to run");
  }
  ASSIGN_OR_RETURN(auto plan_lock, LockPlan(env, paths, *plan));
  RunSummary summary;
  std::vector<size_t> todo;
  int64_t rows_total = 0;
  for (size_t i = 0; i < plan->datasets.size(); ++i) {
    if (plan->datasets[i].state != "done") {
      todo.push_back(i);
      rows_total += plan->datasets[i].rows;
    }
  }
  if (!options.dry_run && !todo.empty()) {
    plan->status = "running";
    RETURN_IF_ERROR(SavePlan(env, paths, *plan));
  }
  // Jobs of this migration already in the journal, by source SHA-256: a dataset whose job a
  // crash interrupted after it committed (recovery rolled it forward) is found here.
  std::map<std::string, int64_t> committed;
  bool committed_loaded = false;
  const auto start = std::chrono::steady_clock::now();
  int64_t rows_done = 0;
  size_t index = 0;
  for (size_t i : todo) {
    if ((options.stop && options.stop()) || (options.batch > 0 && static_cast<int64_t>(index) >= options.batch)) {
      summary.stopped = true;
      break;
    }
    PlannedDataset& d = plan->datasets[i];
    ++index;
    lake::ImportRequest req;
    req.symbol = d.symbol;
    req.timeframe = d.timeframe;
    req.tz = plan->tz;
    req.dry_run = options.dry_run;
    req.force = options.force;
    req.source.name = JobSourceName(*plan, d);
    std::string outcome;
    Status failed;
    for (const auto& f : d.files) {
      auto src = LegacySource(plan->source_dir, f, d.timeframe, "migrate " + plan->id + " " + f.path);
      if (!src.ok()) {
        failed = src.status();
        break;
      }
      req.sources.push_back(std::move(*src));
    }
    if (failed.ok() && req.sources.empty()) failed = Status::InvalidInput(d.symbol + " " + d.timeframe + ": no files");
    if (failed.ok()) req.format = req.sources.front().format;
    Result<lake::ImportResult> r = failed.ok() ? lake->Import(req) : Result<lake::ImportResult>(failed);
    if (!r.ok()) {
      failed = r.status();
    } else if (options.dry_run) {
      outcome = "dry run: " + std::to_string(r->rows_added) + " bars to add";
      ++summary.dry_run;
    } else if (!r->skipped_because.empty()) {
      if (!committed_loaded) {
        ASSIGN_OR_RETURN(auto jobs, lake->Jobs(1 << 30));
        for (const auto& j : jobs) {
          if (IsMigrationJob(*plan, j) && j.status == "completed" && j.rolled_back_by == 0) {
            committed.emplace(j.source_sha256 + " " + j.symbol + " " + j.timeframe, j.id);
          }
        }
        committed_loaded = true;
      }
      auto it = committed.find(r->job.source_sha256 + " " + d.symbol + " " + d.timeframe);
      d.state = "done";
      d.job = it == committed.end() ? 0 : it->second;
      d.error.clear();
      if (d.job) {
        ASSIGN_OR_RETURN(auto job, lake->Job(d.job));
        d.rows_written = job.rows_written;
      }
      outcome = d.job ? "already imported by job " + std::to_string(d.job) : "already imported: " + r->skipped_because;
      ++summary.already;
    } else {
      d.state = "done";
      d.job = r->job.id;
      d.rows_written = r->job.rows_written;
      d.error.clear();
      outcome = "imported by job " + std::to_string(d.job);
      ++summary.imported;
    }
    if (!failed.ok()) {
      d.state = "failed";
      d.error = failed.message();
      outcome = "failed: " + failed.message().substr(0, failed.message().find('\n'));
      ++summary.failed;
    }
    d.verify.clear();
    rows_done += d.rows;
    if (!options.dry_run) RETURN_IF_ERROR(SavePlan(env, paths, *plan));
    if (options.on_dataset) {
      Progress p;
      p.index = index;
      p.total = todo.size();
      p.dataset = &d;
      p.outcome = outcome;
      p.rows_done = rows_done;
      p.rows_total = rows_total;
      p.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      p.eta_seconds = rows_done > 0 ? p.elapsed_seconds * static_cast<double>(rows_total - rows_done) /
                                          static_cast<double>(rows_done)
                                    : 0;
      options.on_dataset(p);
    }
    // A full disk fails every later dataset too: stop with the plan saved.
    if (!failed.ok() && failed.code() == ErrorCode::kNoSpace) return failed;
  }
  for (const auto& d : plan->datasets) summary.remaining += d.state != "done";
  if (!options.dry_run) {
    plan->status = summary.remaining == 0 ? "migrated" : "running";
    RETURN_IF_ERROR(SavePlan(env, paths, *plan));
  }
  return summary;
}

Result<VerifySummary> VerifyMigration(lake::Lake* lake, Env* env, Plan* plan) {
  VerifySummary summary;
  for (auto& d : plan->datasets) {
    if (d.state != "done") {
      ++summary.not_migrated;
      d.verify.clear();
      continue;
    }
    d.verify_error.clear();
    auto legacy = ReadLegacyRows(*plan, d);
    if (!legacy.ok()) {
      d.verify = "error";
      d.verify_error = legacy.status().message();
      ++summary.errors;
      continue;
    }
    d.legacy_rows = static_cast<int64_t>(legacy->size());
    d.legacy_hash = CanonicalHash(*legacy);
    BarColumns stored;
    if (!legacy->empty()) {
      auto read = lake->Read(d.symbol, d.timeframe, legacy->ts.front(), legacy->ts.back() + 1);
      if (!read.ok()) {
        d.verify = "error";
        d.verify_error = read.status().message();
        ++summary.errors;
        continue;
      }
      stored = std::move(*read);
    }
    d.lake_rows = static_cast<int64_t>(stored.size());
    d.lake_hash = CanonicalHash(stored);
    if (d.lake_rows == d.legacy_rows && d.lake_hash == d.legacy_hash) {
      d.verify = "ok";
      ++summary.ok;
      continue;
    }
    d.verify = "mismatch";
    ++summary.mismatched;
    d.verify_error = "the legacy files hold " + std::to_string(d.legacy_rows) + " rows, the lake " +
                     std::to_string(d.lake_rows) + " in the same range";
    if (d.lake_rows == d.legacy_rows) d.verify_error += " with other values";
    if (d.job) {
      auto job = lake->Job(d.job);
      if (job.ok() && job->rows_rejected > 0) {
        d.verify_error += "; job " + std::to_string(d.job) + " quarantined " + std::to_string(job->rows_rejected) +
                          " rows (`barlake quarantine list --job " + std::to_string(d.job) + "`)";
      }
    }
  }
  const bool all_ok = summary.ok == static_cast<int64_t>(plan->datasets.size());
  plan->verified_at = Now(env);
  if (all_ok && plan->status != "activated" && plan->status != "legacy_deleted") plan->status = "verified";
  if (!all_ok && plan->status == "verified") plan->status = "migrated";
  RETURN_IF_ERROR(SavePlan(env, lake->paths(), *plan));
  return summary;
}

Status ActivateMigration(lake::Lake* lake, Env* env, Plan* plan) {
  if (plan->status == "activated" || plan->status == "legacy_deleted") return Status::OK();
  if (plan->status != "verified") {
    return Status::InvalidArgument("migration " + plan->id + " is " + plan->status +
                                   "; activate needs a passing `barlake migrate verify " + plan->id + "` first");
  }
  const lake::VaultPaths& paths = lake->paths();
  {
    ASSIGN_OR_RETURN(auto lock, lake::WriterLock::Acquire(env, paths.lock, 30, "barlake migrate activate"));
    Status s = registry::SetLegacyActivated(env, paths.registry, plan->id, true);
    if (!s.ok() && s.code() != ErrorCode::kNotFound) return s;
  }
  plan->status = "activated";
  plan->activated_at = Now(env);
  RETURN_IF_ERROR(SavePlan(env, paths, *plan));
  return lake->ReloadRegistry();
}

Result<std::vector<int64_t>> RollbackMigration(lake::Lake* lake, Env* env, Plan* plan) {
  if (plan->status == "activated" || plan->status == "legacy_deleted") {
    return Status::InvalidArgument("migration " + plan->id + " is " + plan->status +
                                   "; it can no longer be rolled back as a whole (undo single jobs with "
                                   "`barlake rollback JOB`)");
  }
  const lake::VaultPaths& paths = lake->paths();
  ASSIGN_OR_RETURN(auto plan_lock, LockPlan(env, paths, *plan));
  // Every job of the migration: those the plan recorded and those the journal names as
  // the migration's (a crash between a commit and the plan's save).
  std::map<int64_t, bool, std::greater<>> jobs;
  for (const auto& d : plan->datasets) {
    if (d.job) jobs[d.job] = true;
  }
  ASSIGN_OR_RETURN(auto all, lake->Jobs(1 << 30));
  for (const auto& j : all) {
    if (IsMigrationJob(*plan, j)) jobs[j.id] = true;
  }
  std::vector<int64_t> rollbacks;
  for (const auto& [id, unused] : jobs) {
    ASSIGN_OR_RETURN(auto job, lake->Job(id));
    if (job.status != "completed" || job.rolled_back_by != 0) continue;
    auto rb = lake->Rollback(id);
    if (!rb.ok()) {
      RETURN_IF_ERROR(SavePlan(env, paths, *plan));
      return rb.status().WithContext("rolling back job " + std::to_string(id) + " of migration " + plan->id);
    }
    rollbacks.push_back(rb->id);
    for (auto& d : plan->datasets) {
      if (d.job == id) {
        d.state = "pending";
        d.job = 0;
        d.rows_written = 0;
        d.verify.clear();
      }
    }
    RETURN_IF_ERROR(SavePlan(env, paths, *plan));
  }
  for (auto& d : plan->datasets) {
    d.state = "pending";
    d.job = 0;
    d.verify.clear();
  }
  plan->status = "rolled_back";
  plan->rolled_back_at = Now(env);
  RETURN_IF_ERROR(SavePlan(env, paths, *plan));
  return rollbacks;
}

Result<std::string> MoveLegacyToTrash(lake::Lake* lake, Env* env, Plan* plan) {
  if (plan->status == "legacy_deleted") {
    return Status::InvalidArgument("the legacy folder of " + plan->id + " was moved to " + QuotePath(plan->trash) +
                                   " already");
  }
  if (plan->status != "activated") {
    return Status::InvalidArgument("migration " + plan->id + " is " + plan->status +
                                   "; delete-legacy comes only after `barlake migrate activate " + plan->id + "`");
  }
  const std::string parent = DirName(plan->source_dir);
  const std::string trash_dir = JoinPath(JoinPath(parent, ".barlake-trash"), Now(env).substr(0, 10) + "-" + plan->id);
  const std::string base = plan->source_dir.substr(plan->source_dir.find_last_of('/') + 1);
  const std::string to = JoinPath(trash_dir, base);
  RETURN_IF_ERROR(env->CreateDirs(trash_dir));
  RETURN_IF_ERROR(env->SyncDir(DirName(trash_dir)));
  // One rename (same file system): the tree is never half moved.
  RETURN_IF_ERROR(env->RenameFile(plan->source_dir, to));
  RETURN_IF_ERROR(env->SyncDir(trash_dir));
  RETURN_IF_ERROR(env->SyncDir(parent));
  plan->status = "legacy_deleted";
  plan->trash = to;
  RETURN_IF_ERROR(SavePlan(env, lake->paths(), *plan));
  return to;
}

}  // namespace barlake::migrate
