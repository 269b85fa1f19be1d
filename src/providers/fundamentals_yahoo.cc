// Yahoo fundamentals: quoteSummary (v10) with the handshake yfinance does (data.py): a
// first GET sets a session cookie, getcrumb answers a crumb for that cookie, and
// quoteSummary wants both. A crumb that is not one (Yahoo's "Too Many Requests" text, an
// HTML page) is refused before it is sent on.
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "providers/fundamentals.h"
#include "providers/provider.h"

namespace barlake::providers {
namespace {

constexpr const char* kModules = "price,summaryDetail,summaryProfile,defaultKeyStatistics";

// The cookie request: fc.yahoo.com answers 404 with the cookie; a test origin serves it
// at "/" unless BARLAKE_YAHOO_COOKIE_URL says where.
std::string CookieUrl(const std::string& origin) {
  if (const char* over = std::getenv("BARLAKE_YAHOO_COOKIE_URL"); over && *over) return over;
  if (const char* api = std::getenv("BARLAKE_YAHOO_URL"); api && *api) return origin + "/";
  return "https://fc.yahoo.com";
}

// "A3=d=AQAB...; Expires=...; Domain=.yahoo.com" -> "A3=d=AQAB...".
std::string CookiePair(const std::string& set_cookie) { return set_cookie.substr(0, set_cookie.find(';')); }

bool PlausibleCrumb(const std::string& crumb) {
  if (crumb.empty() || crumb.size() > 64) return false;
  for (char c : crumb) {
    if (c == ' ' || c == '<' || c == '\n' || c == '{') return false;
  }
  return true;
}

// A quoteSummary value: {"raw": 1.2, "fmt": "1.2"} or a plain number.
const nlohmann::json* Raw(const nlohmann::json& module, const char* key) {
  auto it = module.find(key);
  if (it == module.end()) return nullptr;
  if (it->is_object()) {
    auto raw = it->find("raw");
    return raw != it->end() && raw->is_number() ? &*raw : nullptr;
  }
  return it->is_number() ? &*it : nullptr;
}

void MapFields(const nlohmann::json& r, lake::KeyedDocument* d) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto module = [&](const char* name) -> const nlohmann::json& {
    auto it = r.find(name);
    return it != r.end() && it->is_object() ? *it : kEmpty;
  };
  const auto& price = module("price");
  const auto& detail = module("summaryDetail");
  const auto& profile = module("summaryProfile");
  const auto& stats = module("defaultKeyStatistics");
  auto text = [&](const char* field, const nlohmann::json& m, const char* key) {
    auto it = m.find(key);
    if (it != m.end() && it->is_string() && !it->get<std::string>().empty() && !d->text_fields.count(field)) {
      d->text_fields[field] = ToValidUtf8(it->get<std::string>());
    }
  };
  auto number = [&](const char* field, const nlohmann::json& m, const char* key) {
    if (d->number_fields.count(field)) return;
    if (const nlohmann::json* v = Raw(m, key)) d->number_fields[field] = v->get<double>();
  };
  text("name", price, "longName");
  text("name", price, "shortName");
  text("exchange", price, "exchangeName");
  text("currency", price, "currency");
  text("sector", profile, "sector");
  text("industry", profile, "industry");
  number("market_cap", price, "marketCap");
  number("market_cap", detail, "marketCap");
  number("shares_outstanding", stats, "sharesOutstanding");
  number("pe_ratio", detail, "trailingPE");
  number("forward_pe", detail, "forwardPE");
  number("eps", stats, "trailingEps");
  number("dividend_yield", detail, "dividendYield");
  number("beta", detail, "beta");
  number("beta", stats, "beta");
  number("week52_high", detail, "fiftyTwoWeekHigh");
  number("week52_low", detail, "fiftyTwoWeekLow");
}

Status Refused(const std::string& what, const HttpResponse& r) {
  return Status::Unavailable("yahoo " + what + " (HTTP " + std::to_string(r.status) + ": " + BodyExcerpt(r.body) +
                             ")");
}

}  // namespace

Result<lake::KeyedDocument> FetchYahooFundamentals(HttpClient* http, const FundamentalsFetch& req) {
  ProviderConfig config;
  config.name = "yahoo";
  ASSIGN_OR_RETURN(auto provider, MakeProvider(config));
  const std::string origin = provider->config().origin;
  const double timeout = req.timeout_seconds;

  const std::string cookie_url = CookieUrl(origin);
  ASSIGN_OR_RETURN(HttpResponse cookie, http->Get(cookie_url, cookie_url, timeout));
  const std::string set_cookie = cookie.Header("set-cookie");
  if (set_cookie.empty()) return Refused("set no cookie: " + cookie_url, cookie);
  const std::vector<std::string> headers = {"Cookie: " + CookiePair(set_cookie)};

  const std::string crumb_url = origin + "/v1/test/getcrumb";
  ASSIGN_OR_RETURN(HttpResponse crumb, http->GetWithHeaders(crumb_url, crumb_url, timeout, headers));
  if (crumb.status != 200 || !PlausibleCrumb(crumb.body)) return Refused("refused a crumb", crumb);

  const std::string base = origin + "/v10/finance/quoteSummary/" + UrlEncode(req.symbol) + "?modules=" + kModules;
  const std::string url = base + "&crumb=" + UrlEncode(crumb.body);
  const std::string shown = base + "&crumb=***";
  ASSIGN_OR_RETURN(HttpResponse r, http->GetWithHeaders(url, shown, timeout, headers));
  nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
  const bool json = !body.is_discarded() && body.is_object();
  if (json && body.contains("quoteSummary") && body["quoteSummary"].is_object()) {
    const auto& qs = body["quoteSummary"];
    if (qs.contains("error") && qs["error"].is_object()) {
      const std::string code = qs["error"].value("code", "");
      const std::string why = "yahoo: " + qs["error"].value("description", code);
      if (r.status == 404 || code == "Not Found") return Status::NotFound(why + " (" + req.symbol + ")");
      return Status::Unavailable(why + " (HTTP " + std::to_string(r.status) + ")");
    }
  }
  if (r.status != 200) return Refused("answered no quoteSummary at " + shown, r);
  if (!json || !body["quoteSummary"].is_object() || !body["quoteSummary"]["result"].is_array() ||
      body["quoteSummary"]["result"].empty() || !body["quoteSummary"]["result"][0].is_object()) {
    return Status::Corruption("yahoo quoteSummary for " + req.symbol + " is not the expected JSON: " +
                              BodyExcerpt(r.body));
  }
  lake::KeyedDocument d = AnswerDocument(req, "yahoo", r.body, shown);
  MapFields(body["quoteSummary"]["result"][0], &d);
  return d;
}

}  // namespace barlake::providers
