#include "server/sql_console.h"

#include <duckdb.h>

#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
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
Status CheckSingleSelect(duckdb_connection conn, const std::string& sql, std::vector<std::string>* kinds) {
  duckdb_extracted_statements extracted = nullptr;
  const idx_t count = duckdb_extract_statements(conn, sql.c_str(), &extracted);
  Status s;
  duckdb_prepared_statement prepared = nullptr;
  if (count == 0) {
    const char* e = duckdb_extract_statements_error(extracted);
    s = Status::InvalidArgument(e ? e : "the query is empty");
  } else if (count > 1) {
    s = Status::InvalidArgument("send one statement at a time (this text holds " + std::to_string(count) + ")");
  } else if (const bool failed = duckdb_prepare_extracted_statement(conn, extracted, 0, &prepared) == DuckDBError;
             failed && storage::WritingStatementName(sql).empty()) {
    const char* e = duckdb_prepare_error(prepared);
    s = Status::InvalidArgument(e ? e : "the query does not parse");
  } else if (failed || duckdb_prepared_statement_type(prepared) != DUCKDB_STATEMENT_TYPE_SELECT) {
    // A DELETE over a view fails to bind ("Can only delete from base table!"): say why.
    const std::string statement = storage::WritingStatementName(sql);
    s = Status::InvalidArgument((statement.empty() ? std::string() : statement + ": ") +
                                "the console runs SELECT queries only: it is read-only (nothing can be created, "
                                "changed, copied, attached or set)");
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

// A DuckDB database file holding only the query views, opened READ_ONLY: no statement on
// its connection can create, change or delete anything in it (DuckDB refuses writes to a
// read-only database whatever the SQL), on top of the SELECT-only check. The file lives in
// a private temporary folder removed with it.
class ReadOnlyViews {
 public:
  ~ReadOnlyViews() {
    if (conn_) duckdb_disconnect(&conn_);
    if (db_) duckdb_close(&db_);
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  /// Copy the (temporary) views `views` made on an in-memory database into a new file,
  /// then open that file read-only with `threads` threads.
  Status Build(storage::DuckConn* views, int threads) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "barlake-console-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) return Status::FromErrno(errno, "cannot make a folder for the console", tmpl);
    dir_ = tmpl;
    const std::string file = dir_ + "/views.duckdb";
    ASSIGN_OR_RETURN(auto defs, views->Query("SELECT sql FROM duckdb_views() WHERE temporary AND NOT internal ORDER BY view_oid"));
    std::vector<std::string> statements;
    for (idx_t i = 0; i < defs->RowCount(); ++i) statements.push_back(AsPersistentView(defs->Text(0, i)));
    RETURN_IF_ERROR(Open(file, /*read_only=*/false, threads));
    // Views may name each other (snapshots over snapshots_raw): create them until all are.
    for (size_t pass = 0; !statements.empty() && pass <= statements.size(); ++pass) {
      std::vector<std::string> left;
      Status last;
      for (const auto& st : statements) {
        Status s = Exec(st);
        if (!s.ok()) left.push_back(st), last = s;
      }
      if (left.size() == statements.size()) return last;
      statements = std::move(left);
    }
    RETURN_IF_ERROR(Exec("CHECKPOINT"));
    duckdb_disconnect(&conn_);
    duckdb_close(&db_);
    return Open(file, /*read_only=*/true, threads);
  }

  duckdb_connection conn() { return conn_; }

  Status Exec(const std::string& sql) {
    storage::QueryResult r;
    if (duckdb_query(conn_, sql.c_str(), r.raw()) == DuckDBError) {
      const char* e = duckdb_result_error(r.raw());
      return Status::InvalidArgument(e ? e : "the statement failed");
    }
    return Status::OK();
  }

  /// The query's result, or DuckDB's error (kCancelled when interrupted).
  Result<std::unique_ptr<storage::QueryResult>> Query(const std::string& sql) {
    auto r = std::make_unique<storage::QueryResult>();
    if (duckdb_query(conn_, sql.c_str(), r->raw()) == DuckDBError) {
      return storage::StatusFromDuckResult(r->raw(), "the console query");
    }
    return r;
  }

 private:
  // "CREATE TEMPORARY VIEW bars AS ..." -> "CREATE VIEW bars AS ...".
  static std::string AsPersistentView(const std::string& sql) {
    const size_t view = sql.find(" VIEW ");
    return view == std::string::npos ? sql : "CREATE" + sql.substr(view);
  }

  Status Open(const std::string& file, bool read_only, int threads) {
    duckdb_config config = nullptr;
    if (duckdb_create_config(&config) == DuckDBError) return Status::Internal("duckdb config");
    if (threads > 0) duckdb_set_config(config, "threads", std::to_string(threads).c_str());
    duckdb_set_config(config, "autoinstall_known_extensions", "false");
    duckdb_set_config(config, "autoload_known_extensions", "false");
    if (read_only) duckdb_set_config(config, "access_mode", "READ_ONLY");
    char* err = nullptr;
    const bool failed = duckdb_open_ext(file.c_str(), &db_, config, &err) == DuckDBError;
    duckdb_destroy_config(&config);
    if (failed) {
      std::string msg = err ? err : "unknown error";
      duckdb_free(err);
      return Status::Internal("cannot open the console's DuckDB database: " + msg);
    }
    if (duckdb_connect(db_, &conn_) == DuckDBError) return Status::Internal("cannot connect to DuckDB");
    return Status::OK();
  }

  std::string dir_;
  duckdb_database db_ = nullptr;
  duckdb_connection conn_ = nullptr;
};

// The console's database: the lake's views, read-only, reading only the data folders.
Status OpenConsoleDb(const lake::VaultPaths& paths, ReaderPool* readers, int threads, ReadOnlyViews* db) {
  {
    // The lake's views are made on an in-memory database, then copied into the read-only one.
    ASSIGN_OR_RETURN(auto builder, storage::DuckConn::OpenInMemory(1));
    auto views = readers->Read<bool>("", [&](lake::Lake& l) -> Result<bool> {
      RETURN_IF_ERROR(l.CreateViews(builder.get()));
      return true;
    });
    RETURN_IF_ERROR(views.status());
    RETURN_IF_ERROR(db->Build(builder.get(), threads));
  }
  // Only the data folders can be read; nothing can be written anywhere, and the query
  // cannot lift either (the configuration is locked).
  std::string allowed;
  for (const std::string* dir : {&paths.lake, &paths.snapshots, &paths.tables}) {
    allowed += (allowed.empty() ? "" : ", ") + storage::SqlQuote(*dir + "/");
  }
  for (const std::string& set : {"SET allowed_directories = [" + allowed + "]", std::string("SET enable_external_access = false"),
                                 std::string("SET lock_configuration = true")}) {
    if (Status st = db->Exec(set); !st.ok()) return Status::Internal("the console's settings: " + st.message());
  }
  return Status::OK();
}

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

  ReadOnlyViews db;
  RETURN_IF_ERROR(OpenConsoleDb(paths_, readers_, threads_, &db));

  ConsoleResult out;
  RETURN_IF_ERROR(CheckSingleSelect(db.conn(), sql, &out.kinds));
  // One row past the page tells whether more follow. Every value is cast to text inside
  // DuckDB, so each type (TIMESTAMPTZ included) reads as DuckDB prints it.
  const std::string paged = "SELECT COLUMNS(*)::VARCHAR FROM (SELECT * FROM (" + sql + "\n) LIMIT " +
                            std::to_string(request.limit + 1) + " OFFSET " + std::to_string(request.offset) + ")";
  Result<std::unique_ptr<storage::QueryResult>> result = Status::Internal("not run");
  bool timed_out = false;
  {
    Watchdog watchdog(db.conn(), time_limit_seconds_);
    result = db.Query(paged);
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

Status SqlConsole::ExecuteUncheckedForTest(const std::string& sql) {
  ReadOnlyViews db;
  RETURN_IF_ERROR(OpenConsoleDb(paths_, readers_, threads_, &db));
  return db.Exec(sql);
}

}  // namespace barlake::server
