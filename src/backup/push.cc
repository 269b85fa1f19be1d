// Push (push.h; docs/scale-out.md).
#include "backup/push.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "backup/cut_internal.h"
#include "core/checksum.h"
#include "core/json_text.h"
#include "core/text.h"
#include "core/time_util.h"
#include "lake/writer_lock.h"

namespace barlake::backup {

namespace {

constexpr char kCommits[] = "_barlake/commits/";

bool IsDataKey(const std::string& key) {
  return key.rfind("lake/", 0) == 0 || key.rfind("snapshots/", 0) == 0 || key.rfind("tables/", 0) == 0;
}

/// The newest commit in the store: job number and key -> sha256 (empty when none).
Result<std::pair<int64_t, std::map<std::string, std::string>>> LatestCommit(ObjectStore* store) {
  ASSIGN_OR_RETURN(auto commits, store->List(kCommits));
  int64_t best = 0;
  std::string best_key;
  for (const auto& c : commits) {
    const int64_t job = std::atoll(c.key.c_str() + sizeof(kCommits) - 1);
    if (job > best) {
      best = job;
      best_key = c.key;
    }
  }
  std::map<std::string, std::string> files;
  if (best_key.empty()) return std::make_pair(int64_t{0}, files);
  ASSIGN_OR_RETURN(std::string text, store->Get(best_key));
  try {
    const auto j = nlohmann::json::parse(text);
    for (const auto& [key, f] : j.at("files").items()) files[key] = f.at("sha256").get<std::string>();
  } catch (const std::exception& e) {
    return Status::Corruption("commit '" + ToValidUtf8(best_key) + "' in " + store->Describe() +
                              " is not valid: " + ToValidUtf8(e.what()));
  }
  return std::make_pair(best, files);
}

}  // namespace

Result<PushResult> Push(const std::string& vault_dir, ObjectStore* store, const BackupOptions& options) {
  Env* env = options.env ? options.env : Env::Default();
  ASSIGN_OR_RETURN(const lake::VaultPaths paths, internal::VaultAt(env, vault_dir));
  ASSIGN_OR_RETURN(auto store_lock, store->Lock(internal::HolderNote(options.command, env)));

  // The cut, as for a backup (backup.h): the catalog of the journal copied under the lock.
  internal::SqlitePtr copy;
  {
    ASSIGN_OR_RETURN(auto writer, lake::WriterLock::Acquire(env, paths.lock, options.lock_wait_seconds,
                                                            options.command));
    ASSIGN_OR_RETURN(copy, internal::CopyJournal(paths.journal));
  }
  int64_t running = 0;
  PushResult result;
  RETURN_IF_ERROR(internal::ForEachRow(copy.get(), "SELECT count(*) FROM jobs WHERE status = 'running'",
                                       [&](sqlite3_stmt* s) { running = sqlite3_column_int64(s, 0); }));
  if (running > 0) return Status::Conflict("the vault has an interrupted job; run `barlake recover` first");
  RETURN_IF_ERROR(internal::ForEachRow(copy.get(), "SELECT coalesce(max(id), 0) FROM jobs",
                                       [&](sqlite3_stmt* s) { result.job = sqlite3_column_int64(s, 0); }));
  struct File {
    std::string rel, key, sha256;
    uint64_t size;
  };
  std::vector<File> files;
  RETURN_IF_ERROR(internal::ForEachRow(
      copy.get(), "SELECT rel_path, sha256, bytes FROM partitions ORDER BY rel_path", [&](sqlite3_stmt* s) {
        File f;
        f.rel = internal::Text(s, 0);
        f.key = paths.LakeFile(f.rel).substr(paths.root.size() + 1);  // lake/..., snapshots/..., tables/...
        f.sha256 = internal::Text(s, 1);
        f.size = static_cast<uint64_t>(sqlite3_column_int64(s, 2));
        files.push_back(std::move(f));
      }));
  copy.reset();

  ASSIGN_OR_RETURN(auto latest, LatestCommit(store));
  std::map<std::string, uint64_t> remote;
  for (const char* root : {"lake/", "snapshots/", "tables/"}) {
    ASSIGN_OR_RETURN(auto keys, store->List(root));
    for (const auto& k : keys) remote[k.key] = k.size;
  }
  // 1. Data first.
  int64_t total = 0, done = 0;
  for (const auto& f : files) total += static_cast<int64_t>(f.size);
  std::set<std::string> named;
  bool changed = false;
  for (const auto& f : files) {
    named.insert(f.key);
    auto was = latest.second.find(f.key);
    auto there = remote.find(f.key);
    if (was != latest.second.end() && was->second == f.sha256 && there != remote.end() && there->second == f.size) {
      done += static_cast<int64_t>(f.size);
      continue;
    }
    ASSIGN_OR_RETURN(std::string bytes, internal::ReadPartitionAtCut(env, paths, f.rel, f.sha256, result.job));
    RETURN_IF_ERROR(store->Put(f.key, bytes));
    changed = true;
    result.uploaded += 1;
    result.bytes_uploaded += static_cast<int64_t>(bytes.size());
    done += static_cast<int64_t>(bytes.size());
    if (options.hook) options.hook("after-upload");
    if (options.progress) options.progress("push", done, total);
  }
  result.files = static_cast<int64_t>(files.size());
  std::vector<std::string> stale;
  for (const auto& [key, size] : remote) {
    if (IsDataKey(key) && !named.count(key)) stale.push_back(key);
  }
  for (const auto& [key, sha] : latest.second) {
    if (!named.count(key)) changed = true;
  }
  if (!stale.empty()) changed = true;
  // 2. The commit, once every object it names is in place.
  if (changed || latest.first != result.job || latest.second.empty()) {
    nlohmann::json j;
    j["format"] = 1;
    j["job"] = result.job;
    j["created"] = FormatIsoUtc(env->NowMicros() / 1000 * 1000);
    nlohmann::json fj = nlohmann::json::object();
    for (const auto& f : files) fj[f.key] = {{"sha256", f.sha256}, {"size", f.size}};
    j["files"] = std::move(fj);
    RETURN_IF_ERROR(store->Flush());
    if (options.hook) options.hook("before-commit");
    result.commit = std::string(kCommits) + std::to_string(result.job) + ".json";
    RETURN_IF_ERROR(store->Put(result.commit, ToJsonText(j, 1) + "\n"));
    RETURN_IF_ERROR(store->Flush());
  }
  // 3. Keys that no longer exist.
  for (const auto& key : stale) {
    RETURN_IF_ERROR(store->Delete(key));
    result.removed += 1;
  }
  RETURN_IF_ERROR(store->Flush());
  return result;
}

}  // namespace barlake::backup
