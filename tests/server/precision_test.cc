// Prices keep the data's precision: JSON answers carry shortest round-trip numbers, and
// /api/datasets says how many decimals a dataset's prices have and their smallest step.
#include "server/price_precision.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "lake/lake.h"
#include "testutil/status_matchers.h"
#include "testutil/test_data.h"
#include "testutil/test_server.h"

namespace barlake::server {
namespace {

using nlohmann::json;

BarColumns BarsOf(std::initializer_list<double> closes) {
  BarColumns b;
  Micros t = 1700000000LL * 1000000;
  for (double c : closes) {
    b.ts.push_back(t += 60 * 1000000LL);
    for (auto* col : {&b.open, &b.high, &b.low, &b.close}) col->push_back(c);
    b.volume.push_back(1);
  }
  return b;
}

TEST(PricePrecisionTest, DecimalsAndStepComeFromThePrices) {
  auto fx = DerivePricePrecision(BarsOf({1.21297, 1.2131, 1.21305}));
  EXPECT_EQ(fx.decimals, 5);
  EXPECT_DOUBLE_EQ(fx.min_move, 0.00001);
  auto es = DerivePricePrecision(BarsOf({4976.25, 4976.5, 4977, 4975.75}));
  EXPECT_EQ(es.decimals, 2);
  EXPECT_DOUBLE_EQ(es.min_move, 0.25);
  auto stock = DerivePricePrecision(BarsOf({105.49, 105.5, 106}));
  EXPECT_EQ(stock.decimals, 2);
  EXPECT_DOUBLE_EQ(stock.min_move, 0.01);
  // The binary neighbour of 105.49 (what 10549 * 0.01 computes) is 105.49, not 14 decimals.
  auto noisy = DerivePricePrecision(BarsOf({10549 * 0.01, 105.5}));
  EXPECT_EQ(noisy.decimals, 2);
  auto whole = DerivePricePrecision(BarsOf({100, 105, 110}));
  EXPECT_EQ(whole.decimals, 0);
  EXPECT_DOUBLE_EQ(whole.min_move, 5);
  auto none = DerivePricePrecision(BarColumns{});
  EXPECT_EQ(none.decimals, 2);
}

class PrecisionApiTest : public testutil::ServerFixture {
 protected:
  void Import(const std::string& symbol, const std::string& text) {
    const std::string p = dir_.Sub(symbol + ".txt");
    ASSERT_OK(testutil::WriteText(p, text));
    auto l = lake::Lake::Open(vault_, {});
    ASSERT_OK(l.status());
    lake::ImportRequest r;
    r.path = p;
    r.symbol = symbol;
    r.timeframe = "1m";
    r.format = "ninjatrader";
    ASSERT_OK((*l)->Import(r).status());
  }
};

TEST_F(PrecisionApiTest, DatasetsSayTheirPrecisionAndBarsAreShortestNumbers) {
  Import("EURUSD", "20230103 093000;1.21297;1.21311;1.21290;1.21305;10\n"
                   "20230103 093100;1.21305;1.2132;1.213;1.2131;12\n");
  Import("XYZ", "20230103 093000;105.49;105.5;105.47;105.49;10\n"
                "20230103 093100;105.49;105.52;105.48;105.51;12\n");
  Start();
  json ds = Body(client_->Get("/api/datasets"))["datasets"];
  std::map<std::string, json> by;
  for (const auto& d : ds) by[d["symbol"]] = d;
  ASSERT_TRUE(by.count("EURUSD") && by.count("XYZ")) << ds.dump();
  EXPECT_EQ(by["EURUSD"]["price_precision"], 5) << ds.dump();
  EXPECT_DOUBLE_EQ(by["EURUSD"]["min_move"].get<double>(), 0.00001);
  EXPECT_EQ(by["XYZ"]["price_precision"], 2) << ds.dump();
  // The text itself: every number in its shortest form.
  auto bars = client_->Get("/api/bars?symbol=XYZ&timeframe=1m");
  ASSERT_TRUE(bars);
  EXPECT_NE(bars->body.find("\"open\":105.49,"), std::string::npos) << bars->body;
  EXPECT_EQ(bars->body.find("0000000"), std::string::npos) << bars->body;
  auto fx = client_->Get("/api/bars?symbol=EURUSD&timeframe=1m&format=csv");
  ASSERT_TRUE(fx);
  EXPECT_NE(fx->body.find(",1.21297,1.21311,1.2129,1.21305,10\n"), std::string::npos) << fx->body;
  auto listed = client_->Get("/api/datasets");
  ASSERT_TRUE(listed);
  EXPECT_NE(listed->body.find("\"min_move\":1e-05"), std::string::npos) << listed->body;
}

}  // namespace
}  // namespace barlake::server
