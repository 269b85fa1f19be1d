#include "server/sql_console.h"

#include <duckdb.h>

#include <chrono>
#include <condition_variable>
#include <thread>

#include "lake/lake.h"
#include "storage/duckdb_conn.h"

namespace barlake::server {
namespace {

std::string Trimmed(const std::string& sql) {
  size_t b = 0, e = sql.size();
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (b < e && space(sql[b])) ++b;
  while (e > b && (space(sql[e - 1]) || sql[e - 1] == ';')) --e;
  return sql.substr(b, e - b);
}

std::string KindOf(duckdb_type t) {
  switch (t) {
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL:
      return "number";
    case DUCKDB_TYPE_DATE:
    case DUCKDB_TYPE_TIME:
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_TIME_TZ:
      return "time";
    case DUCKDB_TYPE_BOOLEAN:
      return "boolean";
    default:
      return "text";
  }
}

// The one statement of `sql`, prepared: anything but a single SELECT is refused here,
// before it runs. Fills the column kinds.
Status CheckSingleSelect(storage::DuckConn* duck, const std::string& sql, std::vector<std::string>* kinds) {
  duckdb_extracted_statements extracted = nullptr;
  const idx_t count = duckdb_extract_statements(duck->raw(), sql.c_str(), &extracted);
  Status s;
  duckdb_prepared_statement prepared = nullptr;
  if (count == 0) {
    const char* e = duckdb_extract_statements_error(extracted);
    s = Status::InvalidArgument(e ? e : "the query is empty");
  } else if (count > 1) {
    s = Status::InvalidArgument("send one statement at a time (this text holds " + std::to_string(count) + ")");
  } else if (duckdb_prepare_extracted_statement(duck->raw(), extracted, 0, &prepared) == DuckDBError) {
    const char* e = duckdb_prepare_error(prepared);
    s = Status::InvalidArgument(e ? e : "the query does not parse");
  } else if (duckdb_prepared_statement_type(prepared) != DUCKDB_STATEMENT_TYPE_SELECT) {
    s = Status::InvalidArgument(
        "the console runs SELECT queries only: it is read-only (nothing can be created, changed, copied, "
        "attached or set)");
  } else {
    const idx_t cols = duckdb_prepared_statement_column_count(prepared);
    for (idx_t c = 0; c < cols; ++c) kinds->push_back(KindOf(duckdb_prepared_statement_column_type(prepared, c)));
  }
  duckdb_destroy_prepare(&prepared);
  duckdb_destroy_extracted(&extracted);
  return s;
}

// Interrupts the connection's running query when the time limit passes.
class Watchdog {
 public:
  Watchdog(duckdb_connection conn, double seconds)
      : thread_([this, conn, seconds] {
          std::unique_lock lock(mu_);
          if (!cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return done_; })) {
            fired_ = true;
            duckdb_interrupt(conn);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool fired() {
    std::lock_guard lock(mu_);
    return fired_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false, fired_ = false;
  std::thread thread_;
};

}  // namespace

SqlConsole::SqlConsole(lake::VaultPaths paths, ReaderPool* readers, double time_limit_seconds, int threads,
                       int max_concurrent)
    : paths_(std::move(paths)), readers_(readers), time_limit_seconds_(time_limit_seconds), threads_(threads),
      max_concurrent_(max_concurrent) {}

Result<ConsoleResult> SqlConsole::Run(const ConsoleRequest& request) {
  const std::string sql = Trimmed(request.sql);
  if (sql.empty()) return Status::InvalidArgument("the query is empty");
  if (request.offset < 0 || request.limit < 1) return Status::InvalidArgument("offset >= 0 and limit >= 1");
  {
    std::lock_guard lock(mu_);
    if (running_ >= max_concurrent_) {
      return Status::Unavailable("the console runs " + std::to_string(max_concurrent_) +
                                 " queries at a time; try again when one has finished");
    }
    ++running_;
  }
  struct Release {
    SqlConsole* c;
    ~Release() {
      std::lock_guard lock(c->mu_);
      --c->running_;
    }
  } release{this};
  const auto start = std::chrono::steady_clock::now();

  ASSIGN_OR_RETURN(auto duck, storage::DuckConn::OpenInMemory(threads_));
  auto views = readers_->Read<bool>("", [&](lake::Lake& l) -> Result<bool> {
    RETURN_IF_ERROR(l.CreateViews(duck.get()));
    return true;
  });
  RETURN_IF_ERROR(views.status());
  // Only the data folders can be read; nothing can be written anywhere, and the query
  // cannot lift either (the configuration is locked).
  std::string allowed;
  for (const std::string* dir : {&paths_.lake, &paths_.snapshots, &paths_.tables}) {
    allowed += (allowed.empty() ? "" : ", ") + storage::SqlQuote(*dir + "/");
  }
  RETURN_IF_ERROR(duck->Execute("SET allowed_directories = [" + allowed +
                                "]; SET enable_external_access = false; SET lock_configuration = true"));

  ConsoleResult out;
  RETURN_IF_ERROR(CheckSingleSelect(duck.get(), sql, &out.kinds));
  // One row past the page tells whether more follow. Every value is cast to text inside
  // DuckDB, so each type (TIMESTAMPTZ included) reads as DuckDB prints it.
  const std::string paged = "SELECT COLUMNS(*)::VARCHAR FROM (SELECT * FROM (" + sql + "\n) LIMIT " +
                            std::to_string(request.limit + 1) + " OFFSET " + std::to_string(request.offset) + ")";
  Result<std::unique_ptr<storage::QueryResult>> result = Status::Internal("not run");
  bool timed_out = false;
  {
    Watchdog watchdog(duck->raw(), time_limit_seconds_);
    result = duck->Query(paged);
    timed_out = watchdog.fired();
  }
  if (!result.ok()) {
    if (timed_out) {
      return Status::Cancelled("the query ran longer than the console's limit of " +
                               std::to_string(static_cast<int>(time_limit_seconds_)) +
                               " s; narrow it (a WHERE on symbol, timeframe and ts) or use `barlake query`");
    }
    return Status::InvalidArgument(result.status().message());
  }
  storage::QueryResult& r = **result;
  const idx_t cols = duckdb_column_count(r.raw());
  for (idx_t c = 0; c < cols; ++c) out.columns.push_back(duckdb_column_name(r.raw(), c));
  out.kinds.resize(cols, "text");
  const idx_t n = r.RowCount();
  const idx_t shown = std::min<idx_t>(n, static_cast<idx_t>(request.limit));
  out.more = n > shown;
  for (idx_t i = 0; i < shown; ++i) {
    std::vector<std::string> row;
    std::vector<bool> nulls;
    for (idx_t c = 0; c < cols; ++c) {
      const bool null = duckdb_value_is_null(r.raw(), c, i);
      nulls.push_back(null);
      row.push_back(null ? std::string() : r.Text(c, i));
    }
    out.rows.push_back(std::move(row));
    out.nulls.push_back(std::move(nulls));
  }
  out.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace barlake::server
