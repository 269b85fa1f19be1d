// `barlake fundamentals` (the real binary) against a replay server on 127.0.0.1 playing
// Yahoo's cookie/crumb/quoteSummary handshake and Alpha Vantage's OVERVIEW, with the
// answers of tests/data/fundamentals: fetched once within the TTL and again after it, a
// provider error changes nothing, merged by priority, cleanup, rollback, and a SIGKILL in
// the middle of the store.
#include <gtest/gtest.h>

#include <csignal>
#include <ctime>
#include <nlohmann/json.hpp>

#include "replay_server.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::Reply;
using testutil::ReplayServer;
using testutil::RunBarlake;
using testutil::SeenRequest;

constexpr int64_t kT0 = 1767312000;  // 2026-01-02T00:00:00Z
constexpr int64_t kDay = 86400;

std::string Fixture(const std::string& name) {
  return testutil::ReadText(std::string(BARLAKE_TEST_DATA_DIR) + "/" + name);
}

std::string Iso(int64_t t) {
  char buf[32];
  const time_t tt = static_cast<time_t>(t);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  return buf;
}

class FundamentalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("v");
    ASSERT_EQ(RunBarlake({"init", vault_}).exit_code, 0);
    server_ = std::make_unique<ReplayServer>([this](const SeenRequest& r) { return Route(r); });
  }

  Reply Route(const SeenRequest& r) {
    if (r.path == "/") return Reply{404, "", "text/html", {{"Set-Cookie", "A3=d=AQABBtest; Expires=Fri, 01 Jan 2027 00:00:00 GMT; Domain=.yahoo.com"}}};
    if (r.path == "/v1/test/getcrumb") {
      if (crumb_refused_) return Reply{429, "Too Many Requests", "text/plain"};
      auto cookie = r.headers.find("Cookie");
      if (cookie == r.headers.end() || cookie->second != "A3=d=AQABBtest") return Reply{401, "no cookie", "text/plain"};
      return Reply{200, "Xy7crumb.1", "text/plain"};
    }
    if (r.path.rfind("/v10/finance/quoteSummary/", 0) == 0) {
      if (r.Param("crumb") != "Xy7crumb.1") return Reply{401, Fixture("fundamentals/yahoo-invalid-crumb.json")};
      if (r.path.find("NOPE") != std::string::npos) return Reply{404, Fixture("fundamentals/yahoo-quotesummary-not-found.json")};
      return Reply{200, Fixture("fundamentals/yahoo-quotesummary-AAPL.json")};
    }
    if (r.path == "/query" && r.Param("function") == "OVERVIEW") {
      if (av_quota_) return Reply{200, Fixture("providers/alphavantage-quota.json")};
      return Reply{200, Fixture("fundamentals/alphavantage-overview-AAPL.json")};
    }
    return Reply{404, "unexpected " + r.path, "text/plain"};
  }

  std::vector<std::string> Env(int64_t now) const {
    return {"BARLAKE_YAHOO_URL=" + server_->origin(), "BARLAKE_ALPHAVANTAGE_URL=" + server_->origin(),
            "ALPHAVANTAGE_API_KEY=testkey", "BARLAKE_TEST_NOW=" + Iso(now)};
  }
  CommandResult Run(std::vector<std::string> args, int64_t now, std::vector<std::string> extra_env = {}) {
    args.insert(args.begin(), {"--vault", vault_});
    auto env = Env(now);
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    return RunBarlake(args, env);
  }
  size_t Requests(const std::string& path_prefix) {
    size_t n = 0;
    for (const auto& r : server_->seen()) n += r.path.rfind(path_prefix, 0) == 0;
    return n;
  }
  std::map<std::string, std::string> DataFiles() {
    auto files = testutil::Snapshot(vault_ + "/documents");
    for (const auto& [k, v] : testutil::Snapshot(vault_ + "/.barlake/versions")) files["versions/" + k] = v;
    return files;
  }
  std::string Jobs() { return RunBarlake({"--vault", vault_, "jobs", "--json"}).out; }

  testutil::TempDir dir_;
  std::string vault_;
  std::unique_ptr<ReplayServer> server_;
  bool crumb_refused_ = false, av_quota_ = false;
};

TEST_F(FundamentalsTest, FetchedOnceWithinTheTtlAndAgainAfterIt) {
  CommandResult first = Run({"fundamentals", "AAPL", "--provider", "yahoo", "--max-age", "7d", "--json"}, kT0);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto j = nlohmann::json::parse(first.out);
  EXPECT_EQ(j["fields"]["name"], "Apple Inc.");
  EXPECT_EQ(j["fields"]["market_cap"], 3456789012480.0);
  EXPECT_EQ(j["documents"][0]["fetched_now"], true);
  EXPECT_EQ(j["documents"][0]["source_url"].get<std::string>().find("Xy7crumb"), std::string::npos)
      << "the crumb is not shown";
  EXPECT_GT(j["job"].get<int64_t>(), 0);
  EXPECT_EQ(Requests("/v10/finance/quoteSummary/AAPL"), 1u);

  // Within the TTL: served from the vault, no request, no job.
  CommandResult cached = Run({"fundamentals", "AAPL", "--provider", "yahoo", "--json"}, kT0 + 6 * kDay);
  ASSERT_EQ(cached.exit_code, 0) << cached.err;
  auto c = nlohmann::json::parse(cached.out);
  EXPECT_EQ(c["documents"][0]["fetched_now"], false);
  EXPECT_EQ(c["job"], 0);
  EXPECT_EQ(c["fields"], j["fields"]);
  EXPECT_EQ(Requests("/v10/finance/quoteSummary/AAPL"), 1u);

  // After it: fetched again and stored by a new job; the old version is kept.
  CommandResult again = Run({"fundamentals", "AAPL", "--provider", "yahoo", "--json"}, kT0 + 8 * kDay);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto a = nlohmann::json::parse(again.out);
  EXPECT_EQ(a["documents"][0]["fetched_now"], true);
  EXPECT_GT(a["job"].get<int64_t>(), j["job"].get<int64_t>());
  EXPECT_EQ(Requests("/v10/finance/quoteSummary/AAPL"), 2u);
  EXPECT_EQ(RunBarlake({"--vault", vault_, "verify"}).exit_code, 0);

  // A shorter --max-age makes the stored document too old.
  CommandResult younger = Run({"fundamentals", "AAPL", "--provider", "yahoo", "--max-age", "1h", "--json"},
                              kT0 + 8 * kDay + 7200);
  ASSERT_EQ(younger.exit_code, 0) << younger.err;
  EXPECT_EQ(Requests("/v10/finance/quoteSummary/AAPL"), 3u);
}

TEST_F(FundamentalsTest, AProviderErrorChangesNothing) {
  ASSERT_EQ(Run({"fundamentals", "AAPL", "--provider", "yahoo"}, kT0).exit_code, 0);
  const auto files = DataFiles();
  const std::string jobs = Jobs();
  ASSERT_FALSE(files.empty());

  // Expired, and Yahoo refuses the crumb: the stored document is served, marked, unchanged.
  crumb_refused_ = true;
  CommandResult stale = Run({"fundamentals", "AAPL", "--provider", "yahoo", "--json"}, kT0 + 8 * kDay);
  EXPECT_EQ(stale.exit_code, 0) << stale.err;
  EXPECT_NE(stale.err.find("refused a crumb"), std::string::npos) << stale.err;
  EXPECT_NE(stale.err.find("stored document unchanged"), std::string::npos) << stale.err;
  EXPECT_EQ(DataFiles(), files);
  EXPECT_EQ(Jobs(), jobs);

  // Nothing stored and the provider fails: non-zero exit, nothing written.
  CommandResult none = Run({"fundamentals", "MSFT", "--provider", "yahoo"}, kT0 + 8 * kDay);
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.err.find("429"), std::string::npos) << none.err;
  crumb_refused_ = false;
  CommandResult unknown = Run({"fundamentals", "NOPE", "--provider", "yahoo"}, kT0 + 8 * kDay);
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("Quote not found"), std::string::npos) << unknown.err;
  av_quota_ = true;
  CommandResult quota = Run({"fundamentals", "AAPL", "--provider", "alphavantage"}, kT0 + 8 * kDay);
  EXPECT_NE(quota.exit_code, 0);
  EXPECT_NE(quota.err.find("25 requests per day"), std::string::npos) << quota.err;
  EXPECT_EQ(DataFiles(), files);
  EXPECT_EQ(Jobs(), jobs);
  EXPECT_EQ(RunBarlake({"--vault", vault_, "verify"}).exit_code, 0);
}

TEST_F(FundamentalsTest, ProvidersMergeByPriorityInTheQueryView) {
  CommandResult both = Run({"fundamentals", "AAPL", "--json"}, kT0);
  ASSERT_EQ(both.exit_code, 0) << both.err;
  auto j = nlohmann::json::parse(both.out);
  ASSERT_EQ(j["documents"].size(), 2u);
  EXPECT_EQ(j["fields"]["name"], "Apple Inc.");  // yahoo first
  EXPECT_EQ(j["field_providers"]["name"], "yahoo");
  EXPECT_EQ(j["fields"]["forward_pe"], 30.3);  // only Alpha Vantage has it
  EXPECT_EQ(j["field_providers"]["forward_pe"], "alphavantage");
  CommandResult q = RunBarlake({"--vault", vault_, "query",
                                "SELECT symbol, providers, name, forward_pe, sector FROM fundamentals", "--format",
                                "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "symbol,providers,name,forward_pe,sector\nAAPL,\"yahoo,alphavantage\",Apple Inc.,30.3,Technology\n");
  CommandResult raw = RunBarlake({"--vault", vault_, "query",
                                  "SELECT provider, length(document) > 100 AS has_doc FROM fundamentals_documents ORDER BY priority",
                                  "--format", "csv"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.out, "provider,has_doc\nyahoo,true\nalphavantage,true\n");
}

TEST_F(FundamentalsTest, CleanupDropsExpiredDocumentsAndRollbackBringsThemBack) {
  ASSERT_EQ(Run({"fundamentals", "AAPL", "--provider", "yahoo", "--max-age", "1d"}, kT0).exit_code, 0);
  ASSERT_EQ(Run({"fundamentals", "AAPL", "--provider", "alphavantage", "--max-age", "30d"}, kT0).exit_code, 0);
  CommandResult early = Run({"fundamentals", "--cleanup"}, kT0 + 3600);
  ASSERT_EQ(early.exit_code, 0) << early.err;
  EXPECT_NE(early.out.find("no expired"), std::string::npos) << early.out;
  CommandResult clean = Run({"fundamentals", "--cleanup", "--json"}, kT0 + 2 * kDay);
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  auto c = nlohmann::json::parse(clean.out);
  EXPECT_EQ(c["dropped"], 1);  // yahoo's one-day document, not Alpha Vantage's
  CommandResult left = RunBarlake({"--vault", vault_, "query", "SELECT provider FROM fundamentals_documents", "--format", "csv"});
  EXPECT_EQ(left.out, "provider\nalphavantage\n");
  CommandResult rb = RunBarlake({"--vault", vault_, "rollback", std::to_string(c["job"].get<int64_t>())});
  ASSERT_EQ(rb.exit_code, 0) << rb.err << rb.out;
  CommandResult back = RunBarlake(
      {"--vault", vault_, "query", "SELECT provider FROM fundamentals_documents ORDER BY priority", "--format", "csv"});
  EXPECT_EQ(back.out, "provider\nyahoo\nalphavantage\n");
  EXPECT_EQ(RunBarlake({"--vault", vault_, "verify"}).exit_code, 0);
}

TEST_F(FundamentalsTest, KilledWhileStoringThenRecovered) {
  CommandResult killed = Run({"fundamentals", "AAPL", "--provider", "yahoo"}, kT0, {"BARLAKE_CRASH_AT=after-staged"});
  ASSERT_EQ(killed.signal, SIGKILL) << killed.err;
  CommandResult rec = RunBarlake({"--vault", vault_, "recover"});
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  ASSERT_EQ(RunBarlake({"--vault", vault_, "verify"}).exit_code, 0);
  // The plan was recorded: recovery finished the store, so it is served without a fetch.
  CommandResult after = Run({"fundamentals", "AAPL", "--provider", "yahoo", "--json"}, kT0 + 60);
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(nlohmann::json::parse(after.out)["documents"][0]["fetched_now"], false);
  EXPECT_EQ(Requests("/v10/finance/quoteSummary/AAPL"), 1u);

  // Killed before its plan: nothing stored, the next call fetches.
  CommandResult early = Run({"fundamentals", "MSFT", "--provider", "yahoo"}, kT0, {"BARLAKE_CRASH_AT=after-stage-file"});
  ASSERT_EQ(early.signal, SIGKILL) << early.err;
  ASSERT_EQ(RunBarlake({"--vault", vault_, "recover"}).exit_code, 0);
  ASSERT_EQ(RunBarlake({"--vault", vault_, "verify"}).exit_code, 0);
  CommandResult fetched = Run({"fundamentals", "MSFT", "--provider", "yahoo", "--json"}, kT0 + 60);
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  EXPECT_EQ(nlohmann::json::parse(fetched.out)["documents"][0]["fetched_now"], true);
}

}  // namespace
}  // namespace barlake
