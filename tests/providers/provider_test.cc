// The provider layer against a replay server on 127.0.0.1: request planning, error
// classification, retries, rate limits, failover and the update of a real vault (real
// Parquet through DuckDB, the real journal), on a simulated clock.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "core/checksum.h"
#include "lake/lake.h"
#include "providers/fetcher.h"
#include "providers/provider.h"
#include "providers/update.h"
#include "replay_server.h"
#include "series.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

namespace barlake::providers {
namespace {

using testutil::Reply;
using testutil::ReplayServer;
using testutil::SeenRequest;

std::string Recorded(const std::string& name) {
  std::ifstream in(std::string(BARLAKE_TEST_DATA_DIR) + "/providers/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

constexpr int64_t kMinute = 60;
// 2024-03-04T00:00:00Z, a Monday.
constexpr int64_t kT0 = 1709510400;

int64_t MsParam(const SeenRequest& r, const char* k) { return std::stoll(r.Param(k)); }

// Binance klines every minute from kT0 on, up to (not including) the bar forming at `now`.
Reply Klines(const SeenRequest& r, int64_t now, double factor = 1) {
  const int64_t last_open = (now / kMinute) * kMinute * 1000;
  return Reply{200,
               testutil::BinanceKlines(MsParam(r, "startTime"), MsParam(r, "endTime"), std::stoi(r.Param("limit")),
                                       kMinute * 1000, kT0 * 1000, last_open, factor),
               "application/json",
               {{"X-MBX-USED-WEIGHT-1M", "2"}}};
}

class UpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("v");
    ASSERT_OK(lake::InitVault(Env::Default(), vault_, {}));
    clock_ = std::make_unique<SimulatedClock>(0);
  }
  void TearDown() override {
    for (const char* v : {"BARLAKE_YAHOO_URL", "BARLAKE_BINANCE_URL", "BARLAKE_ALPHAVANTAGE_URL",
                          "BARLAKE_BINANCE_ARCHIVE_URL", "ALPHAVANTAGE_API_KEY"}) {
      ::unsetenv(v);
    }
  }
  void WriteRegistryTail(const std::string& text) {
    std::ofstream out(vault_ + "/barlake.toml", std::ios::app);
    out << text;
  }
  void Serve(ReplayServer::Route route) {
    server_ = std::make_unique<ReplayServer>(std::move(route));
    for (const char* v : {"BARLAKE_YAHOO_URL", "BARLAKE_BINANCE_URL", "BARLAKE_ALPHAVANTAGE_URL"}) {
      ::setenv(v, server_->origin().c_str(), 1);
    }
  }
  void SetNow(int64_t seconds) { clock_ = std::make_unique<SimulatedClock>(seconds * kMicrosPerSecond); }
  Result<std::vector<UpdateItem>> Update(UpdateRequest req, FetchPolicy policy = {}) {
    auto lake = lake::Lake::Open(vault_, {});
    if (!lake.ok()) return lake.status();
    UpdaterOptions o;
    o.http = http_.get();
    o.clock = clock_.get();
    policy.jitter_seed = 7;
    o.policy = policy;
    Updater u(lake->get(), o);
    return u.Run(req);
  }
  UpdateItem UpdateOne(UpdateRequest req, FetchPolicy policy = {}) {
    auto items = Update(std::move(req), policy);
    EXPECT_TRUE(items.ok()) << items.status().message();
    if (!items.ok() || items->size() != 1) {
      ADD_FAILURE() << "expected one item";
      return {};
    }
    return (*items)[0];
  }
  /// One dataset updated from `from` (epoch seconds) on.
  UpdateItem UpdateFrom(const std::string& symbol, const std::string& tf, int64_t from) {
    UpdateRequest req;
    req.symbols = {symbol};
    req.timeframes = {tf};
    req.from = from * kMicrosPerSecond;
    return UpdateOne(req);
  }
  BarColumns Stored(const std::string& symbol, const std::string& tf) {
    auto lake = lake::Lake::Open(vault_, {});
    EXPECT_TRUE(lake.ok());
    auto bars = (*lake)->Read(symbol, tf, kOpenRangeStart, kOpenRangeEnd);
    EXPECT_TRUE(bars.ok()) << bars.status().message();
    return bars.ok() ? *bars : BarColumns{};
  }
  std::vector<journal::JobRecord> Jobs() {
    auto lake = lake::Lake::Open(vault_, {});
    auto jobs = (*lake)->Jobs(1000);
    return jobs.ok() ? *jobs : std::vector<journal::JobRecord>{};
  }

  testutil::TempDir dir_;
  std::string vault_;
  std::unique_ptr<SimulatedClock> clock_;
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  std::unique_ptr<ReplayServer> server_;
};

UpdateRequest Req(const std::string& symbol, const std::string& tf) {
  UpdateRequest r;
  r.symbols = {symbol};
  r.timeframes = {tf};
  return r;
}

TEST_F(UpdateTest, BinancePagesByOpenTimeThenFetchesOnlyWhatIsMissingWithOneBarOverlap) {
  int64_t now = kT0 + 2500 * kMinute + 30;  // the bar opened at kT0 + 2500 min is forming
  Serve([&](const SeenRequest& r) { return Klines(r, now); });
  SetNow(now);
  UpdateRequest req = Req("BTCUSDT", "1m");
  req.from = kT0 * kMicrosPerSecond;
  UpdateItem first = UpdateOne(req);
  ASSERT_EQ(first.status, "ok") << first.error;
  EXPECT_EQ(first.provider, "binance");
  // Three pages of at most 1000 bars, back to back by open time, up to now: the last page
  // ends with the forming bar.
  auto seen = server_->seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].path, "/api/v3/klines");
  EXPECT_EQ(seen[0].Param("symbol"), "BTCUSDT");
  EXPECT_EQ(seen[0].Param("interval"), "1m");
  EXPECT_EQ(MsParam(seen[0], "startTime"), kT0 * 1000);
  EXPECT_EQ(MsParam(seen[0], "endTime"), (kT0 + 1000 * kMinute) * 1000 - 1);
  EXPECT_EQ(MsParam(seen[1], "startTime"), (kT0 + 1000 * kMinute) * 1000);
  EXPECT_EQ(MsParam(seen[2], "startTime"), (kT0 + 2000 * kMinute) * 1000);
  EXPECT_EQ(MsParam(seen[2], "endTime"), now * 1000 - 1);
  EXPECT_EQ(first.requests, 3);
  EXPECT_EQ(first.rows_fetched, 2501);
  EXPECT_EQ(first.rows_written, 2501);
  EXPECT_EQ(first.provisional, 1);  // the bar opened at kT0 + 2500 min, stored provisional
  EXPECT_EQ(first.jobs.size(), 1u);  // one job for the update, whatever the number of answers
  BarColumns bars = Stored("BTCUSDT", "1m");
  ASSERT_EQ(bars.size(), 2501u);
  for (size_t i = 1; i < bars.size(); ++i) ASSERT_EQ(bars.ts[i] - bars.ts[i - 1], kMinute * kMicrosPerSecond);
  EXPECT_EQ(bars.FlagAt(2500), kBarProvisional);

  // 100 minutes later: one request from the last final stored bar (the overlap) on; the
  // provisional bar after it is completed, 100 bars are new (the last of them forming).
  now += 100 * kMinute;
  SetNow(now);
  UpdateItem second = UpdateOne(Req("BTCUSDT", "1m"));
  ASSERT_EQ(second.status, "ok") << second.error;
  seen = server_->seen();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(MsParam(seen[3], "startTime"), (kT0 + 2499 * kMinute) * 1000);
  EXPECT_EQ(second.rows_fetched, 102);
  EXPECT_EQ(second.provisional_completed, 1);
  EXPECT_EQ(second.rows_written, 101);
  EXPECT_EQ(Stored("BTCUSDT", "1m").size(), 2601u);
  // Each update is one import job whose source names the provider and the URL.
  auto jobs = Jobs();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].source_path.rfind("binance " + server_->origin() + "/api/v3/klines?symbol=BTCUSDT", 0), 0u)
      << jobs[0].source_path;
  EXPECT_EQ(jobs[0].source_sha256.size(), 64u);

  // Up to date: nothing is asked.
  UpdateItem third = UpdateOne(Req("BTCUSDT", "1m"));
  EXPECT_EQ(third.status, "up_to_date");
  EXPECT_EQ(server_->seen().size(), 4u);
}

TEST_F(UpdateTest, AnUpdateIsOneJobKeepingEveryAnswerAndRollbackUndoesItWhole) {
  const int64_t now = kT0 + 2500 * kMinute + 30;
  Serve([&](const SeenRequest& r) { return Klines(r, now); });
  SetNow(now);
  UpdateRequest req = Req("BTCUSDT", "1m");
  req.from = kT0 * kMicrosPerSecond;
  UpdateItem item = UpdateOne(req);
  ASSERT_EQ(item.status, "ok") << item.error;
  ASSERT_EQ(item.jobs.size(), 1u);
  auto lake = lake::Lake::Open(vault_, {});
  ASSERT_OK(lake.status());
  auto job = (*lake)->Job(item.jobs[0]);
  ASSERT_OK(job.status());
  EXPECT_EQ(job->status, "completed");
  EXPECT_NE(job->source_path.find(" and 2 more responses"), std::string::npos) << job->source_path;
  // The report lists the three answers: SHA-256, the redacted URL and the HTTP status.
  auto report = nlohmann::json::parse(job->report_json);
  ASSERT_EQ(report["sources"].size(), 3u) << job->report_json;
  std::string list;
  for (const auto& s : report["sources"]) {
    const std::string sha = s["sha256"];
    list += sha + "  " + s["provenance"].get<std::string>() + "\n";
    EXPECT_EQ(s["provenance"].get<std::string>().rfind("binance GET " + server_->origin() + "/api/v3/klines?", 0), 0u);
    EXPECT_NE(s["provenance"].get<std::string>().find(" -> 200"), std::string::npos);
    // Kept byte for byte under .barlake/sources/, like an imported file.
    std::ifstream kept(vault_ + "/.barlake/sources/" + sha, std::ios::binary);
    std::stringstream body;
    body << kept.rdbuf();
    EXPECT_EQ(Sha256Hex(body.str()), sha);
  }
  // The job's source is the list of the answers, kept too.
  std::ifstream manifest(vault_ + "/.barlake/sources/" + job->source_sha256, std::ios::binary);
  std::stringstream m;
  m << manifest.rdbuf();
  EXPECT_EQ(m.str(), list);
  EXPECT_EQ(Sha256Hex(list), job->source_sha256);
  // Rollback undoes the whole update.
  ASSERT_OK((*lake)->Rollback(item.jobs[0]).status());
  auto datasets = (*lake)->Datasets();
  ASSERT_OK(datasets.status());
  for (const auto& d : *datasets) EXPECT_EQ(d.rows, 0) << d.symbol << " " << d.timeframe;
}

TEST_F(UpdateTest, UpdateAllTakesOnlyDatasetsThatOptedIn) {
  // ES imported from NinjaTrader files, ES2 with Yahoo's symbol, BTCUSDT made by a download.
  WriteRegistryTail(
      "\n[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"1m\"\nformat = \"ninjatrader\"\n"
      "\n[[dataset]]\nsymbol = \"ES2\"\ntimeframe = \"1m\"\nprovider_symbols = { yahoo = \"ES=F\" }\n"
      "\n[[dataset]]\nsymbol = \"BTCUSDT\"\ntimeframe = \"1m\"\nformat = \"binance-json\"\n");
  Serve([&](const SeenRequest&) { return Reply{500, "unused"}; });
  SetNow(kT0 + 86400);
  UpdateRequest req;
  req.dry_run = true;
  auto items = Update(req);
  ASSERT_OK(items.status());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].symbol, "ES2");
  EXPECT_EQ((*items)[0].provider, "yahoo");
  ASSERT_FALSE((*items)[0].planned.empty());
  EXPECT_NE((*items)[0].planned[0].find("/v8/finance/chart/ES%3DF?"), std::string::npos) << (*items)[0].planned[0];
  EXPECT_EQ((*items)[1].symbol, "BTCUSDT");
  EXPECT_EQ((*items)[1].provider, "binance");
}

TEST_F(UpdateTest, DryRunPlansAndSendsNothing) {
  Serve([&](const SeenRequest& r) { return Klines(r, kT0 + 3000 * kMinute); });
  SetNow(kT0 + 3000 * kMinute);
  UpdateRequest req = Req("BTCUSDT", "1m");
  req.from = kT0 * kMicrosPerSecond;
  req.dry_run = true;
  UpdateItem item = UpdateOne(req);
  EXPECT_EQ(item.status, "planned");
  ASSERT_EQ(item.planned.size(), 3u);
  EXPECT_NE(item.planned[0].find("startTime=" + std::to_string(kT0 * 1000)), std::string::npos);
  EXPECT_TRUE(server_->seen().empty());
  EXPECT_TRUE(Jobs().empty());
}

TEST_F(UpdateTest, RateLimitedWaitsRetryAfterThenSucceeds) {
  const int64_t now = kT0 + 50 * kMinute;
  int calls = 0;
  Serve([&](const SeenRequest& r) {
    if (++calls == 1) return Reply{429, Recorded("binance-429.json"), "application/json", {{"Retry-After", "7"}}};
    return Klines(r, now);
  });
  SetNow(now);
  UpdateRequest req = Req("BTCUSDT", "1m");
  req.from = kT0 * kMicrosPerSecond;
  UpdateItem item = UpdateOne(req);
  ASSERT_EQ(item.status, "ok") << item.error;
  EXPECT_EQ(item.requests, 2);
  EXPECT_EQ(clock_->slept(), 7 * kMicrosPerSecond);  // exactly Retry-After: the bucket had room
  ASSERT_EQ(item.attempts.size(), 1u);
  EXPECT_NE(item.attempts[0].find("429, 200 -> ok"), std::string::npos) << item.attempts[0];
}

TEST_F(UpdateTest, ServerErrorsAreRetriedWithBackoffThenSucceed) {
  const int64_t now = kT0 + 50 * kMinute;
  int calls = 0;
  Serve([&](const SeenRequest& r) {
    if (++calls <= 2) return Reply{503, "Service Unavailable", "text/plain"};
    return Klines(r, now);
  });
  SetNow(now);
  UpdateRequest req = Req("BTCUSDT", "1m");
  req.from = kT0 * kMicrosPerSecond;
  UpdateItem item = UpdateOne(req);
  ASSERT_EQ(item.status, "ok") << item.error;
  EXPECT_EQ(item.requests, 3);
  // Backoff 0.5 s then 1 s, each with jitter in [half, full].
  EXPECT_GE(clock_->slept(), 750 * 1000);
  EXPECT_LE(clock_->slept(), 1500 * 1000);
  EXPECT_EQ(Stored("BTCUSDT", "1m").size(), 50u);  // 00:00 .. 00:49; the 00:49 bar closed at now
}

TEST_F(UpdateTest, ATimeoutIsRetriedLikeAServerError) {
  const int64_t now = kT0 + 50 * kMinute;
  WriteRegistryTail("\n[[provider]]\nname = \"binance\"\ntimeout_seconds = 0.3\n");
  int calls = 0;
  Serve([&](const SeenRequest& r) {
    Reply reply = Klines(r, now);
    if (++calls == 1) reply.delay_ms = 1500;  // longer than the provider's timeout
    return reply;
  });
  SetNow(now);
  UpdateRequest req = Req("BTCUSDT", "1m");
  req.from = kT0 * kMicrosPerSecond;
  UpdateItem item = UpdateOne(req);
  ASSERT_EQ(item.status, "ok") << item.error;
  EXPECT_EQ(item.requests, 2);
  ASSERT_EQ(item.attempts.size(), 1u);
  EXPECT_NE(item.attempts[0].find("no answer, 200 -> ok"), std::string::npos) << item.attempts[0];
  EXPECT_EQ(Stored("BTCUSDT", "1m").size(), 50u);  // 00:00 .. 00:49; the 00:49 bar closed at now
}

TEST_F(UpdateTest, BannedStopsTheProviderForTheRestOfTheRun) {
  Serve([&](const SeenRequest&) {
    return Reply{418, Recorded("binance-418.json"), "application/json", {{"Retry-After", "600"}}};
  });
  SetNow(kT0 + 50 * kMinute);
  UpdateRequest req;
  req.symbols = {"BTCUSDT", "ETHUSDT"};
  req.timeframes = {"1m"};
  req.from = kT0 * kMicrosPerSecond;
  auto items = Update(req);
  ASSERT_OK(items.status());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].status, "failed");
  EXPECT_NE((*items)[0].error.find("banned"), std::string::npos) << (*items)[0].error;
  EXPECT_EQ((*items)[0].result.code(), ErrorCode::kUnavailable);
  // The second dataset does not ask at all: every request would lengthen the ban.
  EXPECT_EQ((*items)[1].status, "failed");
  EXPECT_EQ((*items)[1].requests, 0);
  EXPECT_EQ(server_->seen().size(), 1u);
  EXPECT_TRUE(Jobs().empty());
}

TEST_F(UpdateTest, GeoBlockedBinanceFailsOverToTheNextProviderOfTheRule) {
  const int64_t now = kT0 + 10 * 86400;
  WriteRegistryTail(
      "\n[[rule]]\nasset_class = \"crypto\"\nproviders = [\"binance\", \"yahoo\"]\n"
      "\n[[dataset]]\nsymbol = \"BTCUSDT\"\ntimeframe = \"1d\"\nprovider_symbols = { yahoo = \"BTC-USD\" }\n");
  Serve([&](const SeenRequest& r) {
    if (r.path == "/api/v3/klines") return Reply{451, Recorded("binance-451.json")};
    EXPECT_EQ(r.path, "/v8/finance/chart/BTC-USD");
    return Reply{200, testutil::YahooChart("BTC-USD", "1d", 86400, std::stoll(r.Param("period1")),
                                           std::stoll(r.Param("period2")), now)};
  });
  SetNow(now);
  UpdateRequest req = Req("BTCUSDT", "1d");
  req.from = kT0 * kMicrosPerSecond;
  UpdateItem item = UpdateOne(req);
  ASSERT_EQ(item.status, "ok") << item.error;
  EXPECT_EQ(item.provider, "yahoo");
  ASSERT_EQ(item.served.size(), 1u);
  EXPECT_EQ(item.served[0].provider, "yahoo");
  ASSERT_EQ(item.attempts.size(), 2u);
  EXPECT_NE(item.attempts[0].find("451 -> blocked"), std::string::npos) << item.attempts[0];
  // The days kT0 (Monday) .. kT0 + 9 days, weekends skipped: 8 bars.
  EXPECT_EQ(Stored("BTCUSDT", "1d").size(), 8u);
}

TEST_F(UpdateTest, AlphaVantageQuotaFailsOverToYahooAndTheKeyIsNeverStored) {
  const int64_t now = kT0 + 2 * 86400;
  ::setenv("ALPHAVANTAGE_API_KEY", "SECRETKEY123", 1);
  Serve([&](const SeenRequest& r) {
    if (r.path == "/query") {
      EXPECT_EQ(r.Param("apikey"), "SECRETKEY123");
      EXPECT_EQ(r.Param("function"), "TIME_SERIES_INTRADAY");
      EXPECT_EQ(r.Param("interval"), "5min");
      EXPECT_EQ(r.Param("month"), "2024-03");
      return Reply{200, Recorded("alphavantage-quota.json")};
    }
    return Reply{200, testutil::YahooChart("IBM", "5m", 300, std::stoll(r.Param("period1")),
                                           std::stoll(r.Param("period2")), now - 3600)};
  });
  SetNow(now);
  UpdateRequest req = Req("IBM", "5m");
  req.from = kT0 * kMicrosPerSecond;
  UpdateItem item = UpdateOne(req);
  ASSERT_EQ(item.status, "ok") << item.error;
  EXPECT_EQ(item.provider, "yahoo");
  ASSERT_GE(item.attempts.size(), 2u);
  EXPECT_NE(item.attempts[0].find("quota_exhausted"), std::string::npos) << item.attempts[0];
  EXPECT_NE(item.attempts[0].find("apikey=***"), std::string::npos) << item.attempts[0];
  // The key is nowhere in the vault: not in the journal, the registry or the kept sources.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(vault_)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find("SECRETKEY123"), std::string::npos) << entry.path();
  }
  for (const auto& a : item.attempts) EXPECT_EQ(a.find("SECRETKEY123"), std::string::npos) << a;
  EXPECT_GT(Stored("IBM", "5m").size(), 0u);
}

TEST_F(UpdateTest, AlphaVantageDailyCountAndOpenBreakersAreKeptInTheVaultAcrossRuns) {
  int64_t now = kT0 + 2 * 86400;  // 2024-03-06
  ::setenv("ALPHAVANTAGE_API_KEY", "SECRETKEY123", 1);
  Serve([&](const SeenRequest& r) {
    if (r.path == "/query") return Reply{200, Recorded("alphavantage-quota.json")};
    return Reply{200, testutil::YahooChart("IBM", "5m", 300, std::stoll(r.Param("period1")),
                                           std::stoll(r.Param("period2")), now - 3600)};
  });
  auto av_requests = [&] {
    int n = 0;
    for (const auto& s : server_->seen()) n += s.path == "/query";
    return n;
  };
  // An earlier run today already sent the free key's 25 requests.
  {
    std::ofstream out(vault_ + "/.barlake/providers.json");
    out << R"({"format": "barlake provider state 1", "providers": {"alphavantage": )"
        << R"({"day": "2024-03-06", "requests": 25, "open_until": 0, "open_why": ""}}})";
  }
  SetNow(now);
  UpdateRequest req = Req("IBM", "5m");
  req.from = (now - 86400) * kMicrosPerSecond;
  UpdateItem first = UpdateOne(req);
  ASSERT_EQ(first.status, "ok") << first.error;
  EXPECT_EQ(first.provider, "yahoo");
  EXPECT_EQ(av_requests(), 0);  // never asked
  ASSERT_FALSE(first.attempts.empty());
  EXPECT_NE(first.attempts[0].find("daily quota is 25"), std::string::npos) << first.attempts[0];

  // The next UTC day counts from zero: Alpha Vantage is asked, says its quota is used up
  // (its own count), and the breaker it opens is kept for the next run.
  now += 86400;
  SetNow(now);
  req.from = (now - 3600) * kMicrosPerSecond;
  UpdateItem second = UpdateOne(req);
  ASSERT_EQ(second.status, "ok") << second.error;
  EXPECT_EQ(av_requests(), 1);
  std::ifstream in(vault_ + "/.barlake/providers.json");
  auto state = nlohmann::json::parse(in);
  EXPECT_EQ(state["providers"]["alphavantage"]["day"], "2024-03-07");
  EXPECT_EQ(state["providers"]["alphavantage"]["requests"], 1);
  EXPECT_GT(state["providers"]["alphavantage"]["open_until"].get<int64_t>(), now * kMicrosPerSecond);

  // Another run an hour later: the kept breaker skips Alpha Vantage without asking.
  now += 3600;
  SetNow(now);
  req.from = (now - 3600) * kMicrosPerSecond;
  UpdateItem third = UpdateOne(req);
  ASSERT_EQ(third.status, "ok") << third.error;
  EXPECT_EQ(av_requests(), 1);
  ASSERT_FALSE(third.attempts.empty());
  EXPECT_NE(third.attempts[0].find("since an earlier run"), std::string::npos) << third.attempts[0];
}

TEST_F(UpdateTest, AlphaVantageInvalidCallIsAnUnknownSymbolAndDeclaresNothing) {
  ::setenv("ALPHAVANTAGE_API_KEY", "k", 1);
  Serve([&](const SeenRequest&) { return Reply{200, Recorded("alphavantage-invalid-call.json")}; });
  SetNow(kT0 + 86400);
  UpdateRequest req = Req("NOSUCH", "5m");
  req.provider = "alphavantage";
  UpdateItem item = UpdateOne(req);
  EXPECT_EQ(item.status, "not_found");
  EXPECT_EQ(item.result.code(), ErrorCode::kNotFound);
  EXPECT_NE(item.error.find("Invalid API call"), std::string::npos) << item.error;
  auto lake = lake::Lake::Open(vault_, {});
  EXPECT_EQ((*lake)->registry().Find("NOSUCH", "5m"), nullptr);
  EXPECT_TRUE(Jobs().empty());
}

TEST_F(UpdateTest, YahooUnknownSymbolIsReportedNeverAnEmptyDataset) {
  Serve([&](const SeenRequest&) { return Reply{404, Recorded("yahoo-404-not-found.json")}; });
  SetNow(kT0 + 86400 * 3);
  UpdateItem item = UpdateOne(Req("ZZZZQ", "1d"));
  EXPECT_EQ(item.status, "not_found");
  EXPECT_NE(item.error.find("No data found, symbol may be delisted"), std::string::npos) << item.error;
  auto lake = lake::Lake::Open(vault_, {});
  EXPECT_EQ((*lake)->registry().Find("ZZZZQ", "1d"), nullptr);
  EXPECT_TRUE(Jobs().empty());
}

TEST_F(UpdateTest, YahooOneMinuteIsAskedInWindowsOfAtMostEightDaysWithinThirtyDays) {
  const int64_t now = kT0 + 40 * 86400;
  Serve([&](const SeenRequest& r) {
    return Reply{200, testutil::YahooChart("AAPL", "1m", 60, std::stoll(r.Param("period1")),
                                           std::stoll(r.Param("period1")) + 120, now - 600)};
  });
  SetNow(now);
  UpdateRequest req = Req("AAPL", "1m");
  req.provider = "yahoo";
  req.from = kT0 * kMicrosPerSecond;  // 40 days back: older than Yahoo serves
  UpdateItem item = UpdateOne(req);
  ASSERT_EQ(item.status, "ok") << item.error;
  ASSERT_EQ(item.notes.size(), 1u);
  EXPECT_NE(item.notes[0].find("only for the last 30 days"), std::string::npos) << item.notes[0];
  auto seen = server_->seen();
  ASSERT_GE(seen.size(), 4u);
  EXPECT_GE(std::stoll(seen[0].Param("period1")), now - 30 * 86400);
  for (const auto& r : seen) {
    EXPECT_EQ(r.Param("interval"), "1m");
    EXPECT_LE(std::stoll(r.Param("period2")) - std::stoll(r.Param("period1")), 8 * 86400);
  }
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_EQ(seen[i].Param("period1"), seen[i - 1].Param("period2"));
}

TEST_F(UpdateTest, YahooLiveBarIsStoredProvisionalNeverFinal) {
  const int64_t now = kT0 + 3 * 3600 + 90;  // inside the 5m bar that opened at 03:00
  Serve([&](const SeenRequest& r) {
    // Yahoo appends the bar in progress after period2, stamped by regularMarketTime.
    return Reply{200, testutil::YahooChart("IBM", "5m", 300, std::stoll(r.Param("period1")), now, now)};
  });
  SetNow(now);
  UpdateRequest req = Req("IBM", "5m");
  req.provider = "yahoo";
  req.from = kT0 * kMicrosPerSecond;
  UpdateItem item = UpdateOne(req);
  ASSERT_EQ(item.status, "ok") << item.error;
  EXPECT_EQ(item.provisional, 1);
  BarColumns bars = Stored("IBM", "5m");
  ASSERT_EQ(bars.size(), 37u);  // 00:00 .. 03:00; the 03:00 bar was forming: provisional
  EXPECT_EQ(bars.ts.back(), (kT0 + 3 * 3600) * kMicrosPerSecond);
  EXPECT_EQ(bars.FlagAt(36), kBarProvisional);
  EXPECT_EQ(bars.FlagAt(35), 0);
}

TEST_F(UpdateTest, MalformedBodiesAreClearErrorsThatChangeNothing) {
  const int64_t now = kT0 + 50 * kMinute;
  SetNow(now);
  UpdateRequest req = Req("BTCUSDT", "1m");
  req.from = kT0 * kMicrosPerSecond;
  // Truncated JSON.
  Serve([&](const SeenRequest& r) {
    Reply full = Klines(r, now);
    full.body.resize(full.body.size() / 2);
    return full;
  });
  UpdateItem cut = UpdateOne(req);
  EXPECT_EQ(cut.status, "failed");
  EXPECT_NE(cut.error.find("not complete JSON"), std::string::npos) << cut.error;
  // An HTML page with 200 where JSON was expected (a challenge page).
  server_->set_route([&](const SeenRequest&) { return Reply{200, Recorded("yahoo-200-html.html"), "text/html"}; });
  UpdateItem html = UpdateOne(req);
  EXPECT_EQ(html.status, "failed");
  EXPECT_NE(html.error.find("HTML"), std::string::npos) << html.error;
  // JSON of the wrong shape, and rows the parser refuses.
  server_->set_route([&](const SeenRequest&) { return Reply{200, "{\"klines\": []}"}; });
  UpdateItem shape = UpdateOne(req);
  EXPECT_EQ(shape.status, "failed");
  EXPECT_NE(shape.error.find("not a klines array"), std::string::npos) << shape.error;
  server_->set_route([&](const SeenRequest&) { return Reply{200, "[[1709510400000, \"x\"]]"}; });
  UpdateItem rows = UpdateOne(req);
  EXPECT_EQ(rows.status, "failed");
  EXPECT_NE(rows.error.find("malformed"), std::string::npos) << rows.error;
  EXPECT_TRUE(Jobs().empty());
  auto lake = lake::Lake::Open(vault_, {});
  EXPECT_EQ((*lake)->registry().Find("BTCUSDT", "1m"), nullptr);
}

TEST_F(UpdateTest, AnAdjustedHistoryStopsTheUpdateNamingTheRatioAndFull) {
  int64_t now = kT0 + 10 * 86400;
  double factor = 1;
  Serve([&](const SeenRequest& r) {
    return Reply{200, testutil::YahooChart("NVDA", "1d", 86400, std::stoll(r.Param("period1")),
                                           std::stoll(r.Param("period2")), now, factor)};
  });
  SetNow(now);
  UpdateRequest req = Req("NVDA", "1d");
  req.from = kT0 * kMicrosPerSecond;
  ASSERT_EQ(UpdateOne(req).status, "ok");
  BarColumns before = Stored("NVDA", "1d");
  ASSERT_EQ(before.size(), 8u);
  const size_t jobs_before = Jobs().size();

  // A 10:1 split: the provider now serves every old bar divided by 10.
  factor = 0.1;
  now += 3 * 86400;
  SetNow(now);
  UpdateItem item = UpdateOne(Req("NVDA", "1d"));
  EXPECT_EQ(item.status, "adjusted");
  EXPECT_EQ(item.result.code(), ErrorCode::kConflict);
  EXPECT_NE(item.error.find("constant ratio of 0.1 "), std::string::npos) << item.error;
  EXPECT_NE(item.error.find("--full"), std::string::npos) << item.error;
  EXPECT_EQ(Jobs().size(), jobs_before);
  BarColumns same = Stored("NVDA", "1d");
  EXPECT_EQ(same.close, before.close);

  // --full downloads everything again and the adjusted bars replace the stored ones.
  req = Req("NVDA", "1d");
  req.full = true;
  UpdateItem full = UpdateOne(req);
  ASSERT_EQ(full.status, "ok") << full.error;
  BarColumns after = Stored("NVDA", "1d");
  ASSERT_EQ(after.size(), 10u);
  EXPECT_NEAR(after.close[0], before.close[0] * 0.1, 1e-9);
}

// Classification of the providers' own answers (tests/data/providers).
TEST(ClassifyTest, EveryRecordedAnswerHasItsClass) {
  auto make = [](const char* name) {
    ProviderConfig c;
    c.name = name;
    c.origin = "http://127.0.0.1:1";
    return std::move(MakeProvider(c)).value();
  };
  auto yahoo = make("yahoo"), binance = make("binance"), av = make("alphavantage");
  struct Case {
    Provider* p;
    int status;
    const char* file;
    Outcome want;
    Micros retry_after = -1;
  };
  const Case cases[] = {
      {yahoo.get(), 404, "yahoo-404-not-found.json", Outcome::kNotFound},
      {yahoo.get(), 422, "yahoo-422-range.json", Outcome::kRangeNotServed},
      {yahoo.get(), 400, "yahoo-400-data-doesnt-exist.json", Outcome::kEmptyWindow},
      {yahoo.get(), 429, "yahoo-429.txt", Outcome::kBlocked, 15 * 60 * kMicrosPerSecond},
      {yahoo.get(), 200, "yahoo-200-html.html", Outcome::kBlocked},
      {binance.get(), 400, "binance-400-invalid-symbol.json", Outcome::kNotFound},
      {binance.get(), 429, "binance-429.json", Outcome::kRateLimited, 7 * kMicrosPerSecond},
      {binance.get(), 418, "binance-418.json", Outcome::kBanned, 7 * kMicrosPerSecond},
      {binance.get(), 451, "binance-451.json", Outcome::kBlocked},
      {av.get(), 200, "alphavantage-quota.json", Outcome::kQuotaExhausted},
      {av.get(), 200, "alphavantage-burst.json", Outcome::kRateLimited, 2 * kMicrosPerSecond},
      {av.get(), 200, "alphavantage-premium.json", Outcome::kBadRequest},
      {av.get(), 200, "alphavantage-note.json", Outcome::kRateLimited, 60 * kMicrosPerSecond},
      {av.get(), 200, "alphavantage-invalid-call.json", Outcome::kNotFound},
      {av.get(), 200, "alphavantage-bad-key.json", Outcome::kBadRequest},
  };
  for (const Case& c : cases) {
    HttpResponse r;
    r.status = c.status;
    r.body = Recorded(c.file);
    r.headers["retry-after"] = "7";
    Classified got = c.p->Classify(r);
    EXPECT_EQ(OutcomeName(got.outcome), std::string(OutcomeName(c.want))) << c.file;
    if (c.retry_after >= 0) {
      EXPECT_EQ(got.retry_after, c.retry_after) << c.file;
    }
    EXPECT_FALSE(got.message.empty()) << c.file;
  }
  HttpResponse gone;
  gone.status = 502;
  gone.body = "<html>Bad Gateway</html>";
  EXPECT_EQ(binance->Classify(gone).outcome, Outcome::kTransient);
  EXPECT_EQ(yahoo->Classify(gone).outcome, Outcome::kTransient);
}

TEST(RedactTest, KeysNeverLeaveTheRequest) {
  EXPECT_EQ(RedactUrl("http://x/query?function=F&apikey=ABC&symbol=IBM"), "http://x/query?function=F&apikey=***&symbol=IBM");
  EXPECT_EQ(RedactUrl("http://x/q?apikey=ABC"), "http://x/q?apikey=***");
  EXPECT_EQ(RedactUrl("http://x/q?myapikey=ABC"), "http://x/q?myapikey=ABC");
}

// Binance for the Fetcher tests, whose clients answer without a network: an origin that is
// never reached (and no archive origin).
std::unique_ptr<Provider> UnreachableBinance() {
  ProviderConfig c;
  c.name = "binance";
  c.origin = "http://127.0.0.1:1";
  return std::move(MakeProvider(c)).value();
}

// An HTTP client answering every klines request at once with its weight header.
class CountingClient final : public HttpClient {
 public:
  Result<HttpResponse> Get(const std::string&, const std::string&, double) override {
    HttpResponse r;
    r.status = 200;
    r.body = "[]";
    ++calls;
    return r;
  }
  int calls = 0;
};

TEST(FetcherTest, FiveHundredSymbolsNeverExceedTheWeightBudget) {
  CountingClient client;
  SimulatedClock clock(0);
  FetchPolicy policy;
  policy.weight_per_minute = 1200;
  policy.jitter_seed = 3;
  Fetcher fetcher(&client, &clock, policy);
  auto binance = UnreachableBinance();
  for (int i = 0; i < 500; ++i) {
    PlanInput in{"SYM" + std::to_string(i) + "USDT", Timeframe::Parse("1m").value(), 0, 1000 * 60 * kMicrosPerSecond,
                 0};
    auto plan = binance->Plan(in, nullptr);
    ASSERT_TRUE(plan.ok());
    ASSERT_EQ(plan->size(), 1u);
    EXPECT_EQ(fetcher.Fetch(*binance, (*plan)[0]).classified.outcome, Outcome::kEmptyWindow);
  }
  EXPECT_EQ(client.calls, 500);
  const Fetcher::Usage u = fetcher.usage("binance");
  EXPECT_EQ(u.weight, 1000);
  EXPECT_LE(u.max_weight_in_a_minute, 1200);
  // 1000 weight under 1200 a minute with a full bucket to start with: no long wait.
  EXPECT_LT(clock.Now(), 60 * kMicrosPerSecond);
  // Twice as many requests need the budget to refill.
  for (int i = 0; i < 1000; ++i) {
    PlanInput in{"X", Timeframe::Parse("1m").value(), 0, 60 * kMicrosPerSecond, 0};
    (void)fetcher.Fetch(*binance, binance->Plan(in, nullptr).value()[0]);
  }
  EXPECT_LE(fetcher.usage("binance").max_weight_in_a_minute, 1200);
  EXPECT_GE(clock.Now(), 60 * kMicrosPerSecond);
}

// A Binance stand-in on the simulated clock: it weighs requests per calendar minute as
// Binance does, reports the weight in X-MBX-USED-WEIGHT-1M, refuses with 429 past the
// budget, and logs when each request came, for a check that does not trust the Fetcher.
class WeighingClient final : public HttpClient {
 public:
  WeighingClient(Clock* clock, int budget) : clock_(clock), budget_(budget) {}
  Result<HttpResponse> Get(const std::string&, const std::string&, double) override {
    const Micros now = clock_->Now();
    if (now / (60 * kMicrosPerSecond) != minute_) {
      minute_ = now / (60 * kMicrosPerSecond);
      used_ = 0;
    }
    used_ += 2;
    sent.push_back(now);
    HttpResponse r;
    r.status = used_ > budget_ ? 429 : 200;
    r.body = r.status == 200 ? "[]" : R"({"code":-1003,"msg":"Too many requests."})";
    refused += r.status == 429;
    r.headers["x-mbx-used-weight-1m"] = std::to_string(used_);
    if (r.status == 429) r.headers["retry-after"] = "60";
    return r;
  }
  std::vector<Micros> sent;
  int refused = 0;

 private:
  Clock* clock_;
  int budget_;
  int64_t minute_ = -1;
  int used_ = 0;
};

TEST(FetcherTest, FiveHundredSymbolUpdateUnderA1200WeightBudgetNeverExceedsIt) {
  // 500 symbols, one day of 1m bars each: two requests of weight 2 per symbol, 2,000
  // weight in all against a budget of 1,200 a minute, on a simulated clock.
  SimulatedClock clock(1709510400 * kMicrosPerSecond + 17 * kMicrosPerSecond);
  WeighingClient binance_side(&clock, 1200);
  FetchPolicy policy;
  policy.weight_per_minute = 1200;
  policy.jitter_seed = 5;
  Fetcher fetcher(&binance_side, &clock, policy);
  auto binance = UnreachableBinance();
  const Micros day_start = 1709424000 * kMicrosPerSecond;
  for (int i = 0; i < 500; ++i) {
    PlanInput in{"SYM" + std::to_string(i) + "USDT", Timeframe::Parse("1m").value(), day_start,
                 day_start + 86400 * kMicrosPerSecond, clock.Now()};
    auto plan = binance->Plan(in, nullptr);
    ASSERT_TRUE(plan.ok());
    ASSERT_EQ(plan->size(), 2u);
    for (const auto& r : *plan) ASSERT_EQ(fetcher.Fetch(*binance, r).classified.outcome, Outcome::kEmptyWindow);
  }
  ASSERT_EQ(binance_side.sent.size(), 1000u);
  EXPECT_EQ(binance_side.refused, 0);  // never a 429: Binance's own minute count stayed within
  // Every rolling minute, counted from the requests' own times: at most 1,200 weight.
  size_t first = 0;
  int64_t most = 0;
  for (size_t i = 0; i < binance_side.sent.size(); ++i) {
    while (binance_side.sent[first] <= binance_side.sent[i] - 60 * kMicrosPerSecond) ++first;
    most = std::max<int64_t>(most, 2 * static_cast<int64_t>(i - first + 1));
  }
  EXPECT_LE(most, 1200);
  EXPECT_GT(most, 1000);  // and the budget was used, not wasted
  EXPECT_LE(fetcher.usage("binance").max_weight_in_a_minute, 1200);
  // 2,000 weight under 1,200 a minute cannot be sent in less than a minute.
  EXPECT_GE(clock.slept(), 40 * kMicrosPerSecond);
  EXPECT_LT(clock.slept(), 3 * 60 * kMicrosPerSecond);
}

}  // namespace
}  // namespace barlake::providers

namespace barlake::providers {
namespace {

TEST(PlanTest, AlphaVantageSaysWhatItsFreeDailySeriesLeavesOut) {
  ::setenv("ALPHAVANTAGE_API_KEY", "k", 1);
  ProviderConfig c;
  c.name = "alphavantage";
  c.origin = "http://127.0.0.1:1";
  auto av = std::move(MakeProvider(c)).value();
  const Micros now = kT0 * kMicrosPerSecond;
  std::string clamped;
  auto plan = av->Plan(PlanInput{"IBM", Timeframe::Parse("1d").value(), now - 365 * kMicrosPerDay, now, now}, &clamped);
  ::unsetenv("ALPHAVANTAGE_API_KEY");
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ((*plan)[0].from, now - 140 * kMicrosPerDay);
  EXPECT_NE((*plan)[0].shown_url.find("function=TIME_SERIES_DAILY&symbol=IBM&outputsize=compact&apikey=***"),
            std::string::npos)
      << (*plan)[0].shown_url;
  EXPECT_NE(clamped.find("latest 100 trading days"), std::string::npos) << clamped;
}

}  // namespace
}  // namespace barlake::providers

namespace barlake::providers {
namespace {

// ---- Binance monthly archives (data.binance.vision) -------------------------------------
// The fixtures under tests/data/providers/binance-archive are real months made small: the
// 1m klines of shared/realdata/binance_vision_csv summed into 30m bars and written as
// Binance's spot archives are (no header; epoch milliseconds in 2024, microseconds from
// 2025), zipped, with the zip's SHA-256 in its .CHECKSUM file (sha256sum format).

constexpr int64_t kHalfHour = 1800;
constexpr int64_t kJan2024 = 1704067200;  // 2024-01-01T00:00:00Z
constexpr int64_t kFeb2024 = 1706745600;
constexpr int64_t kMar2024 = 1709251200;
constexpr int64_t kFeb2025 = 1738368000;
constexpr int64_t kMar2025 = 1740787200;
constexpr const char* kArchivePath = "/data/spot/monthly/klines/";

// The archive host and the API on one replay server: the fixture months (`checksums` may
// replace a checksum file's text), 404 with S3's NoSuchKey for any other file, and 30m
// klines from `api_from` on, priced near FIL's late-February price.
class ArchiveRoute {
 public:
  ArchiveRoute(int64_t api_from, int64_t now) : api_from_(api_from), now_(now) {}
  Reply operator()(const SeenRequest& r) const {
    if (r.path == "/api/v3/klines") {
      const int64_t last_open = (now_ / kHalfHour) * kHalfHour * 1000;
      return Reply{200,
                   testutil::BinanceKlines(MsParam(r, "startTime"), MsParam(r, "endTime"), std::stoi(r.Param("limit")),
                                           kHalfHour * 1000, api_from_ * 1000, last_open, 0.08),
                   "application/json",
                   {{"X-MBX-USED-WEIGHT-1M", "2"}}};
    }
    const std::string file = r.path.substr(r.path.rfind('/') + 1);
    if (auto it = checksums.find(file); it != checksums.end()) return Reply{200, it->second, "text/plain"};
    std::ifstream in(std::string(BARLAKE_TEST_DATA_DIR) + "/providers/binance-archive/" + file, std::ios::binary);
    if (r.path.rfind(kArchivePath, 0) != 0 || !in) {
      return Reply{404, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code></Error>",
                   "application/xml"};
    }
    std::stringstream body;
    body << in.rdbuf();
    return Reply{200, body.str(), file.size() > 4 && file.substr(file.size() - 4) == ".zip" ? "application/zip"
                                                                                              : "text/plain"};
  }
  std::map<std::string, std::string> checksums;

 private:
  int64_t api_from_, now_;
};

std::vector<std::string> Paths(ReplayServer* server) {
  std::vector<std::string> out;
  for (const auto& s : server->seen()) {
    out.push_back(s.path == "/api/v3/klines" ? s.path + "?startTime=" + s.Param("startTime") : s.path);
  }
  return out;
}

TEST_F(UpdateTest, BinanceArchivesServeWholeMonthsAndTheApiTheCurrentOne) {
  const int64_t now = kMar2024 + 36 * 3600 + 600;  // 2024-03-02T12:10Z: the 12:00 bar is forming
  Serve(ArchiveRoute(kMar2024, now));
  ::setenv("BARLAKE_BINANCE_ARCHIVE_URL", (server_->origin() + "/").c_str(), 1);
  SetNow(now);
  UpdateItem item = UpdateFrom("FILUSDT", "30m", kFeb2024);
  ASSERT_EQ(item.status, "ok") << item.error;
  const std::string month = std::string(kArchivePath) + "FILUSDT/30m/FILUSDT-30m-2024-02.zip";
  // The checksum first, then the month's zip, then the API from March 1 (one page).
  EXPECT_EQ(Paths(server_.get()),
            (std::vector<std::string>{month + ".CHECKSUM", month,
                                      "/api/v3/klines?startTime=" + std::to_string(kMar2024 * 1000)}));
  EXPECT_EQ(item.requests, 3);
  // February's 29 days of 30m bars, then March 1 00:00 .. March 2 12:00 (the forming bar).
  EXPECT_EQ(item.rows_fetched, 29 * 48 + 73);
  EXPECT_EQ(item.rows_written, 29 * 48 + 73);
  EXPECT_EQ(item.rows_rejected, 0);
  EXPECT_EQ(item.provisional, 1);
  ASSERT_EQ(item.jobs.size(), 1u);  // one job: the zip and the API's answer are its sources
  BarColumns bars = Stored("FILUSDT", "30m");
  ASSERT_EQ(bars.size(), static_cast<size_t>(29 * 48 + 73));
  EXPECT_EQ(bars.ts.front(), kFeb2024 * kMicrosPerSecond);
  EXPECT_EQ(bars.open.front(), 4.96);  // the real first bar of the month
  EXPECT_EQ(bars.ts[29 * 48], kMar2024 * kMicrosPerSecond);
  for (size_t i = 1; i < bars.size(); ++i) ASSERT_EQ(bars.ts[i] - bars.ts[i - 1], kHalfHour * kMicrosPerSecond);

  // The zip is kept as it came, under the SHA-256 its checksum file states, with its URL.
  const std::string checksum = Recorded("binance-archive/FILUSDT-30m-2024-02.zip.CHECKSUM");
  const std::string sha = checksum.substr(0, 64);
  auto lake = lake::Lake::Open(vault_, {});
  ASSERT_OK(lake.status());
  auto job = (*lake)->Job(item.jobs[0]);
  ASSERT_OK(job.status());
  auto report = nlohmann::json::parse(job->report_json);
  ASSERT_EQ(report["sources"].size(), 2u) << job->report_json;
  EXPECT_EQ(report["sources"][0]["sha256"], sha);
  EXPECT_EQ(report["sources"][0]["provenance"], "binance GET " + server_->origin() + month + " -> 200");
  std::ifstream kept(vault_ + "/.barlake/sources/" + sha, std::ios::binary);
  std::stringstream kept_bytes;
  kept_bytes << kept.rdbuf();
  EXPECT_EQ(kept_bytes.str(), Recorded("binance-archive/FILUSDT-30m-2024-02.zip"));
  EXPECT_NE(report["sources"][1]["provenance"].get<std::string>().find("/api/v3/klines?"), std::string::npos);
  // The new dataset is declared with Binance's API format, so `barlake update` alone finds it.
  const registry::DatasetSpec* spec = (*lake)->registry().Find("FILUSDT", "30m");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->format, "binance-json");
}

TEST_F(UpdateTest, BinanceArchiveStampsInMicrosecondsAreToldByMagnitude) {
  const int64_t now = kMar2025 + 9 * 86400;
  Serve(ArchiveRoute(kMar2025, now));
  ::setenv("BARLAKE_BINANCE_ARCHIVE_URL", server_->origin().c_str(), 1);
  SetNow(now);
  UpdateRequest req = Req("AVAXUSDT", "30m");
  req.from = kFeb2025 * kMicrosPerSecond;
  req.to = kMar2025 * kMicrosPerSecond;
  UpdateItem item = UpdateOne(req);
  ASSERT_EQ(item.status, "ok") << item.error;
  EXPECT_EQ(server_->seen().size(), 2u);  // the checksum and the zip: no API request
  BarColumns bars = Stored("AVAXUSDT", "30m");
  ASSERT_EQ(bars.size(), static_cast<size_t>(28 * 48));
  EXPECT_EQ(bars.ts.front(), kFeb2025 * kMicrosPerSecond);
  EXPECT_EQ(bars.ts.back(), (kMar2025 - kHalfHour) * kMicrosPerSecond);
  EXPECT_EQ(bars.close.back(), 22.368);
  auto lake = lake::Lake::Open(vault_, {});
  auto job = (*lake)->Job(item.jobs.at(0));
  ASSERT_OK(job.status());
  EXPECT_NE(job->report_json.find("epoch microseconds"), std::string::npos) << job->report_json;
}

TEST_F(UpdateTest, BinanceArchiveChecksumMismatchIsAClearErrorAndChangesNothing) {
  const int64_t now = kMar2024 + 86400;
  ArchiveRoute route(kMar2024, now);
  route.checksums["FILUSDT-30m-2024-02.zip.CHECKSUM"] =
      std::string(64, 'a') + "  FILUSDT-30m-2024-02.zip\n";  // not the zip's SHA-256
  Serve(route);
  ::setenv("BARLAKE_BINANCE_ARCHIVE_URL", server_->origin().c_str(), 1);
  SetNow(now);
  UpdateItem item = UpdateFrom("FILUSDT", "30m", kFeb2024);
  EXPECT_EQ(item.status, "failed");
  EXPECT_EQ(item.result.code(), ErrorCode::kInvalidInput);
  const std::string sha = Recorded("binance-archive/FILUSDT-30m-2024-02.zip.CHECKSUM").substr(0, 64);
  EXPECT_NE(item.error.find("FILUSDT-30m-2024-02.zip has SHA-256 " + sha + " but its checksum file"),
            std::string::npos)
      << item.error;
  EXPECT_NE(item.error.find("says " + std::string(64, 'a')), std::string::npos) << item.error;
  EXPECT_NE(item.error.find("Nothing was written"), std::string::npos) << item.error;
  // Nothing changed: no job, no dataset, no kept source; the API was never asked.
  EXPECT_TRUE(Jobs().empty());
  auto lake = lake::Lake::Open(vault_, {});
  auto datasets = (*lake)->Datasets();
  ASSERT_OK(datasets.status());
  for (const auto& d : *datasets) EXPECT_EQ(d.rows, 0) << d.symbol;
  auto kept = Env::Default()->GetChildren(vault_ + "/.barlake/sources");
  EXPECT_TRUE(!kept.ok() || kept->empty()) << testing::PrintToString(*kept);
  EXPECT_EQ(server_->seen().size(), 2u);
}

TEST_F(UpdateTest, BinanceArchiveMissingFallsBackToTheApiOnTheFirst404) {
  const int64_t now = kMar2024 + 12 * 3600 + 600;
  Serve(ArchiveRoute(kJan2024, now));
  ::setenv("BARLAKE_BINANCE_ARCHIVE_URL", server_->origin().c_str(), 1);
  SetNow(now);
  UpdateItem item = UpdateFrom("FILUSDT", "30m", kJan2024);
  ASSERT_EQ(item.status, "ok") << item.error;
  // January's archive is missing (its checksum answers 404): January on comes from the API
  // in pages of 1000 bars, and February's archive is not asked.
  const int64_t bars = (kMar2024 - kJan2024) / kHalfHour + 25;  // up to March 1 12:00, forming
  const auto paths = Paths(server_.get());
  ASSERT_EQ(paths.size(), 1u + (bars + 999) / 1000) << testing::PrintToString(paths);
  EXPECT_EQ(paths[0], std::string(kArchivePath) + "FILUSDT/30m/FILUSDT-30m-2024-01.zip.CHECKSUM");
  EXPECT_EQ(paths[1], "/api/v3/klines?startTime=" + std::to_string(kJan2024 * 1000));
  for (size_t i = 1; i < paths.size(); ++i) EXPECT_EQ(paths[i].rfind("/api/v3/klines", 0), 0u) << paths[i];
  EXPECT_EQ(item.rows_written, bars);
  bool noted = false;
  for (const auto& n : item.notes) noted = noted || n.find("comes from its API instead") != std::string::npos;
  EXPECT_TRUE(noted) << testing::PrintToString(item.notes);
}

TEST_F(UpdateTest, WithoutAnArchiveOriginTheReplayedApiServesEverything) {
  // BARLAKE_BINANCE_URL points at the replay server and no archive origin is set: no
  // request may go to the public archive host, so whole months come from the API too.
  const int64_t now = kMar2024 + 600;
  Serve(ArchiveRoute(kFeb2024, now));
  SetNow(now);
  UpdateItem item = UpdateFrom("FILUSDT", "30m", kFeb2024);
  ASSERT_EQ(item.status, "ok") << item.error;
  for (const auto& p : Paths(server_.get())) EXPECT_EQ(p.rfind("/api/v3/klines", 0), 0u) << p;
}

// ---- The still-forming last bar (issue 11 point 4) ----------------------------------------

TEST_F(UpdateTest, AFormingLastBarIsStoredProvisionalAndTheNextUpdateCompletesIt) {
  int64_t now = kT0 + 100 * kMinute + 20;  // the bar opened at kT0 + 100 min is 20 s old
  // The forming kline holds its values so far: close at the open, a twentieth of the volume.
  auto route = [&](const SeenRequest& r) {
    Reply reply = Klines(r, now);
    auto klines = nlohmann::json::parse(reply.body);
    const int64_t forming = (now / kMinute) * kMinute * 1000;
    for (auto& k : klines) {
      if (k[0].get<int64_t>() != forming) continue;
      k[4] = k[1];
      k[2] = k[1];
      k[5] = "0.50000000";
    }
    reply.body = klines.dump();
    return reply;
  };
  Serve(route);
  SetNow(now);
  UpdateItem first = UpdateFrom("BTCUSDT", "1m", kT0);
  ASSERT_EQ(first.status, "ok") << first.error;
  EXPECT_EQ(first.rows_written, 101);
  EXPECT_EQ(first.provisional, 1);
  EXPECT_EQ(first.provisional_completed, 0);
  BarColumns bars = Stored("BTCUSDT", "1m");
  ASSERT_EQ(bars.size(), 101u);
  EXPECT_EQ(bars.ts.back(), (kT0 + 100 * kMinute) * kMicrosPerSecond);
  EXPECT_EQ(bars.FlagAt(100), kBarProvisional);
  EXPECT_EQ(bars.FlagAt(99), 0);
  EXPECT_EQ(bars.volume.back(), 0.5);

  // Still inside that bar: nothing is asked.
  now += 20;
  SetNow(now);
  EXPECT_EQ(UpdateOne(Req("BTCUSDT", "1m")).status, "up_to_date");
  const size_t asked = server_->seen().size();

  // Five minutes later: asked from the last final bar (99), the forming one comes whole and
  // completes the stored one without a conflict; the new forming bar is provisional.
  now += 5 * kMinute;
  SetNow(now);
  UpdateItem second = UpdateOne(Req("BTCUSDT", "1m"));
  ASSERT_EQ(second.status, "ok") << second.error;
  ASSERT_EQ(server_->seen().size(), asked + 1);
  EXPECT_EQ(MsParam(server_->seen().back(), "startTime"), (kT0 + 99 * kMinute) * 1000);
  EXPECT_EQ(second.provisional_completed, 1);
  EXPECT_EQ(second.provisional, 1);
  bool noted = false;
  for (const auto& n : second.notes) noted = noted || n.rfind("completed 1 provisional bar", 0) == 0;
  EXPECT_TRUE(noted) << testing::PrintToString(second.notes);
  bars = Stored("BTCUSDT", "1m");
  ASSERT_EQ(bars.size(), 106u);
  EXPECT_EQ(bars.FlagAt(100), 0);
  EXPECT_EQ(bars.volume[100], 10.0);
  EXPECT_EQ(bars.close[100], testutil::SeriesPrice(kT0 + 100 * kMinute) + 0.25);
  EXPECT_EQ(bars.FlagAt(105), kBarProvisional);
  auto lake = lake::Lake::Open(vault_, {});
  auto job = (*lake)->Job(second.jobs.at(0));
  ASSERT_OK(job.status());
  auto report = nlohmann::json::parse(job->report_json);
  EXPECT_TRUE(report["conflicts"].empty()) << job->report_json;
}

}  // namespace
}  // namespace barlake::providers
