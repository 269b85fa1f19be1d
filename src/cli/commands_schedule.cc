// `barlake schedules [--json]`, `barlake schedules run-due [--json]` and `barlake schedules
// run NAME [--json]`: the [[schedule]] tables of barlake.toml, their last and next runs,
// and running them from cron or a systemd timer (schedule/runner.h, docs/schedules.md).
// `barlake serve` runs them itself (commands_serve.cc).
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <nlohmann/json.hpp>

#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "core/json_text.h"
#include "core/text.h"
#include "lake/vault.h"
#include "schedule/alerts.h"
#include "schedule/live.h"
#include "schedule/runner.h"

namespace barlake::cli {
namespace {

struct ScheduleArgs {
  std::string name;
  bool as_json = false;
  int64_t limit = 50;
};

Micros WallNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The clock the commands run on: the system's, or in test builds BARLAKE_TEST_NOW
// (an ISO time), which also runs the providers on a simulated clock from then.
struct CommandClock {
  Micros now = 0;
  std::unique_ptr<providers::SimulatedClock> simulated;
};

Result<CommandClock> ClockFromEnv() {
  CommandClock c;
  c.now = WallNow();
#ifdef BARLAKE_TEST_HOOKS
  if (const char* now = std::getenv("BARLAKE_TEST_NOW"); now && *now) {
    auto t = ParseIsoUtc(now);
    if (!t.ok()) return t.status().WithContext("BARLAKE_TEST_NOW");
    c.now = *t;
    c.simulated = std::make_unique<providers::SimulatedClock>(*t);
  }
#endif
  return c;
}

std::string When(Micros t) { return t ? FormatIsoUtc(t) : "-"; }

nlohmann::json OutcomeJson(const schedule::RunOutcome& r) {
  return {{"schedule", r.schedule}, {"action", r.action}, {"slot", FormatIsoUtc(r.slot)},
          {"run", r.run_id},        {"status", r.status}, {"jobs", r.jobs},
          {"message", r.message}};
}

int PrintOutcomes(const std::vector<schedule::RunOutcome>& outcomes, bool as_json) {
  if (as_json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : outcomes) arr.push_back(OutcomeJson(r));
    std::printf("%s\n", ToJsonText(arr).c_str());
  } else if (outcomes.empty()) {
    std::printf("nothing is due\n");
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : outcomes) {
      std::string jobs;
      for (int64_t j : r.jobs) jobs += (jobs.empty() ? "" : ",") + std::to_string(j);
      rows.push_back({r.schedule, r.action, FormatIsoUtc(r.slot), r.status, jobs.empty() ? "-" : jobs});
    }
    std::printf("%s", FormatTable({"schedule", "action", "slot", "status", "jobs"}, rows).c_str());
    for (const auto& r : outcomes) {
      if (!r.message.empty()) {
        std::fprintf(r.status == "failed" ? stderr : stdout, "%s%s: %s\n", r.status == "failed" ? "barlake: " : "  ",
                     r.schedule.c_str(), r.message.c_str());
      }
    }
  }
  // A failed run is exit 1 (scripts and cron see it); skipped and unavailable runs are not
  // failures of this invocation.
  for (const auto& r : outcomes) {
    if (r.status == "failed") return static_cast<int>(ExitCode::kInternal);
  }
  return 0;
}

// A listing's JSON with --json, else `nothing` when there is nothing to list; true when it
// printed either (the command is done), false when the table follows.
bool PrintedJsonOrNothing(bool as_json, bool empty, const std::function<std::string()>& json, const char* nothing) {
  if (as_json) {
    std::printf("%s\n", json().c_str());
    return true;
  }
  if (empty) std::printf("%s\n", nothing);
  return empty;
}

int CmdSchedules(const Globals& g, const ScheduleArgs& a) {
  ASSIGN_OR_FAIL(CommandClock clock, ClockFromEnv());
  ASSIGN_OR_FAIL(auto views, schedule::ListSchedules(VaultDir(g), clock.now));
  if (PrintedJsonOrNothing(a.as_json, views.empty(), [&] { return schedule::ScheduleViewsJson(views); },
                           "no schedules; add [[schedule]] tables to barlake.toml (docs/schedules.md)")) {
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : views) {
    std::string last = "never";
    if (v.last) last = v.last->status + " " + When(v.last->started_at);
    std::string datasets;
    for (const auto& d : v.spec.datasets) datasets += (datasets.empty() ? "" : ", ") + d;
    rows.push_back({v.spec.name, v.spec.action + (v.available ? "" : " (not available in this build)"),
                    v.spec.WhenText(), datasets.empty() ? "all" : datasets, last,
                    v.due ? "due now" : When(v.next)});
  }
  std::printf("%s", FormatTable({"name", "action", "when", "datasets", "last run", "next run"}, rows).c_str());
  for (const auto& v : views) {
    if (v.last && !v.last->message.empty()) {
      std::printf("  %s: last run %lld: %s\n", v.spec.name.c_str(), static_cast<long long>(v.last->id),
                  v.last->message.c_str());
    }
  }
  return 0;
}

schedule::RunnerOptions RunnerFor(const Globals& g, const CommandClock& clock, const std::string& trigger) {
  schedule::RunnerOptions o;
  o.vault = VaultDir(g);
  o.trigger = trigger;
  o.lock_wait_seconds = g.wait_seconds;
  const Micros start = clock.now;
  const Micros wall = WallNow();
  if (clock.simulated) o.now = [start, wall] { return start + (WallNow() - wall); };
  o.provider_clock = clock.simulated.get();
  return o;
}

int CmdRunDue(const Globals& g, const ScheduleArgs& a) {
  ASSIGN_OR_FAIL(CommandClock clock, ClockFromEnv());
  ASSIGN_OR_FAIL(auto outcomes, schedule::RunDue(RunnerFor(g, clock, "run-due")));
  return PrintOutcomes(outcomes, a.as_json);
}

int CmdRunNamed(const Globals& g, const ScheduleArgs& a) {
  ASSIGN_OR_FAIL(CommandClock clock, ClockFromEnv());
  ASSIGN_OR_FAIL(auto outcome, schedule::RunNamed(RunnerFor(g, clock, "run"), a.name));
  return PrintOutcomes({outcome}, a.as_json);
}

int CmdAlerts(const Globals& g, const ScheduleArgs& a) {
  const std::string vault = VaultDir(g);
  if (Status s = lake::CheckIsVault(Env::Default(), vault); !s.ok()) return Fail(s);
  ASSIGN_OR_FAIL(auto deliveries, schedule::Alerter::List(lake::VaultPaths(vault).journal, a.limit));
  if (PrintedJsonOrNothing(a.as_json, deliveries.empty(), [&] { return schedule::DeliveriesJson(deliveries); },
                           "no alerts sent; add [[alert]] tables to barlake.toml (docs/alerts.md)")) {
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : deliveries) {
    rows.push_back({std::to_string(d.id), FormatIsoUtc(d.at), d.event, d.dataset.empty() ? "-" : d.dataset,
                    d.webhook, d.status, std::to_string(d.attempts),
                    d.status == "delivered" ? "HTTP " + std::to_string(d.http_status) : d.error});
  }
  std::printf("%s", FormatTable({"id", "at", "event", "dataset", "webhook", "status", "attempts", "answer"}, rows).c_str());
  for (const auto& d : deliveries) std::printf("  %lld: %s\n", static_cast<long long>(d.id), d.message.c_str());
  return 0;
}

struct TailArgs {
  std::string symbol, timeframe;
  int64_t last = 10;   // bars printed first
  int64_t count = 0;   // exit after this many new bars (0: never)
  double interval = 1;  // seconds between polls
  bool as_json = false;
};

void PrintBars(const BarColumns& b, TimeZone& tz, bool as_json) {
  for (size_t i = 0; i < b.size(); ++i) {
    if (as_json) {
      std::printf("%s\n", ToJsonText(nlohmann::json{{"ts", FormatIsoUtc(b.ts[i])}, {"open", b.open[i]},
                                                    {"high", b.high[i]}, {"low", b.low[i]}, {"close", b.close[i]},
                                                    {"volume", b.volume[i]}})
                              .c_str());
    } else {
      std::printf("%s  %.10g  %.10g  %.10g  %.10g  %.10g\n", LocalText(tz, b.ts[i]).c_str(), b.open[i], b.high[i],
                  b.low[i], b.close[i], b.volume[i]);
    }
  }
  std::fflush(stdout);
}

// `barlake tail SYMBOL TF`: the newest bars, then each bar as it lands in the lake (from
// any writer: serve's live polling, a scheduled update, an import), like `tail -f`.
int CmdTail(const Globals& g, const TailArgs& a) {
  const std::string vault = VaultDir(g);
  ASSIGN_OR_FAIL(auto lake, OpenLake(g, false));
  ASSIGN_OR_FAIL(TimeZone tz, TimeZone::Locate(lake->registry().settings().display_tz));
  lake.reset();
  ASSIGN_OR_FAIL(auto follower, schedule::BarFollower::Open(vault, a.symbol, a.timeframe, kOpenRangeStart));
  ASSIGN_OR_FAIL(BarColumns newest, follower->Newest(static_cast<size_t>(a.last)));
  PrintBars(newest, tz, a.as_json);
  int64_t seen = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(a.interval * 1000)));
    ASSIGN_OR_FAIL(BarColumns bars, follower->Poll());
    if (a.count > 0 && seen + static_cast<int64_t>(bars.size()) > a.count) {
      BarColumns cut;
      for (size_t i = 0; seen + static_cast<int64_t>(i) < a.count; ++i) cut.Append(bars, i);
      bars = std::move(cut);
    }
    PrintBars(bars, tz, a.as_json);
    seen += static_cast<int64_t>(bars.size());
    if (a.count > 0 && seen >= a.count) return 0;
  }
}

}  // namespace

void AddScheduleCommands(CLI::App& app, Globals& g, int& rc) {
  static ScheduleArgs a;
  auto* sc = app.add_subcommand("schedules", "List the [[schedule]] tables of barlake.toml with their last and next run");
  sc->add_flag("--json", a.as_json, "Print {\"schedules\": [...]} as JSON");
  sc->callback([&g, &rc, sc] {
    if (sc->get_subcommands().empty()) rc = CmdSchedules(g, a);
  });
  auto* due = AddCommand(*sc, "run-due", "Run every schedule that is due now, once each, and exit (for cron)", rc,
                         [&] { return CmdRunDue(g, a); });
  due->add_flag("--json", a.as_json, "One JSON object per run");
  auto* run = AddCommand(*sc, "run", "Run one schedule now, due or not", rc, [&] { return CmdRunNamed(g, a); });
  run->add_option("NAME", a.name, "The schedule's name")->required();
  run->add_flag("--json", a.as_json, "The run as JSON");
  auto* al = AddCommand(app, "alerts", "List the alerts sent to the [[alert]] webhooks, newest first", rc,
                        [&] { return CmdAlerts(g, a); });
  al->add_option("--limit", a.limit, "At most this many (default 50)")->check(CLI::Range(int64_t{1}, int64_t{100000}));
  al->add_flag("--json", a.as_json, "Print {\"deliveries\": [...]} as JSON");
  static TailArgs t;
  auto* tail = AddCommand(app, "tail", "Print the newest bars of a dataset, then each bar as it lands (like tail -f)",
                          rc, [&] { return CmdTail(g, t); });
  tail->add_option("SYMBOL", t.symbol, "Symbol")->required();
  tail->add_option("TF", t.timeframe, "Timeframe")->required();
  tail->add_option("-n,--last", t.last, "Newest bars printed first (default 10)")->check(CLI::Range(int64_t{0}, int64_t{100000}));
  tail->add_option("--count", t.count, "Exit after this many new bars (default: follow until interrupted)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  tail->add_option("--interval", t.interval, "Seconds between looks at the catalog (default 1)")->check(CLI::Range(0.05, 3600.0));
  tail->add_flag("--json", t.as_json, "One JSON object per bar");
}

}  // namespace barlake::cli
