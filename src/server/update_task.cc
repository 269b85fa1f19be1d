#include "server/update_task.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/json_text.h"
#include "core/time_util.h"
#include "core/timeframe.h"
#include "providers/http_client.h"

namespace barlake::server {

using nlohmann::json;

Result<UpdateTaskRequest> ParseUpdateBody(const std::string& body) {
  auto fail = [](std::string message) -> Status { return Status::InvalidArgument(std::move(message)); };
  const json j = body.empty() ? json::object() : json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail("the body must be a JSON object like {\"datasets\": [\"ES 1m\"]} or {\"all\": true}");
  }
  static const std::vector<std::string> kKnown = {"datasets", "all", "from", "to", "full", "dry_run", "provider"};
  for (const auto& [k, v] : j.items()) {
    if (std::find(kKnown.begin(), kKnown.end(), k) == kKnown.end()) {
      return fail("unknown field '" + k + "'; this call takes datasets, all, from, to, full, dry_run, provider");
    }
  }
  UpdateTaskRequest r;
  for (const char* flag : {"all", "full", "dry_run"}) {
    if (j.contains(flag) && !j[flag].is_boolean()) return fail(std::string("'") + flag + "' must be true or false");
  }
  r.all = j.value("all", false);
  r.options.full = j.value("full", false);
  r.options.dry_run = j.value("dry_run", false);
  if (j.contains("provider")) {
    if (!j["provider"].is_string()) return fail("'provider' must be a provider name (yahoo, binance, alphavantage)");
    r.options.provider = j["provider"].get<std::string>();
  }
  for (auto [name, target] : {std::pair{"from", &r.options.from}, std::pair{"to", &r.options.to}}) {
    if (!j.contains(name)) continue;
    if (!j[name].is_string()) return fail(std::string("'") + name + "' must be an ISO 8601 time");
    auto t = ParseIsoUtc(j[name].get<std::string>());
    if (!t.ok()) return fail(std::string("'") + name + "': " + t.status().message());
    *target = *t;
  }
  if (j.contains("datasets")) {
    if (!j["datasets"].is_array()) return fail("'datasets' must be a list of \"SYMBOL TF\" strings");
    for (const json& d : j["datasets"]) {
      const std::string text = d.is_string() ? d.get<std::string>() : "";
      const size_t space = text.rfind(' ');
      if (space == std::string::npos || space == 0 || space + 1 == text.size()) {
        return fail("each of 'datasets' is \"SYMBOL TF\", e.g. \"ES 1m\"; got " + ToJsonText(d));
      }
      const std::string tf = text.substr(space + 1);
      if (auto parsed = Timeframe::Parse(tf); !parsed.ok()) {
        return fail("'datasets': " + ToJsonText(d) + ": " + parsed.status().message());
      }
      r.datasets.emplace_back(text.substr(0, space), tf);
    }
  }
  if (r.all == !r.datasets.empty()) {
    return fail("send either {\"datasets\": [\"SYMBOL TF\", ...]} or {\"all\": true}");
  }
  r.echo = j;
  return r;
}

namespace {

std::string Outcome(const providers::UpdateItem& it) {
  std::string s = fmt::format("{} {}: {}", it.symbol, it.timeframe, it.status);
  if (!it.provider.empty()) s += " from " + it.provider;
  if (it.rows_written > 0) s += fmt::format(", {} rows written", it.rows_written);
  return s;
}

}  // namespace

Result<json> RunUpdateTask(lake::Lake* lake, const UpdateTaskRequest& request, TaskProgress& progress) {
  auto http = providers::NewCurlHttpClient();
  providers::UpdaterOptions options;
  options.http = http.get();
  providers::Updater updater(lake, options);
  std::vector<providers::UpdateItem> items;
  if (request.all) {
    progress.Update("updating every dataset with a provider", 0, 0);
    ASSIGN_OR_RETURN(items, updater.Run(request.options));
  } else {
    const int64_t total = static_cast<int64_t>(request.datasets.size());
    for (int64_t i = 0; i < total; ++i) {
      const auto& [symbol, timeframe] = request.datasets[static_cast<size_t>(i)];
      progress.Update(fmt::format("updating {} {} ({} of {})", symbol, timeframe, i + 1, total), i, total);
      providers::UpdateRequest one = request.options;
      one.symbols = {symbol};
      one.timeframes = {timeframe};
      ASSIGN_OR_RETURN(auto done, updater.Run(one));
      for (auto& it : done) {
        progress.Update(Outcome(it) + fmt::format(" ({} of {})", i + 1, total), i + 1, total);
        items.push_back(std::move(it));
      }
    }
  }
  json arr = json::parse(providers::UpdateItemsJson(items), nullptr, false);
  if (arr.is_discarded()) arr = json::array();
  int64_t failed = 0;
  for (const auto& it : items) failed += it.result.ok() ? 0 : 1;
  return json{{"updated", arr}, {"failed", failed}, {"dry_run", request.options.dry_run}};
}

}  // namespace barlake::server
