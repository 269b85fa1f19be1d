// SigV4 known answers: the three S3 examples of AWS's "Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk" (sig-v4-header-based-auth),
// with the documentation's example credentials and signatures.
#include "backup/sigv4.h"

#include <gtest/gtest.h>

namespace barlake::backup {
namespace {

constexpr char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kDate[] = "20130524T000000Z";

SigV4Credentials Example() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3"};
}

SigV4Request Get(const std::string& path, std::vector<std::pair<std::string, std::string>> query) {
  SigV4Request r;
  r.method = "GET";
  r.path = path;
  r.query = std::move(query);
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-date", kDate},
               {"x-amz-content-sha256", kEmptySha}};
  r.payload_sha256 = kEmptySha;
  return r;
}

TEST(SigV4Test, GetObjectExample) {
  SigV4Request r = Get("/test.txt", {});
  r.headers.push_back({"Range", "bytes=0-9"});
  const SigV4Signature s = SignV4(r, Example(), kDate);
  EXPECT_EQ(s.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization.find(Example().secret_key), std::string::npos);
}

TEST(SigV4Test, GetBucketLifecycleExample) {
  const SigV4Signature s = SignV4(Get("/", {{"lifecycle", ""}}), Example(), kDate);
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4Test, ListObjectsExampleSortsTheQuery) {
  const SigV4Signature s = SignV4(Get("/", {{"prefix", "J"}, {"max-keys", "2"}}), Example(), kDate);
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, UriEncodeKeepsUnreservedAndSlashOnlyInPaths) {
  EXPECT_EQ(UriEncode("symbol=ES/period=2024-01/a b~", true), "symbol%3DES/period%3D2024-01/a%20b~");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(CanonicalQuery({{"prefix", "objects/"}, {"list-type", "2"}}), "list-type=2&prefix=objects%2F");
}

}  // namespace
}  // namespace barlake::backup
