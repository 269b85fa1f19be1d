// Restore (backup.h; docs/backup.md#restore): a snapshot becomes a new vault only once all
// of it is written, fsynced, re-hashed and verified; until then it is <to>.restoring.
#include <unistd.h>

#include <set>

#include "backup/backup.h"
#include "backup/cut_internal.h"
#include "backup/object_codec.h"
#include "core/text.h"
#include "core/time_util.h"
#include "lake/lake.h"
#include "lake/vault.h"
#include "lake/writer_lock.h"

namespace barlake::backup {

namespace {

/// A restored path must stay inside the vault (ManifestFromJson checks the form; this
/// also refuses the working folders a restore creates itself).
bool IsRestorablePath(const std::string& p) {
  return p == "barlake.toml" || p.rfind("lake/", 0) == 0 || p.rfind("snapshots/", 0) == 0 ||
         p.rfind("tables/", 0) == 0 || p.rfind(".barlake/sources/", 0) == 0 ||
         p.rfind(".barlake/versions/", 0) == 0 || p == ".barlake/journal.sqlite";
}

}  // namespace

Result<RestoreResult> Restore(ObjectStore* store, const RestoreOptions& options) {
  Env* env = options.env ? options.env : Env::Default();
  if (options.to.empty()) return Status::InvalidArgument("restore needs --to NEWDIR (or --in-place)");
  const std::string to = internal::WithoutTrailingSlash(options.to);

  ASSIGN_OR_RETURN(std::vector<Manifest> snaps, ListSnapshots(store));
  if (snaps.empty()) return Status::NotFound(store->Describe() + " holds no snapshot yet");
  const Manifest* chosen = &snaps.back();
  if (!options.snapshot.empty()) {
    chosen = nullptr;
    for (const auto& s : snaps) {
      if (s.id == options.snapshot) chosen = &s;
    }
    if (!chosen) {
      return Status::NotFound("no snapshot " + QuoteBytes(options.snapshot, 80) + " in " + store->Describe() +
                              "; `barlake backup list DEST` lists them");
    }
  }
  RestoreResult result;
  result.manifest = *chosen;
  const Manifest& m = result.manifest;

  std::unique_ptr<lake::WriterLock> vault_lock;
  if (options.in_place) {
    RETURN_IF_ERROR(lake::CheckIsVault(env, to));
    const lake::VaultPaths current(to);
    ASSIGN_OR_RETURN(vault_lock, lake::WriterLock::Acquire(env, current.lock, options.lock_wait_seconds,
                                                           options.command));
  } else if (env->FileExists(to)) {
    ASSIGN_OR_RETURN(bool is_dir, env->IsDirectory(to));
    ASSIGN_OR_RETURN(auto children, is_dir ? env->GetChildren(to) : Result<std::vector<std::string>>(
                                                                        std::vector<std::string>{"x"}));
    if (!children.empty()) {
      return Status::AlreadyExists("'" + ToValidUtf8(to) +
                                   "' already exists and is not empty; restore into a new folder, or pass "
                                   "--in-place to replace the vault there (it is kept as a safety copy)");
    }
  }

  // Leftovers of an interrupted restore are never a vault: start over.
  const std::string staging = to + ".restoring";
  RETURN_IF_ERROR(RemoveTree(env, staging));
  const lake::VaultPaths sp(staging);
  for (const std::string* d : {&sp.lake, &sp.meta, &sp.staging, &sp.versions, &sp.sources, &sp.quarantine}) {
    RETURN_IF_ERROR(env->CreateDirs(*d));
  }
  std::vector<SnapshotFile> all = m.files;
  all.push_back(m.journal);
  const int64_t total = static_cast<int64_t>(m.TotalBytes());
  std::set<std::string> dirs{DirName(staging), staging, sp.meta};
  for (const auto& f : all) {
    if (!IsRestorablePath(f.path)) {
      return Status::Corruption("snapshot " + m.id + " names '" + ToValidUtf8(f.path) +
                                "', which is not a file a vault holds; refusing to restore it");
    }
    ASSIGN_OR_RETURN(std::string bytes,
                     ReadObject(store, f, "file '" + ToValidUtf8(f.path) + "' of snapshot " + m.id));
    const std::string path = JoinPath(staging, f.path);
    const std::string dir = DirName(path);
    if (!dirs.count(dir)) {
      RETURN_IF_ERROR(env->CreateDirs(dir));
      // Every folder from here up to the vault root gets fsynced below.
      for (std::string d = dir; d.size() > staging.size() && dirs.insert(d).second; d = DirName(d)) {
      }
    }
    RETURN_IF_ERROR(WriteFileSynced(env, path, bytes));
    result.bytes += static_cast<int64_t>(bytes.size());
    if (options.hook) options.hook("after-restore-file");
    if (options.progress) options.progress("restore", result.bytes, total);
  }
  RETURN_IF_ERROR(env->SyncDirs(std::vector<std::string>(dirs.rbegin(), dirs.rend())));

  // The restored vault must pass `verify` before it is anything but a staging folder.
  {
    if (options.progress) options.progress("verifying the restored vault", 0, 0);
    lake::LakeOptions lo;
    lo.env = env;
    lo.command = options.command;
    ASSIGN_OR_RETURN(auto lake, lake::Lake::Open(staging, lo));
    ASSIGN_OR_RETURN(result.verify, lake->Verify());
    if (!result.verify.ok()) {
      const auto& p = result.verify.problems.front();
      return Status::Corruption("the restored vault (left in '" + ToValidUtf8(staging) + "') fails verify: " +
                                ToValidUtf8(p.path) + ": " + p.what + " (" +
                                std::to_string(result.verify.problems.size()) + " problem(s))");
    }
  }
  if (options.hook) options.hook("before-activate");
  if (options.in_place) {
    std::string stamp;
    for (char c : FormatIsoUtc(env->NowMicros() / 1000000 * 1000000)) {
      if (c != '-' && c != ':') stamp += c;
    }
    result.safety_copy = to + ".before-restore-" + stamp;
    RETURN_IF_ERROR(env->RenameFile(to, result.safety_copy));
  } else if (env->FileExists(to)) {
    RETURN_IF_ERROR(env->RemoveDir(to));  // empty, checked above
  }
  RETURN_IF_ERROR(env->RenameFile(staging, to));
  RETURN_IF_ERROR(env->SyncDir(DirName(to)));
  result.vault = to;
  return result;
}

}  // namespace barlake::backup
