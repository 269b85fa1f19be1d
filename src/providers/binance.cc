// Binance spot klines: GET /api/v3/klines?symbol=&interval=&startTime=&endTime=&limit=1000
// (weight 2; 6000 weight per minute per IP, the used weight in X-MBX-USED-WEIGHT-1M).
// Requests are planned by open time, 1000 bars each, back to back: pages never overlap, so
// no boundary bar comes twice. The default origin is the market-data-only host.
#include <nlohmann/json.hpp>

#include "providers/provider.h"

namespace barlake::providers {
namespace {

using nlohmann::json;

constexpr int64_t kBarsPerRequest = 1000;

class Binance final : public Provider {
 public:
  explicit Binance(ProviderConfig c)
      : Provider(std::move(c), "binance-json", "1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d and 1w") {}
  double DefaultRequestsPerMinute() const override { return 600; }
  int WeightPerMinute() const override { return 6000; }

  Result<std::vector<FetchRequest>> Plan(const PlanInput& in, std::string*) const override {
    ASSIGN_OR_RETURN(const std::string interval, RequestNameOf(in.timeframe));
    std::vector<FetchRequest> out;
    const Micros span = kBarsPerRequest * in.timeframe.micros();
    for (Micros a = in.from; a < in.to; a += span) {
      const Micros b = std::min(in.to, a + span);
      FetchRequest r;
      r.from = a;
      r.to = b;
      r.weight = 2;
      // endTime is inclusive (the open time of the last bar wanted).
      r.url = config_.origin + "/api/v3/klines?symbol=" + UrlEncode(in.symbol) + "&interval=" + interval +
              "&startTime=" + std::to_string(a / 1000) + "&endTime=" + std::to_string(b / 1000 - 1) +
              "&limit=" + std::to_string(kBarsPerRequest);
      r.shown_url = RedactUrl(r.url);
      out.push_back(std::move(r));
    }
    return out;
  }

  int UsedWeight(const HttpResponse& r) const override {
    const std::string v = r.Header("x-mbx-used-weight-1m");
    if (v.empty()) return -1;
    return std::atoi(v.c_str());
  }

  Classified Classify(const HttpResponse& r) const override {
    json doc = LooksLikeHtml(r.body) ? json(json::value_t::discarded) : json::parse(r.body, nullptr, false);
    std::string msg;
    int code = 0;
    if (doc.is_object()) {
      msg = doc.value("msg", std::string());
      code = doc.value("code", 0);
    }
    const std::string said = std::to_string(r.status) + " " + (msg.empty() ? BodyExcerpt(r.body, 120) : msg);
    if (r.status == 429) return {Outcome::kRateLimited, said, RetryAfter(r)};
    if (r.status == 418) {
      // Banned: the ban grows from 2 minutes to 3 days if requests go on. Stop this provider.
      return {Outcome::kBanned, said, RetryAfter(r)};
    }
    if (r.status == 451 || r.status == 403) return {Outcome::kBlocked, said};
    if (r.status >= 500) return {Outcome::kTransient, said};
    if (r.status == 400 && code == -1121) return {Outcome::kNotFound, said};
    if (r.status != 200) return {Outcome::kBadRequest, said};
    if (LooksLikeHtml(r.body)) {
      return {Outcome::kBlocked, "200 an HTML page instead of klines JSON: " + BodyExcerpt(r.body, 80)};
    }
    if (doc.is_discarded()) {
      return {Outcome::kMalformed, "the body is not complete JSON (" + std::to_string(r.body.size()) +
                                       " bytes): " + BodyExcerpt(r.body, 80)};
    }
    if (!doc.is_array()) return {Outcome::kMalformed, "the body is JSON but not a klines array: " + BodyExcerpt(r.body, 80)};
    if (doc.empty()) return {Outcome::kEmptyWindow, "no klines in this window"};
    return {Outcome::kOk, ""};
  }

 private:
  std::string RequestName(const Timeframe& tf) const override { return Interval(tf); }
  static std::string Interval(const Timeframe& tf) {
    const int64_t s = tf.seconds();
    for (int64_t m : {1, 3, 5, 15, 30}) {
      if (s == m * 60) return std::to_string(m) + "m";
    }
    for (int64_t h : {1, 2, 4, 6, 8, 12}) {
      if (s == h * 3600) return std::to_string(h) + "h";
    }
    if (s == 86400) return "1d";
    if (s == 3 * 86400) return "3d";
    if (s == 7 * 86400) return "1w";
    return "";
  }
};

}  // namespace

std::unique_ptr<Provider> MakeBinanceProvider(ProviderConfig config) {
  return std::make_unique<Binance>(std::move(config));
}

}  // namespace barlake::providers
