// `barlake update` as users run it: the real binary against a replay server on 127.0.0.1
// (BARLAKE_BINANCE_URL), on a simulated clock (BARLAKE_TEST_NOW, test builds only).
#include <nlohmann/json.hpp>

#include <fstream>

#include "update_cli_fixture.h"

namespace barlake {
namespace {

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
  EXPECT_EQ(j[0]["rows_written"], 2501);  // 2500 closed bars and the forming one (provisional)
  EXPECT_EQ(j[0]["provisional"], 1);
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

TEST_F(UpdateCliTest, AnAdjustedHistoryExitsFiveNamingTheRatio) {
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"--vault", vault_, "update", "BTCUSDT", "--timeframe", "1m"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunBarlake(args, {"BARLAKE_BINANCE_URL=" + server_->origin(), "BARLAKE_TEST_NOW=" + Iso(now_)});
  };
  ASSERT_EQ(run({"--from", Iso(kT0 + 2000 * 60)}).exit_code, 0);
  factor_ = 0.5;  // a 2:1 split
  now_ += 600;
  CommandResult stopped = run({});
  EXPECT_EQ(stopped.exit_code, 5) << stopped.err;
  EXPECT_NE(stopped.err.find("constant ratio of 0.5 "), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find("barlake update BTCUSDT --timeframe 1m --full"), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.out.find("adjusted"), std::string::npos) << stopped.out;
}

TEST_F(UpdateCliTest, ATimeframeWrittenAsASymbolIsNamedWithTheCommandMeant) {
  const std::vector<std::string> env = {"BARLAKE_BINANCE_URL=" + server_->origin(), "BARLAKE_TEST_NOW=" + Iso(now_)};
  // As `barlake read BTCUSDT 1m` is written.
  CommandResult r = RunBarlake({"--vault", vault_, "update", "BTCUSDT", "1m", "4h"}, env);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'1m' is a timeframe, not a symbol; name timeframes with --timeframe: "
                       "`barlake update BTCUSDT --timeframe 1m,4h`"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(server_->seen().empty());
  // The command it names works.
  CommandResult fixed =
      RunBarlake({"--vault", vault_, "update", "BTCUSDT", "--timeframe", "1m", "--from", Iso(kT0)}, env);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
}

TEST_F(UpdateCliTest, NothingEligibleSaysWhyAndHowToOptIn) {
  // A dataset imported from a file (NinjaTrader) never opted in: `update` alone finds nothing.
  const std::string file = dir_.Sub("ES.Last.txt");
  {
    std::ofstream out(file);
    out << "20240304 000100;5000;5001;4999;5000.5;10\n20240304 000200;5000.5;5002;5000;5001;12\n";
  }
  ASSERT_EQ(RunBarlake({"--vault", vault_, "import", file, "--symbol", "ES", "--timeframe", "1m", "--tz", "UTC"})
                .exit_code,
            0);
  const std::vector<std::string> env = {"BARLAKE_BINANCE_URL=" + server_->origin(),
                                        "BARLAKE_YAHOO_URL=" + server_->origin(), "BARLAKE_TEST_NOW=" + Iso(now_)};
  CommandResult r = RunBarlake({"--vault", vault_, "update"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no dataset to update"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("asset_class"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("provider_symbols"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--provider"), std::string::npos) << r.out;
  CommandResult j = RunBarlake({"--vault", vault_, "update", "--json"}, env);
  EXPECT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(j.out, "[]\n");
  EXPECT_NE(j.err.find("no dataset to update"), std::string::npos) << j.err;
  EXPECT_TRUE(server_->seen().empty());
}

}  // namespace
}  // namespace barlake
