// Fundamentals: a company's profile and key ratios from Yahoo (quoteSummary, behind its
// cookie/crumb handshake) or Alpha Vantage (OVERVIEW), kept in the vault as keyed
// documents (lake/documents.h) and served from there while younger than their TTL
// (docs/fundamentals.md). One file per provider: fundamentals_yahoo.cc,
// fundamentals_alphavantage.cc; the cache logic is fundamentals_cache.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "lake/documents.h"
#include "providers/http_client.h"

namespace barlake::lake {
class Lake;
}  // namespace barlake::lake

namespace barlake::providers {

/// The fundamentals providers in priority order (the merged view prefers the first).
std::vector<std::string> FundamentalsProviders();

struct FundamentalsFetch {
  std::string symbol, provider;
  Micros now = 0;
  int64_t ttl_seconds = 7 * 86400;
  double timeout_seconds = 30;
};

/// Fetch one provider's answer for a symbol as a document (not stored). kNotFound when the
/// provider does not know the symbol, kUnavailable when it cannot be reached or refuses
/// (rate limit, crumb refused, 5xx), kInvalidArgument for a missing key or an unknown
/// provider, kCorruption for an answer that is not the provider's shape.
Result<lake::KeyedDocument> FetchFundamentals(HttpClient* http, const FundamentalsFetch& request);
/// The document of `provider`'s answer `body` to `request` (its SHA-256, the URL as
/// shown, the text as valid UTF-8), before the provider maps its fields.
lake::KeyedDocument AnswerDocument(const FundamentalsFetch& request, const std::string& provider, const std::string& body,
                                   const std::string& shown_url);
Result<lake::KeyedDocument> FetchYahooFundamentals(HttpClient* http, const FundamentalsFetch& request);
Result<lake::KeyedDocument> FetchAlphaVantageFundamentals(HttpClient* http, const FundamentalsFetch& request);

struct FundamentalsRequest {
  std::string symbol;
  /// One provider, or empty for every provider that can be asked (Alpha Vantage only with
  /// its key in the environment).
  std::string provider;
  /// A stored document younger than this is served as is; it is also the TTL new
  /// documents are stored with.
  int64_t max_age_seconds = 7 * 86400;
  Micros now = 0;
};

struct FundamentalsOutcome {
  std::string provider;
  bool fetched = false;  // false: served from the vault
  std::string error;     // the fetch failed (the stored document, if any, is unchanged)
  ErrorCode error_code = ErrorCode::kOk;
};

struct FundamentalsResult {
  std::vector<lake::KeyedDocument> documents;  // priority order
  std::vector<FundamentalsOutcome> outcomes;
  int64_t job = 0;  // the `documents` job that stored what was fetched, 0 if none
};

/// The documents of `request.symbol`, fetching (and storing, in one job) those missing or
/// older than max_age. A provider that fails leaves its stored document as it was. Fails
/// only when no document could be served.
Result<FundamentalsResult> GetFundamentals(lake::Lake* lake, HttpClient* http, const FundamentalsRequest& request);

}  // namespace barlake::providers
