// The registry's deploy side in process (lake/deploy_check.h, docs/deploy.md) and the
// [retention] / max_age / max_size keys of barlake.toml.
#include <filesystem>
#include <fstream>

#include "lake/deploy_check.h"
#include "lake/lake_test_util.h"
#include "registry/deploy_config.h"
#include "registry/registry.h"
#include "registry/retention_config.h"

namespace barlake::lake {
namespace {

namespace fs = std::filesystem;
using testutil::NtMinutes;

TEST(RetentionConfigTest, DefaultsValuesAndErrorsNamingTheLine) {
  ASSERT_OK_AND_ASSIGN(auto d, registry::ParseRetention("", "barlake.toml"));
  EXPECT_EQ(d.source_days, 14);
  EXPECT_EQ(d.keep_versions, 2);
  ASSERT_OK_AND_ASSIGN(auto p, registry::ParseRetention("[retention]\nsource_days = 3\nkeep_versions = 0\n", "b.toml"));
  EXPECT_EQ(p.source_days, 3);
  EXPECT_EQ(p.keep_versions, 0);
  EXPECT_EQ(p.rollback_days, 7);
  auto bad = registry::ParseRetention("[retention]\nsource_day = 3\n", "b.toml");
  ASSERT_RAISES(kInvalidInput, bad.status());
  EXPECT_NE(bad.status().message().find("b.toml:2: unknown key 'source_day'"), std::string::npos) << bad.status().message();
  ASSERT_RAISES(kInvalidInput, registry::ParseRetention("[retention]\nfailed_days = -1\n", "b.toml").status());
  ASSERT_RAISES(kInvalidInput, registry::ParseRetention("[retention]\nfailed_days = \"7d\"\n", "b.toml").status());
  // Registry::Parse validates both tables, so a misspelt key stops every command.
  const std::string vault = "[vault]\nname = \"v\"\n";
  ASSERT_RAISES(kInvalidInput, registry::Registry::Parse(vault + "[retention]\nsourcedays = 1\n", "b.toml").status());
  const std::string ds = "[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"1d\"\n";
  ASSERT_OK(registry::Registry::Parse(vault + ds + "max_age = \"3d\"\nmax_size = \"50MB\"\n", "b.toml").status());
  auto age = registry::Registry::Parse(vault + ds + "max_age = \"3 days\"\n", "b.toml");
  ASSERT_RAISES(kInvalidInput, age.status());
  EXPECT_NE(age.status().message().find("'max_age'"), std::string::npos);
  ASSERT_RAISES(kInvalidInput, registry::Registry::Parse(vault + ds + "max_size = \"50 lots\"\n", "b.toml").status());
  ASSERT_OK_AND_ASSIGN(auto limits, registry::ParseDeployLimits(vault + ds + "max_age = \"2h\"\nmax_size = 1200\n", "b.toml"));
  ASSERT_EQ(limits.size(), 1u);
  EXPECT_EQ(limits[0].max_age_seconds, 7200);
  EXPECT_EQ(limits[0].max_bytes, 1200);
  ASSERT_OK_AND_ASSIGN(int64_t mb, registry::ParseByteSize("50MB"));
  EXPECT_EQ(mb, 50'000'000);
}

TEST(GitignoreBlockTest, ReplacesOnlyItsBlockAndIsIdempotent) {
  const std::string block = std::string(kGitignoreBegin) + "\n/.barlake/\n" + kGitignoreEnd + "\n";
  ASSERT_OK_AND_ASSIGN(std::string fresh, WithManagedBlock("", block, ".gitignore"));
  EXPECT_EQ(fresh, block);
  const std::string user = "*.log\n# mine\nbuild/";
  ASSERT_OK_AND_ASSIGN(std::string first, WithManagedBlock(user, block, ".gitignore"));
  EXPECT_EQ(first, user + "\n\n" + block);
  ASSERT_OK_AND_ASSIGN(std::string second, WithManagedBlock(first, block, ".gitignore"));
  EXPECT_EQ(second, first);
  const std::string other = std::string(kGitignoreBegin) + "\n/lake/x/\n" + kGitignoreEnd + "\n";
  ASSERT_OK_AND_ASSIGN(std::string replaced, WithManagedBlock(first + "after\n", other, ".gitignore"));
  EXPECT_EQ(replaced, user + "\n\n" + other + "after\n");
  auto unpaired = WithManagedBlock(std::string("a\n") + kGitignoreBegin + "\nb\n", block, ".gitignore");
  ASSERT_RAISES(kInvalidInput, unpaired.status());
  EXPECT_NE(unpaired.status().message().find(".gitignore:2"), std::string::npos) << unpaired.status().message();
}

class DeployTest : public VaultTest {
 protected:
  void Import(const std::string& symbol, const std::string& first = "20240110 100100") {
    auto l = OpenLake();
    ASSERT_OK(l->Import(Req(WriteSource(symbol + first.substr(0, 8) + ".txt", NtMinutes(first, 60, 4800)), symbol)).status());
  }
  void SetCategory(const std::string& symbol, const std::string& category) {
    ASSERT_OK(registry::Registry::SetDatasetValues(Env::Default(), vault_ + "/barlake.toml", symbol, "1m",
                                                   {{"category", category}})
                  .status());
  }
  void AppendToml(const std::string& text) {
    std::ofstream(vault_ + "/barlake.toml", std::ios::app) << text;
  }
  std::vector<std::string> Reasons(Micros now) {
    auto l = OpenLake();
    auto r = CheckDeploy(l.get(), now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const auto& p : r->problems) out.push_back(p.reason + " " + p.dataset);
    }
    return out;
  }
  Micros Jan(int day) { return (DaysFromCivil(2024, 1, day)) * kMicrosPerDay; }
};

TEST_F(DeployTest, TheBlockTracksPublishedAndIgnoresPipelineAndRaw) {
  Import("ES");
  Import("NQ");
  Import("CL");
  SetCategory("NQ", "pipeline");
  SetCategory("CL", "raw");
  AppendToml("\n[[dataset]]\nsymbol = \"GC\"\ntimeframe = \"1m\"\ncategory = \"raw\"\n");
  auto l = OpenLake();
  ASSERT_OK_AND_ASSIGN(std::string block, GitignoreBlock(l.get(), vault_));
  EXPECT_EQ(block.rfind(kGitignoreBegin, 0), 0u) << block;
  EXPECT_NE(block.find("\n/.barlake/\n"), std::string::npos) << block;
  EXPECT_NE(block.find("# published: 1 dataset, "), std::string::npos) << block;
  EXPECT_NE(block.find("# pipeline: 1 dataset, "), std::string::npos) << block;
  EXPECT_NE(block.find("# raw: 2 datasets, "), std::string::npos) << block;
  EXPECT_NE(block.find("\n/lake/symbol=NQ/timeframe=1m/\n"), std::string::npos) << block;
  EXPECT_NE(block.find("\n/lake/symbol=CL/timeframe=1m/\n"), std::string::npos) << block;
  EXPECT_NE(block.find("\n/lake/symbol=GC/timeframe=1m/\n"), std::string::npos) << "declared, no data yet: " << block;
  EXPECT_EQ(block.find("\n/lake/symbol=ES/"), std::string::npos) << "published is tracked: " << block;
  // From the repository root above the vault, the paths carry the vault's folder.
  ASSERT_OK_AND_ASSIGN(std::string from_root, GitignoreBlock(l.get(), dir_.path()));
  EXPECT_NE(from_root.find("\n/vault/.barlake/\n"), std::string::npos) << from_root;
  ASSERT_RAISES(kInvalidArgument, GitignoreBlock(l.get(), vault_ + "/lake").status());
}

TEST_F(DeployTest, EachReasonTheVaultIsNotFitToShip) {
  Import("ES");
  EXPECT_TRUE(Reasons(Jan(11)).empty());
  // max_age and max_size of a published dataset.
  ASSERT_OK(registry::Registry::SetDatasetValues(Env::Default(), vault_ + "/barlake.toml", "ES", "1m",
                                                 {{"max_age", "2d"}, {"max_size", "1KB"}})
                .status());
  EXPECT_EQ(Reasons(Jan(11)), (std::vector<std::string>{"too_large ES 1m"}));
  EXPECT_EQ(Reasons(Jan(20)), (std::vector<std::string>{"stale ES 1m", "too_large ES 1m"}));
  ASSERT_OK(registry::Registry::SetDatasetValues(Env::Default(), vault_ + "/barlake.toml", "ES", "1m",
                                                 {{"max_age", "30d"}, {"max_size", "10MB"}})
                .status());
  EXPECT_TRUE(Reasons(Jan(20)).empty());
  // A published dataset missing, a pipeline one declared without data.
  AppendToml("\n[[dataset]]\nsymbol = \"NQ\"\ntimeframe = \"1m\"\n\n[[dataset]]\nsymbol = \"CL\"\ntimeframe = \"1m\"\n"
             "category = \"pipeline\"\n");
  EXPECT_EQ(Reasons(Jan(20)), (std::vector<std::string>{"missing NQ 1m", "no_data CL 1m"}));
  Import("NQ");
  Import("CL");
  EXPECT_TRUE(Reasons(Jan(20)).empty());
  // Files of a dataset barlake.toml does not declare, and a stray file.
  {
    ASSERT_OK_AND_ASSIGN(std::string text, Env::Default()->ReadFile(vault_ + "/barlake.toml"));
    ASSERT_OK_AND_ASSIGN(std::string without, registry::Registry::WithoutDataset(text, "barlake.toml", "CL", "1m"));
    ASSERT_OK(WriteFileAtomic(Env::Default(), vault_ + "/barlake.toml", without));
  }
  ASSERT_OK(testutil::WriteText(LakeDir() + "/symbol=ES/stray.parquet", "x"));
  EXPECT_EQ(Reasons(Jan(20)), (std::vector<std::string>{"stray lake/symbol=ES/stray.parquet", "undeclared CL 1m"}));
}

}  // namespace
}  // namespace barlake::lake
