// How a file's bytes are kept in a backup destination (docs/backup.md#the-destination).
//
// An object is always named by the SHA-256 of the file's plain bytes. It is stored either
// plain, as objects/<sha256>, or gzip-compressed, as objects/<sha256>.gz, when that saves
// at least a tenth of its size: text sources and the journal image shrink several times,
// Parquet partitions (already zstd-compressed) stay plain. gzip, so that `gunzip` alone
// gets a file back out of a destination. Backups made before compression existed hold
// plain objects only and read the same way.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "backup/backup.h"
#include "backup/object_store.h"
#include "core/result.h"

namespace barlake::backup {

/// The key of the object holding `f`: objects/<sha256>, or objects/<sha256>.gz when the
/// manifest records it compressed (f.stored_size > 0).
std::string ObjectKeyOf(const SnapshotFile& f);

/// One object the destination holds, as its key tells.
struct StoredObject {
  uint64_t size = 0;         // plain object: its bytes; 0 when there is none
  uint64_t gz_size = 0;      // objects/<sha256>.gz: its bytes; 0 when there is none
  bool plain = false;
  bool gz = false;
};

/// Every object under objects/, by the SHA-256 its key names. Keys that name no object
/// (anything but <64 hex digits>[.gz]) are left out.
Result<std::map<std::string, StoredObject>> ListObjects(ObjectStore* store);

/// The SHA-256 a key under objects/ names; nullopt for any other key.
std::optional<std::string> ShaOfObjectKey(const std::string& key);

/// `plain` gzip-compressed, when that saves at least a tenth; nullopt otherwise (then the
/// object is stored plain). Incompressible data is told from its first 64 KiB, so a Parquet
/// file costs a fraction of a millisecond, not a whole deflate.
std::optional<std::string> CompressIfWorthIt(std::string_view plain);

/// The plain bytes of `f`'s object, read, gunzipped when stored compressed, and checked
/// against f's size and SHA-256. kCorruption naming the object and `what` on any mismatch
/// or a damaged gzip stream; kNotFound when the object is missing.
Result<std::string> ReadObject(ObjectStore* store, const SnapshotFile& f, const std::string& what);

}  // namespace barlake::backup
