#include "core/bars.h"

#include "core/huge_pages.h"

namespace barlake {

void BarColumns::Reserve(size_t n) {
  ReserveOnHugePages(&ts, n);
  ReserveOnHugePages(&open, n);
  ReserveOnHugePages(&high, n);
  ReserveOnHugePages(&low, n);
  ReserveOnHugePages(&close, n);
  ReserveOnHugePages(&volume, n);
  ReserveOnHugePages(&job, n);
  ReserveOnHugePages(&flags, n);
}

void BarColumns::Append(const BarColumns& src, size_t i) {
  AppendPrices(src, i);
  job.push_back(src.job[i]);
  const uint8_t f = src.FlagAt(i);
  if (f != 0 && flags.size() + 1 < ts.size()) flags.resize(ts.size() - 1, 0);
  if (f != 0 || !flags.empty()) flags.push_back(f);
}

void BarColumns::AppendPrices(const BarColumns& src, size_t i) {
  ts.push_back(src.ts[i]);
  open.push_back(src.open[i]);
  high.push_back(src.high[i]);
  low.push_back(src.low[i]);
  close.push_back(src.close[i]);
  volume.push_back(src.volume[i]);
}

void BarColumns::Clear() {
  ts.clear();
  open.clear();
  high.clear();
  low.clear();
  close.clear();
  volume.clear();
  job.clear();
  flags.clear();
}

bool BarColumns::SameValues(const BarColumns& a, size_t i, const BarColumns& b, size_t j) {
  return a.open[i] == b.open[j] && a.high[i] == b.high[j] && a.low[i] == b.low[j] &&
         a.close[i] == b.close[j] && a.volume[i] == b.volume[j];
}

}  // namespace barlake
