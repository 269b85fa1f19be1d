#include "server/server_live.h"

#include <httplib.h>

#include <chrono>
#include <memory>
#include <thread>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "core/text.h"
#include "core/timeframe.h"
#include "storage/partition_layout.h"
#include "lake/vault.h"
#include "schedule/alerts.h"
#include "schedule/live.h"
#include "schedule/runner.h"
#include "server/api_error.h"

namespace barlake::server {
namespace {

constexpr const char* kJsonType = "application/json; charset=utf-8";

void SendError(httplib::Response& res, const ApiError& e) {
  res.status = e.http_status;
  res.set_content(ToJsonText(e.Json()), kJsonType);
}

Micros WallNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One bar as the stream sends it; `time` is the open in epoch seconds (the chart's unit).
std::string BarEvent(const BarColumns& b, size_t i) {
  const nlohmann::json data = {{"ts", FormatIsoUtc(b.ts[i])}, {"time", b.ts[i] / kMicrosPerSecond},
                               {"open", b.open[i]},          {"high", b.high[i]},
                               {"low", b.low[i]},            {"close", b.close[i]},
                               {"volume", b.volume[i]}};
  return "id: " + std::to_string(b.ts[i]) + "\nevent: bar\ndata: " + ToJsonText(data) + "\n\n";
}

// GET /api/stream?symbol=ES&timeframe=1m: each bar committed to the dataset from now on,
// by any writer, as a server-sent event whose id is the bar's open time in microseconds.
// A client that reconnects with Last-Event-ID (or ?after=) gets every bar after that one
// first. Polls the catalog twice a second; a comment every 15 s keeps proxies open. The
// streams of one server share their reads (`shared`): one read per dataset and change.
void StreamBars(const std::string& vault, const std::shared_ptr<schedule::SharedBarReads>& shared,
                const std::atomic<bool>* stopping, const httplib::Request& req, httplib::Response& res) {
  const std::string symbol = req.get_param_value("symbol");
  const std::string timeframe = req.get_param_value("timeframe");
  if (symbol.empty() || timeframe.empty()) {
    return SendError(res, ApiError::BadRequest("symbol and timeframe are required: /api/stream?symbol=ES&timeframe=1m"));
  }
  if (Status s = storage::ValidateSymbol(symbol); !s.ok()) return SendError(res, ApiError::BadRequest(s.message()));
  if (auto tf = Timeframe::Parse(timeframe); !tf.ok()) return SendError(res, ApiError::BadRequest(tf.status().message()));
  std::string resume = req.get_header_value("Last-Event-ID");
  if (resume.empty()) resume = req.get_param_value("after");
  Micros after = 0;
  bool resuming = false;
  if (!resume.empty()) {
    char* end = nullptr;
    after = std::strtoll(resume.c_str(), &end, 10);
    if (*end != '\0') {
      return SendError(res, ApiError::BadRequest("Last-Event-ID " + QuoteBytes(resume) +
                                                 " must be a bar time in microseconds, as the stream sent it"));
    }
    resuming = true;
  }
  auto follower = schedule::BarFollower::Open(vault, symbol, timeframe, resuming ? after : kOpenRangeStart, shared);
  if (!follower.ok()) return SendError(res, ApiError::FromStatus(follower.status()));
  if (!resuming) {
    // From now on: start after the newest stored bar.
    if (auto newest = (*follower)->Newest(0); !newest.ok()) return SendError(res, ApiError::FromStatus(newest.status()));
  }
  struct State {
    std::unique_ptr<schedule::BarFollower> follower;
    bool greeted = false;
    int idle_ms = 0;
  };
  auto st = std::make_shared<State>();
  st->follower = std::move(*follower);
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider("text/event-stream", [st, stopping](size_t, httplib::DataSink& sink) {
    try {
      if (stopping->load()) {
        sink.done();
        return true;
      }
      if (!st->greeted) {
        st->greeted = true;
        const std::string hello = ": connected after " + std::to_string(st->follower->after()) + "\n\n";
        if (!sink.write(hello.data(), hello.size())) return false;
      }
      auto bars = st->follower->Poll();
      if (!bars.ok()) {
        const std::string ev = "event: error\ndata: " +
                               ToJsonText(nlohmann::json{{"message", bars.status().message()}}) + "\n\n";
        sink.write(ev.data(), ev.size());
        sink.done();
        return true;
      }
      for (size_t i = 0; i < bars->size(); ++i) {
        const std::string ev = BarEvent(*bars, i);
        if (!sink.write(ev.data(), ev.size())) return false;
        st->idle_ms = 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      if ((st->idle_ms += 500) >= 15000) {
        st->idle_ms = 0;
        if (!sink.write(": keep-alive\n\n", 14)) return false;
      }
      return true;
    } catch (...) {
      return false;  // never throw across httplib's thread
    }
  });
}

}  // namespace

void RegisterLiveRoutes(httplib::Server& http, const std::string& vault, const std::atomic<bool>* stopping) {
  auto shared = std::make_shared<schedule::SharedBarReads>();
  http.Get("/api/stream", [vault, shared, stopping](const httplib::Request& req, httplib::Response& res) {
    StreamBars(vault, shared, stopping, req, res);
  });
  // GET /api/schedules: {"schedules": [...]} as `barlake schedules --json` prints it.
  http.Get("/api/schedules", [vault](const httplib::Request&, httplib::Response& res) {
    auto views = schedule::ListSchedules(vault, WallNow());
    if (!views.ok()) return SendError(res, ApiError::FromStatus(views.status()));
    res.status = 200;
    res.set_content(schedule::ScheduleViewsJson(*views), kJsonType);
  });
  // GET /api/alerts?limit=N: {"deliveries": [...]} as `barlake alerts --json` prints it.
  http.Get("/api/alerts", [vault](const httplib::Request& req, httplib::Response& res) {
    int64_t limit = 100;
    if (req.has_param("limit")) {
      const std::string text = req.get_param_value("limit");
      char* end = nullptr;
      limit = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || limit < 1 || limit > 100000) {
        return SendError(res, ApiError::BadRequest("limit must be a whole number from 1 to 100000"));
      }
    }
    auto deliveries = schedule::Alerter::List(lake::VaultPaths(vault).journal, limit);
    if (!deliveries.ok()) return SendError(res, ApiError::FromStatus(deliveries.status()));
    res.status = 200;
    res.set_content(schedule::DeliveriesJson(*deliveries), kJsonType);
  });
}

}  // namespace barlake::server
