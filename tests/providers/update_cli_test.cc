// `barlake update` as users run it: the real binary against a replay server on 127.0.0.1
// (BARLAKE_BINANCE_URL), on a simulated clock (BARLAKE_TEST_NOW, test builds only).
#include <gtest/gtest.h>

#include <csignal>
#include <ctime>

#include <nlohmann/json.hpp>

#include "replay_server.h"
#include "series.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::Reply;
using testutil::ReplayServer;
using testutil::RunBarlake;
using testutil::SeenRequest;

constexpr int64_t kT0 = 1709510400;  // 2024-03-04T00:00:00Z

class UpdateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("v");
    ASSERT_EQ(RunBarlake({"init", vault_}).exit_code, 0);
    server_ = std::make_unique<ReplayServer>([this](const SeenRequest& r) {
      const int64_t last_open = (now_ / 60) * 60 * 1000;
      return Reply{200,
                   testutil::BinanceKlines(std::stoll(r.Param("startTime")), std::stoll(r.Param("endTime")),
                                           std::stoi(r.Param("limit")), 60000, kT0 * 1000, last_open),
                   "application/json",
                   {{"X-MBX-USED-WEIGHT-1M", "2"}}};
    });
  }
  static std::string Iso(int64_t t) {
    char buf[32];
    const time_t tt = static_cast<time_t>(t);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
    return buf;
  }
  int64_t now_ = kT0 + 2500 * 60 + 30;
  testutil::TempDir dir_;
  std::string vault_;
  std::unique_ptr<ReplayServer> server_;
};

TEST_F(UpdateCliTest, JsonReportsEachDataset) {
  CommandResult r = RunBarlake({"--vault", vault_, "update", "BTCUSDT", "--timeframe", "1m", "--from", Iso(kT0),
                                "--json"},
                               {"BARLAKE_BINANCE_URL=" + server_->origin(), "BARLAKE_TEST_NOW=" + Iso(now_)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  for (const char* key : {"symbol", "timeframe", "provider", "requests", "rows_fetched", "rows_written",
                          "rows_rejected", "provisional", "status", "error"}) {
    EXPECT_TRUE(j[0].contains(key)) << key;
  }
  EXPECT_EQ(j[0]["symbol"], "BTCUSDT");
  EXPECT_EQ(j[0]["provider"], "binance");
  EXPECT_EQ(j[0]["requests"], 3);
  EXPECT_EQ(j[0]["rows_written"], 2500);
  EXPECT_EQ(j[0]["status"], "ok");
  EXPECT_TRUE(j[0]["error"].is_null());
  CommandResult dry = RunBarlake({"--vault", vault_, "update", "--dry-run"},
                                 {"BARLAKE_BINANCE_URL=" + server_->origin(), "BARLAKE_TEST_NOW=" + Iso(now_ + 600)});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("binance GET " + server_->origin() + "/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=" +
                         std::to_string((kT0 + 2499 * 60) * 1000)),
            std::string::npos)
      << dry.out;
  EXPECT_EQ(server_->seen().size(), 3u);  // the dry run asked nothing
}

TEST_F(UpdateCliTest, KilledDuringAnUpdateThenRecoveredAndRunAgain) {
  const std::vector<std::string> env = {"BARLAKE_BINANCE_URL=" + server_->origin(),
                                        "BARLAKE_TEST_NOW=" + Iso(now_)};
  std::vector<std::string> update = {"--vault", vault_, "update", "BTCUSDT", "--timeframe", "1m", "--from", Iso(kT0)};
  // SIGKILL while the second answer's import has its partitions staged.
  auto killed_env = env;
  killed_env.push_back("BARLAKE_CRASH_AT=after-staged:2");
  CommandResult killed = RunBarlake(update, killed_env);
  ASSERT_EQ(killed.signal, SIGKILL) << killed.err;
  CommandResult rec = RunBarlake({"--vault", vault_, "recover"});
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  EXPECT_NE(rec.out.find("Recovered 1 interrupted job"), std::string::npos) << rec.out;
  ASSERT_EQ(RunBarlake({"--vault", vault_, "verify"}).exit_code, 0);
  // Run again: the first answer is already imported (skipped by its SHA-256), the rest comes.
  CommandResult again = RunBarlake(update, env);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  CommandResult q = RunBarlake({"--vault", vault_, "query",
                                "SELECT count(*) AS n, count(DISTINCT ts) AS d FROM bars WHERE symbol = 'BTCUSDT'",
                                "--format", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "n,d\n2500,2500\n");
  ASSERT_EQ(RunBarlake({"--vault", vault_, "verify"}).exit_code, 0);
}

}  // namespace
}  // namespace barlake
