// libFuzzer target for one bar format (BARLAKE_FUZZ_FORMAT, set per binary by
// fuzz/CMakeLists.txt): detection and parsing must never crash, hang, leak or hit
// undefined behaviour on any input; errors must come back as a Status.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/time_zone.h"
#include "ingest/format.h"

namespace {

struct Setup {
  const barlake::ingest::BarFormat* format;
  barlake::TimeZone la = barlake::TimeZone::Locate("America/Los_Angeles").value();
  barlake::TimeZone utc = barlake::TimeZone::Locate("UTC").value();
};

Setup& Get() {
  static Setup* s = new Setup{barlake::ingest::FindFormat(BARLAKE_FUZZ_FORMAT).value()};
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Setup& s = Get();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)s.format->Detect(text.substr(0, 64 * 1024), "fuzz.txt");
  (void)barlake::ingest::DetectFormat(text, "fuzz.csv");
  // The first byte picks the options, so the corpus explores zones, timeframes and stamps.
  const uint8_t knob = size > 0 ? data[0] : 0;
  static const char* kTimeframes[] = {"1m", "5m", "1h", "1d"};
  barlake::ingest::ParseOptions o{barlake::Timeframe::Parse(kTimeframes[knob & 3]).value(),
                                  (knob & 4) ? &s.la : &s.utc, "fuzz.txt"};
  o.stamp = (knob & 8) ? "open" : ((knob & 16) ? "close" : "");
  if (knob & 32) o.columns = "time=1,open=2,high=3,low=4,close=5,volume=6";
  auto parsed = s.format->Parse(text, o);
  if (parsed.ok()) {
    // Whatever a parser returns must be self-consistent.
    const auto& b = parsed->bars;
    if (b.open.size() != b.ts.size() || b.close.size() != b.ts.size() || parsed->line.size() != b.ts.size()) {
      __builtin_trap();
    }
  }
  return 0;
}
