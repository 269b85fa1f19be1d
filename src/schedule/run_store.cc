#include "schedule/run_store.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "journal/rows.h"

namespace barlake::schedule {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS schedule_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  schedule TEXT NOT NULL, action TEXT NOT NULL, slot INTEGER NOT NULL,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL, finished_at INTEGER,
  pid INTEGER NOT NULL, jobs TEXT NOT NULL DEFAULT '[]', message TEXT, trigger TEXT);
CREATE INDEX IF NOT EXISTS schedule_runs_by_name ON schedule_runs (schedule, id);
)sql";

constexpr const char* kColumns =
    "id, schedule, action, slot, status, started_at, finished_at, pid, jobs, message, trigger";

std::string JobsText(const std::vector<int64_t>& jobs) { return ToJsonText(nlohmann::json(jobs)); }

std::vector<int64_t> ParseJobs(const std::string& text) {
  std::vector<int64_t> out;
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_array()) {
    for (const auto& x : j) {
      if (x.is_number_integer()) out.push_back(x.get<int64_t>());
    }
  }
  return out;
}

RunRecord ReadRun(const journal::Statement& s) {
  RunRecord r;
  std::string jobs;
  s.Columns(r.id, r.schedule, r.action, r.slot, r.status, r.started_at, r.finished_at /* NULL reads 0 */, r.pid,
            jobs, r.message, r.trigger);
  r.jobs = ParseJobs(jobs);
  return r;
}

}  // namespace

bool RunStore::ProcessAlive(int64_t pid) {
  if (pid <= 0) return false;
  if (pid == static_cast<int64_t>(::getpid())) return true;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

Result<std::unique_ptr<RunStore>> RunStore::Open(const std::string& journal_path) {
  ASSIGN_OR_RETURN(auto db, journal::SqliteDb::Open(journal_path, /*create=*/false));
  std::unique_ptr<RunStore> store(new RunStore(std::move(db)));
  if (!store->db_->read_only()) {
    RETURN_IF_ERROR(store->db_->Exec(kSchema));
  } else {
    // A read-only vault that never ran a schedule has no table: it lists no runs.
    auto probe = store->db_->Prepare("SELECT 1 FROM schedule_runs LIMIT 1");
    store->has_table_ = probe.ok();
  }
  return store;
}

Result<BeginResult> RunStore::Begin(const std::string& schedule, const std::string& action, Micros slot, Micros now,
                                    const std::string& trigger) {
  if (db_->read_only()) return Status::IOError("the vault's journal is read-only: schedules cannot run here");
  ASSIGN_OR_RETURN(auto tx, journal::Transaction::Begin(db_.get()));
  BeginResult out;
  {
    ASSIGN_OR_RETURN(auto q, db_->Prepare(std::string("SELECT ") + kColumns +
                                          " FROM schedule_runs WHERE schedule = ? AND status = 'running'"));
    q->Bind(1, schedule);
    ASSIGN_OR_RETURN(std::vector<RunRecord> running, journal::CollectRows<RunRecord>(q.get(), ReadRun));
    for (const auto& r : running) {
      if (ProcessAlive(r.pid)) {
        out.blocked_by = r;
        continue;
      }
      ASSIGN_OR_RETURN(auto up, db_->Prepare("UPDATE schedule_runs SET status = 'abandoned', finished_at = ?, "
                                             "message = ? WHERE id = ?"));
      up->Bind(1, now).Bind(2, "process " + std::to_string(r.pid) + " ended before the run finished").Bind(3, r.id);
      RETURN_IF_ERROR(up->Run());
    }
  }
  if (!out.blocked_by) {
    ASSIGN_OR_RETURN(auto q, db_->Prepare(std::string("SELECT ") + kColumns +
                                          " FROM schedule_runs WHERE schedule = ? AND slot >= ? AND status IN "
                                          "('completed','failed') ORDER BY id DESC LIMIT 1"));
    q->Bind(1, schedule).Bind(2, slot);
    ASSIGN_OR_RETURN(bool row, q->Step());
    if (row) out.blocked_by = ReadRun(*q);
  }
  if (!out.blocked_by) {
    ASSIGN_OR_RETURN(auto ins, db_->Prepare("INSERT INTO schedule_runs (schedule, action, slot, status, started_at, pid, "
                                            "trigger) VALUES (?, ?, ?, 'running', ?, ?, ?)"));
    ins->Bind(1, schedule).Bind(2, action).Bind(3, slot).Bind(4, now).Bind(5, static_cast<int64_t>(::getpid()));
    ins->Bind(6, trigger);
    RETURN_IF_ERROR(ins->Run());
    out.run_id = db_->LastInsertId();
  }
  RETURN_IF_ERROR(tx->Commit());
  return out;
}

Status RunStore::Finish(int64_t run_id, const std::string& status, const std::vector<int64_t>& jobs,
                        const std::string& message, Micros now) {
  ASSIGN_OR_RETURN(auto up, db_->Prepare("UPDATE schedule_runs SET status = ?, finished_at = ?, jobs = ?, message = ? "
                                         "WHERE id = ?"));
  up->Bind(1, status).Bind(2, now).Bind(3, JobsText(jobs)).Bind(4, message).Bind(5, run_id);
  return up->Run();
}

Status RunStore::Record(const RunRecord& run) {
  if (db_->read_only()) return Status::IOError("the vault's journal is read-only: schedules cannot run here");
  ASSIGN_OR_RETURN(auto ins, db_->Prepare("INSERT INTO schedule_runs (schedule, action, slot, status, started_at, "
                                          "finished_at, pid, jobs, message, trigger) VALUES (?,?,?,?,?,?,?,?,?,?)"));
  ins->Bind(1, run.schedule).Bind(2, run.action).Bind(3, run.slot).Bind(4, run.status).Bind(5, run.started_at);
  ins->Bind(6, run.finished_at).Bind(7, static_cast<int64_t>(::getpid())).Bind(8, JobsText(run.jobs));
  ins->Bind(9, run.message).Bind(10, run.trigger);
  return ins->Run();
}

Result<Micros> RunStore::LastSlot(const std::string& schedule) {
  if (!has_table_) return Micros{0};
  ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT MAX(slot) FROM schedule_runs WHERE schedule = ? AND status IN "
                                        "('running','completed','failed','abandoned','unavailable')"));
  q->Bind(1, schedule);
  ASSIGN_OR_RETURN(bool row, q->Step());
  if (!row || q->IsNull(0)) return Micros{0};
  return q->Int(0);
}

Result<std::optional<RunRecord>> RunStore::LastRun(const std::string& schedule) {
  ASSIGN_OR_RETURN(auto runs, Runs(schedule, 1));
  if (runs.empty()) return std::optional<RunRecord>();
  return std::optional<RunRecord>(runs.front());
}

Result<std::vector<RunRecord>> RunStore::Runs(const std::string& schedule, int64_t limit) {
  std::vector<RunRecord> out;
  if (!has_table_) return out;
  ASSIGN_OR_RETURN(auto q, db_->Prepare(std::string("SELECT ") + kColumns + " FROM schedule_runs" +
                                        (schedule.empty() ? "" : " WHERE schedule = ?") + " ORDER BY id DESC LIMIT ?"));
  int i = 1;
  if (!schedule.empty()) q->Bind(i++, schedule);
  q->Bind(i, limit);
  return journal::CollectRows<RunRecord>(q.get(), ReadRun);
}

}  // namespace barlake::schedule
