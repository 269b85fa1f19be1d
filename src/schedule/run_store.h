// RunStore: the record of schedule runs, a table `schedule_runs` in the vault's journal
// database (.barlake/journal.sqlite; docs/schedules.md). One row per run: the schedule,
// its slot, status, the journal jobs the run made (JSON list of ids), a message. The
// journal's own tables are untouched: a run points to the import, regenerate, ... jobs its
// action made, each of which is a normal journal job (rolled back, verified, recovered as
// such).
//
// The row of a running run is its lease: Begin refuses a second run of the same schedule
// while the process named in a running row is alive, in this process or another (the
// check and the insert are one BEGIN IMMEDIATE transaction, so two processes cannot both
// start it). A running row whose process is gone (killed, crashed, the box rebooted) is
// marked `abandoned` and no longer blocks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"
#include "journal/sqlite_db.h"

namespace barlake::schedule {

struct RunRecord {
  int64_t id = 0;
  std::string schedule, action;
  Micros slot = 0;
  /// running | completed | failed | skipped (another run was going) | unavailable (the
  /// action is not in this build) | abandoned (its process ended mid-run)
  std::string status;
  Micros started_at = 0, finished_at = 0;
  int64_t pid = 0;
  std::vector<int64_t> jobs;
  std::string message;
  std::string trigger;  // serve | run-due | run
};

/// What Begin found.
struct BeginResult {
  int64_t run_id = 0;  // > 0: started
  /// Not started: the running run that holds the lease (skipped), or the completed one of
  /// the same slot (another process ran it first).
  std::optional<RunRecord> blocked_by;
};

class RunStore {
 public:
  /// Open the table in `journal_path` (created when missing unless the journal is read-only).
  static Result<std::unique_ptr<RunStore>> Open(const std::string& journal_path);

  /// Start a run of `schedule` for `slot` unless one is going (see above) or `slot` was
  /// run already. `now` is the clock reading recorded as started_at.
  Result<BeginResult> Begin(const std::string& schedule, const std::string& action, Micros slot, Micros now,
                            const std::string& trigger);
  /// Finish a started run.
  Status Finish(int64_t run_id, const std::string& status, const std::vector<int64_t>& jobs,
                const std::string& message, Micros now);
  /// Record a run that did not start (skipped, unavailable) as a finished row.
  Status Record(const RunRecord& run);

  /// The slot of the last run that started (running, completed, failed, abandoned) or was
  /// unavailable (recorded once per slot, not once per tick); 0: none.
  Result<Micros> LastSlot(const std::string& schedule);
  /// The newest row of a schedule, if any.
  Result<std::optional<RunRecord>> LastRun(const std::string& schedule);
  /// Newest first; `schedule` empty: all.
  Result<std::vector<RunRecord>> Runs(const std::string& schedule, int64_t limit);

  /// Whether a process id names a live process on this machine.
  static bool ProcessAlive(int64_t pid);

 private:
  explicit RunStore(std::unique_ptr<journal::SqliteDb> db) : db_(std::move(db)) {}
  std::unique_ptr<journal::SqliteDb> db_;
  bool has_table_ = true;
};

}  // namespace barlake::schedule
