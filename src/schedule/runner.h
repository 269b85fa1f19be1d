// Runner: what `barlake schedules run-due`, `barlake schedules run NAME` and the scheduler
// thread of `barlake serve` do (docs/schedules.md). Each run is a row of `schedule_runs`
// (schedule/run_store.h) pointing to the journal jobs its action made; the actions are
// the library's own operations on a writer Lake:
//
//   update      providers::Updater (barlake update) over the schedule's datasets
//   regenerate  Lake::Regenerate of the stale derived datasets (or the named ones)
//   health      lake::CheckHealth; `fail` makes the run fail, `stale` is an event
//   backup, gc  functions registered by RegisterAction; in a build without them the run
//               is recorded as `unavailable` with "not available in this build"
//
// Every action reports events (job_failed, provider_down, ...) that alerts turn into
// webhook calls (schedule/alerts.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"
#include "lake/lake.h"
#include "providers/fetcher.h"
#include "providers/http_client.h"
#include "registry/schedule_config.h"
#include "schedule/run_store.h"

namespace barlake::schedule {

/// Something an alert may be sent for (docs/alerts.md).
struct Event {
  std::string event;    // job_failed | health_failed | stale | quarantine | provider_down
  std::string dataset;  // "SYMBOL TF", empty for the vault
  int64_t job = 0;      // the journal job concerned, 0: none
  std::string message;
};

struct ActionResult {
  Status status;  // not ok: the run failed (message from here)
  std::vector<int64_t> jobs;
  std::string message;  // a one-line summary of what was done
  std::vector<Event> events;
};

struct ActionContext {
  lake::Lake* lake = nullptr;
  const registry::ScheduleSpec* spec = nullptr;
  providers::HttpClient* http = nullptr;
  providers::Clock* clock = nullptr;  // the providers' clock
  Micros now = 0;
};

using ActionFn = std::function<ActionResult(ActionContext&)>;
/// Make `action` (backup, gc) runnable by schedules. Call before any run (from main).
void RegisterAction(const std::string& action, ActionFn fn);
/// Whether the build has `action`.
bool ActionAvailable(const std::string& action);

struct RunnerOptions {
  std::string vault;
  std::string trigger = "run-due";  // serve | run-due | run (recorded with each run)
  std::function<Micros()> now;       // empty: the system clock
  providers::HttpClient* http = nullptr;  // not owned; nullptr: libcurl
  providers::Clock* provider_clock = nullptr;  // not owned; nullptr: the system clock
  double lock_wait_seconds = 30;
  /// Also poll the datasets marked `live = true` (schedule/live.h); `barlake serve` does.
  bool live = false;
  /// The write protocol's crash hook for the lakes the runs open (crash tests only).
  lake::CrashHook crash_hook;
  /// Called with each event an action reports (the alerts hook); may be empty.
  std::function<void(const registry::ScheduleSpec&, const Event&)> on_event;
};

/// What happened to one schedule.
struct RunOutcome {
  std::string schedule, action;
  Micros slot = 0;
  int64_t run_id = 0;
  /// completed | failed | skipped (a run of it is still going) | unavailable | done_elsewhere
  /// (another process ran the slot first)
  std::string status;
  std::vector<int64_t> jobs;
  std::string message;
};

/// A schedule as `barlake schedules` and GET /api/schedules show it.
struct ScheduleView {
  registry::ScheduleSpec spec;
  std::optional<RunRecord> last;
  Micros next = 0;  // 0: none within 400 days
  bool due = false;
  bool available = true;
  bool live = false;  // the implicit schedule of a live dataset (schedule/live.h)
};

/// Every schedule of the vault with its last run and next slot, then the live datasets'.
Result<std::vector<ScheduleView>> ListSchedules(const std::string& vault, Micros now);
/// {"schedules": [{name, action, when, datasets, source, available, live, due, next_run,
/// last_run: {id, status, slot, started_at, finished_at, jobs, message, trigger} | null}]}
std::string ScheduleViewsJson(const std::vector<ScheduleView>& views);

/// Run every schedule that is due at the clock reading, each once, in file order.
Result<std::vector<RunOutcome>> RunDue(const RunnerOptions& options);
/// Run one schedule now, due or not (its slot is now). kNotFound for an unknown name.
Result<RunOutcome> RunNamed(const RunnerOptions& options, const std::string& name);

/// The scheduler thread of `barlake serve`: RunDue whenever a slot comes, until Stop.
/// Nothing it runs throws out of the thread: an exception becomes a logged failure.
class Scheduler {
 public:
  /// `log` receives one line per run (serve prints them to stderr); may be empty.
  Scheduler(RunnerOptions options, std::function<void(const std::string&)> log);
  ~Scheduler();  // Stop()
  void Start();
  /// Wake the thread and wait for it; a run in progress finishes first. Idempotent.
  void Stop();

 private:
  void Loop();
  RunnerOptions options_;
  std::function<void(const std::string&)> log_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace barlake::schedule
