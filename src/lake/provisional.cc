#include "lake/provisional.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "core/bars.h"

namespace barlake::lake {

void MarkProvisionalLastBar(Micros file_last_ts, BarColumns* bars) {
  if (bars->empty() || bars->ts.back() != file_last_ts) return;
  if (bars->flags.empty()) bars->flags.assign(bars->size(), 0);
  bars->flags.back() |= kBarProvisional;
}

std::string FormingByVolumeNote(const ingest::ParsedBars& parsed) {
  const BarColumns& b = parsed.bars;
  constexpr size_t kNeighbours = 20;
  if (b.size() < 6) return "";
  const size_t n = std::min(kNeighbours, b.size() - 1);
  std::vector<double> before(b.volume.end() - 1 - static_cast<std::ptrdiff_t>(n), b.volume.end() - 1);
  std::nth_element(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(n / 2), before.end());
  const double median = before[n / 2];
  const double last = b.volume.back();
  // Zero-volume feeds (indices, FX quotes) carry no signal.
  if (!(median > 0) || !(last < median / 10)) return "";
  char text[256];
  std::snprintf(text, sizeof text,
                "the last bar (%s, line %u) has volume %.10g, far below the %.10g of the bars "
                "before it: it looks still forming when the file was written; stored as "
                "provisional, a later file that holds it and later bars completes it",
                FormatIsoUtc(b.ts.back()).c_str(), parsed.line.back(), last, median);
  return text;
}

}  // namespace barlake::lake
