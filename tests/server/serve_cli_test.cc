// `barlake serve` and `barlake token` as a user runs them: the real binary, a real port,
// SIGTERM ends it with exit 0.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "env/env.h"
#include "lake/vault.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

extern char** environ;

namespace barlake::server {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Run the binary with stdout and stderr to `out`; returns the pid.
pid_t Spawn(const std::vector<std::string>& args, const std::string& out) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, BARLAKE_BINARY, &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int WaitExit(pid_t pid) {
  int status = 0;
  for (int i = 0; i < 600; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

TEST(ServeCliTest, TokenPrintsTheFileAndRotates) {
  testutil::TempDir dir;
  const std::string vault = dir.Sub("v");
  ASSERT_OK(lake::InitVault(Env::Default(), vault, {}));
  ASSERT_EQ(WaitExit(Spawn({BARLAKE_BINARY, "--vault", vault, "token"}, dir.Sub("out1"))), 0);
  const std::string printed = ReadAll(dir.Sub("out1"));
  EXPECT_EQ(printed, ReadAll(vault + "/.barlake/token"));
  EXPECT_EQ(printed.size(), 65u);
  ASSERT_EQ(WaitExit(Spawn({BARLAKE_BINARY, "--vault", vault, "token", "--rotate"}, dir.Sub("out2"))), 0);
  EXPECT_NE(ReadAll(dir.Sub("out2")), printed);
  EXPECT_EQ(ReadAll(dir.Sub("out2")), ReadAll(vault + "/.barlake/token"));
  // A vault made before tokens existed gets one on first use, private.
  ASSERT_EQ(::unlink((vault + "/.barlake/token").c_str()), 0);
  ASSERT_EQ(WaitExit(Spawn({BARLAKE_BINARY, "--vault", vault, "token"}, dir.Sub("out3"))), 0);
  struct stat st {};
  ASSERT_EQ(::stat((vault + "/.barlake/token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(ServeCliTest, ServesUntilSigtermThenExitsZero) {
  testutil::TempDir dir;
  const std::string vault = dir.Sub("v");
  ASSERT_OK(lake::InitVault(Env::Default(), vault, {}));
  const std::string log = dir.Sub("serve.log");
  pid_t pid = Spawn({BARLAKE_BINARY, "--vault", vault, "serve", "--port", "0"}, log);
  int port = 0;
  std::smatch m;
  const std::regex url(R"(http://127\.0\.0\.1:(\d+)/)");
  for (int i = 0; i < 200 && port == 0; ++i) {
    const std::string text = ReadAll(log);
    if (std::regex_search(text, m, url)) port = std::stoi(m[1]);
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(port, 0) << ReadAll(log);
  EXPECT_NE(ReadAll(log).find(vault + "/.barlake/token"), std::string::npos) << "says where the token is";
  EXPECT_NE(ReadAll(log).find("/#token="), std::string::npos) << "prints the URL that opens the dashboard signed in";
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/api/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r->body)["vault"], vault);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(WaitExit(pid), 0) << ReadAll(log);
  EXPECT_NE(ReadAll(log).find("stopped"), std::string::npos);
  httplib::Client after("127.0.0.1", port);
  EXPECT_FALSE(after.Get("/api/status")) << "nothing listens any more";
}

TEST(ServeCliTest, RefusesAPortInUse) {
  testutil::TempDir dir;
  const std::string vault = dir.Sub("v");
  ASSERT_OK(lake::InitVault(Env::Default(), vault, {}));
  httplib::Server blocker;
  const int port = blocker.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  const int rc = WaitExit(Spawn({BARLAKE_BINARY, "--vault", vault, "serve", "--port", std::to_string(port)}, dir.Sub("o")));
  EXPECT_NE(rc, 0);
  EXPECT_NE(ReadAll(dir.Sub("o")).find("cannot listen"), std::string::npos) << ReadAll(dir.Sub("o"));
}

}  // namespace
}  // namespace barlake::server
