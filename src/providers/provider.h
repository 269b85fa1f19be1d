// Provider: one online source of bars (Yahoo chart v8, Binance spot klines, Alpha Vantage)
// behind one interface. A provider plans the requests for a symbol, timeframe and range,
// and classifies each answer; it does no I/O itself (the Fetcher, providers/fetcher.h,
// sends the requests under the provider's rate limit, retries and circuit breaker), and
// its bodies are parsed by the ingest format it names (ingest/yahoo.h, binance.h,
// alphavantage.h), the same parser a file import of the saved body uses.
//
// Adding a provider is one file (`providers/<name>.cc` defining `Make<Name>Provider`) and
// one line in BARLAKE_PROVIDERS below.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"
#include "core/timeframe.h"
#include "providers/http_client.h"

namespace barlake::providers {

/// What an answer means. Only kOk and kEmptyWindow carry bars (none for the latter).
enum class Outcome {
  kOk,              // bars
  kEmptyWindow,     // nothing in this window (weekend, before listing, "Data doesn't exist")
  kNotFound,        // the provider does not know the symbol
  kRangeNotServed,  // older than the provider serves for this timeframe
  kRateLimited,     // slow down: wait retry_after, then try again
  kBanned,          // 418: this provider refuses us until retry_at
  kBlocked,         // Yahoo 429, 403 WAF, 451 geo block, an HTML page with 200
  kQuotaExhausted,  // Alpha Vantage daily quota; premium-only requests
  kTransient,       // 5xx, timeout, connection reset: retried with backoff
  kMalformed,       // a body that is not the provider's shape (truncated JSON, wrong shape)
  kBadRequest,      // the request itself is wrong (bad interval, bad key, invalid call)
};
const char* OutcomeName(Outcome o);

struct Classified {
  Outcome outcome = Outcome::kOk;
  /// The provider's own words (or what was wrong with the body), for the report.
  std::string message;
  /// kRateLimited/kBanned/kQuotaExhausted: how long to wait (0: unknown).
  Micros retry_after = 0;
};

/// Settings of one provider ([[provider]] in barlake.toml; docs/providers.md).
struct ProviderConfig {
  std::string name;
  /// Where requests go: the provider's public origin unless BARLAKE_<NAME>_URL says otherwise.
  std::string origin;
  /// The environment variable holding the API key (Alpha Vantage); the key itself is read
  /// when a request is built and never stored, printed, logged or journaled.
  std::string api_key_env;
  double requests_per_minute = 0;  // 0: the provider's default
  double timeout_seconds = 30;
};

/// What a request fetches: the provider's API, or a published data archive (Binance's
/// monthly kline zips) and the file holding the archive's SHA-256.
enum class RequestKind { kApi, kArchive, kChecksum };

/// One request: the URL sent (it may hold a key) and the URL shown everywhere else.
struct FetchRequest {
  std::string url;
  std::string shown_url;  // the key redacted: this is what reports and the journal hold
  Micros from = 0, to = 0;  // the bar open times it asks for, [from, to)
  int weight = 1;           // the provider's cost of the request (Binance request weight)
  RequestKind kind = RequestKind::kApi;
  /// kArchive: where the archive's SHA-256 is published (checked before the bytes are used).
  std::string checksum_url;
  /// The ingest format of the answer's bytes when it is not the provider's (an archive of
  /// CSV); empty: Provider::format().
  std::string format;
};

struct PlanInput {
  std::string symbol;  // the provider's symbol
  Timeframe timeframe;
  Micros from = 0, to = 0;  // bar open times wanted, [from, to)
  Micros now = 0;
  /// Whether published archives may serve whole months (Binance); false after an archive
  /// was missing, so the rest of the range goes to the API.
  bool archives = true;
};

class Provider {
 public:
  virtual ~Provider() = default;
  const std::string& name() const { return config_.name; }
  /// The ingest format that parses this provider's bodies (ingest/format.h).
  const std::string& format() const { return format_; }
  /// Whether it serves this timeframe at all.
  bool Supports(const Timeframe& tf) const { return !RequestName(tf).empty(); }
  /// The requests that cover [from, to), oldest first. kInvalidArgument for a timeframe it
  /// does not serve; kRangeNotServed is told by `*clamped` (the part older than the
  /// provider's window is left out and named).
  virtual Result<std::vector<FetchRequest>> Plan(const PlanInput& in, std::string* clamped) const = 0;
  /// What an answer means (status, headers, body).
  virtual Classified Classify(const HttpResponse& r) const = 0;
  /// What the answer to `req` means: Classify, unless the request fetched an archive or its
  /// checksum (whose answers are not the API's shape).
  virtual Classified ClassifyAnswer(const FetchRequest& req, const HttpResponse& r) const {
    (void)req;
    return Classify(r);
  }
  /// Requests per minute the provider allows by default, and the weight budget per minute
  /// (0: requests are counted, not weighed).
  virtual double DefaultRequestsPerMinute() const = 0;
  virtual int WeightPerMinute() const { return 0; }
  /// Requests the provider allows per UTC day (0: no daily quota). The Updater counts them
  /// in the vault (providers/usage_state.h) so several runs in a day do not overrun it.
  virtual int DailyQuota() const { return 0; }
  /// The weight the provider says was used in the current minute (Binance's
  /// X-MBX-USED-WEIGHT-1M); -1 when the answer does not say.
  virtual int UsedWeight(const HttpResponse&) const { return -1; }
  const ProviderConfig& config() const { return config_; }

 protected:
  /// `served` lists the timeframes for messages ("1m, 5m and 1d").
  Provider(ProviderConfig c, std::string format, std::string served)
      : config_(std::move(c)), format_(std::move(format)), served_(std::move(served)) {}
  /// The provider's own name of the timeframe in its requests ("1m", "5min",
  /// "TIME_SERIES_DAILY"); empty when it does not serve it.
  virtual std::string RequestName(const Timeframe& tf) const = 0;
  /// RequestName, or kInvalidArgument "NAME serves ... bars, not TF".
  Result<std::string> RequestNameOf(const Timeframe& tf) const {
    std::string n = RequestName(tf);
    if (n.empty()) return Status::InvalidArgument(name() + " serves " + served_ + " bars, not " + tf.name());
    return n;
  }
  ProviderConfig config_;
  std::string format_, served_;
};

// The providers barlake knows: X(CamelName, "name", default origin, origin variable).
#define BARLAKE_PROVIDERS(X)                                                                     \
  X(Yahoo, "yahoo", "https://query2.finance.yahoo.com", "BARLAKE_YAHOO_URL")                    \
  X(Binance, "binance", "https://data-api.binance.vision", "BARLAKE_BINANCE_URL")               \
  X(AlphaVantage, "alphavantage", "https://www.alphavantage.co", "BARLAKE_ALPHAVANTAGE_URL")

#define BARLAKE_DECLARE_PROVIDER(Camel, name, origin, env) \
  std::unique_ptr<Provider> Make##Camel##Provider(ProviderConfig config);
BARLAKE_PROVIDERS(BARLAKE_DECLARE_PROVIDER)
#undef BARLAKE_DECLARE_PROVIDER

/// The names of every known provider, in BARLAKE_PROVIDERS order.
std::vector<std::string> ProviderNames();
/// The provider `config.name` with its origin resolved (BARLAKE_<NAME>_URL, else
/// config.origin, else the public origin). kInvalidArgument naming the known providers.
Result<std::unique_ptr<Provider>> MakeProvider(ProviderConfig config);

// Helpers the provider files share.
/// `url` with the value of every `apikey=`/`api_key=`/`token=` parameter replaced by "***".
std::string RedactUrl(const std::string& url);
/// Percent-encode a query value (symbols like "ES=F", "^GSPC").
std::string UrlEncode(const std::string& value);
/// Seconds from a Retry-After header (seconds or absent); 0 when absent or unreadable.
Micros RetryAfter(const HttpResponse& r);
/// True when the body starts (after blanks) with '<': an HTML page where JSON was expected.
bool LooksLikeHtml(const std::string& body);
/// The body cut to `max` bytes as valid UTF-8, for messages.
std::string BodyExcerpt(const std::string& body, size_t max = 200);

}  // namespace barlake::providers
