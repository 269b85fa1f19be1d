// Checksums. Sha256 identifies source files and partition files (byte-exact, as recorded
// in the journal). ContentHash fingerprints bar rows independently of Parquet encoding,
// so a file read back after writing can be compared with the rows meant to be written.
#pragma once

#include <cstdint>
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

}  // namespace barlake
