// `barlake push`: mirror the vault's data folders (lake/, snapshots/, tables/) to an
// object store under the same hive keys, for engines that read object storage (Spark,
// Trino, DuckDB httpfs, Polars; docs/scale-out.md). The journal stays the single writer:
// a push copies the state at one cut (as a backup does) and publishes it in three steps:
//   1. data objects that changed since the last push (by SHA-256, from its commit);
//   2. the commit manifest _barlake/commits/<job>.json (keys, SHA-256, sizes), written
//      only once every object it names is in place;
//   3. removal of keys the new commit no longer names.
// A reader that lists keys may briefly see a new partition beside an old one during step 1
// or a removed partition until step 3; readers that care read the newest commit.
#pragma once

#include <string>

#include "backup/backup.h"
#include "backup/object_store.h"

namespace barlake::backup {

struct PushResult {
  int64_t job = 0;        // the newest job at the cut (names the commit)
  int64_t files = 0;      // data files the commit names
  int64_t uploaded = 0;   // of which sent by this push
  int64_t bytes_uploaded = 0;
  int64_t removed = 0;    // keys removed
  std::string commit;     // the commit's key ("" when nothing changed)
};

Result<PushResult> Push(const std::string& vault_dir, ObjectStore* store, const BackupOptions& options);

}  // namespace barlake::backup
