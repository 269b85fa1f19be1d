// HttpClient: the providers' one seam to the network. Production uses libcurl
// (CurlHttpClient); tests point the providers' origins at a replay server on 127.0.0.1
// (BARLAKE_<NAME>_URL), so the same client code runs in tests.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace barlake::providers {

struct HttpResponse {
  int status = 0;
  /// Header names lower-cased; the last value of a repeated header wins.
  std::map<std::string, std::string> headers;
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  /// GET `url`. A transport failure (no connection, timeout, reset, a body cut short) is
  /// kUnavailable with the reason; any HTTP status is a response, not an error.
  /// `shown_url` is what error messages name (the URL with secrets redacted).
  virtual Result<HttpResponse> Get(const std::string& url, const std::string& shown_url,
                                   double timeout_seconds) = 0;
  /// As Get, sending `headers` ("Name: value") too: Yahoo's quoteSummary wants the cookie
  /// its handshake set. Clients that cannot send headers (test fakes) ignore them.
  virtual Result<HttpResponse> GetWithHeaders(const std::string& url, const std::string& shown_url,
                                              double timeout_seconds, const std::vector<std::string>& headers) {
    (void)headers;
    return Get(url, shown_url, timeout_seconds);
  }
};

/// The libcurl client: redirects followed (at most 5), a browser-like User-Agent (Yahoo
/// answers 429 to non-browser agents), gzip accepted.
std::unique_ptr<HttpClient> NewCurlHttpClient();

/// The User-Agent every request sends.
inline constexpr const char* kUserAgent =
    "Mozilla/5.0 (compatible; barlake; +https://github.com/barlake/barlake)";

}  // namespace barlake::providers
