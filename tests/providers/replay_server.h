// A replay server on 127.0.0.1 for the provider tests: it answers each request with what
// the test's `route` returns (a recorded body from tests/data/providers, or a series the
// test generates the way the provider pages it), and logs every request it saw.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace barlake::testutil {

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  int delay_ms = 0;
};

struct SeenRequest {
  std::string path;
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> headers;  // as sent (httplib keeps their case)
  std::string Param(const std::string& k) const {
    auto it = params.find(k);
    return it == params.end() ? "" : it->second;
  }
};

class ReplayServer {
 public:
  using Route = std::function<Reply(const SeenRequest&)>;
  explicit ReplayServer(Route route) : route_(std::move(route)) {
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      SeenRequest seen;
      seen.path = req.path;
      for (const auto& [k, v] : req.params) seen.params[k] = v;
      for (const auto& [k, v] : req.headers) seen.headers[k] = v;
      Reply reply;
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen_.push_back(seen);
        reply = route_(seen);
      }
      if (reply.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(reply.delay_ms));
      res.status = reply.status;
      for (const auto& [k, v] : reply.headers) res.set_header(k, v);
      res.set_content(reply.body, reply.content_type);
    });
    // Answers go out uncompressed, whatever the client accepts: cpp-httplib would
    // brotli-compress every JSON and text answer at its slowest setting (about 0.8 s for a
    // page of 1000 klines), which made each provider test wait on the server, not barlake.
    // The request is a non-const object inside httplib; it only hands handlers a const view.
    server_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
      const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // httplib's pool has one thread per core minus one: a kept-alive connection the client
    // left would hold it until its keep-alive timeout, and the next request would wait.
    server_.new_task_queue = [] { return new httplib::ThreadPool(8); };
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would be lost, and the destructor would wait forever.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ReplayServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<SeenRequest> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  void set_route(Route r) {
    std::lock_guard<std::mutex> lock(mu_);
    route_ = std::move(r);
  }

 private:
  httplib::Server server_;
  Route route_;
  std::mutex mu_;
  std::vector<SeenRequest> seen_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace barlake::testutil
