// Fetcher: sends a provider's requests politely and tells what each answer means.
//  - a token bucket per provider: requests per minute, or for Binance request weight per
//    minute, corrected by the weight the provider reports as used (X-MBX-USED-WEIGHT-1M);
//  - retries with exponential backoff and jitter on timeouts, connection errors and 5xx;
//  - Retry-After honoured (429) when the wait is short enough, else the provider is left
//    for the next one of the rule chain;
//  - a circuit breaker per provider: a ban (418), a block (Yahoo 429, 403, 451, HTML
//    pages), an exhausted quota or repeated transient failures open it, and while it is
//    open the provider is not asked at all.
// Time comes from a Clock, so tests run with a simulated clock and never sleep.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "providers/http_client.h"
#include "providers/provider.h"

namespace barlake::providers {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros Now() = 0;
  virtual void Sleep(Micros how_long) = 0;
};
/// The system clock and a real sleep.
Clock* SystemClock();

/// A simulated clock: Sleep advances it, nothing waits. For tests and --dry-run.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(Micros start) : now_(start) {}
  Micros Now() override { return now_; }
  void Sleep(Micros how_long) override {
    if (how_long > 0) now_ += how_long;
    slept_ += how_long > 0 ? how_long : 0;
  }
  Micros slept() const { return slept_; }

 private:
  Micros now_;
  Micros slept_ = 0;
};

struct FetchPolicy {
  int max_attempts = 4;  // per request, transient failures and short rate limits
  Micros base_backoff = 500 * 1000;
  Micros max_backoff = 30 * kMicrosPerSecond;
  /// The longest Retry-After waited for; a longer one fails over instead.
  Micros max_retry_after = 120 * kMicrosPerSecond;
  /// Transient failures in a row (after retries) that open the breaker, and for how long.
  int breaker_failures = 2;
  Micros breaker_cooldown = 5 * 60 * kMicrosPerSecond;
  /// Weight budget per minute for weighed providers (0: the provider's own).
  int weight_per_minute = 0;
  uint32_t jitter_seed = 0;  // 0: random
};

/// A token bucket: `capacity` tokens, refilled at capacity per minute.
class TokenBucket {
 public:
  TokenBucket(double per_minute, Micros now);
  /// Wait (on `clock`) until `cost` tokens are there, then take them.
  void Acquire(double cost, Clock* clock);
  /// The provider says `used` of the minute's budget is spent: keep no more than the rest.
  void ObserveUsed(double used, Micros now);
  double capacity() const { return capacity_; }

 private:
  void Refill(Micros now);
  double capacity_, tokens_;
  Micros last_;
};

struct FetchResult {
  Classified classified;
  HttpResponse response;  // status 0 when no answer came (transport failure, open breaker)
  int attempts = 0;
  /// Every status seen for this request, in order ("503, 503, 200"; "timeout").
  std::string statuses;
};

/// Per-provider limits and breaker state, shared by every request of one run.
class Fetcher {
 public:
  Fetcher(HttpClient* http, Clock* clock, FetchPolicy policy);
  FetchResult Fetch(const Provider& p, const FetchRequest& req);
  /// Why the provider's breaker is open (empty when closed).
  std::string BreakerOpen(const Provider& p);
  /// Weight or requests spent on `provider` so far, and the most spent in any rolling
  /// minute (for the budget test and the report).
  struct Usage {
    int64_t requests = 0;
    int64_t weight = 0;
    int64_t max_weight_in_a_minute = 0;
  };
  Usage usage(const std::string& provider) const;
  /// The breakers open now, provider -> (until, why): kept in the vault for the next run.
  std::map<std::string, std::pair<Micros, std::string>> OpenBreakers() const;
  /// A breaker the previous run left open (until `until`).
  void RestoreBreaker(const std::string& provider, Micros until, const std::string& why);

 private:
  struct State {
    std::unique_ptr<TokenBucket> bucket;
    int failures_in_a_row = 0;
    Micros open_until = 0;
    std::string open_why;
    Usage usage;
    std::deque<std::pair<Micros, int>> sent;  // (time, weight) within the last minute
  };
  State& StateOf(const Provider& p);
  void Open(State* s, Micros until, const std::string& why);
  Micros Backoff(int attempt);

  HttpClient* http_;
  Clock* clock_;
  FetchPolicy policy_;
  std::map<std::string, State> states_;
  std::mt19937 rng_;
};

}  // namespace barlake::providers
