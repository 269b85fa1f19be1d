#include "providers/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace barlake::providers {
namespace {

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon == std::string::npos) {
    // A new status line (after a redirect): the headers that follow are the final ones.
    if (line.rfind("HTTP/", 0) == 0) headers->clear();
    return size * n;
  }
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = line.substr(colon + 1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.erase(0, 1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  (*headers)[name] = value;
  return size * n;
}

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Result<HttpResponse> Get(const std::string& url, const std::string& shown_url,
                           double timeout_seconds) override {
    return GetWithHeaders(url, shown_url, timeout_seconds, {});
  }

  Result<HttpResponse> GetWithHeaders(const std::string& url, const std::string& shown_url, double timeout_seconds,
                                      const std::vector<std::string>& headers) override {
    CURL* curl = curl_easy_init();
    if (!curl) return Status::Internal("libcurl could not start a request");
    HttpResponse r;
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, kUserAgent);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_seconds * 1000));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min(timeout_seconds, 10.0) * 1000));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
    curl_slist* request_headers = nullptr;
    for (const auto& h : headers) request_headers = curl_slist_append(request_headers, h.c_str());
    if (request_headers) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, request_headers);
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(request_headers);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
      // A body shorter than its Content-Length is a transport failure too (CURLE_PARTIAL_FILE).
      const std::string why = error[0] ? std::string(error) : curl_easy_strerror(rc);
      return Status::Unavailable("GET " + shown_url + ": " + why +
                                 (rc == CURLE_OPERATION_TIMEDOUT ? " (timed out)" : ""));
    }
    r.status = static_cast<int>(status);
    return r;
  }
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient() { return std::make_unique<CurlHttpClient>(); }

}  // namespace barlake::providers
