// ServerFixture: a real `barlake serve` (server::Server, in process) on 127.0.0.1 and an
// ephemeral port, over a fresh vault, with an httplib client and the helpers every API
// test needs. Linked into the server tests only (it needs barlake_server).
//
//   class MyTest : public testutil::ServerFixture {};
//   TEST_F(MyTest, X) { Start(); auto r = client().Get("/api/status"); ... }
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "server/server.h"
#include "testutil/temp_dir.h"

namespace barlake::testutil {

class ServerFixture : public ::testing::Test {
 protected:
  /// A vault (source zone America/Los_Angeles) with its token and import folder.
  void SetUp() override;
  void TearDown() override;

  /// Start the server on the vault (port 0, the vault's token; bind defaults to 127.0.0.1).
  void Start(server::ServerOptions options = {});
  httplib::Client& client() { return *client_; }
  httplib::Headers Auth() const { return {{"Authorization", "Bearer " + token_}}; }

  /// The body as JSON; a body that is not valid JSON (or not valid UTF-8) fails the test.
  static nlohmann::json Body(const httplib::Result& r);
  /// An error answer: `status`, exactly {code, message}, with `code`.
  static void ExpectError(const httplib::Result& r, int status, const std::string& code);
  /// Poll /api/tasks/{id} until it has finished (up to 5 minutes: the ThreadSanitizer
  /// build runs jobs about 10x slower).
  nlohmann::json WaitForTask(int64_t id);
  /// Send raw bytes on a new connection and read one whole response (10 s at most). The
  /// sending side stays open: httplib does not answer a peer that has shut it down.
  std::string RawRequest(const std::string& bytes);
  /// Send `head` then `body` as a client that writes its whole request before reading
  /// (Python's urllib): returns the response, or "send failed: ..." / "read failed: ..."
  /// when the server reset the connection first.
  std::string SendAllThenRead(const std::string& head, const std::string& body);
  /// Write `text` to a file `name` in the test folder and import it as `symbol timeframe`
  /// through the library (format detected), before or while the server runs.
  void ImportText(const std::string& name, const std::string& symbol, const std::string& timeframe,
                  const std::string& text);
  /// The data files the lake serves (bars, snapshots), path -> content hash.
  std::map<std::string, std::string> LakeFiles() const;

  TempDir dir_;
  std::string vault_, imports_, token_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace barlake::testutil
