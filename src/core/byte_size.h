// A byte count as people read it, in the two unit systems barlake prints: 1024-based
// (KiB, MiB: what the CLI reports) and 1000-based (KB, MB: max_size in barlake.toml).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace barlake {

/// "512 B", "1.5 KiB", "2.0 GB": `bytes` in the largest unit (up to TiB/TB) that keeps the
/// value at least 1, with one decimal; `base` is 1024 or 1000.
inline std::string ByteSizeText(int64_t bytes, int base) {
  static const char* const kBinaryUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  static const char* const kDecimalUnits[] = {"B", "KB", "MB", "GB", "TB"};
  const char* const* units = base == 1024 ? kBinaryUnits : kDecimalUnits;
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= base && u < 4) {
    v /= base;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace barlake
