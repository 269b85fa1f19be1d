// The fundamentals cache: serve the stored document while it is younger than max_age,
// else fetch and store (lake/documents.h). Fetch failures never touch the vault.
#include <algorithm>
#include <cstdlib>

#include "core/checksum.h"
#include "core/text.h"
#include "lake/lake.h"
#include "providers/fundamentals.h"

namespace barlake::providers {

std::vector<std::string> FundamentalsProviders() { return {"yahoo", "alphavantage"}; }

lake::KeyedDocument AnswerDocument(const FundamentalsFetch& request, const std::string& provider, const std::string& body,
                                   const std::string& shown_url) {
  lake::KeyedDocument d;
  d.symbol = request.symbol;
  d.provider = provider;
  d.fetched_at = request.now;
  d.ttl_seconds = request.ttl_seconds;
  d.source_sha256 = Sha256Hex(body);
  d.source_url = shown_url;
  d.document = ToValidUtf8(body);
  return d;
}

Result<lake::KeyedDocument> FetchFundamentals(HttpClient* http, const FundamentalsFetch& request) {
  if (request.provider == "yahoo") return FetchYahooFundamentals(http, request);
  if (request.provider == "alphavantage") return FetchAlphaVantageFundamentals(http, request);
  return Status::InvalidArgument("no fundamentals from provider '" + request.provider +
                                 "'; the fundamentals providers are yahoo and alphavantage");
}

Result<FundamentalsResult> GetFundamentals(lake::Lake* lake, HttpClient* http, const FundamentalsRequest& request) {
  const auto all = FundamentalsProviders();
  std::vector<std::string> providers;
  if (!request.provider.empty()) {
    if (std::find(all.begin(), all.end(), request.provider) == all.end()) {
      return Status::InvalidArgument("no fundamentals from provider '" + request.provider +
                                     "'; the fundamentals providers are yahoo and alphavantage");
    }
    providers = {request.provider};
  } else {
    for (const auto& p : all) {
      // Without its key Alpha Vantage is left out rather than failing every lookup.
      const char* key = std::getenv("ALPHAVANTAGE_API_KEY");
      if (p == "alphavantage" && (!key || !*key)) continue;
      providers.push_back(p);
    }
  }
  FundamentalsResult out;
  std::vector<lake::KeyedDocument> fetched;
  Status first_error;
  for (const auto& provider : providers) {
    const int priority = static_cast<int>(std::find(all.begin(), all.end(), provider) - all.begin());
    FundamentalsOutcome o;
    o.provider = provider;
    ASSIGN_OR_RETURN(auto stored, lake::ReadDocument(lake, lake::kFundamentalsCollection, request.symbol, provider));
    if (stored && request.now - stored->fetched_at < request.max_age_seconds * kMicrosPerSecond) {
      out.documents.push_back(std::move(*stored));
      out.outcomes.push_back(o);
      continue;
    }
    FundamentalsFetch f;
    f.symbol = request.symbol;
    f.provider = provider;
    f.now = request.now;
    f.ttl_seconds = request.max_age_seconds;
    auto doc = FetchFundamentals(http, f);
    if (!doc.ok()) {
      o.error = doc.status().message();
      o.error_code = doc.status().code();
      if (first_error.ok()) first_error = doc.status();
      if (stored) out.documents.push_back(std::move(*stored));  // stale, but what there is
      out.outcomes.push_back(o);
      continue;
    }
    doc->priority = priority;
    o.fetched = true;
    fetched.push_back(*doc);
    out.documents.push_back(std::move(*doc));
    out.outcomes.push_back(o);
  }
  if (!fetched.empty()) {
    ASSIGN_OR_RETURN(auto job, lake->PutDocuments(fetched));
    out.job = job.id;
  }
  if (out.documents.empty()) {
    if (!first_error.ok()) return first_error;
    return Status::InvalidArgument("no fundamentals provider can be asked: set ALPHAVANTAGE_API_KEY or pass --provider yahoo");
  }
  return out;
}

}  // namespace barlake::providers
