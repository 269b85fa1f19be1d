#include <algorithm>

#include "ingest/format.h"
#include "ingest/alphavantage.h"
#include "ingest/binance.h"
#include "ingest/delimited.h"
#include "ingest/yahoo.h"
#include "ingest/ninjatrader.h"
#include "core/text.h"

namespace barlake::ingest {
namespace {

class NinjaTraderFormat : public BarFormat {
 public:
  NinjaTraderFormat()
      : BarFormat("ninjatrader",
                  "NinjaTrader 8 Export Data: yyyyMMdd HHmmss;o;h;l;c;v (bar close times, local zone)") {}
  Detection Detect(std::string_view head, std::string_view) const override {
    if (LooksLikeNinjaTrader(head)) {
      return {90, "lines look like 'yyyyMMdd HHmmss;open;high;low;close;volume' (NinjaTrader export)"};
    }
    return {0, "first line is not 'yyyyMMdd[ HHmmss];open;high;low;close;volume'"};
  }
  Result<ParsedBars> Parse(std::string_view data, const ParseOptions& options) const override {
    return ParseNinjaTrader(data, options);
  }
};

}  // namespace

const std::vector<const BarFormat*>& AllFormats() {
  static const std::vector<const BarFormat*>* formats = new std::vector<const BarFormat*>{
      new NinjaTraderFormat(),      YahooChartJsonFormat(),   AlphaVantageJsonFormat(),
      BinanceKlinesCsvFormat(),     BinanceKlinesJsonFormat(), MetaTraderFormat(),
      // FirstRate before Alpha Vantage CSV: both accept the header
      // timestamp,open,high,low,close,volume and a tie goes to the earlier; FirstRate
      // requires oldest-first rows, Alpha Vantage files are newest first.
      TradingViewFormat(),          FirstRateFormat(),         AlphaVantageCsvFormat(),
      DelimitedCsvFormat(),  // generic: last, it scores at most 50
  };
  return *formats;
}

Result<const BarFormat*> FindFormat(std::string_view name) {
  std::string known;
  for (const BarFormat* f : AllFormats()) {
    if (f->name() == name) return f;
    known += (known.empty() ? "" : ", ") + std::string(f->name());
  }
  return Status::InvalidArgument("format " + QuoteBytes(name) + " is not known; use auto or one of: " + known);
}

Result<DetectResult> DetectFormat(std::string_view data, std::string_view file_name) {
  const std::string_view head = data.substr(0, 64 * 1024);
  DetectResult out;
  int best = 0;
  for (const BarFormat* f : AllFormats()) {
    Detection d = f->Detect(head, file_name);
    if (d.score > best) {
      best = d.score;
      out.format = f;
      out.why = d.why;
    }
    out.candidates.emplace_back(std::string(f->name()), std::move(d));
  }
  if (!out.format) {
    std::string msg = "cannot tell the format of '" + std::string(file_name) + "':";
    for (const auto& [name, d] : out.candidates) msg += "\n  " + name + ": " + d.why;
    msg += "\nPass --format NAME (see `barlake import --help`).";
    return Status::InvalidInput(msg);
  }
  return out;
}

}  // namespace barlake::ingest
