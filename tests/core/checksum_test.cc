#include "core/checksum.h"

#include <gtest/gtest.h>

namespace barlake {

TEST(ChecksumTest, Sha256MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.Update("a", 1);
  h.Update("bc", 2);
  EXPECT_EQ(h.HexDigest(), Sha256Hex("abc"));
}

TEST(ChecksumTest, ContentHashSeesEveryFieldAndRowOrder) {
  BarColumns b;
  for (int i = 0; i < 3; ++i) {
    b.ts.push_back(i * 60000000LL);
    b.open.push_back(1 + i);
    b.high.push_back(2 + i);
    b.low.push_back(0.5 + i);
    b.close.push_back(1.5 + i);
    b.volume.push_back(10 * i);
    b.job.push_back(7);
  }
  const std::string base = ContentHash(b);
  EXPECT_EQ(base, ContentHash(b));
  auto changed = [&](auto mutate) {
    BarColumns c = b;
    mutate(c);
    return ContentHash(c);
  };
  EXPECT_NE(base, changed([](BarColumns& c) { c.ts[1] += 1; }));
  EXPECT_NE(base, changed([](BarColumns& c) { c.open[0] = 1.0000001; }));
  EXPECT_NE(base, changed([](BarColumns& c) { c.high[2] += 1; }));
  EXPECT_NE(base, changed([](BarColumns& c) { c.low[1] -= 1; }));
  EXPECT_NE(base, changed([](BarColumns& c) { c.close[0] += 1; }));
  EXPECT_NE(base, changed([](BarColumns& c) { c.volume[0] += 1; }));
  EXPECT_NE(base, changed([](BarColumns& c) { c.job[0] = 8; }));
  EXPECT_NE(base, changed([](BarColumns& c) { std::swap(c.open[0], c.open[1]); }));
  EXPECT_NE(base, changed([](BarColumns& c) { c.Clear(); }));
  // -0.0 and 0.0 are the same value.
  EXPECT_EQ(changed([](BarColumns& c) { c.volume[0] = -0.0; }), base);
}

}  // namespace barlake
