// AWS Signature Version 4 for S3 requests (header-based auth), after AWS's
// "Signature Calculations for the Authorization Header" (sig-v4-header-based-auth). Pure
// functions (OpenSSL HMAC-SHA256), tested against AWS's documented examples
// (tests/backup/sigv4_test.cc). Secrets never appear in a result except through the
// signature.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace barlake::backup {

struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string service = "s3";
};

struct SigV4Request {
  std::string method;  // GET, PUT, HEAD, DELETE
  /// The request path as sent, already URI-encoded per segment ("/bucket/a%3Db/c").
  std::string path;
  /// Query parameters, raw (encoded here); a parameter without value has "".
  std::vector<std::pair<std::string, std::string>> query;
  /// Headers to sign: must include host, x-amz-date and x-amz-content-sha256.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Hex SHA-256 of the body (of "" for none).
  std::string payload_sha256;
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // 64 hex
  std::string authorization;  // the Authorization header's value
};

/// Sign `request` at `amz_date` ("20130524T000000Z").
SigV4Signature SignV4(const SigV4Request& request, const SigV4Credentials& credentials, const std::string& amz_date);

/// RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is
/// %XX (upper-case hex); '/' stays only when `keep_slash` (paths), not in query values.
std::string UriEncode(std::string_view s, bool keep_slash);

/// The query string in SigV4's canonical form (sorted, encoded): also what is sent.
std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace barlake::backup
