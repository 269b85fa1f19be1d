// Alerts (schedule/alerts.h) with a fake webhook client and a simulated clock: retries
// with doubling backoff, the record of each delivery, min_interval, no secret in a payload.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "journal/journal.h"
#include "schedule/alerts.h"
#include "schedule/runner.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

namespace barlake::schedule {
namespace {

class FakeWebhook : public WebhookClient {
 public:
  Result<int> Post(const std::string& url, const std::string& body, double) override {
    urls.push_back(url);
    bodies.push_back(body);
    if (next >= answers.size()) return 200;
    // Returned by index, not copied out and erased: GCC 12 -O2 sees a maybe-uninitialized
    // member in that copy of a Result.
    return answers[next++];
  }
  size_t next = 0;
  std::vector<Result<int>> answers;
  std::vector<std::string> urls, bodies;
};

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("journal.sqlite");
    ASSERT_OK_AND_ASSIGN(auto j, journal::Journal::Open(path_, true));
  }
  std::unique_ptr<Alerter> Make(std::vector<registry::AlertSpec> alerts) {
    auto a = Alerter::Open(path_, "desk", std::move(alerts), &clock_, &hook_);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? std::move(*a) : nullptr;
  }
  testutil::TempDir dir_;
  std::string path_;
  providers::SimulatedClock clock_{1000 * kMicrosPerSecond};
  FakeWebhook hook_;
};

TEST_F(AlertsTest, RetriesWithDoublingBackoffThenRecordsTheFailure) {
  auto alerter = Make({{{"provider_down"}, "https://hooks.example/T000/B000/XXXX", 0, "barlake.toml:9"}});
  hook_.answers = {Status::Unavailable("connection refused"), 500, 502, 503};
  const Micros start = clock_.Now();
  auto sent = alerter->Send({"provider_down", "ES 1m", 0, "yahoo failing"}, start);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].status, "failed");
  EXPECT_EQ(sent[0].attempts, 4);
  EXPECT_EQ(sent[0].http_status, 503);
  EXPECT_EQ(sent[0].error, "HTTP 503");
  EXPECT_EQ(hook_.bodies.size(), 4u);
  EXPECT_EQ(clock_.Now() - start, (1 + 2 + 4) * kMicrosPerSecond) << "backoff 1 s, 2 s, 4 s";
  ASSERT_OK_AND_ASSIGN(auto listed, Alerter::List(path_, 10));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].status, "failed");
  EXPECT_EQ(listed[0].webhook, "https://hooks.example/...");
}

TEST_F(AlertsTest, OnlyTheEventsAnAlertTakesAndMinIntervalPerDataset) {
  auto alerter = Make({{{"stale"}, "http://127.0.0.1:1/a", 3600, "x"}, {{"job_failed"}, "http://127.0.0.1:1/b", 0, "y"}});
  const Micros t = clock_.Now();
  EXPECT_EQ(alerter->Send({"stale", "ES 1m", 0, "ES 1m is stale"}, t).size(), 1u);
  EXPECT_EQ(alerter->Send({"stale", "ES 1m", 0, "ES 1m is stale"}, t + 600 * kMicrosPerSecond).size(), 0u)
      << "within min_interval";
  EXPECT_EQ(alerter->Send({"stale", "NQ 1m", 0, "NQ 1m is stale"}, t + 600 * kMicrosPerSecond).size(), 1u)
      << "another dataset";
  EXPECT_EQ(alerter->Send({"stale", "ES 1m", 0, "ES 1m is stale"}, t + 3601 * kMicrosPerSecond).size(), 1u);
  EXPECT_EQ(alerter->Send({"quarantine", "ES 1m", 0, "3 rows"}, t).size(), 0u) << "no alert takes it";
  auto sent = alerter->Send({"job_failed", "", 12, "import failed"}, t);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(hook_.urls.back(), "http://127.0.0.1:1/b");
  auto payload = nlohmann::json::parse(hook_.bodies.back());
  EXPECT_EQ(payload["job"], 12);
  EXPECT_TRUE(payload["dataset"].is_null());
  EXPECT_EQ(payload["vault"], "desk");
}

TEST_F(AlertsTest, NoSecretInAPayload) {
  auto alerter = Make({{{"provider_down"}, "http://127.0.0.1:1/a", 0, "x"}});
  (void)alerter->Send({"provider_down", "IBM 1m", 0,
                       "GET https://www.alphavantage.co/query?function=X&apikey=SECRET123&symbol=IBM: 503; "
                       "Authorization: Bearer tok.en-42 token=abc password=hunter2 \xff"},
                      clock_.Now());
  ASSERT_EQ(hook_.bodies.size(), 1u);
  const std::string& body = hook_.bodies[0];
  for (const char* secret : {"SECRET123", "tok.en-42", "abc", "hunter2"}) {
    EXPECT_EQ(body.find(secret), std::string::npos) << secret << " in " << body;
  }
  EXPECT_NE(body.find("apikey=***&symbol=IBM"), std::string::npos) << body;
  EXPECT_TRUE(nlohmann::json::accept(body)) << "invalid UTF-8 in a message is escaped";
  EXPECT_EQ(ShownWebhook("https://user:pw@hooks.slack.com/services/T/B/X?x=1"), "https://hooks.slack.com/...");
}

}  // namespace
}  // namespace barlake::schedule
