// Subcommands of the serve area (registered from Run() in commands.cc): `serve` runs the
// HTTP API (server/server.h, docs/api.md); `token` prints the API's bearer token.
#include <signal.h>

#include <cstdio>

#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "core/text.h"
#include "schedule/runner.h"
#include "server/server.h"

namespace barlake::cli {
namespace {

struct ServeArgs {
  int port = 8765;
  std::string bind = "127.0.0.1";
  std::string import_dir;
  int64_t max_upload_mb = 256;
  int64_t max_rows = 100000;
  int64_t cache_mb = 64;
  bool no_schedules = false;
};

int CmdServe(const Globals& g, const ServeArgs& a) {
  const std::string vault = VaultDir(g);
  auto token = barlake::Lake::ApiToken(vault);
  if (!token.ok()) return Fail(token.status());
  server::ServerOptions o;
  o.vault = vault;
  o.bind = a.bind;
  o.port = a.port;
  o.token = *token;
  o.import_dir = a.import_dir;
  o.max_upload_bytes = static_cast<uint64_t>(a.max_upload_mb) << 20;
  o.max_rows_per_page = a.max_rows;
  o.cache_bytes = static_cast<size_t>(a.cache_mb) << 20;
  o.lock_wait_seconds = g.wait_seconds;
  // Signals are taken by this thread alone (sigwait below): every thread the server
  // starts inherits the blocked mask, so none is interrupted mid-write.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto srv = server::Server::Create(o);
  if (!srv.ok()) return Fail(srv.status());
  if (Status s = (*srv)->Start(); !s.ok()) return Fail(s);
  std::printf("barlake serve: %s (vault %s)\n", (*srv)->url().c_str(), EscapedPath(vault).c_str());
  std::printf("  open      %s#token=%s (the dashboard, signed in)\n", (*srv)->url().c_str(), token->c_str());
  std::printf("  token     %s (mode 0600; `barlake token` prints it): needed by every change%s\n",
              EscapedPath(barlake::Lake::ApiTokenPath(vault)).c_str(),
              (*srv)->reads_need_token() ? " and every read (not loopback)" : "");
  std::printf("  imports   {\"path\": ...} must be inside %s; uploads up to %lld MiB\n",
              EscapedPath(o.import_dir.empty() ? vault + "/imports" : o.import_dir).c_str(),
              static_cast<long long>(a.max_upload_mb));
  // The [[schedule]] tables run on a thread of their own (docs/schedules.md); each run
  // takes the writer lock like any other writer, so it waits for a running import.
  std::unique_ptr<schedule::Scheduler> scheduler;
  if (!a.no_schedules) {
    schedule::RunnerOptions so;
    so.vault = vault;
    so.lock_wait_seconds = g.wait_seconds;
    so.live = true;  // datasets marked live = true are polled after each bar (docs/live.md)
    so.crash_hook = TestCrashHook();
    scheduler = std::make_unique<schedule::Scheduler>(
        so, [](const std::string& line) { std::fprintf(stderr, "barlake serve: %s\n", line.c_str()); });
    scheduler->Start();
    std::printf("  schedules run here (`barlake schedules` lists them; --no-schedules turns them off)\n");
  }
  std::printf("Ctrl-C stops it (a running job finishes first).\n");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "barlake serve: %s received: stopping (a running job finishes first; a second signal "
               "abandons it, and the next write recovers it)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  // A second signal while waiting for the job: restore the default action so it ends
  // the process at once. The write protocol is crash-safe; recovery undoes or finishes it.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
  if (scheduler) scheduler->Stop();  // a running schedule finishes first
  (*srv)->Stop();
  std::fprintf(stderr, "barlake serve: stopped\n");
  return 0;
}

int CmdToken(const Globals& g, bool rotate) {
  auto token = barlake::Lake::ApiToken(VaultDir(g), rotate);
  if (!token.ok()) return Fail(token.status());
  std::printf("%s\n", token->c_str());
  return 0;
}

}  // namespace

void AddServeCommands(CLI::App& app, Globals& g, int& rc) {
  static ServeArgs sa;
  auto* serve = AddCommand(app, "serve", "Serve the HTTP API and dashboard (docs/api.md)", rc,
                           [&] { return CmdServe(g, sa); });
  serve->add_option("--port", sa.port, "TCP port (default 8765; 0 picks a free one)")->check(CLI::Range(0, 65535));
  serve->add_option("--bind", sa.bind, "Address to listen on (default 127.0.0.1; beyond loopback reads need the token too)");
  serve->add_option("--import-dir", sa.import_dir, "Folder {\"path\": ...} imports may read from (default VAULT/imports)");
  serve->add_option("--max-upload-mb", sa.max_upload_mb, "Largest accepted upload in MiB (default 256)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  serve->add_option("--max-rows", sa.max_rows, "Most bars in one /api/bars page (default 100000)")
      ->check(CLI::Range(int64_t{1}, int64_t{10000000}));
  serve->add_option("--cache-mb", sa.cache_mb, "Memory for rendered /api/bars pages in MiB (default 64; 0: off)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 16));
  serve->add_flag("--no-schedules", sa.no_schedules, "Do not run the [[schedule]] tables of barlake.toml here");

  static bool rotate = false;
  auto* tok = AddCommand(app, "token", "Print the HTTP API's bearer token (created if missing)", rc,
                         [&] { return CmdToken(g, rotate); });
  tok->add_flag("--rotate", rotate, "Replace the token with a new one (running servers keep the old one until restarted)");
}

}  // namespace barlake::cli
