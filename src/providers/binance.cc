// Binance spot klines: GET /api/v3/klines?symbol=&interval=&startTime=&endTime=&limit=1000
// (weight 2; 6000 weight per minute per IP, the used weight in X-MBX-USED-WEIGHT-1M).
// Requests are planned by open time, 1000 bars each, back to back: pages never overlap, so
// no boundary bar comes twice. The default origin is the market-data-only host.
//
// Long backfills take whole months from the monthly archives of data.binance.vision
// (/data/spot/monthly/klines/SYM/TF/SYM-TF-YYYY-MM.zip, a CSV of the month's klines, and its
// .CHECKSUM, the zip's SHA-256 in sha256sum format): two requests a month instead of one per
// 1000 bars, and no API weight. The Updater checks the SHA-256 before it uses the zip and
// hands the rest of the range to the API on the first archive that is missing (a month not
// published yet, a symbol listed mid-month).
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "providers/provider.h"

namespace barlake::providers {
namespace {

using nlohmann::json;

constexpr int64_t kBarsPerRequest = 1000;
constexpr const char* kApiOrigin = "https://data-api.binance.vision";
constexpr const char* kArchiveOrigin = "https://data.binance.vision";

// Where the monthly archives come from: BARLAKE_BINANCE_ARCHIVE_URL, else the public
// archive host. Empty (no archives) when the API's origin was pointed elsewhere (a replay
// server, a proxy) and the archives' was not: no request goes where it was not sent.
std::string ArchiveOrigin(const ProviderConfig& c) {
  std::string origin;
  if (const char* v = std::getenv("BARLAKE_BINANCE_ARCHIVE_URL"); v && *v) {
    origin = v;
  } else if (c.origin == kApiOrigin) {
    origin = kArchiveOrigin;
  }
  while (!origin.empty() && origin.back() == '/') origin.pop_back();
  return origin;
}

// The first instant of the month holding `t`, and of the month after it.
Micros MonthStart(Micros t, int add_months = 0) {
  int y;
  unsigned m, d;
  CivilFromDays(t >= 0 ? t / kMicrosPerDay : (t - kMicrosPerDay + 1) / kMicrosPerDay, &y, &m, &d);
  int months = y * 12 + static_cast<int>(m) - 1 + add_months;
  return DaysFromCivil(months / 12, static_cast<unsigned>(months % 12 + 1), 1) * kMicrosPerDay;
}

// "2024-02" for the month starting at `t`.
std::string MonthName(Micros t) { return FormatIsoUtc(t).substr(0, 7); }

class Binance final : public Provider {
 public:
  explicit Binance(ProviderConfig c)
      : Provider(std::move(c), "binance-json", "1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d and 1w") {}
  double DefaultRequestsPerMinute() const override { return 600; }
  int WeightPerMinute() const override { return 6000; }

  Result<std::vector<FetchRequest>> Plan(const PlanInput& in, std::string*) const override {
    ASSIGN_OR_RETURN(const std::string interval, RequestNameOf(in.timeframe));
    std::vector<FetchRequest> out;
    // Whole months before the current one from the archives, when a month is more than one
    // API page (1m to 30m): the API before the first whole month and from the last one on.
    const std::string archive = ArchiveOrigin(config_);
    const bool by_month = in.archives && !archive.empty() && 31 * kMicrosPerDay / in.timeframe.micros() > kBarsPerRequest;
    Micros month = MonthStart(in.from) == in.from ? in.from : MonthStart(in.from, 1);
    const Micros this_month = MonthStart(in.now);
    if (!by_month || MonthStart(month, 1) > std::min(in.to, this_month)) {
      PlanApi(in, interval, in.from, in.to, &out);
      return out;
    }
    PlanApi(in, interval, in.from, month, &out);
    for (; MonthStart(month, 1) <= std::min(in.to, this_month); month = MonthStart(month, 1)) {
      const std::string file = in.symbol + "-" + interval + "-" + MonthName(month) + ".zip";
      FetchRequest r;
      r.from = month;
      r.to = MonthStart(month, 1);
      r.weight = 0;  // the archive host is not the API: no request weight
      r.kind = RequestKind::kArchive;
      r.format = "binance-csv";
      r.url = archive + "/data/spot/monthly/klines/" + UrlEncode(in.symbol) + "/" + interval + "/" + file;
      r.shown_url = RedactUrl(r.url);
      r.checksum_url = r.url + ".CHECKSUM";
      out.push_back(std::move(r));
    }
    PlanApi(in, interval, month, in.to, &out);
    return out;
  }

  Classified ClassifyAnswer(const FetchRequest& req, const HttpResponse& r) const override {
    if (req.kind == RequestKind::kApi) return Classify(r);
    const std::string what = req.kind == RequestKind::kArchive ? "monthly archive" : "archive checksum";
    const std::string said = std::to_string(r.status) + " " + BodyExcerpt(r.body, 120);
    if (r.status >= 500) return {Outcome::kTransient, said};
    // A missing month (not published yet, before the listing, a gap in the archives) and
    // any other refusal of the archive host: the API serves the range instead.
    if (r.status != 200) return {Outcome::kRangeNotServed, "no " + what + " (" + said + ")"};
    if (req.kind == RequestKind::kArchive && r.body.compare(0, 4, "PK\x03\x04") != 0) {
      return {Outcome::kMalformed, "the " + what + " is not a zip archive (" + std::to_string(r.body.size()) +
                                       " bytes): " + BodyExcerpt(r.body, 80)};
    }
    return {Outcome::kOk, ""};
  }

 private:
  // API requests covering [from, to), 1000 bars each, back to back.
  void PlanApi(const PlanInput& in, const std::string& interval, Micros from, Micros to,
               std::vector<FetchRequest>* out) const {
    const Micros span = kBarsPerRequest * in.timeframe.micros();
    for (Micros a = from; a < to; a += span) {
      const Micros b = std::min(to, a + span);
      FetchRequest r;
      r.from = a;
      r.to = b;
      r.weight = 2;
      // endTime is inclusive (the open time of the last bar wanted).
      r.url = config_.origin + "/api/v3/klines?symbol=" + UrlEncode(in.symbol) + "&interval=" + interval +
              "&startTime=" + std::to_string(a / 1000) + "&endTime=" + std::to_string(b / 1000 - 1) +
              "&limit=" + std::to_string(kBarsPerRequest);
      r.shown_url = RedactUrl(r.url);
      out->push_back(std::move(r));
    }
  }

 public:
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
