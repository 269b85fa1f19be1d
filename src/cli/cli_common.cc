#include "cli/cli_common.h"

#include <unistd.h>

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "api/lake_access.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/test_hooks.h"
#include "core/text.h"
#include "lake/read_check.h"
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

#ifdef BARLAKE_TEST_HOOKS
// Test builds only (BARLAKE_TEST_HOOKS, set when tests are built): BARLAKE_CRASH_AT=<point>[:<n>]
// kills the process with SIGKILL the n-th time (default 1st) the write protocol reaches
// <point>. The crash tests (tests/crash) run the real binary with it. Release builds
// (scripts/demo.sh, installs) do not read it.
lake::CrashHook CrashHookFromEnv() {
  const auto spec = KillSpecFromEnv("BARLAKE_CRASH_AT");
  if (!spec) return nullptr;
  auto point = lake::CrashPointFromName(spec->point);
  if (!point.ok()) return nullptr;
  return KillOnNthHit(*point, spec->nth);
}
#endif

/// Draws the lake's progress on stderr (a terminal only).
class ProgressBarListener : public EventListener {
 public:
  void OnProgress(const std::string& phase, int64_t done, int64_t total) override {
    bar_.Update(phase, done, total);
    if (done == total && phase == "writing") bar_.Finish();
  }

 private:
  ProgressBar bar_{true};
};

}  // namespace

lake::CrashHook TestCrashHook() {
#ifdef BARLAKE_TEST_HOOKS
  return CrashHookFromEnv();
#else
  return nullptr;
#endif
}

namespace {

void ReportRecoveryOnOpen(const lake::Lake& lake) {
  for (const auto& r : lake.recovered_on_open()) {
    std::fprintf(stderr, "barlake: recovered %s: %s\n", lake::JobLabel(r.job).c_str(),
                 r.rolled_forward ? "rolled forward (its staged files are in place, the job is completed)"
                                  : "undone (it had not changed the lake)");
  }
  for (const auto& j : lake.interrupted()) {
    std::fprintf(stderr,
                 "barlake: %s was interrupted and cannot be recovered here (%s); reads show the vault as "
                 "before it. Run `barlake recover` with write access\n",
                 lake::JobLabel(j).c_str(), lake.interrupted_why().c_str());
  }
}

}  // namespace

Result<std::unique_ptr<lake::Lake>> OpenLake(const Globals& g, bool progress) {
  lake::LakeOptions o;
  o.lock_wait_seconds = g.wait_seconds;
  o.command = g.command_line;
#ifdef BARLAKE_TEST_HOOKS
  o.crash_hook = CrashHookFromEnv();
#endif
  if (progress && ::isatty(STDERR_FILENO)) {
    // One command runs per process, so one bar lives as long as the process.
    static ProgressBarListener bar;
    o.listener = &bar;
  }
  // Every command first finishes or undoes a job a crash left running, when it can take
  // the writer lock at once (docs/integrity.md), and says so in one line.
  o.recover_on_open = true;
  ASSIGN_OR_RETURN(auto lake, lake::Lake::Open(VaultDir(g), std::move(o)));
  ReportRecoveryOnOpen(*lake);
  return lake;
}

Result<std::unique_ptr<barlake::Lake>> OpenVault(const Globals& g, bool progress) {
  ASSIGN_OR_RETURN(auto inner, OpenLake(g, progress));
  return internal::LakeAccess::Wrap(VaultDir(g), std::move(inner));
}

std::string LocalText(TimeZone& tz, Micros ts) {
  std::string s = tz.FormatLocal(ts);
  s[10] = ' ';
  return s;
}

std::string EscapedPath(const std::string& path) { return EscapeBytes(path, path.size()); }
std::string QuotedPath(const std::string& path) { return QuoteBytes(path, path.size()); }

std::string Basename(const std::string& p) {
  auto pos = p.find_last_of('/');
  return pos == std::string::npos ? p : p.substr(pos + 1);
}

void PrintMergeCounts(int64_t added, int64_t identical, int64_t conflicting, int64_t replaced, const char* kept) {
  std::printf("  rows added        %s\n", WithThousands(added).c_str());
  std::printf("  rows identical    %s (already stored, unchanged)\n", WithThousands(identical).c_str());
  std::printf("  rows conflicting  %s%s\n", WithThousands(conflicting).c_str(),
              conflicting == 0 ? ""
              : replaced > 0   ? " (replaced with the file's values)"
                               : fmt::format(" (stored {} kept; --on-conflict replace takes the file's)", kept).c_str());
}

void AddDatasetRangeOptions(CLI::App* cmd, std::string& symbol, std::string& timeframe, std::string& from,
                            std::string& to) {
  cmd->add_option("SYMBOL", symbol, "Dataset symbol, e.g. ES")->required();
  cmd->add_option("TF", timeframe, "Dataset timeframe, e.g. 1m")->required();
  cmd->add_option("--from", from, "Start, ISO 8601 (inclusive; UTC unless an offset is given; default: the first bar)");
  cmd->add_option("--to", to, "End, ISO 8601 (exclusive; default: after the last bar)");
}

Result<TimeRange> ParseTimeRange(const std::string& from, const std::string& to) {
  TimeRange range;
  if (!from.empty()) {
    auto f = ParseIsoUtc(from);
    if (!f.ok()) return f.status().WithContext("--from");
    range.from = *f;
  }
  if (!to.empty()) {
    auto t = ParseIsoUtc(to);
    if (!t.ok()) return t.status().WithContext("--to");
    range.to = *t;
  }
  return range;
}

}  // namespace barlake::cli
