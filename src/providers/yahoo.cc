// Yahoo Finance chart v8: GET /v8/finance/chart/SYM?period1=&period2=&interval=
// &includePrePost=false&events=div,splits. Window limits (Yahoo's own error texts): 1m only
// within the last 30 days and at most 8 days per request; 2m..90m within 60 days; 1h within
// 730 days; 1d and 1wk the whole history.
#include <nlohmann/json.hpp>

#include "providers/provider.h"

namespace barlake::providers {
namespace {

using nlohmann::json;

class Yahoo final : public Provider {
 public:
  explicit Yahoo(ProviderConfig c) : Provider(std::move(c), "yahoo-json", "1m, 2m, 5m, 15m, 30m, 1h, 1d and 1w") {}
  double DefaultRequestsPerMinute() const override { return 30; }

  Result<std::vector<FetchRequest>> Plan(const PlanInput& in, std::string* clamped) const override {
    ASSIGN_OR_RETURN(const std::string interval, RequestNameOf(in.timeframe));
    const int64_t s = in.timeframe.seconds();
    // How far back the interval is served, and the most one request may ask for.
    Micros back = 0, per_request = 0;
    if (s == 60) {
      back = 30 * kMicrosPerDay;
      per_request = 7 * kMicrosPerDay;  // under Yahoo's 8 days, whatever the rounding
    } else if (s < 3600) {
      back = 60 * kMicrosPerDay;
    } else if (s == 3600) {
      back = 730 * kMicrosPerDay;
    }
    Micros from = in.from;
    if (back > 0 && from < in.now - back + kMicrosPerDay) {
      const Micros earliest = in.now - back + kMicrosPerDay;  // a day of margin for the edge
      if (clamped) {
        *clamped = "yahoo serves " + in.timeframe.name() + " bars only for the last " +
                   std::to_string(back / kMicrosPerDay) + " days: " + FormatIsoUtc(from) + " to " +
                   FormatIsoUtc(std::min(in.to, earliest)) + " is not fetched";
      }
      from = earliest;
    }
    std::vector<FetchRequest> out;
    for (Micros a = from; a < in.to;) {
      const Micros b = per_request > 0 ? std::min(in.to, a + per_request) : in.to;
      FetchRequest r;
      r.from = a;
      r.to = b;
      r.url = config_.origin + "/v8/finance/chart/" + UrlEncode(in.symbol) +
              "?period1=" + std::to_string(a / kMicrosPerSecond) +
              "&period2=" + std::to_string((b + kMicrosPerSecond - 1) / kMicrosPerSecond) +
              "&interval=" + interval + "&includePrePost=false&events=div%2Csplits";
      r.shown_url = RedactUrl(r.url);
      out.push_back(std::move(r));
      a = b;
    }
    return out;
  }

  Classified Classify(const HttpResponse& r) const override {
    if (r.status == 429) {
      // Plain text "Too Many Requests": Yahoo's block by IP or client fingerprint, which
      // lasts 15 minutes or more; retrying soon only extends it.
      return {Outcome::kBlocked, "429 " + BodyExcerpt(r.body, 80), 15 * 60 * kMicrosPerSecond};
    }
    if (r.status >= 500) return {Outcome::kTransient, std::to_string(r.status) + " " + BodyExcerpt(r.body, 120)};
    if (LooksLikeHtml(r.body)) {
      return {Outcome::kBlocked, std::to_string(r.status) +
                                     " an HTML page instead of chart JSON (a consent or challenge page): " +
                                     BodyExcerpt(r.body, 80)};
    }
    json doc = json::parse(r.body, nullptr, false);
    if (doc.is_discarded()) {
      if (r.status != 200) {
        return {r.status == 403 ? Outcome::kBlocked : Outcome::kBadRequest,
                std::to_string(r.status) + " " + BodyExcerpt(r.body, 120)};
      }
      return {Outcome::kMalformed, "the body is not complete JSON (" + std::to_string(r.body.size()) +
                                       " bytes): " + BodyExcerpt(r.body, 80)};
    }
    std::string description;
    if (doc.is_object() && doc.contains("chart") && doc["chart"].is_object()) {
      const json& e = doc["chart"].value("error", json());
      if (e.is_object()) description = e.value("description", std::string(e.dump()));
    }
    if (r.status == 404) return {Outcome::kNotFound, description.empty() ? "404 Not Found" : description};
    if (r.status == 422) return {Outcome::kRangeNotServed, description};
    if (r.status == 400 && description.rfind("Data doesn't exist", 0) == 0) {
      return {Outcome::kEmptyWindow, description};  // a window before the first bar
    }
    if (r.status == 403) return {Outcome::kBlocked, "403 " + description};
    if (r.status != 200) {
      return {Outcome::kBadRequest, std::to_string(r.status) + " " +
                                        (description.empty() ? BodyExcerpt(r.body, 120) : description)};
    }
    if (!description.empty()) return {Outcome::kBadRequest, description};
    if (!doc.is_object() || !doc.contains("chart") || !doc["chart"].is_object() ||
        !doc["chart"].contains("result") || !doc["chart"]["result"].is_array()) {
      return {Outcome::kMalformed, "the body is JSON but not a chart answer (no chart.result): " +
                                       BodyExcerpt(r.body, 80)};
    }
    return {Outcome::kOk, ""};
  }

 private:
  std::string RequestName(const Timeframe& tf) const override { return Interval(tf); }
  static std::string Interval(const Timeframe& tf) {
    switch (tf.seconds()) {
      case 60: return "1m";
      case 120: return "2m";
      case 300: return "5m";
      case 900: return "15m";
      case 1800: return "30m";
      case 3600: return "1h";
      case 86400: return "1d";
      case 7 * 86400: return "1wk";
      default: return "";
    }
  }
};

}  // namespace

std::unique_ptr<Provider> MakeYahooProvider(ProviderConfig config) {
  return std::make_unique<Yahoo>(std::move(config));
}

}  // namespace barlake::providers
