#include "providers/fetcher.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace barlake::providers {
namespace {

class RealClock final : public Clock {
 public:
  Micros Now() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void Sleep(Micros how_long) override {
    if (how_long > 0) std::this_thread::sleep_for(std::chrono::microseconds(how_long));
  }
};

}  // namespace

Clock* SystemClock() {
  static RealClock clock;
  return &clock;
}

TokenBucket::TokenBucket(double per_minute, Micros now)
    : capacity_(std::max(1.0, per_minute)), tokens_(capacity_), last_(now) {}

void TokenBucket::Refill(Micros now) {
  if (now > last_) {
    tokens_ = std::min(capacity_, tokens_ + capacity_ * static_cast<double>(now - last_) /
                                              static_cast<double>(60 * kMicrosPerSecond));
    last_ = now;
  }
}

void TokenBucket::Acquire(double cost, Clock* clock) {
  cost = std::min(cost, capacity_);
  Refill(clock->Now());
  if (tokens_ < cost) {
    const double missing = cost - tokens_;
    const auto wait = static_cast<Micros>(missing / capacity_ * 60 * kMicrosPerSecond) + 1;
    clock->Sleep(wait);
    Refill(clock->Now());
  }
  tokens_ -= cost;
}

void TokenBucket::ObserveUsed(double used, Micros now) {
  Refill(now);
  tokens_ = std::min(tokens_, std::max(0.0, capacity_ - used));
}

Fetcher::Fetcher(HttpClient* http, Clock* clock, FetchPolicy policy)
    : http_(http), clock_(clock), policy_(policy),
      rng_(policy.jitter_seed ? policy.jitter_seed : std::random_device{}()) {}

Fetcher::State& Fetcher::StateOf(const Provider& p) {
  State& s = states_[p.name()];
  if (!s.bucket) {
    const int weight = policy_.weight_per_minute > 0 ? policy_.weight_per_minute : p.WeightPerMinute();
    const double rpm = p.config().requests_per_minute > 0 ? p.config().requests_per_minute
                                                           : p.DefaultRequestsPerMinute();
    s.bucket = std::make_unique<TokenBucket>(weight > 0 ? weight : rpm, clock_->Now());
  }
  return s;
}

void Fetcher::Open(State* s, Micros until, const std::string& why) {
  s->open_until = std::max(s->open_until, until);
  s->open_why = why;
}

std::string Fetcher::BreakerOpen(const Provider& p) {
  State& s = StateOf(p);
  if (s.open_until > clock_->Now()) return s.open_why;
  return "";
}

std::map<std::string, std::pair<Micros, std::string>> Fetcher::OpenBreakers() const {
  std::map<std::string, std::pair<Micros, std::string>> out;
  const Micros now = clock_->Now();
  for (const auto& [name, s] : states_) {
    if (s.open_until > now) out[name] = {s.open_until, s.open_why};
  }
  return out;
}

void Fetcher::RestoreBreaker(const std::string& provider, Micros until, const std::string& why) {
  State& s = states_[provider];  // the bucket is made on first use (StateOf)
  if (until > s.open_until) {
    s.open_until = until;
    const std::string mark = " (since an earlier run)";
    const bool marked = why.size() >= mark.size() && why.compare(why.size() - mark.size(), mark.size(), mark) == 0;
    s.open_why = marked ? why : why + mark;
  }
}

Fetcher::Usage Fetcher::usage(const std::string& provider) const {
  auto it = states_.find(provider);
  return it == states_.end() ? Usage{} : it->second.usage;
}

Micros Fetcher::Backoff(int attempt) {
  const Micros base = std::min(policy_.max_backoff, policy_.base_backoff << std::min(attempt, 16));
  // Full jitter: a random wait up to the backoff, so clients that failed together do not
  // come back together.
  std::uniform_int_distribution<Micros> jitter(base / 2, base);
  return jitter(rng_);
}

FetchResult Fetcher::Fetch(const Provider& p, const FetchRequest& req) {
  State& s = StateOf(p);
  FetchResult out;
  const bool weighed = p.WeightPerMinute() > 0 || policy_.weight_per_minute > 0;
  for (int attempt = 0;; ++attempt) {
    if (s.open_until > clock_->Now()) {
      out.classified = {Outcome::kBlocked, p.name() + " is not asked until " + FormatIsoUtc(s.open_until) +
                                               " (" + s.open_why + ")"};
      return out;
    }
    const int cost = weighed ? req.weight : 1;
    s.bucket->Acquire(cost, clock_);
    // The bucket smooths the pace; this window is the hard cap: what was sent in the last
    // 60 seconds (and what the provider said it counted) plus this request stays within
    // the budget, whatever the bucket had saved up.
    int64_t in_minute = 0;
    for (;;) {
      const Micros now = clock_->Now();
      while (!s.sent.empty() && s.sent.front().first <= now - 60 * kMicrosPerSecond) s.sent.pop_front();
      in_minute = 0;
      for (const auto& [t, w] : s.sent) in_minute += w;
      if (s.sent.empty() || in_minute + cost <= static_cast<int64_t>(s.bucket->capacity())) break;
      clock_->Sleep(s.sent.front().first + 60 * kMicrosPerSecond - now + 1);
    }
    s.sent.emplace_back(clock_->Now(), cost);
    in_minute += cost;
    s.usage.requests++;
    s.usage.weight += cost;
    s.usage.max_weight_in_a_minute = std::max(s.usage.max_weight_in_a_minute, in_minute);
    ++out.attempts;
    auto got = http_->Get(req.url, req.shown_url, p.config().timeout_seconds);
    if (!out.statuses.empty()) out.statuses += ", ";
    if (!got.ok()) {
      out.response = HttpResponse{};
      out.classified = {Outcome::kTransient, got.status().message()};
      out.statuses += "no answer";
    } else {
      out.response = std::move(got).value();
      out.classified = p.ClassifyAnswer(req, out.response);
      out.statuses += std::to_string(out.response.status);
      if (const int used = p.UsedWeight(out.response); used >= 0) {
        s.bucket->ObserveUsed(used, clock_->Now());
        // Weight spent by others on the same IP (another process, another tool) counts too.
        int64_t ours = 0;
        for (const auto& [t, w] : s.sent) ours += w;
        if (used > ours) s.sent.emplace_back(clock_->Now(), static_cast<int>(used - ours));
      }
    }
    const Classified& c = out.classified;
    const bool more = attempt + 1 < policy_.max_attempts;
    switch (c.outcome) {
      case Outcome::kTransient:
        if (more) {
          clock_->Sleep(Backoff(attempt));
          continue;
        }
        if (++s.failures_in_a_row >= policy_.breaker_failures) {
          Open(&s, clock_->Now() + policy_.breaker_cooldown, "failing: " + c.message);
        }
        return out;
      case Outcome::kRateLimited: {
        const Micros wait = c.retry_after > 0 ? c.retry_after : Backoff(attempt);
        if (more && wait <= policy_.max_retry_after) {
          clock_->Sleep(wait);
          continue;
        }
        Open(&s, clock_->Now() + wait, "rate limited: " + c.message);
        return out;
      }
      case Outcome::kBanned:
        // 418: every further request lengthens the ban.
        Open(&s, clock_->Now() + std::max<Micros>(c.retry_after, 120 * kMicrosPerSecond), "banned: " + c.message);
        return out;
      case Outcome::kBlocked:
        Open(&s, clock_->Now() + std::max(c.retry_after, policy_.breaker_cooldown), "blocked: " + c.message);
        return out;
      case Outcome::kQuotaExhausted:
        Open(&s, clock_->Now() + 24 * 3600 * kMicrosPerSecond, "quota: " + c.message);
        return out;
      default:
        s.failures_in_a_row = 0;
        return out;
    }
  }
}

}  // namespace barlake::providers
