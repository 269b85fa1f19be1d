// ObjectStore: where backups live (docs/backup.md). A flat key space of immutable objects
// with whole-object writes that readers see all or nothing, after restic's backends: a
// folder (a local disk or a mounted cloud drive) first; S3 can implement the same calls.
//
// Layout every store holds (keys are '/'-separated):
//   barlake-backup.json      marker: {"format": 1}; a destination without it is not a backup
//   objects/<sha256>         file contents, named by the SHA-256 of their bytes
//   snapshots/<id>.json      one manifest per backup, written last
//   lock                     taken by backup and prune (one at a time per destination)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "env/env.h"

namespace barlake::backup {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

/// Held while a backup or prune runs; released when destroyed (or when the process dies,
/// for a folder, whose lock is the flock itself). A FileLock: both are "held until
/// destroyed" handles.
using StoreLock = FileLock;

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  /// Where the store is, for messages ("folder /mnt/drive/bk").
  virtual std::string Describe() const = 0;
  /// Every object whose key starts with `prefix`, sorted by key.
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix) = 0;
  /// Store `data` under `key`, replacing any object there. A reader sees the old object or
  /// the whole new one, never a part. Durable once Flush() returns OK.
  virtual Status Put(const std::string& key, std::string_view data) = 0;
  /// The whole object; kNotFound when there is none.
  virtual Result<std::string> Get(const std::string& key) = 0;
  /// Remove an object; OK when it does not exist. Durable once Flush() returns OK.
  virtual Status Delete(const std::string& key) = 0;
  /// Make every Put and Delete so far durable.
  virtual Status Flush() = 0;
  /// Try once to take the destination's lock; kUnavailable when another backup or prune
  /// holds it. `holder` is recorded for the message the next one shows.
  virtual Result<std::unique_ptr<StoreLock>> Lock(const std::string& holder) = 0;
};

/// A store in the folder `dir`: objects are files, written to `dir/tmp/` (fsynced) and
/// renamed into place; Flush fsyncs the folders that changed. Every write goes through
/// `env`. `create`: make the folder when missing.
Result<std::unique_ptr<ObjectStore>> OpenFolderStore(Env* env, const std::string& dir, bool create);

struct S3Options {
  /// http(s)://host[:port]; empty: https://s3.<region>.amazonaws.com. Requests are
  /// path-style (endpoint/bucket/key), which every S3-compatible server understands.
  std::string endpoint;
  std::string region;  // empty: us-east-1
};

/// A store in the bucket `url` names (s3://BUCKET[/PREFIX]), with credentials from
/// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (kInvalidArgument when unset). Nothing is
/// sent until the first call.
Result<std::unique_ptr<ObjectStore>> OpenS3Store(Env* env, const std::string& url, const S3Options& options);

/// The store DEST names: s3://BUCKET[/PREFIX] (OpenS3Store), else a folder path.
Result<std::unique_ptr<ObjectStore>> OpenStore(Env* env, const std::string& dest, bool create,
                                               const S3Options& s3 = {});

}  // namespace barlake::backup
