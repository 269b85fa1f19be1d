#include "registry/registry.h"

#include <gtest/gtest.h>

#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

namespace barlake::registry {

TEST(RegistryTest, SerializeParseRoundTrip) {
  Registry r;
  r.settings().name = "desk \"A\"";
  r.settings().display_tz = "Europe/London";
  DatasetSpec es;
  es.symbol = "ES";
  es.timeframe = "1m";
  es.source_tz = "America/Chicago";
  es.format = "ninjatrader";
  es.description = "E-mini S&P";
  es.owner = "ana";
  r.Upsert(es);
  DatasetSpec cl{.symbol = "CL", .timeframe = "1d", .category = "pipeline"};
  r.Upsert(cl);
  ASSERT_OK_AND_ASSIGN(Registry back, Registry::Parse(r.Serialize(), "barlake.toml"));
  EXPECT_EQ(back.settings().name, "desk \"A\"");
  EXPECT_EQ(back.settings().display_tz, "Europe/London");
  ASSERT_EQ(back.datasets().size(), 2u);
  const DatasetSpec* e = back.Find("ES", "1m");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->source_tz, "America/Chicago");
  EXPECT_EQ(e->owner, "ana");
  EXPECT_EQ(back.Find("CL", "1d")->category, "pipeline");
  EXPECT_EQ(back.SourceTzFor("ES", "1m"), "America/Chicago");
  EXPECT_EQ(back.SourceTzFor("CL", "1d"), "America/Los_Angeles");  // vault default
}

TEST(RegistryTest, ErrorsNameFileAndLine) {
  auto r = Registry::Parse("[vault]\ndisplay_tz = \"America/New_York\"\n\n[[dataset]]\nsymbol = \"ES\"\n"
                           "timeframe = \"7m\"\n",
                           "v/barlake.toml");
  ASSERT_RAISES(kInvalidInput, r);
  EXPECT_NE(r.status().message().find("v/barlake.toml:4"), std::string::npos) << r.status().message();
  auto bad_tz = Registry::Parse("[vault]\ndisplay_tz = \"Nowhere/City\"\n", "b.toml");
  EXPECT_FALSE(bad_tz.ok());
  auto syntax = Registry::Parse("[vault\nname=1", "c.toml");
  ASSERT_RAISES(kInvalidInput, syntax);
  EXPECT_NE(syntax.status().message().find("c.toml:1"), std::string::npos) << syntax.status().message();
  auto category = Registry::Parse("[[dataset]]\nsymbol=\"ES\"\ntimeframe=\"1m\"\ncategory=\"gold\"\n", "d.toml");
  ASSERT_RAISES(kInvalidInput, category);
  auto dup = Registry::Parse("[[dataset]]\nsymbol=\"ES\"\ntimeframe=\"1m\"\n[[dataset]]\nsymbol=\"ES\"\ntimeframe=\"1m\"\n",
                             "e.toml");
  ASSERT_RAISES(kInvalidInput, dup);
  auto unknown = Registry::Parse("[[dataset]]\nsymbol=\"ES\"\ntimeframe=\"1m\"\nsource_zt=\"UTC\"\n", "g.toml");
  ASSERT_RAISES(kInvalidInput, unknown);
  EXPECT_NE(unknown.status().message().find("g.toml:4: unknown key 'source_zt'"), std::string::npos)
      << unknown.status().message();
  auto type = Registry::Parse("[vault]\nname = 5\n", "f.toml");
  ASSERT_RAISES(kInvalidInput, type);
  EXPECT_NE(type.status().message().find("f.toml:2"), std::string::npos);
}

TEST(RegistryTest, AppendDatasetKeepsTheUsersTextAndComments) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("barlake.toml");
  const std::string original = "# my desk's data\n[vault]\nname = \"desk\"  # keep me\n";
  ASSERT_OK(WriteFileAtomic(Env::Default(), path, original));
  DatasetSpec es{.symbol = "ES", .timeframe = "1m", .source_tz = "UTC"};
  ASSERT_OK_AND_ASSIGN(Registry r, Registry::AppendDataset(Env::Default(), path, es));
  ASSERT_NE(r.Find("ES", "1m"), nullptr);
  ASSERT_OK_AND_ASSIGN(std::string text, Env::Default()->ReadFile(path));
  EXPECT_EQ(text.substr(0, original.size()), original);
  EXPECT_NE(text.find("[[dataset]]\nsymbol = \"ES\""), std::string::npos) << text;
}

}  // namespace barlake::registry
