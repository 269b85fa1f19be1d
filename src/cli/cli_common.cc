#include "cli/cli_common.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "cli/exit_codes.h"
#include "cli/output.h"
#include "lake/write_protocol.h"

namespace barlake::cli {

int Fail(const Status& s) {
  std::fprintf(stderr, "barlake: error: %s\n", s.message().c_str());
  return ExitCodeFor(s);
}

std::string VaultDir(const Globals& g) {
  if (!g.vault.empty()) return g.vault;
  if (const char* env = std::getenv("BARLAKE_VAULT"); env && *env) return env;
  return ".";
}

namespace {

// Hidden test hook: BARLAKE_CRASH_AT=<point>[:<n>] kills the process with SIGKILL the
// n-th time (default 1st) the write protocol reaches <point>.
lake::CrashHook CrashHookFromEnv() {
  const char* spec = std::getenv("BARLAKE_CRASH_AT");
  if (!spec || !*spec) return nullptr;
  std::string s(spec);
  int nth = 1;
  if (auto colon = s.find(':'); colon != std::string::npos) {
    nth = std::atoi(s.c_str() + colon + 1);
    s = s.substr(0, colon);
  }
  auto point = lake::CrashPointFromName(s);
  if (!point.ok()) return nullptr;
  auto target = *point;
  auto count = std::make_shared<int>(0);
  return [target, nth, count](lake::CrashPoint p) {
    if (p == target && ++*count == nth) ::kill(::getpid(), SIGKILL);
  };
}

}  // namespace

Result<std::unique_ptr<lake::Lake>> OpenLake(const Globals& g, bool progress) {
  lake::LakeOptions o;
  o.lock_wait_seconds = g.wait_seconds;
  o.command = g.command_line;
  o.crash_hook = CrashHookFromEnv();
  if (progress && ::isatty(STDERR_FILENO)) {
    auto bar = std::make_shared<ProgressBar>(true);
    o.progress = [bar](const std::string& phase, int64_t done, int64_t total) {
      bar->Update(phase, done, total);
      if (done == total && phase == "writing") bar->Finish();
    };
  }
  return lake::Lake::Open(VaultDir(g), std::move(o));
}

std::string LocalText(TimeZone& tz, Micros ts) {
  std::string s = tz.FormatLocal(ts);
  s[10] = ' ';
  return s;
}

std::string Basename(const std::string& p) {
  auto pos = p.find_last_of('/');
  return pos == std::string::npos ? p : p.substr(pos + 1);
}

nlohmann::json JobJson(const journal::JobRecord& j) {
  nlohmann::json o = {{"id", j.id},
            {"kind", j.kind},
            {"status", j.status},
            {"phase", j.phase},
            {"command", j.command},
            {"source_path", j.source_path},
            {"source_sha256", j.source_sha256},
            {"symbol", j.symbol},
            {"timeframe", j.timeframe},
            {"format", j.format},
            {"rows_read", j.rows_read},
            {"rows_written", j.rows_written},
            {"rows_rejected", j.rows_rejected},
            {"rows_conflicting", j.rows_conflicting},
            {"partitions", j.partitions},
            {"error", j.error},
            {"created_at", FormatIsoUtc(j.created_at)},
            {"updated_at", FormatIsoUtc(j.updated_at)}};
  if (j.target_job) o["target_job"] = j.target_job;
  if (j.rolled_back_by) o["rolled_back_by"] = j.rolled_back_by;
  if (!j.report_json.empty()) {
    try {
      o["report"] = nlohmann::json::parse(j.report_json);
    } catch (...) {
      o["report"] = j.report_json;
    }
  }
  return o;
}

// ---- commands -------------------------------------------------------------------------

}  // namespace barlake::cli
