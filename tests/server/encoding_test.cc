// Foreign bytes (invalid UTF-8, NUL, cp1252 text) in an upload of every format, sent to a
// real server on 127.0.0.1: POST /api/import ends in a task that fails cleanly (an API
// error code, never "internal"; the message names file and line with the bytes escaped;
// the lake unchanged) or succeeds with the row quarantined; every answer, job and
// detection is valid JSON (the client's parser refuses invalid UTF-8).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "ingest/encoding_cases.h"
#include "lake/lake.h"
#include "lake/vault.h"
#include "server/server.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"
#include "testutil/test_server.h"

namespace barlake::server {
namespace {

using nlohmann::json;
using testutil::encoding::AllCorruptions;
using testutil::encoding::AllFormatInputs;
using testutil::encoding::AnyStringContains;
using testutil::encoding::Corruption;
using testutil::encoding::ExpectNamesTheLine;
using testutil::encoding::FormatInput;

class ServerEncodingNameTest : public testutil::ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    Start();
  }
  httplib::Result Upload(const FormatInput& in, const std::string& content, const std::string& symbol) {
    // A snapshot file names its own tickers: no symbol or timeframe.
    httplib::MultipartFormDataItems items = {{"file", content, in.file_name, "application/octet-stream"},
                                             {"format", in.format, "", ""}};
    if (!in.snapshot) {
      items.push_back({"symbol", symbol, "", ""});
      items.push_back({"timeframe", in.timeframe.empty() ? "1m" : in.timeframe, "", ""});
    }
    return client_->Post("/api/import", Auth(), items);
  }
};

class ServerEncodingTest : public ServerEncodingNameTest, public ::testing::WithParamInterface<FormatInput> {};

TEST_P(ServerEncodingTest, ForeignBytesInAnUploadEndInACleanErrorOrACleanImport) {
  const FormatInput& in = GetParam();
  {
    // The file as it should be imports without a rejection (a snapshot file as snapshots).
    auto r = Upload(in, in.text, "CLEAN");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 202) << r->body;
    json t = WaitForTask(Body(r)["task"]["id"]);
    ASSERT_EQ(t["state"], "succeeded") << t.dump();
    if (!in.snapshot) {
      ASSERT_EQ(t["result"]["report"]["rows_rejected"], 0) << t.dump();
    }
  }
  std::vector<int64_t> jobs;
  const auto corruptions = AllCorruptions();
  for (size_t k = 0; k < corruptions.size(); ++k) {
    const Corruption& c = corruptions[k];
    SCOPED_TRACE(in.format + " / " + c.name);
    uint32_t line = 0;
    const std::string text = testutil::encoding::Corrupt(in, c, &line);
    ASSERT_NE(text, in.text);
    const auto before = LakeFiles();
    auto r = Upload(in, text, "S" + std::to_string(k));
    ASSERT_TRUE(r);
    json accepted = Body(r);
    if (r->status != 202) {
      // Refused before a task was made: a 4xx {code, message}, never a 500.
      EXPECT_GE(r->status, 400);
      EXPECT_LT(r->status, 500) << r->body;
      ADD_FAILURE() << "an upload is queued, not refused up front: " << r->body;
      EXPECT_EQ(LakeFiles(), before);
      continue;
    }
    json t = WaitForTask(accepted["task"]["id"]);
    if (t["job"].is_number()) jobs.push_back(t["job"]);
    if (t["state"] == "succeeded") {
      const json& report = t["result"]["report"];
      EXPECT_EQ(report["rows_rejected"], 1) << t.dump();
      if (in.needle.empty()) {  // JSON formats number rows by series position, not line
        bool named = false;
        for (const auto& rej : report["rejections"]) named = named || rej.value("line", 0u) == line;
        EXPECT_TRUE(named) << "no rejection names line " << line << ": " << t.dump();
      }
      if (!c.escaped.empty()) {
        EXPECT_TRUE(AnyStringContains(report["rejections"], c.escaped)) << t.dump();
      }
    } else {
      ASSERT_EQ(t["state"], "failed") << t.dump();
      const std::string code = t["error"].value("code", "");
      const std::string message = t["error"].value("message", "");
      EXPECT_NE(code, "internal") << message;
      EXPECT_GE(t["error"].value("http_status", 0), 400);
      EXPECT_LT(t["error"].value("http_status", 0), 500) << t.dump();
      EXPECT_EQ(LakeFiles(), before);
      if (!in.snapshot) {
        EXPECT_NE(message.find(in.file_name), std::string::npos) << message;
        ExpectNamesTheLine(in, line, message);
        if (!c.escaped.empty()) {
          EXPECT_NE(message.find(c.escaped), std::string::npos) << message;
        }
      }
    }
    // Detection of the same upload answers with valid JSON.
    auto d = client_->Post("/api/detect", Auth(),
                           httplib::MultipartFormDataItems{{"file", text, in.file_name, "application/octet-stream"}});
    ASSERT_TRUE(d);
    EXPECT_EQ(d->status, 200) << d->body;
    json detected = Body(d);
    EXPECT_EQ(detected["file"], in.file_name);
  }
  // The journal as the API shows it: the job list and each job's report.
  json list = Body(client_->Get("/api/jobs"));
  EXPECT_TRUE(list["jobs"].is_array());
  for (int64_t job : jobs) {
    auto r = client_->Get(("/api/jobs/" + std::to_string(job)).c_str());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    (void)Body(r);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, ServerEncodingTest, ::testing::ValuesIn(AllFormatInputs()),
                         testutil::encoding::TestName);

// An upload whose file name is not UTF-8 is answered with valid JSON naming it escaped.
TEST_F(ServerEncodingNameTest, AnUploadNameThatIsNotUtf8IsAnsweredWithValidJson) {
  FormatInput in = AllFormatInputs().front();
  ASSERT_EQ(in.format, "ninjatrader");
  in.file_name = "caf\xE9.txt";
  auto r = Upload(in, "not a bar file\n", "ES");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  json t = WaitForTask(Body(r)["task"]["id"]);
  ASSERT_EQ(t["state"], "failed") << t.dump();
  EXPECT_EQ(t["error"]["code"], "invalid_input") << t.dump();
  auto d = client_->Post("/api/detect", Auth(),
                         httplib::MultipartFormDataItems{{"file", "x\n", in.file_name, "text/plain"}});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 200);
  (void)Body(d);
  (void)Body(client_->Get("/api/jobs"));
}

}  // namespace
}  // namespace barlake::server
