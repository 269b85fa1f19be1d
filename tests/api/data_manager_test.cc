// The DataManager facade (include/barlake/data_manager.h) on a real vault, fetching from a
// replay server on 127.0.0.1 (BARLAKE_BINANCE_URL) that pages Binance klines the way Binance
// does. Compiled against include/ (plus the test replay server), linked to barlake_api
// only. The ranges asked lie hours in the past, so the real clock makes no difference.
#include <barlake/data_manager.h>
#include <barlake/lake.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "replay_server.h"
#include "series.h"

namespace {

namespace fs = std::filesystem;
using barlake::testutil::Reply;
using barlake::testutil::ReplayServer;
using barlake::testutil::SeenRequest;

constexpr int64_t kMinuteUs = 60'000'000;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class DataManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("barlake_dm_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    ASSERT_TRUE(barlake::Lake::Init(dir_.string(), {.name = "dm test"}).ok());
    // Bars every minute since a day ago, up to the one forming now.
    first_ms_ = (NowUs() / kMinuteUs - 24 * 60) * 60'000;
    server_ = std::make_unique<ReplayServer>([this](const SeenRequest& r) {
      if (r.Param("symbol") != "BTCUSDT") return Reply{400, R"({"code":-1121,"msg":"Invalid symbol."})"};
      const int64_t last_open_ms = NowUs() / kMinuteUs * 60'000;
      return Reply{200,
                   barlake::testutil::BinanceKlines(std::stoll(r.Param("startTime")), std::stoll(r.Param("endTime")),
                                                    std::stoi(r.Param("limit")), 60'000, first_ms_, last_open_ms),
                   "application/json",
                   {{"X-MBX-USED-WEIGHT-1M", "2"}}};
    });
    ::setenv("BARLAKE_BINANCE_URL", server_->origin().c_str(), 1);
    auto lake = barlake::Lake::Open(dir_.string());
    ASSERT_TRUE(lake.ok()) << lake.status().ToString();
    lake_ = std::move(lake).value();
  }
  void TearDown() override {
    lake_.reset();
    ::unsetenv("BARLAKE_BINANCE_URL");
    fs::remove_all(dir_);
  }

  fs::path dir_;
  int64_t first_ms_ = 0;
  std::unique_ptr<ReplayServer> server_;
  std::unique_ptr<barlake::Lake> lake_;
};

TEST_F(DataManagerTest, GetOhlcvFetchesOnlyWhatIsMissingThenReadsTheLake) {
  barlake::DataManager dm(*lake_);
  const int64_t from = first_ms_ * 1000 + 120 * kMinuteUs;  // two hours of closed bars
  const int64_t to = from + 120 * kMinuteUs;
  // Without fetch_missing: the lake only.
  auto none = dm.GetOhlcv("BTCUSDT", "1m", from, to);
  EXPECT_EQ(none.status().code(), barlake::ErrorCode::kNotFound) << none.status().ToString();
  EXPECT_TRUE(server_->seen().empty());

  auto bars = dm.GetOhlcv("BTCUSDT", "1m", from, to, {.fetch_missing = true});
  ASSERT_TRUE(bars.ok()) << bars.status().ToString();
  ASSERT_EQ(bars->size(), 120u);
  EXPECT_EQ(bars->ts.front(), from);
  EXPECT_EQ(bars->ts.back(), to - kMinuteUs);
  EXPECT_EQ(bars->close.front(), barlake::testutil::SeriesPrice(from / 1'000'000) + 0.25);
  EXPECT_EQ(dm.last_fetch().provider, "binance");
  EXPECT_EQ(dm.last_fetch().status, "ok");
  EXPECT_EQ(dm.last_fetch().requests, 1);
  EXPECT_EQ(dm.last_fetch().rows_written, 120);
  ASSERT_EQ(dm.last_fetch().jobs.size(), 1u);
  auto seen = server_->seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(std::stoll(seen[0].Param("startTime")), from / 1000);

  // The same range again: the lake holds it, nothing is asked.
  auto again = dm.GetOhlcv("BTCUSDT", "1m", from, to, {.fetch_missing = true});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->size(), 120u);
  EXPECT_EQ(dm.last_fetch().status, "up_to_date");
  EXPECT_EQ(server_->seen().size(), 1u);

  // Half an hour earlier: only the 30 bars before the first stored one are asked.
  auto earlier = dm.GetOhlcv("BTCUSDT", "1m", from - 30 * kMinuteUs, to, {.fetch_missing = true});
  ASSERT_TRUE(earlier.ok()) << earlier.status().ToString();
  EXPECT_EQ(earlier->size(), 150u);
  EXPECT_EQ(dm.last_fetch().rows_written, 30);
  seen = server_->seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(std::stoll(seen[1].Param("startTime")), (from - 30 * kMinuteUs) / 1000);
  EXPECT_LT(std::stoll(seen[1].Param("endTime")), from / 1000);

  auto symbols = dm.ListSymbols();
  ASSERT_TRUE(symbols.ok()) << symbols.status().ToString();
  EXPECT_EQ(*symbols, std::vector<std::string>{"BTCUSDT"});
  auto tfs = dm.ListTimeframes("BTCUSDT");
  ASSERT_TRUE(tfs.ok()) << tfs.status().ToString();
  EXPECT_EQ(*tfs, std::vector<std::string>{"1m"});
  EXPECT_EQ(dm.ListTimeframes("ETHUSDT").status().code(), barlake::ErrorCode::kNotFound);
}

TEST_F(DataManagerTest, AnUnknownSymbolIsNotFoundAndDeclaresNothing) {
  barlake::DataManager dm(*lake_);
  const int64_t from = first_ms_ * 1000 + 60 * kMinuteUs;
  auto bars = dm.GetOhlcv("NOPEUSDT", "1m", from, from + 60 * kMinuteUs, {.fetch_missing = true});
  EXPECT_EQ(bars.status().code(), barlake::ErrorCode::kNotFound) << bars.status().ToString();
  EXPECT_EQ(dm.last_fetch().status, "not_found");
  auto symbols = dm.ListSymbols();
  ASSERT_TRUE(symbols.ok());
  EXPECT_TRUE(symbols->empty());
}

TEST_F(DataManagerTest, ProviderForFollowsTheRulesAndTheDefaults) {
  barlake::DataManager dm(*lake_);
  auto crypto = dm.ProviderFor("BTCUSDT", "1m");
  ASSERT_TRUE(crypto.ok()) << crypto.status().ToString();
  EXPECT_EQ(*crypto, std::vector<std::string>{"binance"});
  auto daily = dm.ProviderFor("AAPL", "1d");
  ASSERT_TRUE(daily.ok()) << daily.status().ToString();
  EXPECT_EQ(*daily, std::vector<std::string>{"yahoo"});
  auto intraday = dm.ProviderFor("AAPL", "5m");
  ASSERT_TRUE(intraday.ok()) << intraday.status().ToString();
  EXPECT_EQ(*intraday, (std::vector<std::string>{"alphavantage", "yahoo"}));
  EXPECT_EQ(dm.ProviderFor("AAPL", "7x").status().code(), barlake::ErrorCode::kInvalidArgument);
  EXPECT_TRUE(server_->seen().empty());  // the registry only
}

}  // namespace
