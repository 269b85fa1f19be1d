#include "server/server_live.h"

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "lake/vault.h"
#include "schedule/alerts.h"
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

}  // namespace

void RegisterLiveRoutes(httplib::Server& http, const std::string& vault, const std::atomic<bool>* stopping) {
  (void)stopping;
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
