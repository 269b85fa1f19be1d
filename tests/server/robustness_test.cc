// No request may end the server or be misread: foreign bytes in uploads and in the task
// messages the event streams carry, Host names that are not loopback, unknown fields, a
// POST without a body, and an upload without the token from a client that sends its whole
// body before reading the answer. A real server on 127.0.0.1 (testutil::ServerFixture).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>

#include "server/server.h"
#include "testutil/status_matchers.h"
#include "testutil/test_data.h"
#include "testutil/test_server.h"

namespace barlake::server {
namespace {

using nlohmann::json;

class RobustnessTest : public testutil::ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    Start();
  }

  httplib::Result Upload(const std::string& path, const std::string& name, const std::string& content,
                         httplib::MultipartFormDataItems extra = {}) {
    httplib::MultipartFormDataItems items = {{"file", content, name, "application/octet-stream"}};
    for (auto& e : extra) items.push_back(e);
    return client_->Post(path.c_str(), Auth(), items);
  }

  // Events of a server-sent event stream until `enough` says so (or 20 s pass).
  std::vector<json> ReadEvents(const std::string& path, const std::function<bool(const std::vector<json>&)>& enough) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(20, 0);
    std::string buffer;
    std::vector<json> events;
    const auto start = std::chrono::steady_clock::now();
    auto r = c.Get(path.c_str(), [&](const char* data, size_t len) {
      buffer.append(data, len);
      for (size_t end; (end = buffer.find("\n\n")) != std::string::npos;) {
        const std::string block = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        const size_t d = block.find("data: ");
        if (d == std::string::npos) continue;
        json j = json::parse(block.substr(d + 6), nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << "an event that is not valid JSON: " << block.substr(0, 300);
        events.push_back(j);
      }
      return !enough(events) && std::chrono::steady_clock::now() - start < std::chrono::seconds(20);
    });
    return events;
  }
};

// "Datum;Eröffnung;Hoch;Tief;Schluss;Volumen" as a Windows-1252 broker export writes it.
std::string Cp1252Export() {
  std::string s = "Datum;Er\xF6" "ffnung;Hoch;Tief;Schlu\xDF;Volumen\r\n";
  s += "02.01.2023 09:30;3850,25;3851,00;3849,75;3850,50;1200\r\n";
  s += "02.01.2023 09:31;3850,50;3852,00;3850,25;3851,75;\xA0" "980\r\n";
  return s;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

TEST_F(RobustnessTest, Cp1252AndRandomUploadsNeverEndTheServer) {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"Kurse \xE4nderung.csv", Cp1252Export()},  // the name is cp1252 too
      {"random.csv", RandomBytes(64 * 1024, 1)},
      {"random.txt", RandomBytes(3000, 2)},
  };
  std::set<int64_t> tasks;
  for (const auto& [name, content] : files) {
    SCOPED_TRACE(name);
    auto d = Upload("/api/detect", name, content);
    ASSERT_TRUE(d) << "the server did not answer /api/detect";
    EXPECT_EQ(d->status, 200) << d->body;
    (void)Body(d);
    auto r = Upload("/api/import", name, content, {{"symbol", "DAX", "", ""}, {"timeframe", "1m", "", ""}});
    ASSERT_TRUE(r) << "the server did not answer /api/import";
    ASSERT_EQ(r->status, 202) << r->body;
    tasks.insert(Body(r)["task"]["id"].get<int64_t>());
  }
  for (int64_t id : tasks) {
    json t = WaitForTask(id);
    EXPECT_EQ(t["state"], "failed") << t.dump();
    EXPECT_NE(t["error"].value("code", ""), "internal") << t.dump();
    // The task's own stream: its "done" event, valid JSON.
    auto events = ReadEvents("/api/tasks/" + std::to_string(id) + "/events",
                             [](const std::vector<json>& e) { return !e.empty(); });
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back()["state"], "failed");
  }
  // The stream of every task, and the list, while those tasks are in memory.
  auto all = ReadEvents("/api/events", [&](const std::vector<json>& e) { return e.size() >= tasks.size(); });
  EXPECT_GE(all.size(), tasks.size());
  auto list = client_->Get("/api/tasks");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200) << list->body;
  EXPECT_EQ(Body(list)["tasks"].size(), tasks.size());
  auto status = client_->Get("/api/status");
  ASSERT_TRUE(status) << "the server is gone";
  EXPECT_EQ(status->status, 200);
}

TEST(LoopbackHostTest, OnlyLoopbackLiteralsAndLocalhost) {
  for (const char* ok : {"127.0.0.1", "127.0.0.1:8765", "127.1.2.3", "127.255.255.255:1", "localhost",
                         "LocalHost:8765", "[::1]", "[::1]:8765"}) {
    EXPECT_TRUE(IsLoopbackHostHeader(ok)) << ok;
  }
  for (const char* bad : {"127.evil.example", "127.0.0.1.evil.example", "127.0.0.1.", "127.1", "127.0.0.256",
                          "127.0.0.1:", "127.0.0.1:80x", "localhost.evil.example", "evil.localhost", "[::2]",
                          "[::1].evil", "128.0.0.1", "0127.0.0.1", "", "localhost:8765:1"}) {
    EXPECT_FALSE(IsLoopbackHostHeader(bad)) << bad;
  }
  EXPECT_FALSE(IsLoopbackAddress("127.evil.example"));
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackAddress("::1"));
}

TEST_F(RobustnessTest, HostsThatOnlyStartLikeLoopbackAreRefused) {
  for (const char* host : {"127.evil.example", "127.0.0.1.nip.io", "localhost.evil.example"}) {
    const std::string reply = RawRequest(std::string("GET /api/status HTTP/1.1\r\nHost: ") + host + "\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 403", 0), 0u) << host << ": " << reply.substr(0, 200);
    EXPECT_NE(reply.find("\"forbidden\""), std::string::npos) << reply;
  }
  for (std::string host : {"127.0.0.1", "LOCALHOST", "127.3.2.1"}) {
    host += ":" + std::to_string(server_->port());
    const std::string reply = RawRequest("GET /api/status HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << host << ": " << reply.substr(0, 200);
  }
}

TEST_F(RobustnessTest, NoPageMayBeFramed) {
  for (const char* path : {"/", "/api/status", "/api/no-such-thing"}) {
    auto r = client_->Get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->get_header_value("X-Frame-Options"), "DENY") << path;
    EXPECT_EQ(r->get_header_value("Content-Security-Policy"), "frame-ancestors 'none'") << path;
  }
}

TEST_F(RobustnessTest, UnknownFieldsAreRefusedByName) {
  ASSERT_OK(testutil::WriteText(imports_ + "/es.txt", "20230103 093000;3850;3851;3849;3850.5;10\n"));
  auto typo = client_->Post("/api/import", Auth(),
                            R"({"path": "es.txt", "symbol": "ES", "timeframe": "1m", "dryrun": true})",
                            "application/json");
  ExpectError(typo, 400, "invalid_argument");
  EXPECT_NE(typo->body.find("'dryrun'"), std::string::npos) << typo->body;
  EXPECT_NE(typo->body.find("'dry_run'"), std::string::npos) << "suggests the field meant: " << typo->body;

  auto both = client_->Post("/api/import", Auth(),
                            httplib::MultipartFormDataItems{{"file", "x\n", "x.txt", "text/plain"},
                                                            {"path", "es.txt", "", ""},
                                                            {"symbol", "ES", "", ""},
                                                            {"timeframe", "1m", "", ""}});
  ExpectError(both, 400, "invalid_argument");
  EXPECT_NE(both->body.find("'path'"), std::string::npos) << both->body;

  auto regen = client_->Post("/api/regenerate", Auth(), R"({"symbol": "ES", "timeframe": "4h"})", "application/json");
  ExpectError(regen, 400, "invalid_argument");
  EXPECT_NE(regen->body.find("'symbol'"), std::string::npos) << regen->body;

  auto detect = client_->Post("/api/detect", Auth(), R"({"path": "es.txt", "format": "csv"})", "application/json");
  ExpectError(detect, 400, "invalid_argument");
  EXPECT_NE(detect->body.find("'format'"), std::string::npos) << detect->body;

  auto rollback = client_->Post("/api/rollback/1", Auth(), R"({"force": true})", "application/json");
  ExpectError(rollback, 400, "invalid_argument");
  EXPECT_NE(rollback->body.find("'force'"), std::string::npos) << rollback->body;

  // Nothing was queued, so nothing ran.
  EXPECT_TRUE(Body(client_->Get("/api/tasks"))["tasks"].empty());
}

TEST_F(RobustnessTest, AMisspeltZoneFormatOrStampIsRefusedBeforeQueuing) {
  ASSERT_OK(testutil::WriteText(imports_ + "/es.txt", "20230103 093000;3850;3851;3849;3850.5;10\n"));
  auto zone = client_->Post("/api/import", Auth(),
                            R"({"path": "es.txt", "symbol": "ES", "timeframe": "1m", "tz": "America/Chicgo"})",
                            "application/json");
  ExpectError(zone, 400, "invalid_argument");
  EXPECT_NE(zone->body.find("tz: unknown time zone 'America/Chicgo'; use an IANA name"), std::string::npos)
      << zone->body;
  // A multipart upload, with a zone name that is not UTF-8: quoted escaped, answered at once.
  auto bytes = client_->Post("/api/import", Auth(),
                             httplib::MultipartFormDataItems{{"file", "20230103 093000;1;1;1;1;1\n", "x.txt", "text/plain"},
                                                             {"symbol", "ES", "", ""},
                                                             {"timeframe", "1m", "", ""},
                                                             {"tz", "Europe/Z\xFCrich", "", ""}});
  ExpectError(bytes, 400, "invalid_argument");
  EXPECT_NE(bytes->body.find("'Europe/Z\\\\xFCrich'"), std::string::npos) << bytes->body;
  auto format = client_->Post("/api/import", Auth(),
                              R"({"path": "es.txt", "symbol": "ES", "timeframe": "1m", "format": "ninja"})",
                              "application/json");
  ExpectError(format, 400, "invalid_argument");
  EXPECT_NE(format->body.find("format 'ninja' is not known; use auto or one of: ninjatrader"), std::string::npos)
      << format->body;
  auto stamp = client_->Post("/api/import", Auth(),
                             R"({"path": "es.txt", "symbol": "ES", "timeframe": "1m", "stamp": "middle"})",
                             "application/json");
  ExpectError(stamp, 400, "invalid_argument");
  EXPECT_NE(stamp->body.find("stamp 'middle' must be open or close"), std::string::npos) << stamp->body;
  // Nothing was queued; the right names still are.
  EXPECT_TRUE(Body(client_->Get("/api/tasks"))["tasks"].empty());
  auto good = client_->Post("/api/import", Auth(),
                            R"({"path": "es.txt", "symbol": "ES", "timeframe": "1m", "tz": "America/Chicago",
                                "format": "ninjatrader", "stamp": "open"})",
                            "application/json");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 202) << good->body;
  EXPECT_EQ(WaitForTask(Body(good)["task"]["id"].get<int64_t>())["state"], "succeeded");
}

TEST_F(RobustnessTest, APostWithoutBodyOrLengthIsAnEmptyBodyAtOnce) {
  const auto start = std::chrono::steady_clock::now();
  const std::string reply =
      RawRequest("POST /api/rollback/42 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token_ + "\r\n\r\n");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(reply.rfind("HTTP/1.1 202", 0), 0u) << reply.substr(0, 300);
  EXPECT_LT(took, std::chrono::seconds(2));
  json t = WaitForTask(1);
  EXPECT_EQ(t["error"]["code"], "not_found") << t.dump();
}

TEST_F(RobustnessTest, AnUploadWithoutTheTokenIsReadThenAnswered401) {
  // 8 MiB: far more than the socket buffers hold, so a server that answered without
  // reading would reset the connection under a client still sending.
  const std::string boundary = "----barlake-test";
  const std::string body = "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n\r\n" +
                           std::string(8 << 20, 'x') + "\r\n--" + boundary + "--\r\n";
  const std::string head = "POST /api/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=" +
                           boundary + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  const std::string reply = SendAllThenRead(head, body);
  EXPECT_EQ(reply.rfind("HTTP/1.1 401", 0), 0u) << reply.substr(0, 300);
  EXPECT_NE(reply.find("\"unauthorized\""), std::string::npos) << reply.substr(0, 300);
  // The same as JSON to another endpoint, and a wrong token.
  const std::string json_body = R"({"stale": true})";
  const std::string reply2 = SendAllThenRead(
      "POST /api/regenerate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer wrong\r\nContent-Type: "
      "application/json\r\nContent-Length: " + std::to_string(json_body.size()) + "\r\n\r\n", json_body);
  EXPECT_EQ(reply2.rfind("HTTP/1.1 401", 0), 0u) << reply2.substr(0, 300);
  EXPECT_NE(reply2.find("token is wrong"), std::string::npos) << reply2;
  EXPECT_TRUE(Body(client_->Get("/api/tasks"))["tasks"].empty());
}

}  // namespace
}  // namespace barlake::server
