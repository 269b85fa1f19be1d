#include "providers/provider.h"

#include <cctype>
#include <cstdlib>

#include "core/text.h"

namespace barlake::providers {

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kEmptyWindow: return "empty_window";
    case Outcome::kNotFound: return "not_found";
    case Outcome::kRangeNotServed: return "range_not_served";
    case Outcome::kRateLimited: return "rate_limited";
    case Outcome::kBanned: return "banned";
    case Outcome::kBlocked: return "blocked";
    case Outcome::kQuotaExhausted: return "quota_exhausted";
    case Outcome::kTransient: return "transient";
    case Outcome::kMalformed: return "malformed";
    case Outcome::kBadRequest: return "bad_request";
  }
  return "unknown";
}

std::vector<std::string> ProviderNames() {
  std::vector<std::string> names;
#define BARLAKE_PROVIDER_NAME(Camel, name, origin, env) names.push_back(name);
  BARLAKE_PROVIDERS(BARLAKE_PROVIDER_NAME)
#undef BARLAKE_PROVIDER_NAME
  return names;
}

Result<std::unique_ptr<Provider>> MakeProvider(ProviderConfig config) {
#define BARLAKE_MAKE_PROVIDER(Camel, pname, public_origin, env)                 \
  if (config.name == pname) {                                                   \
    const char* over = std::getenv(env);                                        \
    if (over && *over) config.origin = over;                                    \
    if (config.origin.empty()) config.origin = public_origin;                   \
    while (!config.origin.empty() && config.origin.back() == '/') config.origin.pop_back(); \
    return Make##Camel##Provider(std::move(config));                            \
  }
  BARLAKE_PROVIDERS(BARLAKE_MAKE_PROVIDER)
#undef BARLAKE_MAKE_PROVIDER
  std::string known;
  for (const auto& n : ProviderNames()) known += (known.empty() ? "" : ", ") + n;
  return Status::InvalidArgument("unknown provider '" + config.name + "'; known: " + known);
}

std::string RedactUrl(const std::string& url) {
  std::string out = url;
  for (const char* key : {"apikey=", "api_key=", "token="}) {
    size_t pos = 0;
    while ((pos = out.find(key, pos)) != std::string::npos) {
      const bool at_param = pos > 0 && (out[pos - 1] == '?' || out[pos - 1] == '&');
      pos += std::string(key).size();
      if (!at_param) continue;
      const size_t end = out.find('&', pos);
      out.replace(pos, (end == std::string::npos ? out.size() : end) - pos, "***");
    }
  }
  return out;
}

std::string UrlEncode(const std::string& value) { return PercentEncode(value); }

Micros RetryAfter(const HttpResponse& r) {
  const std::string v = r.Header("retry-after");
  if (v.empty()) return 0;
  char* end = nullptr;
  const double s = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || s < 0) return 0;
  return static_cast<Micros>(s * kMicrosPerSecond);
}

bool LooksLikeHtml(const std::string& body) {
  for (char c : body) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    return c == '<';
  }
  return false;
}

std::string BodyExcerpt(const std::string& body, size_t max) {
  std::string cut = body.size() > max ? body.substr(0, max) + "..." : body;
  for (char& c : cut) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return ToValidUtf8(cut);
}

}  // namespace barlake::providers
