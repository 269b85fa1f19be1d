// The server's unattended-operation endpoints: GET /api/schedules (docs/schedules.md),
// GET /api/alerts (docs/alerts.md) and GET /api/stream (live bars as server-sent events,
// docs/live.md). Kept apart from server.cc, which registers them with one call.
#pragma once

#include <atomic>
#include <string>

namespace httplib {
class Server;
}

namespace barlake::server {

/// Add the routes to `http`. `vault` is the server's vault; `stopping` turns true when the
/// server shuts down (long-lived streams end then). The server's pre-routing handler
/// checks the token for these as for every /api/ path.
void RegisterLiveRoutes(httplib::Server& http, const std::string& vault, const std::atomic<bool>* stopping);

}  // namespace barlake::server
