#include "ingest/yahoo.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "core/json_text.h"
#include "core/text.h"
#include "ingest/vendor_common_internal.h"

namespace barlake::ingest {
namespace {

using json = internal::Json;

constexpr const char* kFields[] = {"open", "high", "low", "close", "volume"};

// Seconds of a Yahoo `interval`/`dataGranularity`; 0 for ones barlake cannot store
// ("5d", "1mo", "3mo").
int64_t GranularitySeconds(const std::string& g) {
  static const std::map<std::string, int64_t> kKnown = {
      {"1m", 60},      {"2m", 120},     {"5m", 300},    {"15m", 900},    {"30m", 1800},
      {"60m", 3600},   {"90m", 5400},   {"1h", 3600},   {"1d", 86400},   {"1wk", 604800}};
  auto it = kKnown.find(g);
  return it == kKnown.end() ? 0 : it->second;
}

std::optional<int64_t> IntField(const json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return std::nullopt;
  return static_cast<int64_t>(std::llround(it->get<double>()));
}

std::string Num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

// Why the zone and not gmtoffset: meta.gmtoffset (and meta.timezone) describe the moment
// the request was made, not each bar. A response fetched in February (EST, -18000) holds
// summer bars stamped in EDT: a futures daily bar stamped at midnight New York time is
// 04:00 UTC in summer, and 04:00 - 5 h is 23:00 of the PREVIOUS day. Only the zone's own
// offset at each bar's instant gives the right date.
// Epoch seconds within +-3000 years: anything further is not a stamp, and would overflow
// the conversion to microseconds (found by the fuzzer).
constexpr int64_t kMaxEpochSeconds = 95000000000LL;
bool PlausibleEpochSeconds(int64_t t) { return t > -kMaxEpochSeconds && t < kMaxEpochSeconds; }

int64_t LocalDay(TimeZone& zone, int64_t epoch_seconds) {
  const int64_t local = epoch_seconds + zone.OffsetAt(epoch_seconds * kMicrosPerSecond);
  return local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
}

std::string DateText(int64_t day) {
  return FormatIsoUtc(day * kMicrosPerDay).substr(0, 10);
}

class YahooJson : public internal::JsonDocumentFormat {
 public:
  YahooJson()
      : JsonDocumentFormat("yahoo-json",
                           "Yahoo Finance chart API v8 JSON ({\"chart\":{\"result\":[...]}}), bars localized "
                           "with exchangeTimezoneName") {}

  Detection Detect(std::string_view head, std::string_view) const override {
    if (internal::FirstJsonKeyIs(head, "chart")) {
      return {95, "a JSON object whose top-level key is \"chart\" (Yahoo chart API v8 response)"};
    }
    return {0, "not a JSON object starting with the key \"chart\""};
  }

 private:
  Result<ParsedBars> ParseDocument(json& doc, const ParseOptions& opt) const override {
    const std::string& file = opt.file_label;
    if (!doc.is_object() || !doc.contains("chart") || !doc["chart"].is_object()) {
      return Status::InvalidInput(file + ": not a Yahoo chart response (no top-level \"chart\" object)");
    }
    const json& chart = doc["chart"];
    if (chart.contains("error") && !chart["error"].is_null()) {
      const json& e = chart["error"];
      std::string what = ToJsonText(e);
      if (e.is_object() && e.contains("description") && e["description"].is_string()) {
        what = e["description"].get<std::string>();
      }
      return Status::InvalidInput(file + ": Yahoo returned an error instead of bars: " + what);
    }
    if (!chart.contains("result") || !chart["result"].is_array() || chart["result"].empty() ||
        !chart["result"][0].is_object()) {
      return Status::InvalidInput(file + ": the Yahoo response has no chart.result[0]");
    }
    const json& r = chart["result"][0];
    const json empty_object = json::object();
    const json& meta = r.contains("meta") && r["meta"].is_object() ? r["meta"] : empty_object;
    ParsedBars out;

    // The bar size in the response must be the import's timeframe.
    if (meta.contains("dataGranularity") && meta["dataGranularity"].is_string()) {
      const std::string g = meta["dataGranularity"].get<std::string>();
      const int64_t secs = GranularitySeconds(g);
      if (secs == 0) {
        return Status::InvalidInput(file + ": the response holds '" + g +
                                    "' bars (meta.dataGranularity), which barlake does not store; "
                                    "fetch with interval 1m..1h, 1d or 1wk");
      }
      if (secs != opt.timeframe.seconds()) {
        return Status::InvalidInput(file + ": the response holds " + internal::TimeframeName(secs) +
                                    " bars (meta.dataGranularity '" + g + "') but the timeframe is " +
                                    opt.timeframe.name() + "; pass --timeframe " +
                                    internal::TimeframeName(secs));
      }
    }

    // The exchange zone (needed for daily dates and event dates).
    std::optional<TimeZone> zone;
    if (meta.contains("exchangeTimezoneName") && meta["exchangeTimezoneName"].is_string()) {
      const std::string zname = meta["exchangeTimezoneName"].get<std::string>();
      Result<TimeZone> z = TimeZone::Locate(zname);
      if (!z.ok()) {
        return Status::InvalidInput(file + ": meta.exchangeTimezoneName '" + zname +
                                    "' is not a known IANA zone");
      }
      zone = std::move(z).value();
    } else if (opt.source_tz) {
      zone = *opt.source_tz;
      out.source_tz_used = true;
      out.notes.push_back("meta.exchangeTimezoneName is missing: exchange dates taken in " +
                          opt.source_tz->name() + " (the source zone)");
    } else {
      zone = TimeZone::Locate("UTC").value();
      out.notes.push_back("meta.exchangeTimezoneName is missing: exchange dates taken in UTC");
    }
    const bool daily = opt.timeframe.is_daily_or_longer();
    if (daily) {
      out.notes.push_back("daily bars stamped with their exchange-local date (" + zone->name() +
                          ") at 00:00 UTC");
    }

    // Events: kept in the report.
    if (r.contains("events") && r["events"].is_object()) {
      const json& ev = r["events"];
      std::vector<std::pair<int64_t, std::string>> lines;
      if (ev.contains("splits") && ev["splits"].is_object()) {
        for (const auto& [key, s] : ev["splits"].items()) {
          const auto date = IntField(s, "date");
          std::string ratio = s.is_object() && s.contains("splitRatio") && s["splitRatio"].is_string()
                                  ? s["splitRatio"].get<std::string>()
                                  : "";
          if (ratio.empty()) {
            const auto num = IntField(s, "numerator"), den = IntField(s, "denominator");
            ratio = std::to_string(num.value_or(0)) + ":" + std::to_string(den.value_or(0));
          }
          const int64_t at = date.value_or(0);
          if (!PlausibleEpochSeconds(at)) continue;
          lines.emplace_back(at, "event: split " + ratio + " on " + DateText(LocalDay(*zone, at)) +
                                     " (Yahoo prices are split-adjusted as of the fetch)");
        }
      }
      if (ev.contains("dividends") && ev["dividends"].is_object()) {
        for (const auto& [key, d] : ev["dividends"].items()) {
          const int64_t at = IntField(d, "date").value_or(0);
          if (!PlausibleEpochSeconds(at)) continue;
          double amount = 0;
          if (d.is_object() && d.contains("amount")) internal::JsonNumber(d["amount"], &amount);
          lines.emplace_back(at, "event: dividend " + Num(amount) + " on " + DateText(LocalDay(*zone, at)));
        }
      }
      std::sort(lines.begin(), lines.end());
      for (auto& [at, text] : lines) out.notes.push_back(std::move(text));
    }

    // The quote arrays.
    const json* quote = nullptr;
    if (r.contains("indicators") && r["indicators"].is_object() && r["indicators"].contains("quote") &&
        r["indicators"]["quote"].is_array() && !r["indicators"]["quote"].empty() &&
        r["indicators"]["quote"][0].is_object()) {
      quote = &r["indicators"]["quote"][0];
    }
    size_t quote_values = 0;
    if (quote) {
      for (const char* f : kFields) {
        if (quote->contains(f) && (*quote)[f].is_array()) quote_values = std::max(quote_values, (*quote)[f].size());
      }
    }
    if (!r.contains("timestamp") || r["timestamp"].is_null()) {
      if (quote_values > 0) {
        return Status::InvalidInput(file + ": malformed Yahoo response: the quote arrays hold " +
                                    std::to_string(quote_values) +
                                    " values but there is no \"timestamp\" array; fetch it again");
      }
      out.empty_result_ok = true;
      out.notes.push_back("the response has no \"timestamp\": no bars in the requested range "
                          "(a weekend, a holiday or a range before the listing)");
      return out;
    }
    const json& stamps = r["timestamp"];
    if (!stamps.is_array()) return Status::InvalidInput(file + ": \"timestamp\" is not an array");
    if (!quote) {
      return Status::InvalidInput(file + ": the response has " + std::to_string(stamps.size()) +
                                  " timestamps but no indicators.quote[0] object");
    }
    const json* cols[5];
    for (int f = 0; f < 5; ++f) {
      if (!quote->contains(kFields[f]) || !(*quote)[kFields[f]].is_array() ||
          (*quote)[kFields[f]].size() != stamps.size()) {
        const size_t have = quote->contains(kFields[f]) && (*quote)[kFields[f]].is_array()
                                ? (*quote)[kFields[f]].size()
                                : 0;
        return Status::InvalidInput(file + ": malformed Yahoo response: indicators.quote[0]." +
                                    kFields[f] + " has " + std::to_string(have) + " values for " +
                                    std::to_string(stamps.size()) + " timestamps");
      }
      cols[f] = &(*quote)[kFields[f]];
    }

    ProblemList problems(file);

    if (opt.keep_unparsed) problems.KeepIn(&out.unparsed);
    int64_t nulls = 0;
    std::vector<int64_t> raw_stamp;  // epoch seconds of each kept row (for the live check)
    out.bars.Reserve(stamps.size());
    for (size_t i = 0; i < stamps.size(); ++i) {
      const uint32_t n = static_cast<uint32_t>(i + 1);
      ++out.rows_read;
      if (!stamps[i].is_number_integer() || !PlausibleEpochSeconds(stamps[i].get<int64_t>())) {
        problems.Add(n, "timestamp", internal::JsonExcerpt(stamps[i]) + " is not epoch seconds");
        continue;
      }
      double v[5];
      bool null_row = false, ok = true;
      for (int f = 0; f < 5; ++f) {
        const json& x = (*cols[f])[i];
        if (x.is_null()) {
          null_row = true;
        } else if (!internal::JsonNumber(x, &v[f])) {
          problems.Add(n, kFields[f], internal::JsonExcerpt(x) + " is not a number");
          ok = false;
        }
      }
      if (!ok) continue;
      if (null_row) {
        ++nulls;
        continue;
      }
      const int64_t t = stamps[i].get<int64_t>();
      const Micros ts = daily ? LocalDay(*zone, t) * kMicrosPerDay : t * kMicrosPerSecond;
      internal::PushBar(&out, ts, v, n);
      raw_stamp.push_back(t);
    }
    RETURN_IF_ERROR(problems.ToStatus("Fetch the response again; Yahoo sends numbers or null."));
    if (nulls) {
      out.notes.push_back("skipped " + std::to_string(nulls) + " null row" + (nulls == 1 ? "" : "s") +
                          " (Yahoo sends null for intervals without data)");
    }
    DropLiveBar(meta, *zone, opt.timeframe, raw_stamp, opt.keep_live_last_bar, &out);
    internal::SortAndNote(&out);
    return out;
  }

 private:
  // The live bar: Yahoo includes the bar in progress at meta.regularMarketTime (the
  // response's own "now"). Intraday: its period [ts, ts + tf) had not ended. Daily: it
  // is the exchange-local day of regularMarketTime and either stamped with
  // regularMarketTime itself (Yahoo stamps the forming day with the last trade time,
  // not the session open) or the regular session had not yet ended. Weekly: the week
  // had not ended. Only the last bar can be live. A regularMarketTime older than the
  // bar (mutual funds' meta lags their NAV bars) proves nothing: the bar is kept.
  static void DropLiveBar(const json& meta, TimeZone& zone, const Timeframe& tf,
                          const std::vector<int64_t>& raw, bool keep_live, ParsedBars* out) {
    const auto now = IntField(meta, "regularMarketTime");
    if (!now || out->bars.empty() || !PlausibleEpochSeconds(*now)) return;
    const size_t last = out->bars.size() - 1;
    const int64_t t = raw[last];
    bool live = false;
    if (!tf.is_daily_or_longer()) {
      live = t <= *now && t + tf.seconds() > *now;
    } else {
      const int64_t bar_day = out->bars.ts[last] / kMicrosPerDay;
      const int64_t now_day = LocalDay(zone, *now);
      if (tf.seconds() > 86400) {
        live = now_day < bar_day + tf.seconds() / 86400;
      } else if (now_day == bar_day) {
        std::optional<int64_t> session_end;
        if (meta.contains("currentTradingPeriod") && meta["currentTradingPeriod"].is_object()) {
          session_end = IntField(meta["currentTradingPeriod"].value("regular", json::object()), "end");
        }
        live = t == *now || (session_end && *now < *session_end);
      }
    }
    if (!live) return;
    const std::string when = FormatIsoUtc(*now * kMicrosPerSecond);
    if (keep_live) {
      out->notes.push_back("kept the live last bar (" +
                           (tf.is_daily_or_longer() ? DateText(out->bars.ts[last] / kMicrosPerDay)
                                                    : FormatIsoUtc(out->bars.ts[last])) +
                           ") as provisional: its period had not closed at regularMarketTime " + when +
                           "; a later fetch completes it");
      return;
    }
    out->notes.push_back("dropped the live last bar (" +
                         (tf.is_daily_or_longer() ? DateText(out->bars.ts[last] / kMicrosPerDay)
                                                  : FormatIsoUtc(out->bars.ts[last])) +
                         "): its period had not closed at regularMarketTime " + when +
                         "; import again after the close to get the final bar");
    auto& b = out->bars;
    b.ts.pop_back();
    b.open.pop_back();
    b.high.pop_back();
    b.low.pop_back();
    b.close.pop_back();
    b.volume.pop_back();
    out->line.pop_back();
  }
};

}  // namespace

const BarFormat* YahooChartJsonFormat() { return internal::FormatInstance<YahooJson>(); }

}  // namespace barlake::ingest
