// libFuzzer target for GexBot snapshot JSON (ingest/gex_snapshot.h): detection and parsing
// must never crash, hang, leak or hit undefined behaviour; errors come back as a Status,
// and a parsed result keeps the parser's promises (sorted unique strikes, finite values).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/gex_snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)barlake::ingest::DetectGexSnapshot(text.substr(0, 64 * 1024));
  auto parsed = barlake::ingest::ParseGexSnapshots(text, "SPX_2026-02-25_rt.json");
  if (parsed.ok()) {
    int64_t strikes = 0;
    for (const auto& s : parsed->snapshots) {
      if (s.ticker.empty() || s.strikes.empty()) std::abort();
      for (double v : s.scalars) {
        if (!std::isfinite(v)) std::abort();
      }
      for (size_t i = 0; i < s.strikes.size(); ++i) {
        if (i > 0 && !(s.strikes[i - 1].strike < s.strikes[i].strike)) std::abort();
        for (double v : s.strikes[i].prior_gex_vol) {
          if (!std::isfinite(v)) std::abort();
        }
      }
      strikes += static_cast<int64_t>(s.strikes.size());
    }
    if (strikes != parsed->strikes_read) std::abort();
  }
  return 0;
}
