// Checksums. Sha256 identifies source files and partition files (byte-exact, as recorded
// in the journal). ContentHash fingerprints bar rows independently of Parquet encoding,
// so a file read back after writing can be compared with the rows meant to be written.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/bars.h"
#include "core/result.h"

namespace barlake {

/// Incremental SHA-256 (OpenSSL). Hex output, lowercase.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t n);
  std::string HexDigest();

 private:
  void* ctx_;
};

std::string Sha256Hex(std::string_view bytes);

/// Order-sensitive 64-bit fingerprint of ts, OHLCV and job over all rows (hex).
/// Not cryptographic: it detects mismatches between intended and stored rows.
std::string ContentHash(const BarColumns& bars);

/// Building blocks of the row fingerprints (ContentHash here, the snapshot and table
/// stores' hashes): the splitmix64 finaliser, and a double's bits with -0 as 0 (DuckDB's
/// Parquet writer may store a -0 as 0, so a file read back could not match otherwise).
inline uint64_t HashMix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}
inline uint64_t HashBits(double d) {
  if (d == 0) d = 0.0;
  uint64_t u;
  static_assert(sizeof u == sizeof d);
  std::memcpy(&u, &d, sizeof u);
  return u;
}
/// "%016llx" of a fingerprint.
std::string HashHex(uint64_t h);

}  // namespace barlake
