// The S3 ObjectStore: path-style requests (https://endpoint/bucket/prefix/key) signed with
// SigV4 (sigv4.h), over cpp-httplib (Debian's build has OpenSSL, so https works too).
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and are never stored in a
// manifest, written to a file or put in a message.
//
// S3 writes are whole-object and durable once PUT answers 200, so Flush has nothing to do.
// Each PUT is checked: the ETag of a single-part upload is the MD5 of the body, compared
// with our own. S3 has no atomic create-if-absent (and s3rver, the test server, ignores
// If-None-Match), so the lock is advisory: an object `lock` naming its holder and a random
// token, read back after writing; a lock older than 6 hours counts as abandoned.
#include <openssl/evp.h>
#include <openssl/md5.h>

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <random>

#include "backup/object_store.h"
#include "backup/sigv4.h"
#include "core/checksum.h"
#include "core/text.h"
#include "core/time_util.h"

namespace barlake::backup {

namespace {

constexpr int64_t kLockStaleMicros = 6LL * 3600 * 1000000;

std::string Md5Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kDigits[md[i] >> 4];
    out += kDigits[md[i] & 15];
  }
  return out;
}

std::string AmzDate(int64_t micros) {
  std::string iso = FormatIsoUtc(micros / 1000000 * 1000000);  // 2026-12-03T14:37:00Z
  std::string out;
  for (char c : iso) if (c != '-' && c != ':') out += c;
  return out;  // 20261203T143700Z
}

std::string XmlUnescape(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : kEntities) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += std::strlen(to)) {
      s.replace(pos, std::strlen(from), to);
    }
  }
  return s;
}

/// The text of each <tag>...</tag> in `xml`, in order (S3's answers are flat enough).
std::vector<std::string> XmlValues(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  for (size_t pos = 0; (pos = xml.find(open, pos)) != std::string::npos;) {
    const size_t start = pos + open.size();
    const size_t end = xml.find(close, start);
    if (end == std::string::npos) break;
    out.push_back(XmlUnescape(xml.substr(start, end - start)));
    pos = end + close.size();
  }
  return out;
}

class S3Store : public ObjectStore {
 public:
  S3Store(Env* env, S3Options options, std::string bucket, std::string prefix, SigV4Credentials creds)
      : env_(env), options_(std::move(options)), bucket_(std::move(bucket)), prefix_(std::move(prefix)),
        creds_(std::move(creds)), client_(options_.endpoint) {
    client_.set_url_encode(false);  // paths are encoded here, exactly as signed
    client_.set_connection_timeout(10);
    client_.set_read_timeout(60);
    client_.set_write_timeout(60);
    // host[:port] as the client sends it, for the signed Host header.
    std::string rest = options_.endpoint.substr(options_.endpoint.find("://") + 3);
    host_ = rest.substr(0, rest.find('/'));
  }

  std::string Describe() const override {
    return "s3://" + bucket_ + (prefix_.empty() ? "" : "/" + prefix_) + " at " + options_.endpoint;
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    std::vector<ObjectInfo> out;
    std::string token;
    const std::string full_prefix = FullKey(prefix);
    const size_t strip = prefix_.empty() ? 0 : prefix_.size() + 1;
    for (;;) {
      std::vector<std::pair<std::string, std::string>> query = {{"list-type", "2"}, {"prefix", full_prefix}};
      if (!token.empty()) query.push_back({"continuation-token", token});
      ASSIGN_OR_RETURN(auto res, Send("GET", "/" + UriEncode(bucket_, false), query, "", "list " + Describe()));
      const std::string& xml = res.body;
      const auto keys = XmlValues(xml, "Key");
      const auto sizes = XmlValues(xml, "Size");
      if (keys.size() != sizes.size()) return Status::IOError("unexpected list answer from " + Describe());
      for (size_t i = 0; i < keys.size(); ++i) {
        if (keys[i].size() < strip) continue;
        out.push_back({keys[i].substr(strip), std::strtoull(sizes[i].c_str(), nullptr, 10)});
      }
      const auto truncated = XmlValues(xml, "IsTruncated");
      const auto next = XmlValues(xml, "NextContinuationToken");
      if (truncated.empty() || truncated[0] != "true" || next.empty()) break;
      token = next[0];
    }
    std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status Put(const std::string& key, std::string_view data) override {
    ASSIGN_OR_RETURN(auto res, Send("PUT", ObjectPath(key), {}, data, "upload '" + ToValidUtf8(key) + "'"));
    std::string etag = res.get_header_value("ETag");
    etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
    // A single-part PUT's ETag is the MD5 of the body (AWS, s3rver, MinIO): check the
    // server stored what we sent.
    if (!etag.empty() && etag.find('-') == std::string::npos && etag != Md5Hex(data)) {
      return Status::IOError("upload '" + ToValidUtf8(key) + "' to " + Describe() +
                             ": the server's ETag does not match the bytes sent");
    }
    return Status::OK();
  }

  Result<std::string> Get(const std::string& key) override {
    ASSIGN_OR_RETURN(auto res, Send("GET", ObjectPath(key), {}, "", "download '" + ToValidUtf8(key) + "'"));
    return res.body;
  }

  Status Delete(const std::string& key) override {
    auto res = Send("DELETE", ObjectPath(key), {}, "", "delete '" + ToValidUtf8(key) + "'");
    if (!res.ok() && res.status().code() != ErrorCode::kNotFound) return res.status();
    return Status::OK();
  }

  Status Flush() override { return Status::OK(); }

  Result<std::unique_ptr<StoreLock>> Lock(const std::string& holder) override {
    const int64_t now = env_->NowMicros();
    auto current = Get("lock");
    if (current.ok()) {
      const auto since = current->find("since_micros ");
      const int64_t t = since == std::string::npos ? 0 : std::atoll(current->c_str() + since + 13);
      if (now - t < kLockStaleMicros) {
        return Status::Unavailable("another backup or prune is using " + Describe() + " (" +
                                   ToValidUtf8(current->substr(current->find('\n') + 1)) +
                                   "); let it finish, then run this again (a lock older than 6 hours is ignored)");
      }
    } else if (current.status().code() != ErrorCode::kNotFound) {
      return current.status();
    }
    std::random_device rd;
    const std::string token = std::to_string(rd()) + "-" + std::to_string(rd());
    const std::string body = "token " + token + " since_micros " + std::to_string(now) + "\n" + holder;
    RETURN_IF_ERROR(Put("lock", body));
    ASSIGN_OR_RETURN(std::string back, Get("lock"));
    if (back != body) return Status::Unavailable("another backup or prune took the lock of " + Describe() + " at the same time; run this again");
    return std::unique_ptr<StoreLock>(new S3Lock(this));
  }

 private:
  class S3Lock : public StoreLock {
   public:
    explicit S3Lock(S3Store* store) : store_(store) {}
    ~S3Lock() override { (void)store_->Delete("lock"); }

   private:
    S3Store* store_;
  };

  std::string FullKey(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "/" + key; }
  std::string ObjectPath(const std::string& key) const {
    return "/" + UriEncode(bucket_, false) + "/" + UriEncode(FullKey(key), true);
  }

  Result<httplib::Response> Send(const std::string& method, const std::string& path,
                                 const std::vector<std::pair<std::string, std::string>>& query, std::string_view body,
                                 const std::string& what) {
    const std::string date = AmzDate(env_->NowMicros());
    SigV4Request req;
    req.method = method;
    req.path = path;
    req.query = query;
    req.payload_sha256 = Sha256Hex(body);
    req.headers = {{"host", host_}, {"x-amz-date", date}, {"x-amz-content-sha256", req.payload_sha256}};
    const SigV4Signature sig = SignV4(req, creds_, date);
    httplib::Headers headers;
    for (const auto& [k, v] : req.headers) headers.emplace(k == "host" ? "Host" : k, v);
    headers.emplace("Authorization", sig.authorization);
    const std::string qs = CanonicalQuery(query);
    const std::string target = qs.empty() ? path : path + "?" + qs;
    if (method != "GET" && method != "PUT" && method != "DELETE") {
      return Status::Internal("unsupported S3 method " + method);
    }
    httplib::Result res = method == "GET"   ? client_.Get(target.c_str(), headers)
                          : method == "PUT" ? client_.Put(target.c_str(), headers, body.data(), body.size(),
                                                          "application/octet-stream")
                                            : client_.Delete(target.c_str(), headers);
    if (!res) {
      return Status::Unavailable(what + ": cannot reach " + options_.endpoint + " (" +
                                 httplib::to_string(res.error()) + ")");
    }
    if (res->status >= 200 && res->status < 300) return *res;
    const auto codes = XmlValues(res->body, "Code");
    const auto messages = XmlValues(res->body, "Message");
    const std::string detail = "HTTP " + std::to_string(res->status) +
                               (codes.empty() ? "" : " " + ToValidUtf8(codes[0])) +
                               (messages.empty() ? "" : ": " + ToValidUtf8(messages[0]));
    if (res->status == 404) return Status::NotFound(what + " at " + Describe() + ": " + detail);
    if (res->status == 403) {
      return Status::IOError(what + " at " + Describe() + ": " + detail +
                             " (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and --region)");
    }
    return Status::IOError(what + " at " + Describe() + ": " + detail);
  }

  Env* env_;
  S3Options options_;
  std::string bucket_, prefix_;
  SigV4Credentials creds_;
  httplib::Client client_;
  std::string host_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenS3Store(Env* env, const std::string& url, const S3Options& options_in) {
  // s3://bucket[/prefix]
  std::string rest = url.substr(5);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const std::string bucket = rest.substr(0, rest.find('/'));
  const std::string prefix = rest.find('/') == std::string::npos ? "" : rest.substr(rest.find('/') + 1);
  if (bucket.empty()) return Status::InvalidArgument("'" + ToValidUtf8(url) + "' names no bucket (s3://BUCKET/PREFIX)");
  S3Options options = options_in;
  if (options.region.empty()) options.region = "us-east-1";
  if (options.endpoint.empty()) options.endpoint = "https://s3." + options.region + ".amazonaws.com";
  while (!options.endpoint.empty() && options.endpoint.back() == '/') options.endpoint.pop_back();
  if (options.endpoint.rfind("http://", 0) != 0 && options.endpoint.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("--endpoint '" + ToValidUtf8(options.endpoint) +
                                   "' must start with http:// or https://");
  }
  const char* key = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (!key || !*key || !secret || !*secret) {
    return Status::InvalidArgument("S3 needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  SigV4Credentials creds{key, secret, options.region, "s3"};
  return std::unique_ptr<ObjectStore>(new S3Store(env, options, bucket, prefix, std::move(creds)));
}

}  // namespace barlake::backup
