// BarColumns: bars held column-wise, the in-memory shape of one dataset slice.
// Invariant after normalisation: ts strictly increasing (sorted, unique).
#pragma once

#include <cstdint>
#include <vector>

#include "core/time_util.h"

namespace barlake {

struct BarColumns {
  std::vector<Micros> ts;  // bar open time, UTC
  std::vector<double> open, high, low, close, volume;
  std::vector<int64_t> job;  // provenance: the journal job that wrote each row

  size_t size() const { return ts.size(); }
  bool empty() const { return ts.empty(); }
  void Reserve(size_t n);
  void Append(const BarColumns& src, size_t i);
  void Clear();
  /// True when row i of a and row j of b hold the same prices and volume.
  static bool SameValues(const BarColumns& a, size_t i, const BarColumns& b, size_t j);
};

}  // namespace barlake
