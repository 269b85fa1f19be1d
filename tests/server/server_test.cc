// API tests against a real server on 127.0.0.1 (an ephemeral port), in process, with a
// real vault and httplib::Client.
#include "server/server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/time_util.h"
#include "demo/sample_data.h"
#include "lake/lake.h"
#include "lake/vault.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"
#include "testutil/test_server.h"

namespace barlake::server {
namespace {

using nlohmann::json;

std::string Export(int days, int start_month = 1, bool cme = true, uint64_t seed = 7, int64_t* rows = nullptr) {
  demo::SampleSpec spec;
  spec.symbol = "ES";
  spec.start_year = 2023;
  spec.start_month = start_month;
  spec.days = days;
  spec.seed = seed;
  spec.cme_session = cme;
  int64_t n = 0;
  auto text = demo::MakeNinjaTraderExport(spec, &n);
  EXPECT_TRUE(text.ok());
  if (rows) *rows = n;
  return text.ok() ? *text : "";
}

class ServerTest : public testutil::ServerFixture {
 protected:
  // Import `text` directly through the library (the fixture's starting data).
  void ImportDirect(const std::string& name, const std::string& text) {
    const std::string p = dir_.Sub("src/" + name);
    ASSERT_OK(testutil::WriteText(p, text));
    auto l = lake::Lake::Open(vault_, {});
    ASSERT_OK(l.status());
    lake::ImportRequest r;
    r.path = p;
    r.symbol = "ES";
    r.timeframe = "1m";
    ASSERT_OK((*l)->Import(r).status());
  }

  httplib::Result Upload(const std::string& name, const std::string& content, const std::string& symbol = "ES",
                         httplib::MultipartFormDataItems extra = {}) {
    httplib::MultipartFormDataItems items = {{"file", content, name, "text/plain"},
                                             {"symbol", symbol, "", ""},
                                             {"timeframe", "1m", "", ""}};
    for (auto& e : extra) items.push_back(e);
    return client_->Post("/api/import", Auth(), items);
  }

  int64_t BarsCount(const std::string& from, const std::string& to) {
    auto r = client_->Get(("/api/bars?symbol=ES&timeframe=1m&from=" + from + "&to=" + to).c_str());
    return Body(r).value("count", int64_t{-1});
  }
};

TEST_F(ServerTest, TokenFileIsPrivateAndRotates) {
  struct stat st {};
  ASSERT_EQ(::stat((vault_ + "/.barlake/token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(token_.size(), 64u);
  auto again = lake::ReadOrCreateToken(Env::Default(), lake::VaultPaths(vault_));
  ASSERT_OK(again.status());
  EXPECT_EQ(*again, token_);
  auto rotated = lake::ReadOrCreateToken(Env::Default(), lake::VaultPaths(vault_), /*rotate=*/true);
  ASSERT_OK(rotated.status());
  EXPECT_NE(*rotated, token_);
  ASSERT_EQ(::stat((vault_ + "/.barlake/token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(ServerTest, ReadEndpointsMatchTheCatalogAndJournal) {
  ImportDirect("a.txt", Export(20));
  Start();
  json ds = Body(client_->Get("/api/datasets"));
  ASSERT_EQ(ds["datasets"].size(), 1u);
  EXPECT_EQ(ds["datasets"][0]["symbol"], "ES");
  auto l = lake::Lake::Open(vault_, {});
  ASSERT_OK(l.status());
  auto summary = (*l)->Datasets();
  ASSERT_OK(summary.status());
  EXPECT_EQ(ds["datasets"][0]["rows"].get<int64_t>(), (*summary)[0].rows);

  json st = Body(client_->Get("/api/status"));
  EXPECT_EQ(st["display_tz"], "America/New_York");
  EXPECT_EQ(st["datasets"], ds["datasets"]);
  EXPECT_EQ(st["server"]["reads_need_token"], false);

  json jobs = Body(client_->Get("/api/jobs"));
  ASSERT_EQ(jobs["jobs"].size(), 1u);
  const int64_t id = jobs["jobs"][0]["id"];
  EXPECT_EQ(jobs["jobs"][0]["status"], "completed");
  json job = Body(client_->Get(("/api/jobs/" + std::to_string(id)).c_str()));
  EXPECT_EQ(job["id"], id);
  EXPECT_EQ(job["partitions_touched"].size(), static_cast<size_t>(job["partitions"].get<int64_t>()));
  EXPECT_TRUE(job["report"].is_object());
  ExpectError(client_->Get("/api/jobs/999"), 404, "not_found");
}

TEST_F(ServerTest, BarsAsJsonAndCsvWithPaging) {
  ImportDirect("a.txt", Export(45));  // January and part of February: two partitions
  Start();
  auto l = lake::Lake::Open(vault_, {});
  ASSERT_OK(l.status());
  const Micros from = *ParseIsoUtc("2023-01-10T00:00:00Z"), to = *ParseIsoUtc("2023-01-11T00:00:00Z");
  auto direct = (*l)->Read("ES", "1m", from, to);
  ASSERT_OK(direct.status());
  ASSERT_GT(direct->size(), 1000u);

  json day = Body(client_->Get("/api/bars?symbol=ES&timeframe=1m&from=2023-01-10T00:00:00Z&to=2023-01-11T00:00:00Z"));
  ASSERT_EQ(day["count"].get<size_t>(), direct->size());
  ASSERT_EQ(day["bars"].size(), direct->size());
  EXPECT_TRUE(day["next"].is_null());
  EXPECT_EQ(day["bars"][0]["ts"], FormatIsoUtc(direct->ts[0]));
  EXPECT_EQ(day["bars"][5]["close"].get<double>(), direct->close[5]);

  auto csv = client_->Get("/api/bars?symbol=ES&timeframe=1m&from=2023-01-10T00:00:00Z&to=2023-01-11T00:00:00Z&format=csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv->body.rfind("ts,open,high,low,close,volume\n", 0), 0u);
  EXPECT_EQ(static_cast<size_t>(std::count(csv->body.begin(), csv->body.end(), '\n')), direct->size() + 1);

  // Paging inside one partition: pages of 500 put together are the whole day.
  std::vector<std::string> stamps;
  std::string cursor = "2023-01-10T00:00:00Z";
  for (int pages = 0; !cursor.empty(); ++pages) {
    ASSERT_LT(pages, 100);
    json p = Body(client_->Get(("/api/bars?symbol=ES&timeframe=1m&limit=500&to=2023-01-11T00:00:00Z&from=" + cursor).c_str()));
    ASSERT_LE(p["count"].get<int64_t>(), 500);
    for (const auto& b : p["bars"]) stamps.push_back(b["ts"]);
    cursor = p["next"].is_null() ? "" : p["next"].get<std::string>();
  }
  ASSERT_EQ(stamps.size(), direct->size());
  for (size_t i = 0; i < stamps.size(); ++i) ASSERT_EQ(stamps[i], FormatIsoUtc(direct->ts[i]));

  // Paging over the whole dataset (both partitions), CSV with the Link/X-Next-From headers.
  auto all = (*l)->Read("ES", "1m", std::numeric_limits<Micros>::min() / 2, std::numeric_limits<Micros>::max() / 2);
  ASSERT_OK(all.status());
  int64_t rows = 0;
  std::string next_from;
  std::string url = "/api/bars?symbol=ES&timeframe=1m&format=csv&limit=10000";
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 100);
    auto r = client_->Get((url + (next_from.empty() ? "" : "&from=" + next_from)).c_str());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    rows += std::count(r->body.begin(), r->body.end(), '\n') - 1;
    next_from = r->get_header_value("X-Next-From");
    if (next_from.empty()) break;
    EXPECT_NE(r->get_header_value("Link").find("rel=\"next\""), std::string::npos);
  }
  EXPECT_EQ(rows, static_cast<int64_t>(all->size()));
}

TEST_F(ServerTest, BadRequestsAreJsonErrors) {
  ImportDirect("a.txt", Export(5));
  Start();
  ExpectError(client_->Get("/api/bars?timeframe=1m"), 400, "invalid_argument");
  ExpectError(client_->Get("/api/bars?symbol=ES&timeframe=1m&from=yesterday"), 400, "invalid_argument");
  ExpectError(client_->Get("/api/bars?symbol=ES&timeframe=1m&format=xml"), 400, "invalid_argument");
  ExpectError(client_->Get("/api/bars?symbol=ES&timeframe=1m&limit=0"), 400, "invalid_argument");
  ExpectError(client_->Get("/api/bars?symbol=ES&timeframe=1m&limit=100001"), 400, "invalid_argument");
  ExpectError(client_->Get("/api/bars?symbol=NOPE&timeframe=1m"), 404, "not_found");
  ExpectError(client_->Get("/api/nothing"), 404, "not_found");
  ExpectError(client_->Get("/api/tasks/12345"), 404, "not_found");
  ExpectError(client_->Post("/api/import", Auth(), "not json", "application/json"), 400, "invalid_argument");
  ExpectError(client_->Post("/api/import", Auth(), R"({"path": "a.txt"})", "application/json"), 404, "not_found");
  ExpectError(client_->Get("/api/health?gap_min=soon"), 400, "invalid_argument");
  ExpectError(client_->Post("/api/regenerate", Auth(), "[1]", "application/json"), 400, "invalid_argument");
  ExpectError(client_->Post("/api/regenerate", Auth(), R"({"datasets": 3})", "application/json"), 400, "invalid_argument");
}

TEST_F(ServerTest, MutatingCallsNeedTheTokenReadsDoNotOnLoopback) {
  Start();
  ExpectError(client_->Post("/api/import", R"({"path": "x"})", "application/json"), 401, "unauthorized");
  auto r = client_->Post("/api/rollback/1", "", "application/json");
  ExpectError(r, 401, "unauthorized");
  EXPECT_EQ(r->get_header_value("WWW-Authenticate").rfind("Bearer", 0), 0u);
  ExpectError(client_->Post("/api/rollback/1", {{"Authorization", "Bearer " + std::string(64, 'a')}}, "", "text/plain"),
              401, "unauthorized");
  ExpectError(client_->Post("/api/rollback/1", {{"Authorization", "Bearer " + token_ + "x"}}, "", "text/plain"), 401,
              "unauthorized");
  ExpectError(client_->Post("/api/rollback/1", {{"Authorization", token_}}, "", "text/plain"), 401, "unauthorized");
  EXPECT_EQ(client_->Get("/api/datasets")->status, 200);
  auto ok = client_->Post("/api/rollback/1", Auth(), "", "text/plain");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 202);
}

TEST_F(ServerTest, LoopbackServerAnswersOnlyLoopbackHostNames) {
  Start();
  for (const char* host : {"localhost", "127.0.0.1", "[::1]"}) {
    auto r = client_->Get("/api/datasets", {{"Host", std::string(host) + ":" + std::to_string(server_->port())}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << host;
  }
  // A page at evil.example whose name resolves to 127.0.0.1 (DNS rebinding).
  ExpectError(client_->Get("/api/datasets", {{"Host", "evil.example:" + std::to_string(server_->port())}}), 403,
              "forbidden");
  ExpectError(client_->Get("/api/bars?symbol=ES&timeframe=1m", {{"Host", "evil.example"}}), 403, "forbidden");
}

TEST_F(ServerTest, ReadsNeedTheTokenBeyondLoopback) {
  ServerOptions o;
  o.bind = "0.0.0.0";
  Start(o);
  EXPECT_TRUE(server_->reads_need_token());
  ExpectError(client_->Get("/api/datasets"), 401, "unauthorized");
  ExpectError(client_->Get("/api/bars?symbol=ES&timeframe=1m"), 401, "unauthorized");
  auto r = client_->Get("/api/datasets", Auth());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServerTest, UploadImportEndsInTheJobListWithItsReport) {
  Start();
  int64_t rows = 0;
  auto r = Upload("ES 03-23.Last.txt", Export(10, 1, true, 7, &rows));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  json accepted = Body(r);
  const int64_t task = accepted["task"]["id"];
  EXPECT_EQ(r->get_header_value("Location"), "/api/tasks/" + std::to_string(task));
  json t = WaitForTask(task);
  ASSERT_EQ(t["state"], "succeeded") << t.dump();
  EXPECT_EQ(t["result"]["report"]["rows_written"].get<int64_t>(), rows);
  EXPECT_EQ(t["result"]["report"]["format"], "ninjatrader");
  const int64_t job = t["job"];
  ASSERT_GT(job, 0);
  json jobs = Body(client_->Get("/api/jobs"));
  ASSERT_EQ(jobs["jobs"].size(), 1u);
  EXPECT_EQ(jobs["jobs"][0]["id"], job);
  json detail = Body(client_->Get(("/api/jobs/" + std::to_string(job)).c_str()));
  EXPECT_EQ(detail["status"], "completed");
  EXPECT_EQ(detail["report"]["rows_written"].get<int64_t>(), rows);
  // The upload's staging copy is gone; the lake keeps its own copy of the source.
  auto left = Env::Default()->GetChildren(vault_ + "/.barlake/uploads");
  ASSERT_OK(left.status());
  EXPECT_TRUE(left->empty());
  // The same bytes again: idempotent (skipped), reported as such.
  json again = WaitForTask(Body(Upload("ES 03-23.Last.txt", Export(10)))["task"]["id"]);
  ASSERT_EQ(again["state"], "succeeded");
  EXPECT_FALSE(again["result"]["report"].value("skipped_because", "").empty());
  // A failing import: the task fails with the lake's error, and names its journal job.
  json bad = WaitForTask(Body(Upload("junk.txt", "this is not a bar file\n", "ES",
                                     {{"format", "ninjatrader", "", ""}}))["task"]["id"]);
  ASSERT_EQ(bad["state"], "failed");
  EXPECT_EQ(bad["error"]["code"], "invalid_input");
  EXPECT_EQ(bad["error"]["http_status"], 422);
  ASSERT_TRUE(bad["job"].is_number());
  EXPECT_EQ(Body(client_->Get(("/api/jobs/" + std::to_string(bad["job"].get<int64_t>())).c_str()))["status"], "failed");
}

TEST_F(ServerTest, StartRemovesUploadsOfServersThatAreGone) {
  const std::string uploads = vault_ + "/.barlake/uploads";
  const std::string gone = uploads + "/p2147483000-abc", alive = uploads + "/p" + std::to_string(::getpid()) + "-def";
  ASSERT_OK(testutil::WriteText(gone + "/x.txt", "left by a crash"));
  ASSERT_OK(testutil::WriteText(alive + "/y.txt", "another server's upload in progress"));
  Start();
  EXPECT_FALSE(Env::Default()->FileExists(gone));
  EXPECT_TRUE(Env::Default()->FileExists(alive + "/y.txt"));
}

TEST_F(ServerTest, OversizedUploadIs413) {
  ServerOptions o;
  o.max_upload_bytes = 64 * 1024;
  Start(o);
  const std::string text = Export(5);
  ASSERT_GT(text.size(), 3 * o.max_upload_bytes);
  ExpectError(Upload("big.txt", text), 413, "payload_too_large");
  // A body announced over the limit is refused before it is sent (413, then the server
  // closes the connection): an upload and a JSON body (whose own limit is 1 MiB).
  for (auto [type, length] : {std::pair<std::string, uint64_t>{"multipart/form-data; boundary=x", 1ull << 30},
                              std::pair<std::string, uint64_t>{"application/json", 2ull << 20}}) {
    const std::string reply = RawRequest("POST /api/import HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token_ +
                                         "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(length) +
                                         "\r\n\r\n{");
    EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
    EXPECT_NE(reply.find("\"code\":\"payload_too_large\""), std::string::npos) << reply;
  }
  auto left = Env::Default()->GetChildren(vault_ + "/.barlake/uploads");
  ASSERT_OK(left.status());
  EXPECT_TRUE(left->empty());
  EXPECT_EQ(Body(client_->Get("/api/tasks"))["tasks"].size(), 0u);
}

TEST_F(ServerTest, PathsOutsideTheImportFolderAreRefused) {
  ASSERT_OK(testutil::WriteText(dir_.Sub("outside.txt"), Export(3)));
  ASSERT_OK(testutil::WriteText(imports_ + "/ok.txt", Export(3)));
  ASSERT_EQ(::symlink(dir_.Sub("outside.txt").c_str(), (imports_ + "/link.txt").c_str()), 0);
  ASSERT_OK(Env::Default()->CreateDirs(imports_ + "/sub"));
  Start();
  auto post = [&](const std::string& path) {
    return client_->Post("/api/import", Auth(), json{{"path", path}, {"symbol", "ES"}, {"timeframe", "1m"}}.dump(),
                         "application/json");
  };
  ExpectError(post("../outside.txt"), 403, "forbidden");
  ExpectError(post("sub/../../outside.txt"), 403, "forbidden");
  ExpectError(post(dir_.Sub("outside.txt")), 403, "forbidden");
  ExpectError(post("/etc/passwd"), 403, "forbidden");
  ExpectError(post("link.txt"), 403, "forbidden");
  ExpectError(post("missing.txt"), 404, "not_found");
  ExpectError(post("sub"), 400, "invalid_argument");
  ExpectError(client_->Post("/api/detect", Auth(), json{{"path", "../outside.txt"}}.dump(), "application/json"), 403,
              "forbidden");
  EXPECT_EQ(Body(client_->Get("/api/tasks"))["tasks"].size(), 0u) << "nothing refused was queued";
  auto ok = post("ok.txt");
  ASSERT_EQ(ok->status, 202) << ok->body;
  EXPECT_EQ(WaitForTask(Body(ok)["task"]["id"])["state"], "succeeded");
  auto abs_ok = post(imports_ + "/sub/../ok.txt");
  ASSERT_EQ(abs_ok->status, 202) << abs_ok->body;
}

TEST_F(ServerTest, NoDirectoryListingAndNoFilesOutsideTheAssetTable) {
  Start();
  // "/" is the dashboard (webui/web_assets.h); nothing else outside /api is served.
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  for (const char* path : {"/assets/", "/assets/../.barlake/token", "/imports/", "/.barlake/token", "/api/",
                           "/lake/", "/barlake.toml"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(r->body.find(token_), std::string::npos) << path;
    EXPECT_EQ(json::parse(r->body, nullptr, false).value("code", ""), "not_found") << path << ": " << r->body;
  }
}

TEST_F(ServerTest, DetectReportsTheFormatOfAnUpload) {
  Start();
  httplib::MultipartFormDataItems items = {{"file", Export(2), "ES 03-23.Last.txt", "text/plain"}};
  json d = Body(client_->Post("/api/detect", Auth(), items));
  EXPECT_EQ(d["format"], "ninjatrader") << d.dump();
  EXPECT_EQ(d["file"], "ES 03-23.Last.txt");
  EXPECT_FALSE(d["why"].get<std::string>().empty());
  EXPECT_FALSE(d["candidates"].empty());
  json none = Body(client_->Post("/api/detect", Auth(),
                                 httplib::MultipartFormDataItems{{"file", "hello\x01world", "x.bin", "application/octet-stream"}}));
  EXPECT_TRUE(none["format"].is_null()) << none.dump();
}

TEST_F(ServerTest, RollbackRunsAsATask) {
  ImportDirect("a.txt", Export(5));
  Start();
  auto r = client_->Post("/api/rollback/1", Auth(), "", "text/plain");
  ASSERT_EQ(r->status, 202);
  json t = WaitForTask(Body(r)["task"]["id"]);
  ASSERT_EQ(t["state"], "succeeded") << t.dump();
  EXPECT_EQ(t["result"]["job"]["kind"], "rollback");
  EXPECT_EQ(t["result"]["job"]["target_job"], 1);
  EXPECT_EQ(Body(client_->Get("/api/jobs/1"))["status"], "rolled_back");
  json missing = WaitForTask(Body(client_->Post("/api/rollback/77", Auth(), "", "text/plain"))["task"]["id"]);
  EXPECT_EQ(missing["state"], "failed");
  EXPECT_EQ(missing["error"]["code"], "not_found");
  EXPECT_EQ(missing["error"]["http_status"], 404);
}

// A derived dataset goes stale when its input changes outside the server; /api/datasets
// says so, POST /api/regenerate rebuilds it as a task, and /api/health reports every
// dataset with its calendar.
TEST_F(ServerTest, RegenerateAndHealthThroughTheApi) {
  ImportDirect("a.txt", Export(5));
  {
    ASSERT_OK_AND_ASSIGN(auto lk, lake::Lake::Open(vault_, {}));
    lake::ResampleRequest rr;
    rr.symbol = "ES";
    rr.to = {"1h"};
    rr.auto_regenerate = false;
    ASSERT_OK(lk->DeclareResample(rr).status());
  }
  Start();
  ImportDirect("b.txt", Export(5, 2));  // February: ES 1h is stale now
  auto find = [&](const std::string& tf) {
    const json all = Body(client_->Get("/api/datasets"));  // kept alive while iterating
    for (const auto& d : all["datasets"]) {
      if (d["symbol"] == "ES" && d["timeframe"] == tf) return d;
    }
    return json();
  };
  json h1 = find("1h");
  ASSERT_TRUE(h1.is_object()) << Body(client_->Get("/api/datasets")).dump();
  EXPECT_EQ(h1["kind"], "bars");
  EXPECT_EQ(h1["derived"]["method"], "resample");
  EXPECT_EQ(h1["derived"]["stale"], true) << h1.dump();
  EXPECT_TRUE(find("1m")["derived"].is_null());

  ExpectError(client_->Post("/api/regenerate", R"({"stale": true})", "application/json"), 401, "unauthorized");
  auto r = client_->Post("/api/regenerate", Auth(), R"({"stale": true})", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  json t = WaitForTask(Body(r)["task"]["id"]);
  ASSERT_EQ(t["state"], "succeeded") << t.dump();
  ASSERT_EQ(t["result"]["regenerated"].size(), 1u) << t.dump();
  EXPECT_EQ(t["result"]["regenerated"][0]["dataset"], "ES 1h");
  EXPECT_TRUE(t["result"]["regenerated"][0]["incremental"].get<bool>());
  EXPECT_EQ(find("1h")["derived"]["stale"], false);
  const int64_t job = t["result"]["regenerated"][0]["job"];
  EXPECT_EQ(Body(client_->Get(("/api/jobs/" + std::to_string(job)).c_str()))["kind"], "regenerate");

  json health = Body(client_->Get("/api/health"));
  ASSERT_TRUE(health["datasets"].is_array()) << health.dump();
  EXPECT_EQ(health["datasets"].size(), 2u);
  for (const auto& d : health["datasets"]) {
    EXPECT_TRUE(d.contains("score")) << d.dump();
    EXPECT_TRUE(d.contains("status")) << d.dump();
  }
}

TEST_F(ServerTest, EventStreamDeliversProgressAndCompletion) {
  Start();
  // A first, bigger import keeps the worker busy so the second is still queued when the
  // stream opens.
  auto first = Upload("ES big.Last.txt", Export(90));
  ASSERT_EQ(first->status, 202);
  auto second = Upload("ES small.Last.txt", Export(10, 6));
  ASSERT_EQ(second->status, 202);
  const int64_t id = Body(second)["task"]["id"];
  std::string stream;
  httplib::Client sse("127.0.0.1", server_->port());
  sse.set_read_timeout(120, 0);
  auto r = sse.Get(("/api/tasks/" + std::to_string(id) + "/events").c_str(), [&](const char* data, size_t len) {
    stream.append(data, len);
    return true;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  std::vector<std::pair<std::string, json>> events;
  size_t pos = 0;
  while ((pos = stream.find("event: ", pos)) != std::string::npos) {
    const size_t eol = stream.find('\n', pos);
    const std::string name = stream.substr(pos + 7, eol - pos - 7);
    const size_t data = stream.find("data: ", eol);
    const size_t end = stream.find("\n\n", data);
    events.emplace_back(name, json::parse(stream.substr(data + 6, end - data - 6)));
    pos = end;
  }
  ASSERT_GE(events.size(), 2u) << stream;
  EXPECT_EQ(events.back().first, "done");
  EXPECT_EQ(events.back().second["state"], "succeeded");
  EXPECT_EQ(events.back().second["result"]["report"]["status"], "completed");
  std::set<std::string> states;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_EQ(events[i].first, "progress");
    states.insert(events[i].second["state"].get<std::string>());
  }
  EXPECT_TRUE(states.count("queued")) << stream.substr(0, 500);
  EXPECT_TRUE(states.count("running")) << "the stream follows the task while it runs";
  // The lake names its job when it records it (the listener's OnJobStarted), before it
  // reports any progress: every event with a phase already carries the job.
  size_t with_phase = 0;
  for (const auto& [name, e] : events) {
    if (e["phase"].get<std::string>().empty()) continue;
    ++with_phase;
    EXPECT_TRUE(e["job"].is_number()) << e.dump();
  }
  EXPECT_GE(with_phase, 1u);
}

TEST_F(ServerTest, GlobalEventStreamFollowsEveryTask) {
  Start();
  httplib::Client sse("127.0.0.1", server_->port());
  sse.set_read_timeout(120, 0);
  std::string stream;
  std::set<std::pair<int64_t, std::string>> seen;  // (task, state) pairs
  std::mutex mu;
  std::atomic<bool> open{false};
  std::thread reader([&] {
    sse.Get("/api/events", [&](const char* data, size_t len) {
      open = true;
      std::lock_guard lock(mu);
      stream.append(data, len);
      size_t pos = 0;
      while ((pos = stream.find("event: task\ndata: ", 0)) != std::string::npos) {
        const size_t start = pos + 18, end = stream.find("\n\n", start);
        if (end == std::string::npos) break;
        json t = json::parse(stream.substr(start, end - start));
        seen.insert({t["id"].get<int64_t>(), t["state"].get<std::string>()});
        stream.erase(0, end + 2);
      }
      return !seen.count({2, "succeeded"});  // stop once the second import is done
    });
  });
  for (int i = 0; i < 200 && !open; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_TRUE(open) << "the stream opens with a comment before any task exists";
  auto a = Upload("ES a.Last.txt", Export(5));
  auto b = Upload("ES b.Last.txt", Export(5, 6));
  ASSERT_EQ(a->status, 202);
  ASSERT_EQ(b->status, 202);
  WaitForTask(2);
  reader.join();
  EXPECT_TRUE(seen.count({1, "succeeded"}));
  EXPECT_TRUE(seen.count({2, "succeeded"}));
  EXPECT_TRUE(seen.count({2, "queued"}) || seen.count({2, "running"})) << "changes are streamed, not just ends";
}

// resample=1h aggregates on the server: each hour's open is its first bar's, high the
// highest, low the lowest, close the last, volume the sum (no calendar: UTC hours).
TEST_F(ServerTest, BarsResampledOnTheServerAggregateEachBucket) {
  ImportDirect("a.txt", Export(3));
  Start();
  const std::string range = "&from=2023-01-03T00:00:00Z&to=2023-01-05T00:00:00Z";
  json fine = Body(client_->Get(("/api/bars?symbol=ES&timeframe=1m" + range).c_str()));
  json coarse = Body(client_->Get(("/api/bars?symbol=ES&timeframe=1m&resample=1h" + range).c_str()));
  ASSERT_GT(fine["count"].get<int64_t>(), 60);
  EXPECT_EQ(coarse["timeframe"], "1h");
  std::map<std::string, json> expected;  // hour -> bar
  for (const auto& b : fine["bars"]) {
    const std::string hour = b["ts"].get<std::string>().substr(0, 13) + ":00:00Z";
    auto [it, fresh] = expected.try_emplace(hour, b);
    json& e = it->second;
    if (fresh) {
      e["ts"] = hour;
      continue;
    }
    e["high"] = std::max(e["high"].get<double>(), b["high"].get<double>());
    e["low"] = std::min(e["low"].get<double>(), b["low"].get<double>());
    e["close"] = b["close"];
    e["volume"] = e["volume"].get<double>() + b["volume"].get<double>();
  }
  ASSERT_EQ(coarse["count"].get<size_t>(), expected.size()) << coarse.dump().substr(0, 500);
  size_t i = 0;
  for (const auto& [hour, e] : expected) {
    const json& got = coarse["bars"][i++];
    EXPECT_EQ(got["ts"], hour);
    for (const char* k : {"open", "high", "low", "close", "volume"}) {
      EXPECT_DOUBLE_EQ(got[k].get<double>(), e[k].get<double>()) << hour << " " << k;
    }
  }
  ExpectError(client_->Get("/api/bars?symbol=ES&timeframe=1m&resample=7x"), 400, "invalid_argument");
  ExpectError(client_->Get("/api/bars?symbol=ES&timeframe=1m&resample=1d"), 400, "invalid_argument");
}

// A write by another process (here a Lake of its own, as `barlake import` would be) shows
// on /api/events as a "lake" event naming the newest job: the dashboard refreshes on it.
TEST_F(ServerTest, EventStreamSaysWhenAnotherProcessChangedTheLake) {
  Start();
  httplib::Client sse("127.0.0.1", server_->port());
  sse.set_read_timeout(30, 0);
  std::vector<json> lake_events;
  std::mutex mu;
  std::thread reader([&] {
    std::string stream;
    sse.Get("/api/events", [&](const char* data, size_t len) {
      stream.append(data, len);
      std::lock_guard lock(mu);
      for (size_t end; (end = stream.find("\n\n")) != std::string::npos;) {
        const std::string block = stream.substr(0, end);
        stream.erase(0, end + 2);
        if (block.rfind("event: lake\ndata: ", 0) == 0) lake_events.push_back(json::parse(block.substr(18)));
      }
      // Until the import shows as completed (the watcher may see it running first).
      return lake_events.empty() || lake_events.back().value("status", "") != "completed";
    });
  });
  auto count = [&] {
    std::lock_guard lock(mu);
    return lake_events.size();
  };
  for (int i = 0; i < 200 && count() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  EXPECT_EQ(count(), 1u) << "the stream starts with the lake as it is";
  ImportDirect("a.txt", Export(2));
  reader.join();  // the read timeout (30 s) ends it if no event comes
  std::lock_guard lock(mu);
  ASSERT_GE(lake_events.size(), 2u);
  EXPECT_TRUE(lake_events.front()["last_job"].is_null()) << lake_events.front().dump();
  EXPECT_EQ(lake_events.back()["last_job"], 1) << lake_events.back().dump();
  EXPECT_EQ(lake_events.back()["status"], "completed") << lake_events.back().dump();
}

// Reads while an import changes several partitions: each read returns the whole range as
// it was before the job or as it is after it, never a mix.
TEST_F(ServerTest, ReadsDuringAJobSeeBeforeOrAfterNeverAMix) {
  ImportDirect("a.txt", Export(88));  // Jan, Feb, March: three partitions
  ServerOptions o;
  o.max_rows_per_page = 1000000;
  Start(o);
  const std::string from = "2023-01-01T00:00:00Z", to = "2023-04-01T00:00:00Z";
  const int64_t before = BarsCount(from, to);
  ASSERT_GT(before, 0);
  // Every minute of the same days: adds rows to all three partitions at once.
  auto r = Upload("ES 24x7.Last.txt", Export(88, 1, /*cme=*/false, 8), "ES",
                  {{"no_alignment_check", "true", "", ""}, {"force", "true", "", ""}});
  ASSERT_EQ(r->status, 202) << r->body;
  const int64_t id = Body(r)["task"]["id"];
  std::atomic<bool> done{false};
  std::vector<int64_t> counts;
  std::atomic<int> during{0};
  std::vector<std::thread> readers;
  std::mutex mu;
  for (int k = 0; k < 3; ++k) {
    readers.emplace_back([&] {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_read_timeout(60, 0);
      while (!done) {
        auto res = c.Get(("/api/bars?symbol=ES&timeframe=1m&limit=1000000&format=csv&from=" + from + "&to=" + to).c_str());
        if (!res || res->status != 200) continue;
        const int64_t n = std::count(res->body.begin(), res->body.end(), '\n') - 1;
        std::lock_guard lock(mu);
        counts.push_back(n);
        ++during;
      }
    });
  }
  json t = WaitForTask(id);
  done = true;
  for (auto& th : readers) th.join();
  ASSERT_EQ(t["state"], "succeeded") << t.dump();
  ASSERT_GE(t["result"]["report"]["partitions"].get<int64_t>(), 3);
  const int64_t after = BarsCount(from, to);
  ASSERT_GT(after, before);
  ASSERT_GT(during.load(), 0);
  for (int64_t n : counts) ASSERT_TRUE(n == before || n == after) << n << " rows: neither " << before << " nor " << after;
}

// The page cache is keyed by the partition files' identity, so a change made by another
// process (here the library, directly) is seen at once.
TEST_F(ServerTest, CachedPagesFollowChangesMadeOutsideTheServer) {
  ImportDirect("a.txt", Export(20));
  Start();
  const int64_t before = BarsCount("2023-01-07T00:00:00Z", "2023-01-09T00:00:00Z");  // a weekend: few bars
  EXPECT_EQ(BarsCount("2023-01-07T00:00:00Z", "2023-01-09T00:00:00Z"), before);
  json st = Body(client_->Get("/api/status"));
  EXPECT_GE(st["server"]["bars_cache"]["hits"].get<int64_t>(), 1) << "the second read was served from the cache";
  const std::string p = dir_.Sub("src/b.txt");
  ASSERT_OK(testutil::WriteText(p, Export(20, 1, /*cme=*/false, 9)));
  auto l = lake::Lake::Open(vault_, {});
  ASSERT_OK(l.status());
  lake::ImportRequest r;
  r.path = p;
  r.symbol = "ES";
  r.timeframe = "1m";
  r.skip_alignment_check = true;
  r.force = true;
  ASSERT_OK((*l)->Import(r).status());
  auto direct = (*l)->Read("ES", "1m", *ParseIsoUtc("2023-01-07T00:00:00Z"), *ParseIsoUtc("2023-01-09T00:00:00Z"));
  ASSERT_OK(direct.status());
  ASSERT_GT(static_cast<int64_t>(direct->size()), before);
  EXPECT_EQ(BarsCount("2023-01-07T00:00:00Z", "2023-01-09T00:00:00Z"), static_cast<int64_t>(direct->size()));
}

TEST_F(ServerTest, StopLetsTheRunningTaskFinishAndCancelsQueuedOnes) {
  Start();
  auto a = Upload("ES a.Last.txt", Export(60));
  auto b = Upload("ES b.Last.txt", Export(10, 6));
  ASSERT_EQ(a->status, 202);
  ASSERT_EQ(b->status, 202);
  server_->Stop();
  // The first ran to its end (or had not started: then it is cancelled too); nothing is
  // left half-done: the journal has no running job.
  auto l = lake::Lake::Open(vault_, {});
  ASSERT_OK(l.status());
  auto running = (*l)->TEST_journal()->JobsWithStatus("running");
  ASSERT_OK(running.status());
  EXPECT_TRUE(running->empty());
  auto jobs = (*l)->TEST_journal()->ListJobs(10);
  ASSERT_OK(jobs.status());
  EXPECT_LE(jobs->size(), 1u) << "the queued import never started";
  server_.reset();
}

}  // namespace
}  // namespace barlake::server
