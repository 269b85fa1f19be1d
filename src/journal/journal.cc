#include "journal/journal.h"

#include <algorithm>
#include <chrono>

#include "journal/rows.h"

namespace barlake::journal {
namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('pending','running','completed','failed','skipped','rolled_back')),
  phase TEXT,
  source_path TEXT, source_sha256 TEXT, symbol TEXT, timeframe TEXT, format TEXT, command TEXT,
  rows_read INTEGER NOT NULL DEFAULT 0, rows_written INTEGER NOT NULL DEFAULT 0,
  rows_rejected INTEGER NOT NULL DEFAULT 0, rows_conflicting INTEGER NOT NULL DEFAULT 0,
  partitions INTEGER NOT NULL DEFAULT 0,
  error TEXT, report TEXT,
  target_job INTEGER, rolled_back_by INTEGER,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_by_source ON jobs (source_sha256, symbol, timeframe, status);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);
CREATE TABLE IF NOT EXISTS job_partitions (
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  symbol TEXT NOT NULL, timeframe TEXT NOT NULL, period TEXT NOT NULL, rel_path TEXT NOT NULL,
  before_sha256 TEXT, before_rows INTEGER NOT NULL DEFAULT 0,
  before_version INTEGER NOT NULL DEFAULT 0,
  after_sha256 TEXT, after_rows INTEGER NOT NULL DEFAULT 0, after_min_ts INTEGER, after_max_ts INTEGER,
  after_bytes INTEGER NOT NULL DEFAULT 0, after_content_hash TEXT,
  after_version INTEGER NOT NULL DEFAULT 0,
  staged_path TEXT, version_path TEXT,
  PRIMARY KEY (job_id, rel_path));
CREATE INDEX IF NOT EXISTS job_partitions_by_path ON job_partitions (rel_path, job_id);
CREATE TABLE IF NOT EXISTS partitions (
  rel_path TEXT PRIMARY KEY,
  symbol TEXT NOT NULL, timeframe TEXT NOT NULL, period TEXT NOT NULL,
  rows INTEGER NOT NULL, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL, bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL, content_hash TEXT NOT NULL, version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS partitions_by_dataset ON partitions (symbol, timeframe, min_ts);
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  symbol TEXT NOT NULL, timeframe TEXT NOT NULL, line INTEGER NOT NULL,
  rule TEXT NOT NULL, field TEXT NOT NULL, reason TEXT NOT NULL,
  ts INTEGER NOT NULL, open REAL, high REAL, low REAL, close REAL, volume REAL,
  status TEXT NOT NULL CHECK (status IN ('held','released','dropped')),
  resolved_job INTEGER, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS quarantine_by_dataset ON quarantine (symbol, timeframe, status);
CREATE TABLE IF NOT EXISTS datasets (
  symbol TEXT NOT NULL, timeframe TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_job INTEGER NOT NULL,
  PRIMARY KEY (symbol, timeframe));
-- Lineage: the input partitions (and their SHA-256) a regenerate job of a derived dataset
-- read. Rows are facts about one job and are never changed; what a derived dataset was
-- built from is, per input partition, the row of its latest completed regenerate job
-- that has not been rolled back (Journal::CurrentLineage), so rolling back a regenerate
-- brings the previous lineage back with the previous files.
-- Live sessions (docs/live.md): the poll jobs of a live dataset grouped under one `live`
-- job per dataset and session. `barlake jobs` lists the session, not its polls, and a
-- rollback of the session undoes every poll as one job. Each poll is still a job of its
-- own (staged, journaled, recovered like any import); a row here is added after it
-- completed.
CREATE TABLE IF NOT EXISTS job_sessions (
  member_job INTEGER PRIMARY KEY, session_job INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS job_sessions_by_session ON job_sessions (session_job, member_job);
CREATE TABLE IF NOT EXISTS lineage (
  job_id INTEGER NOT NULL, symbol TEXT NOT NULL, timeframe TEXT NOT NULL,
  input_rel_path TEXT NOT NULL, input_sha256 TEXT NOT NULL,
  PRIMARY KEY (symbol, timeframe, input_rel_path, job_id));
)sql";

// The one row of `s`, converted with `read`; kNotFound with `missing` when there is none.
template <typename Fn>
auto OneRow(Statement* s, Fn read, const std::string& missing) -> Result<decltype(read(*s))> {
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return Status::NotFound(missing);
  return read(*s);
}

constexpr const char* kJobColumns =
    "id, kind, status, phase, source_path, source_sha256, symbol, timeframe, format, command, "
    "rows_read, rows_written, rows_rejected, rows_conflicting, partitions, error, report, "
    "target_job, rolled_back_by, created_at, updated_at";

JobRecord ReadJob(const Statement& s) {
  JobRecord j;
  s.Columns(j.id, j.kind, j.status, j.phase, j.source_path, j.source_sha256, j.symbol, j.timeframe,
            j.format, j.command, j.rows_read, j.rows_written, j.rows_rejected, j.rows_conflicting,
            j.partitions, j.error, j.report_json, j.target_job, j.rolled_back_by, j.created_at,
            j.updated_at);
  return j;
}

constexpr const char* kPartitionColumns =
    "symbol, timeframe, period, rel_path, rows, min_ts, max_ts, bytes, sha256, content_hash, "
    "version, updated_at";

PartitionEntry ReadPartition(const Statement& s) {
  PartitionEntry p;
  s.Columns(p.symbol, p.timeframe, p.period, p.rel_path, p.rows, p.min_ts, p.max_ts, p.bytes,
            p.sha256, p.content_hash, p.version, p.updated_at);
  return p;
}

}  // namespace

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& path, bool create) {
  ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, create));
  std::unique_ptr<Journal> j(new Journal(std::move(db)));
  if (create) RETURN_IF_ERROR(j->CreateSchema());
  RETURN_IF_ERROR(j->CheckSchema());
  // Tables added within schema version 1 (quarantine) appear in older journals on open
  // (a read-only journal is read as it is).
  if (!j->db_->read_only()) RETURN_IF_ERROR(j->db_->Exec(kSchema));
  return j;
}

Status Journal::CreateSchema() {
  RETURN_IF_ERROR(db_->Exec(kSchema));
  return db_->Exec("INSERT OR IGNORE INTO meta VALUES ('schema_version', '" +
                   std::to_string(kSchemaVersion) + "')");
}

Status Journal::CheckSchema() {
  auto st = db_->Prepare("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!st.ok()) {
    return Status::Corruption("journal '" + db_->path() +
                              "' has no barlake schema; is this a barlake vault?");
  }
  ASSIGN_OR_RETURN(bool row, (*st)->Step());
  if (!row) return Status::Corruption("journal '" + db_->path() + "' has no schema version");
  const std::string v = (*st)->Text(0);
  if (v != std::to_string(kSchemaVersion)) {
    return Status::Corruption("journal '" + db_->path() + "' has schema version " + v +
                              ", this barlake reads version " + std::to_string(kSchemaVersion) +
                              "; use a matching barlake release");
  }
  return Status::OK();
}

Result<int64_t> Journal::CreateJob(JobRecord job) {
  const int64_t now = NowMicros();
  ASSIGN_OR_RETURN(auto s, db_->Prepare(
      "INSERT INTO jobs (kind, status, phase, source_path, source_sha256, symbol, timeframe, "
      "format, command, target_job, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
  s->Bind(1, job.kind).Bind(2, job.status).BindOptional(3, job.phase);
  s->BindOptional(4, job.source_path).BindOptional(5, job.source_sha256);
  s->BindOptional(6, job.symbol).BindOptional(7, job.timeframe).BindOptional(8, job.format);
  s->BindOptional(9, job.command);
  if (job.target_job) s->Bind(10, job.target_job); else s->BindNull(10);
  s->Bind(11, now).Bind(12, now);
  RETURN_IF_ERROR(s->Run());
  return db_->LastInsertId();
}

Status Journal::UpdateJob(const JobRecord& job) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(
      "UPDATE jobs SET status=?, phase=?, rows_read=?, rows_written=?, rows_rejected=?, "
      "rows_conflicting=?, partitions=?, error=?, report=?, updated_at=?, source_path=?, "
      "format=?, source_sha256=? WHERE id=?"));
  s->Bind(1, job.status).BindOptional(2, job.phase).Bind(3, job.rows_read);
  s->Bind(4, job.rows_written).Bind(5, job.rows_rejected).Bind(6, job.rows_conflicting);
  s->Bind(7, job.partitions).BindOptional(8, job.error).BindOptional(9, job.report_json);
  s->Bind(10, NowMicros()).BindOptional(11, job.source_path).BindOptional(12, job.format);
  s->BindOptional(13, job.source_sha256).Bind(14, job.id);
  return s->Run();
}

Result<JobRecord> Journal::GetJob(int64_t id) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string("SELECT ") + kJobColumns +
                                        " FROM jobs WHERE id = ?"));
  s->Bind(1, id);
  return OneRow(s.get(), ReadJob, "there is no job " + std::to_string(id) + "; `barlake jobs` lists the jobs");
}

Result<std::vector<JobRecord>> Journal::ListJobs(int64_t limit) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string("SELECT ") + kJobColumns +
                                        " FROM jobs WHERE id NOT IN (SELECT member_job FROM job_sessions) ORDER BY id DESC LIMIT ?"));
  s->Bind(1, limit);
  return CollectRows<JobRecord>(s.get(), ReadJob);
}

Result<std::vector<JobRecord>> Journal::JobsWithStatus(const std::string& status) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string("SELECT ") + kJobColumns +
                                        " FROM jobs WHERE status = ? ORDER BY id"));
  s->Bind(1, status);
  return CollectRows<JobRecord>(s.get(), ReadJob);
}

Result<std::optional<JobRecord>> Journal::FindCompletedImport(const std::string& sha256,
                                                              const std::string& symbol,
                                                              const std::string& timeframe) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string("SELECT ") + kJobColumns +
      " FROM jobs WHERE kind IN ('import', 'import-snapshot') AND status='completed' "
      "AND source_sha256=? AND symbol=? "
      "AND timeframe=? ORDER BY id LIMIT 1"));
  s->Bind(1, sha256).Bind(2, symbol).Bind(3, timeframe);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<JobRecord>();
  return std::optional<JobRecord>(ReadJob(*s));
}

Status Journal::RecordPlan(const JobRecord& job, const std::vector<PartitionChange>& changes) {
  ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_.get()));
  // One transaction and one prepared statement for all the job's partitions.
  ASSIGN_OR_RETURN(auto ins, db_->Prepare(
      "INSERT OR REPLACE INTO job_partitions (job_id, symbol, timeframe, period, rel_path, "
      "before_sha256, before_rows, before_version, after_sha256, after_rows, after_min_ts, "
      "after_max_ts, after_bytes, after_content_hash, staged_path, version_path, after_version) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  for (const auto& c : changes) {
    ins->Reset();
    ins->Bind(1, job.id).Bind(2, c.symbol).Bind(3, c.timeframe).Bind(4, c.period);
    ins->Bind(5, c.rel_path).BindOptional(6, c.before_sha256).Bind(7, c.before_rows);
    ins->Bind(8, c.before_version).BindOptional(9, c.after_sha256).Bind(10, c.after_rows);
    ins->Bind(11, c.after_min_ts).Bind(12, c.after_max_ts).Bind(13, c.after_bytes);
    ins->BindOptional(14, c.after_content_hash).BindOptional(15, c.staged_path);
    ins->BindOptional(16, c.version_path).Bind(17, c.after_version);
    RETURN_IF_ERROR(ins->Run());
  }
  RETURN_IF_ERROR(UpdateJob(job));
  return txn->Commit();
}

Result<std::vector<PartitionChange>> Journal::GetChanges(int64_t job_id) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(
      "SELECT job_id, symbol, timeframe, period, rel_path, before_sha256, before_rows, "
      "before_version, after_sha256, after_rows, after_min_ts, after_max_ts, after_bytes, "
      "after_content_hash, staged_path, version_path, after_version FROM job_partitions "
      "WHERE job_id = ? "
      "ORDER BY rel_path"));
  s->Bind(1, job_id);
  return CollectRows<PartitionChange>(s.get(), [](const Statement& row) {
    PartitionChange c;
    row.Columns(c.job_id, c.symbol, c.timeframe, c.period, c.rel_path, c.before_sha256, c.before_rows,
                c.before_version, c.after_sha256, c.after_rows, c.after_min_ts, c.after_max_ts, c.after_bytes,
                c.after_content_hash, c.staged_path, c.version_path, c.after_version);
    return c;
  });
}

Status Journal::SetPhase(int64_t job_id, const std::string& status, const std::string& phase) {
  ASSIGN_OR_RETURN(auto s,
                   db_->Prepare("UPDATE jobs SET status=?, phase=?, updated_at=? WHERE id=?"));
  s->Bind(1, status).BindOptional(2, phase).Bind(3, NowMicros()).Bind(4, job_id);
  return s->Run();
}

Status Journal::CompleteJob(const JobRecord& job, const std::vector<PartitionChange>& changes) {
  const int64_t now = NowMicros();
  ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_.get()));
  // One transaction and one prepared statement of each kind for all the job's partitions.
  ASSIGN_OR_RETURN(auto del, db_->Prepare("DELETE FROM partitions WHERE rel_path = ?"));
  ASSIGN_OR_RETURN(auto up, db_->Prepare(
      "INSERT OR REPLACE INTO partitions (rel_path, symbol, timeframe, period, rows, min_ts, "
      "max_ts, bytes, sha256, content_hash, version, updated_at) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
  ASSIGN_OR_RETURN(auto ds, db_->Prepare(
      "INSERT INTO datasets (symbol, timeframe, created_at, updated_at, last_job) "
      "VALUES (?,?,?,?,?) ON CONFLICT (symbol, timeframe) DO UPDATE SET "
      "updated_at = excluded.updated_at, last_job = excluded.last_job"));
  for (const auto& c : changes) {
    // A change naming no dataset is a vault file the job rewrote (barlake.toml), not a
    // partition: journaled with the job, never catalogued.
    if (c.symbol.empty()) continue;
    if (c.after_sha256.empty()) {
      del->Reset();
      del->Bind(1, c.rel_path);
      RETURN_IF_ERROR(del->Run());
    } else {
      up->Reset();
      up->Bind(1, c.rel_path).Bind(2, c.symbol).Bind(3, c.timeframe).Bind(4, c.period);
      up->Bind(5, c.after_rows).Bind(6, c.after_min_ts).Bind(7, c.after_max_ts);
      up->Bind(8, c.after_bytes).Bind(9, c.after_sha256).Bind(10, c.after_content_hash);
      up->Bind(11, c.after_version).Bind(12, now);
      RETURN_IF_ERROR(up->Run());
    }
    ds->Reset();
    ds->Bind(1, c.symbol).Bind(2, c.timeframe).Bind(3, now).Bind(4, now).Bind(5, job.id);
    RETURN_IF_ERROR(ds->Run());
  }
  RETURN_IF_ERROR(db_->Exec(
      "DELETE FROM datasets WHERE NOT EXISTS (SELECT 1 FROM partitions p WHERE "
      "p.symbol = datasets.symbol AND p.timeframe = datasets.timeframe)"));
  RETURN_IF_ERROR(UpdateJob(job));
  if (job.kind == "rollback" && job.target_job) {
    RETURN_IF_ERROR(MarkRolledBack(job.target_job, job.id));
  }
  return txn->Commit();
}

Status Journal::MarkRolledBack(int64_t target, int64_t rollback_job) {
  // A live session's polls are rolled back with it, in the same transaction.
  ASSIGN_OR_RETURN(auto s, db_->Prepare(
      "UPDATE jobs SET status='rolled_back', rolled_back_by=?, updated_at=? WHERE id=? OR "
      "(status = 'completed' AND id IN (SELECT member_job FROM job_sessions WHERE session_job=?))"));
  s->Bind(1, rollback_job).Bind(2, NowMicros()).Bind(3, target).Bind(4, target);
  return s->Run();
}

Result<JobRecord> Journal::AddToSession(JobRecord session, const std::vector<int64_t>& members) {
  ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_.get()));
  if (session.id == 0) {
    ASSIGN_OR_RETURN(session.id, CreateJob(session));
  }
  ASSIGN_OR_RETURN(auto add, db_->Prepare("INSERT OR IGNORE INTO job_sessions (member_job, session_job) VALUES (?, ?)"));
  for (int64_t m : members) {
    add->Reset();
    add->Bind(1, m).Bind(2, session.id);
    RETURN_IF_ERROR(add->Run());
  }
  // The session's counts are its polls' sums (so `barlake jobs` shows them on one row).
  ASSIGN_OR_RETURN(auto sums, db_->Prepare(
      "SELECT count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_written), 0), "
      "coalesce(sum(rows_rejected), 0), coalesce(sum(rows_conflicting), 0), "
      "(SELECT count(DISTINCT rel_path) FROM job_partitions WHERE job_id IN "
      "(SELECT member_job FROM job_sessions WHERE session_job = ?)) "
      "FROM jobs WHERE id IN (SELECT member_job FROM job_sessions WHERE session_job = ?)"));
  sums->Bind(1, session.id).Bind(2, session.id);
  ASSIGN_OR_RETURN(bool row, sums->Step());
  if (row) {
    session.rows_read = sums->Int(1);
    session.rows_written = sums->Int(2);
    session.rows_rejected = sums->Int(3);
    session.rows_conflicting = sums->Int(4);
    session.partitions = sums->Int(5);
    session.report_json = "{\"polls\":" + std::to_string(sums->Int(0)) + "}";
  }
  sums.reset();
  RETURN_IF_ERROR(UpdateJob(session));
  RETURN_IF_ERROR(txn->Commit());
  return GetJob(session.id);
}

Result<std::vector<int64_t>> Journal::SessionMembers(int64_t session_job) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT member_job FROM job_sessions WHERE session_job = ? ORDER BY member_job"));
  s->Bind(1, session_job);
  return CollectRows<int64_t>(s.get(), [](const Statement& st) { return st.Int(0); });
}

Result<int64_t> Journal::SessionOf(int64_t job_id) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT session_job FROM job_sessions WHERE member_job = ?"));
  s->Bind(1, job_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->Int(0) : int64_t{0};
}

Result<std::vector<int64_t>> Journal::LaterJobsTouching(
    int64_t job_id, const std::vector<std::string>& rel_paths) {
  std::vector<int64_t> out;
  for (const auto& p : rel_paths) {
    ASSIGN_OR_RETURN(auto s, db_->Prepare(
        "SELECT DISTINCT jp.job_id FROM job_partitions jp JOIN jobs j ON j.id = jp.job_id "
        "WHERE jp.rel_path = ? AND jp.job_id > ? AND j.status IN ('completed', 'rolled_back') "
        "ORDER BY jp.job_id"));
    s->Bind(1, p).Bind(2, job_id);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      int64_t id = s->Int(0);
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status Journal::AddQuarantine(int64_t job_id, const std::vector<QuarantineRow>& rows) {
  const int64_t now = NowMicros();
  ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_.get()));
  ASSIGN_OR_RETURN(auto s, db_->Prepare(
      "INSERT INTO quarantine (job_id, symbol, timeframe, line, rule, field, reason, ts, open, high, low, "
      "close, volume, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'held',?)"));
  for (const auto& r : rows) {
    s->Reset();
    s->Bind(1, job_id).Bind(2, r.symbol).Bind(3, r.timeframe).Bind(4, static_cast<int64_t>(r.line));
    s->Bind(5, r.rule).Bind(6, r.field).Bind(7, r.reason).Bind(8, r.ts);
    s->BindDouble(9, r.open).BindDouble(10, r.high).BindDouble(11, r.low).BindDouble(12, r.close);
    s->BindDouble(13, r.volume).Bind(14, now);
    RETURN_IF_ERROR(s->Run());
  }
  return txn->Commit();
}

namespace {
// A row is `released` only while the release job stands: a release that is still running,
// failed or was rolled back leaves it `held`. Marking rows before the release runs and
// deriving the status here keeps the two consistent without a second transaction.
constexpr const char* kQuarantineColumns =
    "q.id, q.job_id, q.symbol, q.timeframe, q.line, q.rule, q.field, q.reason, q.ts, q.open, q.high, q.low, "
    "q.close, q.volume, q.status, q.resolved_job, q.created_at";
constexpr const char* kQuarantineView =
    "(SELECT q.id, q.job_id, q.symbol, q.timeframe, q.line, q.rule, q.field, q.reason, q.ts, "
    "q.open, q.high, "
    "q.low, q.close, q.volume, CASE WHEN q.status = 'released' AND COALESCE((SELECT r.status FROM "
    "jobs r "
    "WHERE r.id = q.resolved_job), '') <> 'completed' THEN 'held' ELSE q.status END AS status, "
    "CASE WHEN q.status = 'released' AND COALESCE((SELECT r.status FROM jobs r WHERE r.id = "
    "q.resolved_job), "
    "'') <> 'completed' THEN 0 ELSE q.resolved_job END AS resolved_job, q.created_at FROM "
    "quarantine q "
    "JOIN jobs j ON j.id = q.job_id WHERE j.status = 'completed')";
QuarantineRow ReadQuarantine(const Statement& s) {
  QuarantineRow r;
  s.Columns(r.id, r.job_id, r.symbol, r.timeframe, r.line, r.rule, r.field, r.reason, r.ts, r.open,
            r.high, r.low, r.close, r.volume, r.status, r.resolved_job, r.created_at);
  return r;
}
}  // namespace

Result<std::vector<QuarantineRow>> Journal::ListQuarantine(const std::string& symbol, const std::string& timeframe,
                                                           const std::string& status, int64_t job_id,
                                                           int64_t limit) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string("SELECT ") + kQuarantineColumns + " FROM " +
      kQuarantineView + " q WHERE 1 AND (?1 = '' OR q.symbol = ?1) AND (?2 = '' OR q.timeframe = ?2) AND (?3 = '' OR q.status = ?3) "
      "AND (?4 = 0 OR q.job_id = ?4) ORDER BY q.id LIMIT ?5"));
  s->Bind(1, symbol).Bind(2, timeframe).Bind(3, status).Bind(4, job_id).Bind(5, limit);
  return CollectRows<QuarantineRow>(s.get(), ReadQuarantine);
}

Result<QuarantineRow> Journal::GetQuarantine(int64_t id) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string("SELECT ") + kQuarantineColumns + " FROM " +
      kQuarantineView + " q WHERE q.id = ?"));
  s->Bind(1, id);
  return OneRow(s.get(), ReadQuarantine,
                "there is no quarantined row " + std::to_string(id) + "; `barlake quarantine list` shows them");
}

Status Journal::SetQuarantineStatus(const std::vector<int64_t>& ids, const std::string& status,
                                    int64_t resolved_job) {
  ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_.get()));
  for (int64_t id : ids) {
    ASSIGN_OR_RETURN(auto s, db_->Prepare("UPDATE quarantine SET status = ?, resolved_job = ? WHERE id = ?"));
    s->Bind(1, status);
    if (resolved_job) s->Bind(2, resolved_job); else s->BindNull(2);
    s->Bind(3, id);
    RETURN_IF_ERROR(s->Run());
  }
  return txn->Commit();
}

Result<int64_t> Journal::PurgeDroppedQuarantine(int64_t cutoff, bool count_only) {
  // A dry run only reads; a purge counts and deletes in one write transaction.
  std::unique_ptr<Transaction> txn;
  if (!count_only) {
    ASSIGN_OR_RETURN(txn, Transaction::Begin(db_.get()));
  }
  ASSIGN_OR_RETURN(auto count, db_->Prepare("SELECT COUNT(*) FROM quarantine WHERE status = 'dropped' AND created_at < ?"));
  count->Bind(1, cutoff);
  ASSIGN_OR_RETURN(bool row, count->Step());
  const int64_t n = row ? count->Int(0) : 0;
  if (count_only || n == 0) return n;
  ASSIGN_OR_RETURN(auto purge, db_->Prepare("DELETE FROM quarantine WHERE status = 'dropped' AND created_at < ?"));
  purge->Bind(1, cutoff);
  RETURN_IF_ERROR(purge->Run());
  RETURN_IF_ERROR(txn->Commit());
  return n;
}

Result<std::optional<PartitionEntry>> Journal::GetPartition(const std::string& rel_path) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string("SELECT ") + kPartitionColumns +
                                        " FROM partitions WHERE rel_path = ?"));
  s->Bind(1, rel_path);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<PartitionEntry>();
  return std::optional<PartitionEntry>(ReadPartition(*s));
}

Result<std::vector<PartitionEntry>> Journal::PartitionsInRange(const std::string& symbol,
                                                               const std::string& timeframe,
                                                               int64_t from, int64_t to) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string("SELECT ") + kPartitionColumns +
      " FROM partitions WHERE symbol = ? AND timeframe = ? AND max_ts >= ? AND min_ts < ? "
      "ORDER BY min_ts"));
  s->Bind(1, symbol).Bind(2, timeframe).Bind(3, from).Bind(4, to);
  return CollectRows<PartitionEntry>(s.get(), ReadPartition);
}

Result<std::vector<PartitionEntry>> Journal::AllPartitions() {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(std::string("SELECT ") + kPartitionColumns +
                                        " FROM partitions ORDER BY rel_path"));
  return CollectRows<PartitionEntry>(s.get(), ReadPartition);
}

Result<std::vector<DatasetSummary>> Journal::Datasets() {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(
      "SELECT p.symbol, p.timeframe, min(p.min_ts), max(p.max_ts), sum(p.rows), sum(p.bytes), "
      "count(*), d.updated_at, d.last_job FROM partitions p JOIN datasets d ON "
      "d.symbol = p.symbol AND d.timeframe = p.timeframe GROUP BY p.symbol, p.timeframe "
      "ORDER BY p.symbol, p.timeframe"));
  return CollectRows<DatasetSummary>(s.get(), [](const Statement& row) {
    DatasetSummary d;
    row.Columns(d.symbol, d.timeframe, d.first_ts, d.last_ts, d.rows, d.bytes, d.partitions, d.last_update,
                d.last_job);
    return d;
  });
}

Status Journal::AddLineage(int64_t job_id, const std::string& symbol, const std::string& timeframe,
                          const std::vector<LineageEntry>& inputs) {
  ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db_.get()));
  for (const auto& e : inputs) {
    ASSIGN_OR_RETURN(auto s, db_->Prepare("INSERT OR REPLACE INTO lineage (job_id, symbol, timeframe, "
                                          "input_rel_path, input_sha256) VALUES (?,?,?,?,?)"));
    s->Bind(1, job_id).Bind(2, symbol).Bind(3, timeframe).Bind(4, e.input_rel_path).Bind(5, e.input_sha256);
    RETURN_IF_ERROR(s->Run());
  }
  return txn->Commit();
}

Result<std::vector<LineageEntry>> Journal::CurrentLineage(const std::string& symbol,
                                                          const std::string& timeframe) {
  ASSIGN_OR_RETURN(auto s, db_->Prepare(
      "SELECT l.input_rel_path, l.input_sha256, max(l.job_id) FROM lineage l JOIN jobs j ON j.id = l.job_id "
      "WHERE l.symbol = ? AND l.timeframe = ? AND j.status = 'completed' GROUP BY l.input_rel_path ORDER BY l.input_rel_path"));
  s->Bind(1, symbol).Bind(2, timeframe);
  return CollectRows<LineageEntry>(s.get(), [](const Statement& r) {
    return LineageEntry{r.Text(0), r.Text(1), r.Int(2)};
  });
}

}  // namespace barlake::journal
