// The provider parts of barlake.toml: [[provider]], [[rule]], asset_class and
// provider_symbols, and the chain each dataset gets.
#include <gtest/gtest.h>

#include "providers/update.h"
#include "registry/registry.h"
#include "testutil/status_matchers.h"

namespace barlake::providers {
namespace {

using registry::Registry;

TEST(ProviderConfigTest, ProvidersRulesAndProviderSymbolsParse) {
  ASSERT_OK_AND_ASSIGN(Registry r, Registry::Parse(R"(
[[provider]]
name = "alphavantage"
api_key_env = "MY_AV_KEY"
requests_per_minute = 1
timeout_seconds = 10

[[rule]]
asset_class = "stock"
timeframes = ["1m", "5m"]
providers = ["yahoo", "alphavantage"]

[[dataset]]
symbol = "ES"
timeframe = "1m"
provider_symbols = { yahoo = "ES=F" }
)",
                                                   "barlake.toml"));
  ASSERT_EQ(r.providers().size(), 1u);
  EXPECT_EQ(r.providers()[0].api_key_env, "MY_AV_KEY");
  EXPECT_EQ(r.providers()[0].requests_per_minute, 1);
  ASSERT_EQ(r.rules().size(), 1u);
  EXPECT_EQ(r.rules()[0].providers, (std::vector<std::string>{"yahoo", "alphavantage"}));
  const registry::DatasetSpec* es = r.Find("ES", "1m");
  ASSERT_NE(es, nullptr);
  ASSERT_EQ(es->provider_symbols.size(), 1u);
  EXPECT_EQ(es->provider_symbols[0].second, "ES=F");
  // ES is a future by its Yahoo symbol; futures default to Yahoo.
  EXPECT_EQ(Updater::AssetClassOf(es, "ES"), "future");
  EXPECT_EQ(Updater::ChainFor(r, "future", Timeframe::Parse("1m").value()), std::vector<std::string>{"yahoo"});
  // The rule wins for its timeframes; the defaults hold for the rest.
  EXPECT_EQ(Updater::ChainFor(r, "stock", Timeframe::Parse("5m").value()),
            (std::vector<std::string>{"yahoo", "alphavantage"}));
  EXPECT_EQ(Updater::ChainFor(r, "stock", Timeframe::Parse("15m").value()),
            (std::vector<std::string>{"alphavantage", "yahoo"}));
  EXPECT_EQ(Updater::ChainFor(r, "stock", Timeframe::Parse("1d").value()), std::vector<std::string>{"yahoo"});
  EXPECT_EQ(Updater::ChainFor(r, "crypto", Timeframe::Parse("1m").value()), std::vector<std::string>{"binance"});
  EXPECT_EQ(Updater::AssetClassOf(nullptr, "BTCUSDT"), "crypto");
  EXPECT_EQ(Updater::AssetClassOf(nullptr, "EURUSD"), "fx");
  EXPECT_EQ(Updater::AssetClassOf(nullptr, "AAPL"), "stock");
}

TEST(ProviderConfigTest, MistakesAreErrorsNamingTheLine) {
  auto bad_key = Registry::Parse("[[provider]]\nname = \"yahoo\"\napi_key = \"secret\"\n", "barlake.toml");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.status().message().find("barlake.toml:3: unknown key 'api_key'"), std::string::npos)
      << bad_key.status().message();
  auto bad_class = Registry::Parse("[[rule]]\nasset_class = \"bond\"\nproviders = [\"yahoo\"]\n", "barlake.toml");
  ASSERT_FALSE(bad_class.ok());
  EXPECT_NE(bad_class.status().message().find("must be crypto, stock, future or fx"), std::string::npos);
  auto no_chain = Registry::Parse("[[rule]]\nasset_class = \"stock\"\n", "barlake.toml");
  ASSERT_FALSE(no_chain.ok());
  auto bad_symbols = Registry::Parse(
      "[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"1m\"\nprovider_symbols = { yahoo = 5 }\n", "barlake.toml");
  ASSERT_FALSE(bad_symbols.ok());
  EXPECT_NE(bad_symbols.status().message().find("provider_symbols.yahoo"), std::string::npos);
}

TEST(ProviderConfigTest, UnknownProvidersAreRefusedWhenUsed) {
  ProviderConfig c;
  c.name = "stooq";
  auto p = MakeProvider(c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("known: yahoo, binance, alphavantage"), std::string::npos);
}

}  // namespace
}  // namespace barlake::providers
