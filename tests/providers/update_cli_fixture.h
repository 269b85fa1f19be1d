// The fixture of the `barlake update` binary tests: a vault, and a replay server answering
// Binance klines requests over 1m bars from kT0 up to the bar forming at now_.
#pragma once

#include <gtest/gtest.h>

#include <csignal>
#include <ctime>
#include <memory>

#include "replay_server.h"
#include "series.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {

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
                                           std::stoi(r.Param("limit")), 60000, kT0 * 1000, last_open, factor_),
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
  double factor_ = 1;  // the provider's price adjustment (a split divides history)
  testutil::TempDir dir_;
  std::string vault_;
  std::unique_ptr<ReplayServer> server_;
};

}  // namespace barlake
