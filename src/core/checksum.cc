#include "core/checksum.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstring>

namespace barlake {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256::Update(const void* data, size_t n) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, n);
}
std::string Sha256::HexDigest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 15];
  }
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes.data(), bytes.size());
  return h.HexDigest();
}

std::string ContentHash(const BarColumns& b) {
  uint64_t h = 0x6a09e667f3bcc908ULL ^ b.size();
  for (size_t i = 0; i < b.size(); ++i) {
    uint64_t r = HashMix(static_cast<uint64_t>(b.ts[i]));
    r = HashMix(r ^ HashBits(b.open[i]));
    r = HashMix(r ^ HashBits(b.high[i]));
    r = HashMix(r ^ HashBits(b.low[i]));
    r = HashMix(r ^ HashBits(b.close[i]));
    r = HashMix(r ^ HashBits(b.volume[i]));
    r = HashMix(r ^ static_cast<uint64_t>(b.job[i]));
    if (const uint8_t f = b.FlagAt(i)) r = HashMix(r ^ (0x100u | f));  // 0 leaves old hashes as they were
    h = HashMix(h * 31 + r);
  }
  return HashHex(h);
}

std::string HashHex(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace barlake
