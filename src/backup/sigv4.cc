// SigV4 signing (sigv4.h).
#include "backup/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>

#include "core/checksum.h"
#include "core/text.h"

namespace barlake::backup {

namespace {

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Header values are signed trimmed, with inner runs of spaces made one.
std::string TrimValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) { return PercentEncode(s, keep_slash); }

std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  for (const auto& [k, v] : query) enc.push_back({UriEncode(k, false), UriEncode(v, false)});
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

SigV4Signature SignV4(const SigV4Request& request, const SigV4Credentials& credentials, const std::string& amz_date) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [k, v] : request.headers) headers.push_back({Lower(k), TrimValue(v)});
  std::sort(headers.begin(), headers.end());
  std::string canonical_headers, signed_headers;
  for (const auto& [k, v] : headers) {
    canonical_headers += k + ":" + v + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += k;
  }
  SigV4Signature sig;
  sig.canonical_request = request.method + "\n" + (request.path.empty() ? "/" : request.path) + "\n" +
                          CanonicalQuery(request.query) + "\n" + canonical_headers + "\n" + signed_headers + "\n" +
                          request.payload_sha256;
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = date + "/" + credentials.region + "/" + credentials.service + "/aws4_request";
  sig.string_to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(sig.canonical_request);
  const std::string k_date = Hmac("AWS4" + credentials.secret_key, date);
  const std::string k_region = Hmac(k_date, credentials.region);
  const std::string k_service = Hmac(k_region, credentials.service);
  const std::string k_signing = Hmac(k_service, "aws4_request");
  sig.signature = Hex(Hmac(k_signing, sig.string_to_sign));
  sig.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + "/" + scope +
                      ",SignedHeaders=" + signed_headers + ",Signature=" + sig.signature;
  return sig;
}

}  // namespace barlake::backup
