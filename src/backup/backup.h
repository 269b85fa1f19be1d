// Backup and restore of a whole vault to an ObjectStore (docs/backup.md).
//
// A backup is content-addressed: every file (lake/, snapshots/, tables/ partitions, kept
// sources, kept versions, barlake.toml, and a copy of the journal made with SQLite's
// online backup API) is stored once as objects/<sha256>; a snapshot manifest
// snapshots/<id>.json (id, created, vault, files -> sha256/size, journal object) is
// written last, after every object it names is durable. So an interrupted backup leaves
// at most objects no manifest names (prune removes them), never a manifest pointing at a
// missing object; a later backup sends only the objects the store lacks.
//
// The cut: under the vault's writer lock (held for a moment, no job can be running) the
// journal is copied and barlake.toml read; the files are then those the copied journal's
// catalog describes, each checked against the catalog's SHA-256 as it is read. A file a
// later import replaced meanwhile is read from the version that import kept
// (.barlake/versions/job-<id>/), so the snapshot is the vault as of that instant.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backup/object_store.h"
#include "barlake/types.h"
#include "core/result.h"
#include "env/env.h"

namespace barlake::backup {

/// Reports the phase and how far it got (`done` of `total` bytes or items).
using BackupProgress = std::function<void(const std::string& phase, int64_t done, int64_t total)>;
/// Test seam (the CLI sets it from BARLAKE_BACKUP_CRASH_AT in test builds only): called at
/// named points: "after-object" (each object stored by a backup), "before-manifest",
/// "after-restore-file" (each file a restore wrote), "before-activate".
using BackupHook = std::function<void(const std::string& point)>;

struct BackupOptions {
  Env* env = nullptr;  // nullptr: Env::Default()
  double lock_wait_seconds = 30;  // for the vault's writer lock
  std::string command = "barlake backup";
  BackupProgress progress;
  BackupHook hook;
};

/// One file of a snapshot: its vault-relative path and the object holding its bytes.
struct SnapshotFile {
  std::string path;
  std::string sha256;  // of the file's bytes (also when its object is compressed)
  uint64_t size = 0;   // the file's bytes
  /// Bytes of objects/<sha256>.gz when the object is stored gzip-compressed; 0: stored
  /// plain as objects/<sha256> (object_codec.h).
  uint64_t stored_size = 0;
};

struct Manifest {
  /// 1: every object plain (what barlake wrote before compression, still written when
  /// nothing is compressed); 2: some files name a compressed object ("stored").
  int format = 1;
  std::string id;
  int64_t created_micros = 0;
  std::string vault;       // the vault's folder when it was backed up
  std::string vault_name;  // [vault] name in barlake.toml
  int64_t last_job = 0;    // the newest job in the copied journal
  SnapshotFile journal;    // path .barlake/journal.sqlite
  std::vector<SnapshotFile> files;
  uint64_t TotalBytes() const;
};

std::string ManifestToJson(const Manifest& m);
/// kCorruption naming `what` when the text is not a manifest.
Result<Manifest> ManifestFromJson(std::string_view text, const std::string& what);

struct BackupResult {
  Manifest manifest;
  int64_t objects_sent = 0;
  int64_t bytes_sent = 0;        // bytes written to the store (compressed objects count compressed)
  int64_t objects_present = 0;  // needed and already in the store
  int64_t bytes_present = 0;
  std::vector<std::string> notes;  // e.g. a kept version that was missing
};

/// Back up the vault at `vault_dir` to `store` (made a backup destination if it is an empty
/// one). Takes the store's lock for the whole run and the vault's writer lock only while
/// the journal is copied.
Result<BackupResult> BackupVault(const std::string& vault_dir, ObjectStore* store, const BackupOptions& options);

/// The manifests in `store`, oldest first. kNotFound when `store` is not a backup.
Result<std::vector<Manifest>> ListSnapshots(ObjectStore* store);

struct StoreProblem {
  std::string where;  // a snapshot id or an object key
  std::string what;
};

struct StoreVerifyReport {
  int64_t snapshots = 0;
  int64_t objects_checked = 0;
  int64_t bytes_read = 0;  // --read-data: bytes fetched from the store
  std::vector<StoreProblem> problems;
  bool ok() const { return problems.empty(); }
};

/// Every manifest parses and every object it names is present with its size; with
/// `read_data`, every such object is read, unpacked when compressed, and re-hashed too.
Result<StoreVerifyReport> VerifyStore(ObjectStore* store, bool read_data, const BackupProgress& progress);

struct PruneOptions {
  int keep_last = 0;   // the newest N snapshots
  int keep_daily = 0;  // the newest snapshot of each of the newest N days (UTC) that have one
  bool dry_run = false;
};

struct PruneResult {
  std::vector<std::string> kept, removed;  // snapshot ids
  int64_t objects_removed = 0;
  int64_t bytes_freed = 0;
};

/// Mark and sweep under the store's lock: remove the manifests the policy does not keep
/// (made durable first), then every object no remaining manifest names, and leftovers of
/// interrupted uploads. kInvalidArgument when the policy keeps nothing.
Result<PruneResult> Prune(ObjectStore* store, const PruneOptions& options);

struct RestoreOptions {
  Env* env = nullptr;
  std::string snapshot;  // empty: the newest
  /// The new vault's folder: must not exist or be empty. For in_place, the vault to replace.
  std::string to;
  /// Replace the vault at `to`: it is renamed to <to>.before-restore-<stamp> (kept) and the
  /// restored one takes its place, under the vault's writer lock.
  bool in_place = false;
  double lock_wait_seconds = 30;
  std::string command = "barlake restore";
  BackupProgress progress;
  BackupHook hook;
};

struct RestoreResult {
  Manifest manifest;
  std::string vault;        // where the restored vault is
  std::string safety_copy;  // in_place: where the replaced vault was moved
  VerifyReport verify;      // `verify` of the restored vault (clean, or the restore failed)
  int64_t bytes = 0;
};

/// Restore a snapshot: every object is read and re-hashed, written into <to>.restoring,
/// the result opened and verified, and only then renamed to `to`. An interrupted restore
/// leaves <to>.restoring (removed by the next restore), never a vault at `to`.
Result<RestoreResult> Restore(ObjectStore* store, const RestoreOptions& options);

}  // namespace barlake::backup
