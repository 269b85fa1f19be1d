// BarColumns: bars held column-wise, the in-memory shape of one dataset slice.
// Invariant after normalisation: ts strictly increasing (sorted, unique).
#pragma once

#include <cstdint>
#include <vector>

#include "core/time_util.h"

namespace barlake {

/// Bits of BarColumns::flags, stored in every bar file's `flags` column. Imported bars
/// are 0 but for kBarProvisional; derived bars say how their bucket was built (docs/derived.md). Stable values.
enum BarFlag : uint8_t {
  kBarTruncated = 1,       // shorter than the timeframe: a session close, early close or halt cut it
  kBarEarlyClose = 2,      // the last bucket of a session that closed early
  kBarOutsideSession = 4,  // built from bars outside every session of the calendar
  kBarLateOpen = 8,        // the first bucket of a session that opened late
  /// Imported bars: the last bar of its file, which may still have been forming when the
  /// file was written. A later file holding this bar and later ones completes it (replaces
  /// it without a conflict); see docs/validation.md "Provisional last bars".
  kBarProvisional = 16,
};

struct BarColumns {
  std::vector<Micros> ts;  // bar open time, UTC
  std::vector<double> open, high, low, close, volume;
  std::vector<int64_t> job;  // provenance: the journal job that wrote each row
  /// Per-row flags (BarFlag bits). Either empty, meaning every row is 0 (what parsers
  /// produce), or parallel to ts (what the store reads back and what derived data writes).
  std::vector<uint8_t> flags;

  size_t size() const { return ts.size(); }
  uint8_t FlagAt(size_t i) const { return flags.empty() ? 0 : flags[i]; }
  bool empty() const { return ts.empty(); }
  void Reserve(size_t n);
  void Append(const BarColumns& src, size_t i);
  /// Append row i's stamp, prices and volume only (parsed bars have no job or flags yet);
  /// the caller keeps job and flags parallel.
  void AppendPrices(const BarColumns& src, size_t i);
  void Clear();
  /// True when row i of a and row j of b hold the same prices and volume.
  static bool SameValues(const BarColumns& a, size_t i, const BarColumns& b, size_t j);
};

}  // namespace barlake
