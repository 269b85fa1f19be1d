// Plain and gzip objects in a backup destination (object_codec.h).
#include "backup/object_codec.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/checksum.h"
#include "core/text.h"
#include "lake/compressed_source.h"

namespace barlake::backup {

namespace {

constexpr char kObjectsPrefix[] = "objects/";
constexpr char kGzSuffix[] = ".gz";
/// Compressed must be at most 9/10 of plain: below that, the saving is not worth an object
/// a user cannot open without `gunzip`.
constexpr uint64_t kWorthNumerator = 9, kWorthDenominator = 10;
/// The sample that decides whether to compress at all.
constexpr size_t kProbeBytes = 64 * 1024;

bool IsHexSha(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool WorthIt(uint64_t compressed, uint64_t plain) {
  return compressed * kWorthDenominator <= plain * kWorthNumerator;
}

/// `in` as one gzip member at `level`; nullopt only if zlib fails (out of memory).
std::optional<std::string> Gzip(std::string_view in, int level) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  // 15 + 16: a gzip header and trailer (CRC-32 and size), so `gunzip` reads the object.
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

}  // namespace

std::string ObjectKeyOf(const SnapshotFile& f) {
  return kObjectsPrefix + f.sha256 + (f.stored_size > 0 ? kGzSuffix : "");
}

std::optional<std::string> ShaOfObjectKey(const std::string& key) {
  if (key.rfind(kObjectsPrefix, 0) != 0) return std::nullopt;
  std::string_view name(key);
  name.remove_prefix(sizeof kObjectsPrefix - 1);
  if (name.size() == 64 + sizeof kGzSuffix - 1 && name.substr(64) == kGzSuffix) name = name.substr(0, 64);
  if (!IsHexSha(name)) return std::nullopt;
  return std::string(name);
}

Result<std::map<std::string, StoredObject>> ListObjects(ObjectStore* store) {
  ASSIGN_OR_RETURN(auto listed, store->List(kObjectsPrefix));
  std::map<std::string, StoredObject> out;
  for (const auto& o : listed) {
    const auto sha = ShaOfObjectKey(o.key);
    if (!sha) continue;
    StoredObject& s = out[*sha];
    if (o.key.size() > 8 + 64) {
      s.gz = true;
      s.gz_size = o.size;
    } else {
      s.plain = true;
      s.size = o.size;
    }
  }
  return out;
}

std::optional<std::string> CompressIfWorthIt(std::string_view plain) {
  // gzip adds ~20 bytes; tiny objects never gain.
  if (plain.size() < 512 || plain.size() > UINT32_MAX) return std::nullopt;
  if (plain.size() > kProbeBytes) {
    const auto probe = Gzip(plain.substr(0, kProbeBytes), 1);
    if (!probe || !WorthIt(probe->size(), kProbeBytes)) return std::nullopt;
  }
  auto out = Gzip(plain, Z_DEFAULT_COMPRESSION);
  if (!out || !WorthIt(out->size(), plain.size())) return std::nullopt;
  return out;
}

Result<std::string> ReadObject(ObjectStore* store, const SnapshotFile& f, const std::string& what) {
  const std::string key = ObjectKeyOf(f);
  ASSIGN_OR_RETURN(std::string bytes, store->Get(key));
  auto damaged = [&](const std::string& how) {
    return Status::Corruption("object " + key + " (" + what + ") is corrupted: " + how +
                              "; `barlake backup verify DEST --read-data` lists every damaged object");
  };
  if (f.stored_size > 0) {
    if (bytes.size() != f.stored_size) {
      return damaged("it has " + std::to_string(bytes.size()) + " bytes, the manifest says " +
                     std::to_string(f.stored_size));
    }
    auto plain = lake::Gunzip(bytes, key, f.size);
    if (!plain.ok()) return damaged(plain.status().message());
    bytes = std::move(plain).value();
  }
  if (bytes.size() != f.size) {
    return damaged("its content has " + std::to_string(bytes.size()) + " bytes, the manifest says " +
                   std::to_string(f.size));
  }
  if (const std::string got = Sha256Hex(bytes); got != f.sha256) return damaged("its content hashes to " + got);
  return bytes;
}

}  // namespace barlake::backup
