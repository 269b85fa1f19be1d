// `barlake fundamentals SYMBOL [--provider NAME] [--max-age 7d] [--json]` and
// `barlake fundamentals --cleanup`: company fundamentals served from the vault while
// younger than --max-age, else fetched from Yahoo / Alpha Vantage and stored as keyed
// documents (providers/fundamentals.h, docs/fundamentals.md).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "core/json_text.h"
#include "health/health.h"
#include "lake/lake.h"
#include "providers/fundamentals.h"

namespace barlake::cli {
namespace {

struct FundamentalsArgs {
  std::string symbol, provider, max_age = "7d";
  bool cleanup = false, as_json = false;
};

// The system clock, or in test builds BARLAKE_TEST_NOW (an ISO time).
Result<Micros> Now() {
#ifdef BARLAKE_TEST_HOOKS
  if (const char* now = std::getenv("BARLAKE_TEST_NOW"); now && *now) return ParseIsoUtc(now);
#endif
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NumberText(double v) { return ToJsonText(nlohmann::json(v)); }

nlohmann::json ResultJson(const providers::FundamentalsResult& r) {
  const lake::MergedDocument m = lake::MergeDocuments(r.documents);
  nlohmann::json merged = nlohmann::json::object(), from = nlohmann::json::object();
  for (const auto& [k, v] : m.text) merged[k] = v.first, from[k] = v.second;
  for (const auto& [k, v] : m.numbers) merged[k] = v.first, from[k] = v.second;
  nlohmann::json docs = nlohmann::json::array();
  for (const auto& d : r.documents) {
    nlohmann::json fetched = false;
    for (const auto& o : r.outcomes) {
      if (o.provider == d.provider) fetched = o.fetched;
    }
    nlohmann::json doc = nlohmann::json::parse(d.document, nullptr, false);
    docs.push_back({{"provider", d.provider},
                    {"priority", d.priority},
                    {"fetched_at", FormatIsoUtc(d.fetched_at)},
                    {"expires_at", FormatIsoUtc(d.expires_at())},
                    {"ttl_seconds", d.ttl_seconds},
                    {"source_sha256", d.source_sha256},
                    {"source_url", d.source_url},
                    {"fetched_now", fetched},
                    {"document", doc.is_discarded() ? nlohmann::json(d.document) : doc}});
  }
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& o : r.outcomes) {
    if (!o.error.empty()) errors.push_back({{"provider", o.provider}, {"error", o.error}});
  }
  return {{"symbol", m.symbol}, {"fields", merged}, {"field_providers", from},
          {"documents", docs},  {"errors", errors}, {"job", r.job}};
}

int CmdCleanup(const Globals& g, Micros now, bool as_json) {
  auto lake = OpenLake(g, false);
  if (!lake.ok()) return Fail(lake.status());
  auto job = (*lake)->DropExpiredDocuments(lake::kFundamentalsCollection, now);
  if (!job.ok()) return Fail(job.status());
  if (as_json) {
    std::printf("%s\n", ToJsonText(nlohmann::json{{"job", job->id}, {"dropped", job->partitions}}).c_str());
  } else if (job->id == 0) {
    std::printf("no expired fundamentals documents\n");
  } else {
    std::printf("dropped %lld expired document%s (job %lld; `barlake rollback %lld` brings them back)\n",
                static_cast<long long>(job->partitions), job->partitions == 1 ? "" : "s",
                static_cast<long long>(job->id), static_cast<long long>(job->id));
  }
  return 0;
}

int CmdFundamentals(const Globals& g, const FundamentalsArgs& a) {
  auto now = Now();
  if (!now.ok()) return Fail(now.status().WithContext("BARLAKE_TEST_NOW"));
  if (a.cleanup) {
    if (!a.symbol.empty()) return Fail(Status::InvalidArgument("--cleanup takes no SYMBOL: it drops every expired document"));
    return CmdCleanup(g, *now, a.as_json);
  }
  if (a.symbol.empty()) return Fail(Status::InvalidArgument("name a SYMBOL (barlake fundamentals AAPL), or pass --cleanup"));
  auto max_age = health::ParseDuration(a.max_age);
  if (!max_age.ok()) return Fail(max_age.status().WithContext("--max-age"));
  if (*max_age <= 0) return Fail(Status::InvalidArgument("--max-age must be longer than 0s"));
  auto lake = OpenLake(g, false);
  if (!lake.ok()) return Fail(lake.status());
  auto http = providers::NewCurlHttpClient();
  providers::FundamentalsRequest req;
  req.symbol = a.symbol;
  req.provider = a.provider;
  req.max_age_seconds = *max_age;
  req.now = *now;
  auto result = providers::GetFundamentals(lake->get(), http.get(), req);
  if (!result.ok()) return Fail(result.status());
  for (const auto& o : result->outcomes) {
    if (!o.error.empty()) std::fprintf(stderr, "barlake: %s: %s (stored document unchanged)\n", o.provider.c_str(), o.error.c_str());
  }
  if (a.as_json) {
    std::printf("%s\n", ToJsonText(ResultJson(*result)).c_str());
    return 0;
  }
  const lake::MergedDocument m = lake::MergeDocuments(result->documents);
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : lake::FundamentalFields()) {
    if (f.numeric) {
      if (auto it = m.numbers.find(f.name); it != m.numbers.end()) rows.push_back({f.name, NumberText(it->second.first), it->second.second});
    } else if (auto it = m.text.find(f.name); it != m.text.end()) {
      rows.push_back({f.name, it->second.first, it->second.second});
    }
  }
  std::printf("%s", FormatTable({"field", "value", "provider"}, rows).c_str());
  for (const auto& d : result->documents) {
    bool fetched = false;
    for (const auto& o : result->outcomes) fetched = fetched || (o.provider == d.provider && o.fetched);
    std::printf("  %s: %s %s, expires %s\n", d.provider.c_str(), fetched ? "fetched" : "cached, fetched",
                FormatIsoUtc(d.fetched_at).c_str(), FormatIsoUtc(d.expires_at()).c_str());
  }
  if (result->job) std::printf("  stored by job %lld\n", static_cast<long long>(result->job));
  return 0;
}

}  // namespace

void AddFundamentalsCommands(CLI::App& app, Globals& g, int& rc) {
  static FundamentalsArgs a;
  auto* f = AddCommand(app, "fundamentals",
                       "Company fundamentals from the vault's cache, fetched from Yahoo or Alpha Vantage when older than --max-age",
                       rc, [&] { return CmdFundamentals(g, a); });
  f->add_option("SYMBOL", a.symbol, "The symbol (AAPL)");
  f->add_option("--provider", a.provider, "Only this provider (yahoo, alphavantage); default: every one that can be asked");
  f->add_option("--max-age", a.max_age, "Serve a stored document younger than this (90s, 30m, 48h, 7d); also the TTL of what is fetched")
      ->capture_default_str();
  f->add_flag("--cleanup", a.cleanup, "Drop every expired document (one job; `barlake rollback JOB` undoes it)");
  f->add_flag("--json", a.as_json, "The merged fields, each document and its source as JSON");
}

}  // namespace barlake::cli
