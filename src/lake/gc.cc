// Garbage collection (gc.h, docs/retention.md).
#include "lake/gc.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "journal/journal.h"
#include "lake/data_kind.h"
#include "lake/lake.h"
#include "lake/writer_lock.h"

namespace barlake::lake {
namespace {

// What the journal says, read once under the writer lock.
struct JournalView {
  std::map<int64_t, journal::JobRecord> jobs;
  std::vector<journal::PartitionChange> changes;  // of every job
  std::vector<journal::PartitionEntry> catalog;
};

struct Planner {
  Env* env;
  const VaultPaths& paths;
  const registry::RetentionPolicy& policy;
  Micros now;
  JournalView view;
  std::vector<GcItem> items;            // everything retention lets go (some needed_by)
  std::vector<std::string> left_alone;  // vault-relative
  std::set<std::string> removed_files;  // absolute, for the empty-folder pass

  std::string Rel(const std::string& abs) const {
    const std::string prefix = paths.root + "/";
    return abs.rfind(prefix, 0) == 0 ? abs.substr(prefix.size()) : abs;
  }
  std::string Age(Micros t) const {
    const int64_t days = std::max<int64_t>(0, (now - t) / kMicrosPerDay);
    return std::to_string(days) + (days == 1 ? " day old" : " days old");
  }
  bool OlderThan(Micros t, int days) const { return now - t >= days * kMicrosPerDay; }
  static bool Used(const journal::JobRecord& j) { return j.status == "completed" || j.status == "rolled_back"; }

  Result<int64_t> SizeOf(const std::string& abs) {
    auto size = env->GetFileSize(abs);
    if (!size.ok()) return size.status();
    return static_cast<int64_t>(*size);
  }
  Status Add(const std::string& abs, const std::string& area, std::string why, std::string needed_by = "") {
    ASSIGN_OR_RETURN(int64_t bytes, SizeOf(abs));
    items.push_back({Rel(abs), area, std::move(why), bytes, std::move(needed_by)});
    removed_files.insert(abs);
    return Status::OK();
  }

  // The source SHA-256s a job used: its own, and those its report lists (a job of several
  // sources keeps each and the list of them).
  static std::vector<std::string> SourcesOf(const journal::JobRecord& j) {
    std::vector<std::string> out;
    if (!j.source_sha256.empty()) out.push_back(j.source_sha256);
    if (j.report_json.find("\"sources\"") == std::string::npos) return out;
    const nlohmann::json report = nlohmann::json::parse(j.report_json, nullptr, false);
    if (!report.is_object() || !report.contains("sources") || !report["sources"].is_array()) return out;
    for (const auto& s : report["sources"]) {
      if (s.is_object() && s.contains("sha256") && s["sha256"].is_string()) out.push_back(s["sha256"].get<std::string>());
    }
    return out;
  }

  Status PlanVersions() {
    // Catalog entries by path: what repair rebuilds, and from what.
    std::map<std::string, const journal::PartitionEntry*> current;
    for (const auto& e : view.catalog) current[e.rel_path] = &e;
    std::map<std::string, std::vector<const journal::PartitionChange*>> by_path;
    std::set<std::string> named;  // every version file a journal row names
    for (const auto& c : view.changes) {
      if (c.version_path.empty()) continue;
      named.insert(paths.Abs(c.version_path));
      if (!c.before_sha256.empty()) by_path[c.rel_path].push_back(&c);
    }
    for (auto& [rel_path, list] : by_path) {
      std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->job_id > b->job_id; });
      int newer = 0;  // versions of used jobs newer than this one
      for (const journal::PartitionChange* c : list) {
        const std::string abs = paths.Abs(c->version_path);
        auto it = view.jobs.find(c->job_id);
        if (it == view.jobs.end() || !env->FileExists(abs)) continue;
        const journal::JobRecord& job = it->second;
        const std::string label = "job " + std::to_string(job.id);
        if (!Used(job)) {
          if (OlderThan(job.updated_at, policy.failed_days)) {
            RETURN_IF_ERROR(Add(abs, "versions", "kept by " + label + ", which " + job.status + " (" +
                                                     Age(job.updated_at) + ")"));
          }
          continue;
        }
        const int position = newer++;
        if (position < policy.keep_versions || !OlderThan(job.updated_at, policy.version_days)) continue;
        std::string needed_by;
        if (job.status == "completed" && IsRollbackJobKind(job.kind) &&
            !OlderThan(job.updated_at, policy.rollback_days)) {
          needed_by = "rolling back " + label + " (" + Age(job.updated_at) + ", inside rollback_days = " +
                      std::to_string(policy.rollback_days) + ")";
        }
        auto cur = current.find(rel_path);
        if (needed_by.empty() && cur != current.end()) {
          if (cur->second->version == job.id) {
            needed_by = "`barlake repair` of " + rel_path + " (it replays " + label + " onto this file)";
          } else if (cur->second->sha256 == c->before_sha256) {
            needed_by = "`barlake repair` of " + rel_path + " (an identical copy of the current file)";
          }
        }
        RETURN_IF_ERROR(Add(abs, "versions",
                            "previous file of " + rel_path + " kept by " + label + " (" + Age(job.updated_at) +
                                ", " + std::to_string(position) + " newer kept)",
                            needed_by));
      }
    }
    if (!env->FileExists(paths.versions)) return Status::OK();
    ASSIGN_OR_RETURN(auto files, ListFilesRecursive(env, paths.versions));
    for (const auto& f : files) {
      const std::string abs = JoinPath(paths.versions, f);
      if (!named.count(abs)) RETURN_IF_ERROR(Add(abs, "versions", "no journal row names it"));
    }
    return Status::OK();
  }

  Status PlanSources() {
    if (!env->FileExists(paths.sources)) return Status::OK();
    std::map<std::string, std::vector<const journal::JobRecord*>> users;
    for (const auto& [id, job] : view.jobs) {
      for (const auto& sha : SourcesOf(job)) users[sha].push_back(&job);
    }
    // Repair replays the job that wrote each current partition from its kept source.
    std::map<std::string, std::string> for_repair;
    for (const auto& e : view.catalog) {
      auto it = view.jobs.find(e.version);
      if (it == view.jobs.end()) continue;
      for (const auto& sha : SourcesOf(it->second)) {
        for_repair.emplace(sha, "`barlake repair` of " + e.rel_path + " (it replays job " +
                                    std::to_string(e.version) + " from this source)");
      }
    }
    ASSIGN_OR_RETURN(auto names, env->GetChildren(paths.sources));
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      const std::string abs = JoinPath(paths.sources, name);
      ASSIGN_OR_RETURN(bool is_dir, env->IsDirectory(abs));
      if (is_dir) continue;
      if (name.rfind(".incoming-", 0) == 0) {
        RETURN_IF_ERROR(Add(abs, "sources", "the partial copy of an interrupted import"));
        continue;
      }
      auto it = users.find(name);
      if (it == users.end()) {
        RETURN_IF_ERROR(Add(abs, "sources", "no job names it"));
        continue;
      }
      const journal::JobRecord* newest_used = nullptr;
      const journal::JobRecord* newest = nullptr;
      for (const auto* j : it->second) {
        if (!newest || j->updated_at > newest->updated_at) newest = j;
        if (Used(*j) && (!newest_used || j->updated_at > newest_used->updated_at)) newest_used = j;
      }
      if (!newest_used) {
        if (OlderThan(newest->updated_at, policy.failed_days)) {
          RETURN_IF_ERROR(Add(abs, "sources", "used only by job " + std::to_string(newest->id) + ", which " +
                                                  newest->status + " (" + Age(newest->updated_at) + ")"));
        }
        continue;
      }
      if (!OlderThan(newest_used->updated_at, policy.source_days)) continue;
      auto repair = for_repair.find(name);
      RETURN_IF_ERROR(Add(abs, "sources",
                          "source of job " + std::to_string(newest_used->id) + " (" + Age(newest_used->updated_at) +
                              ", source_days = " + std::to_string(policy.source_days) + ")",
                          repair == for_repair.end() ? "" : repair->second));
    }
    return Status::OK();
  }

  Status PlanStaging() {
    if (!env->FileExists(paths.staging)) return Status::OK();
    ASSIGN_OR_RETURN(auto names, env->GetChildren(paths.staging));
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      const std::string abs = JoinPath(paths.staging, name);
      ASSIGN_OR_RETURN(bool is_dir, env->IsDirectory(abs));
      int64_t bytes = 0;
      if (is_dir) {
        ASSIGN_OR_RETURN(auto files, ListFilesRecursive(env, abs));
        for (const auto& f : files) {
          ASSIGN_OR_RETURN(int64_t b, SizeOf(JoinPath(abs, f)));
          bytes += b;
          removed_files.insert(JoinPath(abs, f));
        }
      } else {
        ASSIGN_OR_RETURN(bytes, SizeOf(abs));
        removed_files.insert(abs);
      }
      items.push_back({Rel(abs) + (is_dir ? "/" : ""), "staging", "left by a job that is no longer running", bytes, ""});
    }
    return Status::OK();
  }

  Status PlanLakeOrphans() {
    for (const DataKind* kind : AllDataKinds()) {
      if (!kind->catalogued()) continue;
      const std::string root = kind->Root(paths);
      if (!env->FileExists(root)) continue;
      std::set<std::string> known;
      for (const auto& e : view.catalog) {
        if (paths.DataRoot(e.rel_path) == root) known.insert(e.rel_path);
      }
      ASSIGN_OR_RETURN(auto files, ListFilesRecursive(env, root));
      for (const auto& f : files) {
        if (known.count(f)) continue;
        const std::string abs = JoinPath(root, f);
        const bool ours = f.size() > 8 && f.compare(f.size() - 8, 8, ".parquet") == 0;
        if (ours) {
          RETURN_IF_ERROR(Add(abs, "lake", "the catalog does not list it (a leftover, not current data)"));
        } else {
          left_alone.push_back(Rel(abs));
        }
      }
    }
    return Status::OK();
  }

  // Folders below `root` that are empty once `removed_files` are gone, deepest first.
  Status EmptyFolders(const std::string& root, std::vector<std::string>* out, bool* empty) {
    ASSIGN_OR_RETURN(auto children, env->GetChildren(root));
    *empty = true;
    for (const auto& c : children) {
      const std::string abs = JoinPath(root, c);
      ASSIGN_OR_RETURN(bool is_dir, env->IsDirectory(abs));
      if (is_dir) {
        bool child_empty = false;
        RETURN_IF_ERROR(EmptyFolders(abs, out, &child_empty));
        if (child_empty) {
          out->push_back(abs);
        } else {
          *empty = false;
        }
      } else if (!removed_files.count(abs)) {
        *empty = false;
      }
    }
    return Status::OK();
  }

  Status PlanFolders() {
    std::vector<std::string> roots;
    for (const DataKind* kind : AllDataKinds()) {
      if (kind->catalogued()) roots.push_back(kind->Root(paths));
    }
    roots.push_back(paths.versions);
    std::sort(roots.begin(), roots.end());
    roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
    for (const auto& root : roots) {
      if (!env->FileExists(root)) continue;
      std::vector<std::string> empty_dirs;
      bool all = false;
      RETURN_IF_ERROR(EmptyFolders(root, &empty_dirs, &all));
      for (const auto& d : empty_dirs) {
        items.push_back({Rel(d) + "/", "folders", "empty (or emptied by this gc)", 0, ""});
      }
    }
    return Status::OK();
  }
};

Result<JournalView> ReadJournal(journal::Journal* journal) {
  JournalView v;
  ASSIGN_OR_RETURN(auto jobs, journal->ListJobs(std::numeric_limits<int64_t>::max()));
  for (auto& j : jobs) {
    ASSIGN_OR_RETURN(auto changes, journal->GetChanges(j.id));
    v.changes.insert(v.changes.end(), changes.begin(), changes.end());
    v.jobs.emplace(j.id, std::move(j));
  }
  ASSIGN_OR_RETURN(v.catalog, journal->AllPartitions());
  return v;
}

Status RemoveItem(Env* env, const VaultPaths& paths, const GcItem& item, std::set<std::string>* dirs) {
  std::string abs = paths.Abs(item.path);
  const bool folder = !abs.empty() && abs.back() == '/';
  if (folder) abs.pop_back();
  if (!env->FileExists(abs)) return Status::OK();  // a gc before this one got to it
  if (item.area == "staging") {
    RETURN_IF_ERROR(RemoveTree(env, abs));
  } else if (folder) {
    RETURN_IF_ERROR(env->RemoveDir(abs));
  } else {
    RETURN_IF_ERROR(env->RemoveFile(abs));
  }
  dirs->insert(DirName(abs));
  return Status::OK();
}

nlohmann::json ItemsJson(const std::vector<GcItem>& items) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& i : items) {
    arr.push_back({{"path", i.path}, {"area", i.area}, {"why", i.why}, {"bytes", i.bytes}, {"needed_by", i.needed_by}});
  }
  return arr;
}

}  // namespace

Result<registry::RetentionPolicy> LoadRetention(Env* env, const VaultPaths& paths) {
  ASSIGN_OR_RETURN(std::string text, env->ReadFile(paths.registry));
  return registry::ParseRetention(text, paths.registry);
}

Result<GcReport> CollectGarbage(Lake* lake, const registry::RetentionPolicy& policy, const GcOptions& options) {
  Env* env = lake->env();
  const VaultPaths& paths = lake->paths();
  // Interrupted jobs are finished or undone first, so every file left is either the
  // catalog's, a kept one a journal row names, or nobody's.
  if (!options.dry_run) RETURN_IF_ERROR(lake->Recover());
  ASSIGN_OR_RETURN(auto lock, WriterLock::Acquire(env, paths.lock, options.lock_wait_seconds, options.command));
  ASSIGN_OR_RETURN(auto journal, journal::Journal::Open(paths.journal, false));
  ASSIGN_OR_RETURN(auto running, journal->JobsWithStatus("running"));
  if (!running.empty()) {
    return Status::Unavailable("job " + std::to_string(running.front().id) +
                               " was interrupted and is not finished; run `barlake recover`, then gc again");
  }
  Planner plan{env, paths, policy, options.now ? options.now : env->NowMicros(), {}, {}, {}, {}};
  ASSIGN_OR_RETURN(plan.view, ReadJournal(journal.get()));
  RETURN_IF_ERROR(plan.PlanVersions());
  RETURN_IF_ERROR(plan.PlanSources());
  RETURN_IF_ERROR(plan.PlanStaging());
  RETURN_IF_ERROR(plan.PlanLakeOrphans());

  GcReport report;
  report.dry_run = options.dry_run;
  report.forced = options.force;
  report.left_alone = plan.left_alone;
  // Held files stay, so their folders do too: decide them before the folder pass.
  std::vector<GcItem> files = std::move(plan.items);
  plan.items.clear();
  for (auto& item : files) {
    if (!item.needed_by.empty() && !options.force) {
      plan.removed_files.erase(paths.Abs(item.path));
      report.bytes_held += item.bytes;
      report.held.push_back(std::move(item));
    } else {
      report.bytes_freed += item.bytes;
      report.removed.push_back(std::move(item));
    }
  }
  RETURN_IF_ERROR(plan.PlanFolders());
  for (auto& f : plan.items) report.removed.push_back(std::move(f));
  const Micros quarantine_cutoff = plan.now - policy.quarantine_days * kMicrosPerDay;
  if (options.dry_run) {
    ASSIGN_OR_RETURN(report.quarantine_rows, journal->PurgeDroppedQuarantine(quarantine_cutoff, /*count_only=*/true));
    return report;
  }

  journal::JobRecord job;
  job.kind = kGcJobKind;
  job.status = "running";
  job.command = options.command;
  ASSIGN_OR_RETURN(job.id, journal->CreateJob(job));
  report.job = job.id;
  // The plan is in the journal before the first removal; a kill from here on leaves this
  // note for recovery to record (WriteProtocol::RecoverAll keeps a job's error).
  job.error = "interrupted: gc removed part of what its report lists; the vault is consistent, and the next "
              "`barlake gc` finishes the work";
  job.report_json = GcReportJson(report);
  RETURN_IF_ERROR(journal->UpdateJob(job));

  const Status removed = [&]() -> Status {
    std::set<std::string> dirs;
    for (const auto& item : report.removed) RETURN_IF_ERROR(RemoveItem(env, paths, item, &dirs));
    for (const auto& d : dirs) {
      if (env->FileExists(d)) RETURN_IF_ERROR(env->SyncDir(d));
    }
    ASSIGN_OR_RETURN(report.quarantine_rows, journal->PurgeDroppedQuarantine(quarantine_cutoff, /*count_only=*/false));
    return Status::OK();
  }();
  if (!removed.ok()) {
    // What was removed stays removed (nothing needed it); the job says where it stopped.
    job.status = "failed";
    job.error = "gc stopped: " + removed.message() + "; the vault is consistent, and the next `barlake gc` finishes the work";
    (void)journal->UpdateJob(job);  // best effort: recovery records an unfinished gc as interrupted
    return removed;
  }
  job.status = "completed";
  job.phase = "done";
  job.error.clear();
  job.report_json = GcReportJson(report);
  RETURN_IF_ERROR(journal->UpdateJob(job));
  return report;
}

std::string GcReportJson(const GcReport& r) {
  nlohmann::json j = {{"job", r.job},
                      {"dry_run", r.dry_run},
                      {"forced", r.forced},
                      {"bytes_freed", r.bytes_freed},
                      {"bytes_held", r.bytes_held},
                      {"quarantine_rows", r.quarantine_rows},
                      {"removed", ItemsJson(r.removed)},
                      {"held", ItemsJson(r.held)},
                      {"left_alone", r.left_alone}};
  return ToJsonText(j);
}

Result<std::vector<AreaUsage>> DiskUsage(Env* env, const VaultPaths& paths) {
  std::vector<AreaUsage> out;
  auto folder = [&](const std::string& area, const std::string& dir) -> Status {
    AreaUsage u{area, dir.substr(std::min(dir.size(), paths.root.size() + 1)), 0, 0};
    if (env->FileExists(dir)) {
      ASSIGN_OR_RETURN(auto files, ListFilesRecursive(env, dir));
      for (const auto& f : files) {
        auto size = env->GetFileSize(JoinPath(dir, f));
        if (!size.ok()) continue;  // removed while we looked
        ++u.files;
        u.bytes += static_cast<int64_t>(*size);
      }
    }
    out.push_back(std::move(u));
    return Status::OK();
  };
  RETURN_IF_ERROR(folder("lake", paths.lake));
  RETURN_IF_ERROR(folder("snapshots", paths.snapshots));
  RETURN_IF_ERROR(folder("tables", paths.tables));
  RETURN_IF_ERROR(folder("versions", paths.versions));
  RETURN_IF_ERROR(folder("sources", paths.sources));
  RETURN_IF_ERROR(folder("quarantine", paths.quarantine));
  RETURN_IF_ERROR(folder("staging", paths.staging));
  AreaUsage journal{"journal", paths.journal.substr(std::min(paths.journal.size(), paths.root.size() + 1)), 0, 0};
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    auto size = env->GetFileSize(paths.journal + suffix);
    if (!size.ok()) continue;
    ++journal.files;
    journal.bytes += static_cast<int64_t>(*size);
  }
  out.push_back(std::move(journal));
  return out;
}

}  // namespace barlake::lake
