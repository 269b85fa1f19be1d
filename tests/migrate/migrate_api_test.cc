// Read-compatibility in the HTTP API (docs/migration.md#reading-while-mixed, docs/api.md):
// GET /api/datasets lists a dataset of a migration not activated yet that the lake holds
// none of, with `legacy: true` and where it comes from, and GET /api/bars serves its bars
// from the legacy files (source kind "legacy", header X-Bars-Source). The lake wins as soon
// as it holds the dataset; an activated migration serves nothing.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "lake/lake.h"
#include "migrate/migration.h"
#include "migrate_fixture.h"
#include "registry/legacy_config.h"
#include "testutil/status_matchers.h"
#include "testutil/test_data.h"
#include "testutil/test_server.h"

namespace barlake {
namespace {

using nlohmann::json;

class LegacyApiTest : public testutil::ServerFixture {
 protected:
  /// A flat legacy folder of `symbols` daily symbols (plus ES 1m) planned, not run.
  std::string Plan(int symbols) {
    legacy_ = dir_.Sub("legacy");
    migrate_test::MakeFlat(legacy_, symbols);
    auto l = lake::Lake::Open(vault_, {});
    EXPECT_OK(l.status());
    if (!l.ok()) return "";
    migrate::PlanRequest req;
    req.source_dir = legacy_;
    auto plan = migrate::CreatePlan(l->get(), Env::Default(), req);
    EXPECT_OK(plan.status());
    return plan.ok() ? plan->id : "";
  }
  std::map<std::string, json> Datasets() {
    json ds = Body(client().Get("/api/datasets"))["datasets"];
    std::map<std::string, json> by;
    for (const auto& d : ds) {
      const std::string key = d["symbol"].get<std::string>() + " " + d["timeframe"].get<std::string>();
      EXPECT_EQ(by.count(key), 0u) << key << " listed twice: " << ds.dump();
      by[key] = d;
    }
    return by;
  }
  std::string legacy_;
};

TEST_F(LegacyApiTest, DatasetsAndBarsServeTheLegacyFilesMarked) {
  const std::string id = Plan(2);
  ASSERT_FALSE(id.empty());
  const auto legacy_before = testutil::Snapshot(legacy_);
  Start();
  auto by = Datasets();
  ASSERT_EQ(by.size(), 3u);
  const json& s = by["S1000 1d"];
  EXPECT_EQ(s["legacy"], true) << s.dump();
  EXPECT_EQ(s["kind"], "bars");
  EXPECT_EQ(s["rows"], 60);
  EXPECT_EQ(s["first_bar"], "2023-01-02T00:00:00Z");
  EXPECT_EQ(s["last_bar"], "2023-03-02T00:00:00Z");
  EXPECT_EQ(s["legacy_source"], json({{"migration", id}, {"path", legacy_}, {"layout", "flat"}, {"files", 1}}));
  EXPECT_EQ(by["ES 1m"]["rows"], 600);

  auto r = client().Get("/api/bars?symbol=S1000&timeframe=1d");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("X-Bars-Source"), "legacy " + id);
  json page = Body(r);
  EXPECT_EQ(page["count"], 60);
  EXPECT_EQ(page["source"], json({{"kind", "legacy"}, {"migration", id}, {"path", legacy_}}));
  EXPECT_EQ(page["bars"][0]["ts"], "2023-01-02T00:00:00Z");
  // Paged and ranged as the lake's bars are.
  page = Body(client().Get("/api/bars?symbol=ES&timeframe=1m&limit=100"));
  EXPECT_EQ(page["count"], 100);
  EXPECT_EQ(page["next"], "2024-03-04T16:10:00Z");
  page = Body(client().Get("/api/bars?symbol=S1000&timeframe=1d&from=2023-02-01T00:00:00Z&to=2023-02-03T00:00:00Z"));
  EXPECT_EQ(page["count"], 2);
  auto csv = client().Get("/api/bars?symbol=S1001&timeframe=1d&format=csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(std::count(csv->body.begin(), csv->body.end(), '\n'), 61);
  // A dataset neither holds: 404, as before.
  ExpectError(client().Get("/api/bars?symbol=NOPE&timeframe=1d"), 404, "not_found");

  EXPECT_TRUE(LakeFiles().empty()) << "reads only";
  EXPECT_EQ(testutil::Snapshot(legacy_), legacy_before) << "the legacy tree is only read";
}

TEST_F(LegacyApiTest, TheLakeWinsOnceItHoldsTheDatasetAndActivationEndsIt) {
  const std::string id = Plan(2);
  ASSERT_FALSE(id.empty());
  // S1001 1d gets one bar of its own in the lake: the lake serves it from now on.
  ImportText("one.csv", "S1001", "1d", "date,open,high,low,close,volume\n2024-05-01,1,2,0.5,1.5,10\n");
  Start();
  auto by = Datasets();
  EXPECT_EQ(by["S1001 1d"]["legacy"], false) << by["S1001 1d"].dump();
  EXPECT_EQ(by["S1001 1d"]["rows"], 1);
  EXPECT_EQ(by["S1000 1d"]["legacy"], true);
  auto r = client().Get("/api/bars?symbol=S1001&timeframe=1d&from=2020-01-01T00:00:00Z&to=2023-12-31T00:00:00Z");
  ASSERT_TRUE(r);
  EXPECT_EQ(Body(r)["count"], 0) << "the legacy rows are not mixed in";
  EXPECT_EQ(r->get_header_value("X-Bars-Source"), "");

  // Activated: nothing is served from the legacy files any more.
  ASSERT_OK(registry::SetLegacyActivated(Env::Default(), vault_ + "/barlake.toml", id, true));
  by = Datasets();
  EXPECT_EQ(by.count("S1000 1d"), 0u);
  ExpectError(client().Get("/api/bars?symbol=S1000&timeframe=1d"), 404, "not_found");
}

}  // namespace
}  // namespace barlake
