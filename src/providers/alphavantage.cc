// Alpha Vantage: GET /query?function=TIME_SERIES_INTRADAY&symbol=&interval=&month=YYYY-MM
// &outputsize=full&apikey= (one request per month of intraday bars), TIME_SERIES_DAILY
// (compact: the latest 100 days; full history is a premium parameter) and
// TIME_SERIES_WEEKLY. Every error comes with HTTP 200 as an "Information", "Note" or
// "Error Message" key. The key is read from the environment variable the configuration
// names when the request is built, and only the redacted URL goes anywhere else.
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "providers/provider.h"

namespace barlake::providers {
namespace {

using nlohmann::json;

bool Contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

class AlphaVantage final : public Provider {
 public:
  explicit AlphaVantage(ProviderConfig c)
      : Provider(std::move(c), "alphavantage-json", "1m, 5m, 15m, 30m, 1h, 1d and 1w") {
    if (config_.api_key_env.empty()) config_.api_key_env = "ALPHAVANTAGE_API_KEY";
  }
  // The free key: 25 requests a day and about one a second.
  double DefaultRequestsPerMinute() const override { return 5; }
  // The free key's daily quota (RESEARCH.md): counted in the vault across runs.
  int DailyQuota() const override { return 25; }

  Result<std::vector<FetchRequest>> Plan(const PlanInput& in, std::string* clamped) const override {
    ASSIGN_OR_RETURN(const std::string function, RequestNameOf(in.timeframe));
    const char* key = std::getenv(config_.api_key_env.c_str());
    if (!key || !*key) {
      return Status::InvalidArgument("alphavantage needs an API key in the environment variable " +
                                     config_.api_key_env + " (https://www.alphavantage.co/support/#api-key)");
    }
    const std::string base = config_.origin + "/query?function=" + function + "&symbol=" + UrlEncode(in.symbol);
    const std::string apikey = "&apikey=" + UrlEncode(key);
    std::vector<FetchRequest> out;
    auto add = [&](std::string url, Micros a, Micros b) {
      FetchRequest r;
      r.url = std::move(url);
      r.shown_url = RedactUrl(r.url);
      r.from = a;
      r.to = b;
      out.push_back(std::move(r));
    };
    if (in.timeframe.is_daily_or_longer()) {
      Micros from = in.from;
      // The free daily series (outputsize=compact) holds the latest 100 trading days, about
      // 140 calendar days; full history is a premium parameter. Say what is left out.
      const Micros compact_start = in.now - 140 * kMicrosPerDay;
      if (function == "TIME_SERIES_DAILY" && from < compact_start) {
        if (clamped) {
          *clamped = "alphavantage's free daily series holds the latest 100 trading days: " + FormatIsoUtc(from) +
                     " to " + FormatIsoUtc(std::min(in.to, compact_start)) + " is not fetched";
        }
        from = compact_start;
      }
      if (from < in.to) {
        add(base + (function == "TIME_SERIES_DAILY" ? "&outputsize=compact" : "") + apikey, from, in.to);
      }
      return out;
    }
    // One request per calendar month (UTC months; the series is in US/Eastern, so a
    // month's first hours come with the previous month's request as well, and merge as
    // identical bars).
    int y;
    unsigned m, d;
    CivilFromDays(FloorDiv(in.from, kMicrosPerDay), &y, &m, &d);
    for (;;) {
      const Micros month_start = DaysFromCivil(y, m, 1) * kMicrosPerDay;
      if (month_start >= in.to) break;
      unsigned nm = m == 12 ? 1 : m + 1;
      int ny = m == 12 ? y + 1 : y;
      const Micros month_end = DaysFromCivil(ny, nm, 1) * kMicrosPerDay;
      char month[16];
      std::snprintf(month, sizeof month, "%04d-%02u", y, m);
      add(base + "&interval=" + Interval(in.timeframe) + "&month=" + month + "&outputsize=full" + apikey,
          std::max(in.from, month_start), std::min(in.to, month_end));
      y = ny;
      m = nm;
    }
    return out;
  }

  Classified Classify(const HttpResponse& r) const override {
    if (r.status == 429) return {Outcome::kRateLimited, "429 " + BodyExcerpt(r.body, 120), RetryAfter(r)};
    if (r.status >= 500) return {Outcome::kTransient, std::to_string(r.status) + " " + BodyExcerpt(r.body, 120)};
    if (r.status != 200) return {Outcome::kBadRequest, std::to_string(r.status) + " " + BodyExcerpt(r.body, 120)};
    if (LooksLikeHtml(r.body)) {
      return {Outcome::kBlocked, "200 an HTML page instead of JSON: " + BodyExcerpt(r.body, 80)};
    }
    json doc = json::parse(r.body, nullptr, false);
    if (doc.is_discarded()) {
      return {Outcome::kMalformed, "the body is not complete JSON (" + std::to_string(r.body.size()) +
                                       " bytes): " + BodyExcerpt(r.body, 80)};
    }
    if (!doc.is_object()) return {Outcome::kMalformed, "the body is JSON but not an object: " + BodyExcerpt(r.body, 80)};
    auto text = [&](const char* key) {
      return doc.contains(key) && doc[key].is_string() ? doc[key].get<std::string>() : std::string();
    };
    // The burst text also names the daily limit: look at "per second" first.
    if (std::string info = text("Information"); !info.empty()) {
      if (Contains(info, "per second") || Contains(info, "sparingly")) {
        return {Outcome::kRateLimited, info, 2 * kMicrosPerSecond};
      }
      if (Contains(info, "per day")) return {Outcome::kQuotaExhausted, info};  // until the next day: stop using it this run
      // Not for this key (a premium endpoint or parameter): another provider may serve it.
      if (Contains(info, "premium")) return {Outcome::kBadRequest, "premium only: " + info};
      return {Outcome::kBadRequest, info};
    }
    if (std::string note = text("Note"); !note.empty()) {
      return {Outcome::kRateLimited, note, 60 * kMicrosPerSecond};  // the legacy 5 per minute
    }
    if (std::string err = text("Error Message"); !err.empty()) {
      if (Contains(err, "apikey")) return {Outcome::kBadRequest, err};
      // Alpha Vantage's answer to an unknown symbol is "Invalid API call".
      return {Outcome::kNotFound, err};
    }
    bool has_series = false;
    for (const auto& [key, value] : doc.items()) {
      if (Contains(key, "Time Series") && value.is_object()) {
        has_series = true;
        if (value.empty()) return {Outcome::kEmptyWindow, "the series is empty"};
      }
    }
    if (!has_series) return {Outcome::kMalformed, "the body has no time series: " + BodyExcerpt(r.body, 80)};
    return {Outcome::kOk, ""};
  }

 private:
  std::string RequestName(const Timeframe& tf) const override { return Function(tf); }
  static Micros FloorDiv(Micros a, Micros b) { return a / b - (a % b < 0 ? 1 : 0); }
  static std::string Function(const Timeframe& tf) {
    if (tf.seconds() == 86400) return "TIME_SERIES_DAILY";
    if (tf.seconds() == 7 * 86400) return "TIME_SERIES_WEEKLY";
    return Interval(tf).empty() ? "" : "TIME_SERIES_INTRADAY";
  }
  static std::string Interval(const Timeframe& tf) {
    switch (tf.seconds()) {
      case 60: return "1min";
      case 300: return "5min";
      case 900: return "15min";
      case 1800: return "30min";
      case 3600: return "60min";
      default: return "";
    }
  }
};

}  // namespace

std::unique_ptr<Provider> MakeAlphaVantageProvider(ProviderConfig config) {
  return std::make_unique<AlphaVantage>(std::move(config));
}

}  // namespace barlake::providers
