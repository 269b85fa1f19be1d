// Server: `barlake serve`, the HTTP API over one vault (docs/api.md).
//
//   ServerOptions o{.vault = "/data/vault", .token = token};
//   auto server = Server::Create(o);
//   (*server)->Start();            // binds; port() is known from here on
//   ...                            // requests are served on a thread pool
//   (*server)->Stop();             // stop accepting, let the running job finish
//
// Reads use a pool of reader Lakes and never see a half-applied job (server/lake_pool.h).
// Writes (imports, rollbacks) are tasks run one at a time by a TaskQueue on its own
// writer Lake, opened per task so it always sees the registry as it is on disk.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "core/result.h"

namespace httplib {
class Server;
}

namespace barlake::server {

struct ServerOptions {
  std::string vault;
  std::string bind = "127.0.0.1";
  int port = 8765;  // 0: any free port (see Server::port())
  std::string token;  // required on every mutating call; on reads too beyond loopback
  std::string import_dir;  // default <vault>/imports; {"path": ...} imports must be inside
  uint64_t max_upload_bytes = 256ull << 20;
  uint64_t max_json_body_bytes = 1ull << 20;
  int64_t max_rows_per_page = 100000;
  size_t reader_lakes = 4;
  size_t cache_bytes = 64ull << 20;  // rendered /api/bars pages (server/response_cache.h); 0: off
  int http_threads = 64;  // each keep-alive connection and event stream holds one
  double lock_wait_seconds = 30;
  int job_nice = 10;  // jobs run this much nicer than request threads (0: same priority)
  double query_seconds = 10;  // time limit of one SQL console query (GET /api/query)
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> Create(ServerOptions options);
  ~Server();

  /// Bind and start serving on a background thread.
  Status Start();
  int port() const { return port_; }
  /// The address a browser should use, e.g. "http://127.0.0.1:8765/".
  std::string url() const;
  /// Whether reads need the token (bound to something other than loopback).
  bool reads_need_token() const;
  /// Stop accepting requests, end event streams, cancel queued tasks and wait for the
  /// running task to finish. Idempotent.
  void Stop();
  const ServerOptions& options() const { return options_; }

 private:
  explicit Server(ServerOptions options);
  class Impl;
  ServerOptions options_;
  std::unique_ptr<Impl> impl_;
  std::thread listener_;
  int port_ = 0;
};

/// True for an IPv4 literal in 127.0.0.0/8, "::1", "[::1]" and "localhost" (any case): an
/// address to bind on.
bool IsLoopbackAddress(const std::string& host);

/// Whether a `Host:` header names this machine's loopback: an IPv4 literal in 127.0.0.0/8,
/// "localhost" (any case) or "[::1]", each with an optional ":port". A loopback server
/// answers no other name (DNS rebinding: a page whose name resolves to 127.0.0.1).
bool IsLoopbackHostHeader(std::string_view host);

}  // namespace barlake::server
