// Alpha Vantage fundamentals: function=OVERVIEW, a flat JSON object of strings ("None"
// or "-" for a value it does not have). As with its bars, every error comes with HTTP 200
// as an "Information", "Note" or "Error Message" key, and an unknown symbol answers {}.
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "providers/fundamentals.h"
#include "providers/provider.h"

namespace barlake::providers {
namespace {

void MapFields(const nlohmann::json& o, lake::KeyedDocument* d) {
  auto text = [&](const char* field, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || !it->is_string()) return;
    const std::string v = it->get<std::string>();
    if (!v.empty() && v != "None" && v != "-") d->text_fields[field] = ToValidUtf8(v);
  };
  auto number = [&](const char* field, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || !it->is_string()) return;
    const std::string v = it->get<std::string>();
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (!v.empty() && end && *end == '\0') d->number_fields[field] = x;
  };
  text("name", "Name");
  text("exchange", "Exchange");
  text("currency", "Currency");
  text("sector", "Sector");
  text("industry", "Industry");
  number("market_cap", "MarketCapitalization");
  number("shares_outstanding", "SharesOutstanding");
  number("pe_ratio", "PERatio");
  number("forward_pe", "ForwardPE");
  number("eps", "EPS");
  number("dividend_yield", "DividendYield");
  number("beta", "Beta");
  number("week52_high", "52WeekHigh");
  number("week52_low", "52WeekLow");
}

}  // namespace

Result<lake::KeyedDocument> FetchAlphaVantageFundamentals(HttpClient* http, const FundamentalsFetch& req) {
  ProviderConfig config;
  config.name = "alphavantage";
  ASSIGN_OR_RETURN(auto provider, MakeProvider(config));
  const std::string key_env = "ALPHAVANTAGE_API_KEY";
  const char* key = std::getenv(key_env.c_str());
  if (!key || !*key) {
    return Status::InvalidArgument("alphavantage needs an API key in " + key_env +
                                   " (https://www.alphavantage.co/support/#api-key)");
  }
  const std::string url = provider->config().origin + "/query?function=OVERVIEW&symbol=" + UrlEncode(req.symbol) +
                          "&apikey=" + UrlEncode(key);
  const std::string shown = RedactUrl(url);
  ASSIGN_OR_RETURN(HttpResponse r, http->Get(url, shown, req.timeout_seconds));
  if (r.status != 200) {
    return Status::Unavailable("alphavantage answered HTTP " + std::to_string(r.status) + ": " + BodyExcerpt(r.body));
  }
  nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Status::Corruption("alphavantage OVERVIEW for " + req.symbol + " is not JSON: " + BodyExcerpt(r.body));
  }
  for (const char* k : {"Information", "Note"}) {
    if (body.contains(k) && body[k].is_string()) return Status::Unavailable("alphavantage: " + body[k].get<std::string>());
  }
  if (body.contains("Error Message") && body["Error Message"].is_string()) {
    return Status::InvalidArgument("alphavantage: " + body["Error Message"].get<std::string>());
  }
  if (body.empty() || !body.contains("Symbol")) {
    return Status::NotFound("alphavantage has no overview of " + req.symbol);
  }
  lake::KeyedDocument d = AnswerDocument(req, "alphavantage", r.body, shown);
  MapFields(body, &d);
  return d;
}

}  // namespace barlake::providers
