// Lake's reads of the journal and catalog, its SQL session over the whole vault, and the
// events it sends its listener. Front-ends (cli/, server/) use these instead of holding the
// journal or a DuckDB connection.
#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>
#include <thread>

#include "lake/lake.h"
#include "lake/read_check.h"
#include "storage/partition_layout.h"
#include "storage/snapshot_store.h"

namespace barlake::lake {

// ---- journal and catalog ------------------------------------------------------------------

Result<std::vector<journal::JobRecord>> Lake::Jobs(int64_t limit) {
  if (limit < 1) return Status::InvalidArgument("the job limit must be at least 1");
  return journal_->ListJobs(limit);
}

Result<journal::JobRecord> Lake::Job(int64_t id) { return journal_->GetJob(id); }

Result<std::vector<journal::PartitionChange>> Lake::JobChanges(int64_t id) { return journal_->GetChanges(id); }

Result<std::vector<journal::JobRecord>> Lake::JobsWithStatus(const std::string& status) {
  return journal_->JobsWithStatus(status);
}

Result<std::vector<journal::QuarantineRow>> Lake::Quarantine(const QuarantineQuery& q) {
  if (!q.status.empty() && q.status != "held" && q.status != "released" && q.status != "dropped") {
    return Status::InvalidArgument("a quarantine status is held, released or dropped, not '" + q.status + "'");
  }
  return journal_->ListQuarantine(q.symbol, q.timeframe, q.status, q.job, q.limit);
}

Result<journal::QuarantineRow> Lake::QuarantineRow(int64_t id) { return journal_->GetQuarantine(id); }

Result<std::vector<journal::PartitionEntry>> Lake::PartitionsInRange(const std::string& symbol,
                                                                     const std::string& timeframe, Micros from,
                                                                     Micros to) {
  return journal_->PartitionsInRange(symbol, timeframe, from, to);
}

Result<std::vector<journal::PartitionEntry>> Lake::AllPartitions() { return journal_->AllPartitions(); }

Status Lake::WriteBarsParquet(const BarColumns& bars, const std::string& path) {
  ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());
  storage::ParquetStore store(duck);
  return store.WriteBars(bars, path);
}

// ---- SQL session ----------------------------------------------------------------------------

namespace {

constexpr std::string_view kQueryWrapperHead = "SELECT COLUMNS(*)::VARCHAR FROM (";

/// DuckDB's message about a user's SQL as the user should read it: without our own
/// prefix, each paragraph once (a parser error repeats its "LINE 1: ..." excerpt), and an
/// excerpt of the text-cast wrapper shown as the user's SQL, its caret moved with it.
std::string UserQueryError(std::string message) {
  constexpr std::string_view kPrefix = "DuckDB query failed: ";
  if (message.rfind(kPrefix, 0) == 0) message.erase(0, kPrefix.size());
  std::vector<std::string> paragraphs;
  size_t begin = 0;
  while (begin <= message.size()) {
    size_t end = message.find("\n\n", begin);
    if (end == std::string::npos) end = message.size();
    std::string p = message.substr(begin, end - begin);
    while (!p.empty() && (p.back() == '\n' || p.back() == ' ')) p.pop_back();
    if (const size_t at = p.find(kQueryWrapperHead); p.rfind("LINE ", 0) == 0 && at != std::string::npos) {
      p.erase(at, kQueryWrapperHead.size());
      // The caret line below points into the wrapped text: move it as far left.
      if (const size_t nl = p.find('\n'); nl != std::string::npos) {
        const size_t spaces = p.find_first_not_of(' ', nl + 1) - (nl + 1);
        p.erase(nl + 1, std::min(spaces, kQueryWrapperHead.size()));
      }
    }
    if (!p.empty() && std::find(paragraphs.begin(), paragraphs.end(), p) == paragraphs.end()) {
      paragraphs.push_back(std::move(p));
    }
    begin = end + 2;
  }
  std::string out;
  for (const auto& p : paragraphs) out += (out.empty() ? "" : "\n\n") + p;
  return out;
}

class DuckQuerySession : public QuerySession {
 public:
  explicit DuckQuerySession(storage::DuckConn* duck) : duck_(duck) {}

  Status Check(const std::string& sql) override { return duck_->ValidateSelect(sql); }

  Result<QueryTable> Run(const std::string& sql) override {
    // Cast every column to text inside DuckDB so each type (TIMESTAMPTZ included) reads as
    // DuckDB itself prints it.
    ASSIGN_OR_RETURN(auto r, duck_->Query(std::string(kQueryWrapperHead) + sql + "\n)"));
    QueryTable t;
    const idx_t cols = duckdb_column_count(r->raw());
    for (idx_t c = 0; c < cols; ++c) t.columns.push_back(duckdb_column_name(r->raw(), c));
    const idx_t n = r->RowCount();
    t.rows.reserve(n);
    for (idx_t i = 0; i < n; ++i) {
      std::vector<std::string> row;
      row.reserve(cols);
      for (idx_t c = 0; c < cols; ++c) row.push_back(r->Text(c, i));
      t.rows.push_back(std::move(row));
    }
    return t;
  }

 private:
  storage::DuckConn* duck_;
};

}  // namespace

Result<QueryTable> QuerySession::Query(const std::string& sql) {
  std::string trimmed = sql;
  while (!trimmed.empty() && (trimmed.back() == ';' || std::isspace(static_cast<unsigned char>(trimmed.back())))) {
    trimmed.pop_back();
  }
  if (Status v = Check(trimmed); !v.ok()) {
    return Status::InvalidArgument("in your query: " + UserQueryError(v.message()));
  }
  auto r = Run(trimmed);
  if (r.ok()) return r;
  const ErrorCode c = r.status().code();
  const bool reading_failed = c == ErrorCode::kIOError || c == ErrorCode::kNoSpace;
  return Status(reading_failed ? c : ErrorCode::kInvalidArgument,
                "in your query: " + UserQueryError(r.status().message()));
}

Result<std::unique_ptr<QuerySession>> Lake::OpenQuery(int threads) {
  // The views read every file of the lake by a glob, which would mix a crashed job's
  // swapped files with the catalog's: refuse until it is recovered (docs/integrity.md).
  // A live writer's job is not refused (its window is the swap only, as before).
  ASSIGN_OR_RETURN(auto interrupted, InterruptedJobs());
  if (!interrupted.empty()) {
    return Status::Unavailable(JobLabel(interrupted.front()) +
                               " was interrupted and is not recovered yet, so the lake holds part of its files; "
                               "a query now would mix them with the files before it. Run `barlake recover` "
                               "(with write access to the vault), then query again; `barlake read` and "
                               "`barlake stats` show the vault as before that job meanwhile");
  }
  ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());
  // Scans over the whole lake use every core (the lake's default is one thread).
  const unsigned n = threads > 0 ? static_cast<unsigned>(threads) : std::max(1u, std::thread::hardware_concurrency());
  RETURN_IF_ERROR(duck->Execute("SET threads=" + std::to_string(n)));
  // Every kind's views (bars, snapshots, tables), from the data-kind descriptors.
  RETURN_IF_ERROR(CreateViews(duck));
  return std::unique_ptr<QuerySession>(new DuckQuerySession(duck));
}

// ---- events ---------------------------------------------------------------------------------

namespace {

JobEvent EventOf(const journal::JobRecord& job) {
  JobEvent e;
  e.job_id = job.id;
  e.kind = job.kind;
  e.symbol = job.symbol;
  e.timeframe = job.timeframe;
  return e;
}

}  // namespace

void Lake::JobStarted(const journal::JobRecord& job) {
  current_job_ = EventOf(job);
  if (options_.listener) options_.listener->OnJobStarted(current_job_);
}

void Lake::JobFailed(const journal::JobRecord& job, const Status& why) {
  if (options_.listener && job.id != 0) options_.listener->OnJobFailed(EventOf(job), why);
}

JobScopeEvents Lake::ScopeEvents() {
  JobScopeEvents e;
  if (!options_.listener) return e;
  e.started = [this](const journal::JobRecord& job) { JobStarted(job); };
  e.failed = [this](const journal::JobRecord& job, const Status& why) { JobFailed(job, why); };
  return e;
}

CrashHook Lake::PointHook() {
  if (!options_.listener && !options_.crash_hook) return nullptr;
  return [this](CrashPoint p) {
    if (options_.listener) {
      if (p == CrashPoint::kAfterStaged) options_.listener->OnJobStaged(current_job_);
      if (p == CrashPoint::kAfterCommit) options_.listener->OnJobCommitted(current_job_);
    }
    if (options_.crash_hook) options_.crash_hook(p);
  };
}

LakeOptions Lake::WithListenerProgress(LakeOptions options) {
  if (EventListener* listener = options.listener) {
    options.progress = [listener, own = std::move(options.progress)](const std::string& phase, int64_t done,
                                                                     int64_t total) {
      if (own) own(phase, done, total);
      listener->OnProgress(phase, done, total);
    };
  }
  return options;
}

}  // namespace barlake::lake
