// POST /api/update against the provider replay server of tests/providers (a real HTTP
// server on 127.0.0.1 answering Binance klines, BARLAKE_BINANCE_URL), and the other
// answers of issue 12 the dashboard relies on: a job's dependents before a rollback and
// the ones rebuilt after it, resample= served from a derived dataset, and what detection
// says about the zone and the dataset a file adds to.
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "../providers/replay_server.h"
#include "../providers/series.h"
#include "core/time_util.h"
#include "demo/sample_data.h"
#include "lake/lake.h"
#include "testutil/status_matchers.h"
#include "testutil/test_data.h"
#include "testutil/test_server.h"

namespace barlake::server {
namespace {

using nlohmann::json;
using testutil::Reply;
using testutil::ReplayServer;
using testutil::SeenRequest;

std::string Export(int days, int start_month = 1) {
  demo::SampleSpec spec;
  spec.symbol = "ES";
  spec.start_year = 2023;
  spec.start_month = start_month;
  spec.days = days;
  spec.seed = 7;
  spec.cme_session = true;
  auto text = demo::MakeNinjaTraderExport(spec, nullptr);
  EXPECT_TRUE(text.ok());
  return text.ok() ? *text : "";
}

class UpdateApiTest : public testutil::ServerFixture {
 protected:
  httplib::Result PostJson(const std::string& path, const std::string& body) {
    return client_->Post(path.c_str(), Auth(), body, "application/json");
  }
  int64_t ImportDirect(const std::string& name, const std::string& text) {
    const std::string p = dir_.Sub("src/" + name);
    EXPECT_OK(testutil::WriteText(p, text));
    auto l = lake::Lake::Open(vault_, {});
    EXPECT_OK(l.status());
    if (!l.ok()) return 0;
    lake::ImportRequest r;
    r.path = p;
    r.symbol = "ES";
    r.timeframe = "1m";
    auto done = (*l)->Import(r);
    EXPECT_OK(done.status());
    return done.ok() ? done->job.id : 0;
  }
  void DeclareHourly(bool auto_regenerate) {
    ASSERT_OK_AND_ASSIGN(auto lk, lake::Lake::Open(vault_, {}));
    lake::ResampleRequest rr;
    rr.symbol = "ES";
    rr.to = {"1h"};
    rr.auto_regenerate = auto_regenerate;
    ASSERT_OK(lk->DeclareResample(rr).status());
  }
};

TEST_F(UpdateApiTest, TheBodyIsCheckedStrictly) {
  Start();
  ExpectError(client_->Post("/api/update", R"({"all": true})", "application/json"), 401, "unauthorized");
  auto unknown = PostJson("/api/update", R"({"dataset": ["ES 1m"]})");
  ExpectError(unknown, 400, "invalid_argument");
  EXPECT_NE(unknown->body.find("'dataset'"), std::string::npos) << unknown->body;
  for (const char* body : {"{}", "", R"({"datasets": ["ES"]})", R"({"datasets": "ES 1m"})",
                           R"({"datasets": ["ES 7x"]})", R"({"all": true, "datasets": ["ES 1m"]})",
                           R"({"all": "yes"})", R"({"all": true, "from": "yesterday"})", "[1]"}) {
    SCOPED_TRACE(body);
    ExpectError(PostJson("/api/update", body), 400, "invalid_argument");
  }
  EXPECT_TRUE(Body(client_->Get("/api/tasks"))["tasks"].empty()) << "nothing was queued";
}

// One dataset, fetched from the replay server: the task's result says per dataset what was
// fetched and from where, the progress names the dataset, and the bars are in the lake.
TEST_F(UpdateApiTest, UpdatesADatasetFromTheReplayServerAsATask) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const int64_t t0 = (now / 60) * 60 - 300 * 60;  // 300 whole minutes before this one
  ReplayServer replay([&](const SeenRequest& r) {
    const int64_t last_open = (static_cast<int64_t>(std::time(nullptr)) / 60) * 60 * 1000;
    return Reply{200,
                 testutil::BinanceKlines(std::stoll(r.Param("startTime")), std::stoll(r.Param("endTime")),
                                         std::stoi(r.Param("limit")), 60000, t0 * 1000, last_open),
                 "application/json",
                 {{"X-MBX-USED-WEIGHT-1M", "2"}}};
  });
  ::setenv("BARLAKE_BINANCE_URL", replay.origin().c_str(), 1);
  Start();
  auto r = PostJson("/api/update", R"({"datasets": ["BTCUSDT 1m"], "from": ")" + FormatIsoUtc(t0 * kMicrosPerSecond) + "\"}");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(Body(r)["task"]["kind"], "update");
  json t = WaitForTask(Body(r)["task"]["id"]);
  ::unsetenv("BARLAKE_BINANCE_URL");
  ASSERT_EQ(t["state"], "succeeded") << t.dump();
  ASSERT_EQ(t["result"]["updated"].size(), 1u) << t.dump();
  const json& item = t["result"]["updated"][0];
  EXPECT_EQ(item["symbol"], "BTCUSDT");
  EXPECT_EQ(item["provider"], "binance");
  EXPECT_EQ(item["status"], "ok") << item.dump();
  // 300 finished bars (one more if a minute turned meanwhile); the forming one is not stored.
  const int64_t written = item["rows_written"];
  EXPECT_GE(written, 300);
  EXPECT_LE(written, 302);
  ASSERT_FALSE(item["served"].empty());
  EXPECT_EQ(item["served"][0]["provider"], "binance");
  EXPECT_EQ(t["result"]["failed"], 0);
  // The last progress event named the dataset and its outcome.
  EXPECT_NE(t["phase"].get<std::string>().find("BTCUSDT 1m: ok from binance"), std::string::npos) << t.dump();
  EXPECT_EQ(t["done"], 1);
  EXPECT_EQ(t["total"], 1);
  ASSERT_FALSE(replay.seen().empty());
  EXPECT_EQ(replay.seen()[0].path, "/api/v3/klines");
  EXPECT_EQ(replay.seen()[0].Param("symbol"), "BTCUSDT");
  // The bars are served.
  json bars = Body(client_->Get("/api/bars?symbol=BTCUSDT&timeframe=1m"));
  EXPECT_EQ(bars["count"].get<int64_t>(), written);
}

// An update whose provider fails is a task that succeeds with the dataset's error: the
// other datasets are still updated, and the list says which failed and why.
TEST_F(UpdateApiTest, AProviderErrorIsReportedPerDataset) {
  ReplayServer replay([](const SeenRequest&) {
    return Reply{400, R"({"code":-1121,"msg":"Invalid symbol."})", "application/json", {}};
  });
  ::setenv("BARLAKE_BINANCE_URL", replay.origin().c_str(), 1);
  Start();
  auto r = PostJson("/api/update", R"({"datasets": ["NOSUCHUSDT 1m"], "from": "2024-03-04T00:00:00Z"})");
  ASSERT_EQ(r->status, 202) << r->body;
  json t = WaitForTask(Body(r)["task"]["id"]);
  ::unsetenv("BARLAKE_BINANCE_URL");
  ASSERT_EQ(t["state"], "succeeded") << t.dump();
  const json& item = t["result"]["updated"][0];
  EXPECT_NE(item["status"], "ok");
  EXPECT_TRUE(item["error"].is_string()) << item.dump();
  EXPECT_EQ(t["result"]["failed"], 1);
  EXPECT_TRUE(Body(client_->Get("/api/bars?symbol=NOSUCHUSDT&timeframe=1m")).value("count", 0) == 0);
}

// Before a rollback, GET /api/jobs/ID lists the derived datasets built from what it
// restores and what will happen to them; after it, the rollback's result lists those rebuilt.
TEST_F(UpdateApiTest, ARollbackNamesTheDerivedDatasetsBeforeAndAfter) {
  ImportDirect("a.txt", Export(3));
  DeclareHourly(/*auto_regenerate=*/true);
  const int64_t job = ImportDirect("b.txt", Export(3, 2));  // February; ES 1h is rebuilt after it
  ASSERT_GT(job, 0);
  Start();
  json detail = Body(client_->Get(("/api/jobs/" + std::to_string(job)).c_str()));
  ASSERT_EQ(detail["dependents"].size(), 1u) << detail.dump();
  EXPECT_EQ(detail["dependents"][0]["dataset"], "ES 1h");
  EXPECT_EQ(detail["dependents"][0]["action"], "rebuilt");
  EXPECT_EQ(detail["dependents"][0]["method"], "resample");
  auto r = client_->Post(("/api/rollback/" + std::to_string(job)).c_str(), Auth(), "", "application/json");
  ASSERT_EQ(r->status, 202) << r->body;
  json t = WaitForTask(Body(r)["task"]["id"]);
  ASSERT_EQ(t["state"], "succeeded") << t.dump();
  ASSERT_EQ(t["result"]["regenerated"].size(), 1u) << t.dump();
  EXPECT_EQ(t["result"]["regenerated"][0]["dataset"], "ES 1h");
  EXPECT_GT(t["result"]["regenerated"][0].value("job", int64_t{0}), 0);
}

TEST_F(UpdateApiTest, ADatasetWithoutAutoRegenerateIsNamedAsLeftStale) {
  ImportDirect("a.txt", Export(3));
  DeclareHourly(/*auto_regenerate=*/false);
  const int64_t job = ImportDirect("b.txt", Export(3, 2));
  Start();
  json detail = Body(client_->Get(("/api/jobs/" + std::to_string(job)).c_str()));
  ASSERT_EQ(detail["dependents"].size(), 1u) << detail.dump();
  EXPECT_EQ(detail["dependents"][0]["action"], "left_stale");
  EXPECT_NE(detail["dependents"][0]["why"].get<std::string>().find("barlake regenerate ES 1h"), std::string::npos);
}

// resample=1h reads the derived ES 1h when it is up to date (the same bars as asking for
// ES 1h), and aggregates on the fly once it is stale; the answer says which.
TEST_F(UpdateApiTest, ResampleServesTheDerivedDatasetWhenItIsUpToDate) {
  ImportDirect("a.txt", Export(3));
  DeclareHourly(/*auto_regenerate=*/false);
  Start();
  const std::string range = "&from=2023-01-03T00:00:00Z&to=2023-01-05T00:00:00Z";
  auto r = client_->Get(("/api/bars?symbol=ES&timeframe=1m&resample=1h" + range).c_str());
  json via = Body(r);
  EXPECT_EQ(via["source"]["kind"], "derived") << r->body.substr(0, 300);
  EXPECT_EQ(via["source"]["dataset"], "ES 1h");
  EXPECT_EQ(r->get_header_value("X-Bars-Source"), "derived ES 1h");
  json stored = Body(client_->Get(("/api/bars?symbol=ES&timeframe=1h" + range).c_str()));
  EXPECT_FALSE(stored.contains("source"));
  ASSERT_GT(stored["count"].get<int64_t>(), 10);
  EXPECT_EQ(via["bars"], stored["bars"]);
  ImportDirect("b.txt", Export(3, 2));  // ES 1h is stale now (no auto_regenerate)
  json fresh = Body(client_->Get(("/api/bars?symbol=ES&timeframe=1m&resample=1h" + range).c_str()));
  EXPECT_EQ(fresh["source"]["kind"], "aggregated") << fresh.dump().substr(0, 300);
  EXPECT_EQ(fresh["source"]["from"], "1m");
}

// Detection says which zone the stamps will be read in and why, by parsing the file's head
// as the import would, and which dataset the file adds to with its current range.
TEST_F(UpdateApiTest, DetectionNamesTheZoneAndTheDataset) {
  ImportDirect("a.txt", Export(3));
  Start();
  auto detect = [&](const std::string& name, const std::string& content, httplib::MultipartFormDataItems extra) {
    httplib::MultipartFormDataItems items = {{"file", content, name, "text/plain"}};
    for (auto& e : extra) items.push_back(e);
    return Body(client_->Post("/api/detect", Auth(), items));
  };
  json nt = detect("ES 03-23.Last.txt", Export(3), {{"symbol", "ES", "", ""}, {"timeframe", "1m", "", ""}});
  EXPECT_EQ(nt["format"], "ninjatrader");
  EXPECT_EQ(nt["zone"]["used"], true) << nt.dump();
  EXPECT_EQ(nt["zone"]["zone"], "America/Los_Angeles");
  // The first import recorded the zone it read ES 1m in (the vault's default then).
  EXPECT_EQ(nt["zone"]["because"], "the dataset's source_tz");
  EXPECT_EQ(nt["dataset"]["exists"], true);
  ASSERT_OK_AND_ASSIGN(auto lk, lake::Lake::Open(vault_, {}));
  ASSERT_OK_AND_ASSIGN(auto all, lk->Datasets());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(nt["dataset"]["rows"], all[0].rows);
  EXPECT_EQ(nt["dataset"]["first_bar"], FormatIsoUtc(all[0].first_ts));
  EXPECT_EQ(nt["dataset"]["last_bar"], FormatIsoUtc(all[0].last_ts));
  json chosen = detect("ES 03-23.Last.txt", Export(3), {{"tz", "Europe/Berlin", "", ""}});
  EXPECT_EQ(chosen["zone"]["zone"], "Europe/Berlin");
  EXPECT_EQ(chosen["zone"]["because"], "the zone you chose");
  EXPECT_FALSE(chosen.contains("dataset")) << "no symbol and timeframe given";
  const std::string epoch = "time,open,high,low,close,volume\n1704067200,10,11,9,10.5,100\n1704067260,10.5,11,10,10.75,50\n";
  json e = detect("epoch.csv", epoch, {{"symbol", "NEW", "", ""}, {"timeframe", "1m", "", ""}});
  EXPECT_EQ(e["zone"]["used"], false) << e.dump();
  EXPECT_EQ(e["zone"]["because"], "the vault's default_source_tz");
  EXPECT_NE(e["zone"]["text"].get<std::string>().find("epoch"), std::string::npos);
  EXPECT_EQ(e["dataset"]["exists"], false);
  ExpectError(client_->Post("/api/detect", Auth(), httplib::MultipartFormDataItems{{"file", epoch, "e.csv", ""}, {"zone", "UTC", "", ""}}),
              400, "invalid_argument");
}

}  // namespace
}  // namespace barlake::server
