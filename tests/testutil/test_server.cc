#include "testutil/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "lake/lake.h"
#include "lake/vault.h"
#include "testutil/status_matchers.h"
#include "testutil/test_data.h"

namespace barlake::testutil {

using nlohmann::json;

void ServerFixture::SetUp() {
  vault_ = dir_.Sub("vault");
  lake::InitOptions init;
  init.default_source_tz = "America/Los_Angeles";
  ASSERT_OK(lake::InitVault(Env::Default(), vault_, init));
  auto token = lake::ReadOrCreateToken(Env::Default(), lake::VaultPaths(vault_));
  ASSERT_OK(token.status());
  token_ = *token;
  imports_ = vault_ + "/imports";
  ASSERT_OK(Env::Default()->CreateDirs(imports_));
}

void ServerFixture::TearDown() {
  if (server_) server_->Stop();
}

void ServerFixture::Start(server::ServerOptions o) {
  o.vault = vault_;
  o.port = 0;
  if (o.bind.empty()) o.bind = "127.0.0.1";
  o.token = token_;
  auto s = server::Server::Create(o);
  ASSERT_OK(s.status());
  server_ = std::move(s).value();
  ASSERT_OK(server_->Start());
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  client_->set_read_timeout(60, 0);
}

json ServerFixture::Body(const httplib::Result& r) {
  EXPECT_TRUE(r) << "no response";
  if (!r) return json();
  json j = json::parse(r->body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not valid JSON: " << r->body.substr(0, 300);
  return j;
}

void ServerFixture::ExpectError(const httplib::Result& r, int status, const std::string& code) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, status) << r->body;
  json j = json::parse(r->body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r->body;
  EXPECT_EQ(j.value("code", ""), code) << r->body;
  EXPECT_FALSE(j.value("message", "").empty());
  EXPECT_EQ(j.size(), 2u) << "errors are exactly {code, message}: " << r->body;
}

json ServerFixture::WaitForTask(int64_t id) {
  for (int i = 0; i < 6000; ++i) {
    json t = Body(client_->Get(("/api/tasks/" + std::to_string(id)).c_str()));
    const std::string state = t.value("state", "");
    if (state == "succeeded" || state == "failed" || state == "cancelled") return t;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "task " << id << " did not finish";
  return json();
}

namespace {

int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

// One whole response (headers, then Content-Length bytes), or what arrived before the
// peer closed.
std::string ReadResponse(int fd, std::string* error) {
  std::string reply;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      *error = std::strerror(errno);
      break;
    }
    if (n == 0) break;
    reply.append(buf, static_cast<size_t>(n));
    const size_t head = reply.find("\r\n\r\n");
    if (head == std::string::npos) continue;
    const size_t cl = reply.find("Content-Length: ");
    if (cl == std::string::npos || cl > head) break;
    if (reply.size() >= head + 4 + std::stoul(reply.substr(cl + 16))) break;
  }
  return reply;
}

}  // namespace

std::string ServerFixture::RawRequest(const std::string& bytes) {
  const int fd = ConnectLoopback(server_->port());
  if (fd < 0) return "connect failed";
  (void)!::write(fd, bytes.data(), bytes.size());
  std::string error;
  std::string reply = ReadResponse(fd, &error);
  ::close(fd);
  return reply;
}

std::string ServerFixture::SendAllThenRead(const std::string& head, const std::string& body) {
  const int fd = ConnectLoopback(server_->port());
  if (fd < 0) return "connect failed";
  const std::string request = head + body;
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return "send failed: " + why;
    }
    sent += static_cast<size_t>(n);
  }
  std::string error;
  std::string reply = ReadResponse(fd, &error);
  ::close(fd);
  if (!error.empty()) return "read failed: " + error;
  return reply;
}

void ServerFixture::ImportText(const std::string& name, const std::string& symbol, const std::string& timeframe,
                               const std::string& text) {
  const std::string p = dir_.Sub(name);
  ASSERT_OK(WriteText(p, text));
  auto l = lake::Lake::Open(vault_, {});
  ASSERT_OK(l.status());
  lake::ImportRequest r;
  r.path = p;
  r.symbol = symbol;
  r.timeframe = timeframe;
  ASSERT_OK((*l)->Import(r).status());
}

std::map<std::string, std::string> ServerFixture::LakeFiles() const {
  auto files = Snapshot(vault_ + "/lake");
  for (const auto& [k, v] : Snapshot(vault_ + "/snapshots")) files["snapshots/" + k] = v;
  return files;
}

}  // namespace barlake::testutil
