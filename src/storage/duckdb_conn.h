// RAII ownership of an in-process DuckDB database and connection, plus the one place where
// DuckDB errors become a Status (the inbound converter for this library).
#pragma once

#include <duckdb.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace barlake::storage {

/// Owns a duckdb_appender; destroys it on every path.
class Appender {
 public:
  Appender() = default;
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;
  ~Appender() {
    if (a_) duckdb_appender_destroy(&a_);
  }
  duckdb_appender* out() { return &a_; }
  duckdb_appender get() { return a_; }

 private:
  duckdb_appender a_ = nullptr;
};

/// Owns a duckdb_data_chunk (created for appending, or fetched from a result).
class DataChunk {
 public:
  explicit DataChunk(duckdb_data_chunk c) : c_(c) {}
  DataChunk(const DataChunk&) = delete;
  DataChunk& operator=(const DataChunk&) = delete;
  ~DataChunk() {
    if (c_) duckdb_destroy_data_chunk(&c_);
  }
  duckdb_data_chunk get() { return c_; }

 private:
  duckdb_data_chunk c_;
};

/// A materialised query result. Destroys the duckdb_result on every path.
class QueryResult {
 public:
  QueryResult() { result_ = {}; }
  ~QueryResult() { duckdb_destroy_result(&result_); }
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;
  duckdb_result* raw() { return &result_; }
  idx_t RowCount() { return duckdb_row_count(&result_); }
  /// Value as text (NULL -> empty). Slow; for small metadata results only.
  std::string Text(idx_t col, idx_t row);
  int64_t Int(idx_t col, idx_t row) { return duckdb_value_int64(&result_, col, row); }

 private:
  duckdb_result result_;
};

class DuckConn {
 public:
  /// Open an in-memory database. `threads` 0 keeps DuckDB's default.
  static Result<std::unique_ptr<DuckConn>> OpenInMemory(int threads = 0);
  /// Another connection to the same database (cheap). Connections may be used from
  /// different threads at once; each has its own temporary tables.
  Result<std::unique_ptr<DuckConn>> Connect();
  ~DuckConn();
  DuckConn(const DuckConn&) = delete;
  DuckConn& operator=(const DuckConn&) = delete;

  /// Run SQL and discard the result.
  Status Execute(const std::string& sql);
  /// Check that `sql` is one query (a SELECT, WITH ... SELECT, VALUES, FROM ...) that
  /// parses and binds, without running it; errors refer to `sql` alone. Any other
  /// statement is kInvalidArgument naming it (see ReadOnlyRefusal).
  Status ValidateSelect(const std::string& sql);
  /// Run SQL and keep the result.
  Result<std::unique_ptr<QueryResult>> Query(const std::string& sql);
  duckdb_connection raw() { return conn_; }

 private:
  struct Database {
    ~Database() {
      if (db) duckdb_close(&db);
    }
    duckdb_database db = nullptr;
  };
  DuckConn() = default;
  std::shared_ptr<Database> db_;  // closed when its last connection goes
  duckdb_connection conn_ = nullptr;
};

/// A column of a file written by WriteParquetInOrder: DATE, TIMESTAMP_TZ, DOUBLE, BIGINT,
/// UTINYINT or BOOLEAN.
struct ParquetColumn {
  std::string name;
  duckdb_type type;
};
/// Fills every column of `chunk` for rows [offset, offset + n) (the size is set after).
using ChunkFiller = std::function<void(duckdb_data_chunk chunk, size_t offset, size_t n)>;
/// Write `rows` rows to the zstd Parquet file `path`, in the order `fill` gives them: one
/// COPY statement scans them from memory through the `barlake_rows` table function (no
/// temporary table), a vector-sized chunk at a time. Every store writes through this;
/// DuckDB does not fsync, the caller makes the file durable. Safe to call from several
/// connections of one database at once.
Status WriteParquetInOrder(DuckConn* conn, const std::vector<ParquetColumn>& columns, size_t rows,
                           const ChunkFiller& fill, const std::string& path);
/// Register `barlake_rows` in the database of `conn` (OpenInMemory does).
Status RegisterRowSource(DuckConn* conn);

/// Run `sql` into `r` and check that its columns have exactly `types`, in order (a file
/// read back must have the schema of its kind; `schema` names it in messages). `what`
/// says what was being read.
Status QueryTyped(DuckConn* conn, const std::string& sql, const std::vector<duckdb_type>& types,
                  const std::string& schema, const std::string& what, QueryResult* r);
/// Hand every non-empty chunk of `r` to `each(chunk, rows)`, in order. With `no_nulls`,
/// kCorruption for a NULL in any column (naming it) before `each` sees the chunk.
Status ForEachChunk(QueryResult* r, bool no_nulls, const std::string& what,
                    const std::function<Status(duckdb_data_chunk chunk, idx_t rows)>& each);
/// kCorruption unless the Parquet file at `path` has exactly the columns `expected`
/// ("name:TYPE,..." as DESCRIBE prints them), naming both; `schema` names the schema.
Status CheckParquetSchema(DuckConn* conn, const std::string& path, const std::string& expected,
                          const std::string& schema);

/// Quote a string as a SQL literal: it's -> 'it''s'.
std::string SqlQuote(const std::string& s);

/// The first word of `sql` after spaces and comments, upper-cased: "DELETE" for
/// "-- fix\n delete from bars". Empty when there is none.
std::string FirstSqlKeyword(std::string_view sql);
/// "this is a DELETE statement" when `sql` opens with a keyword of a statement that writes
/// or configures (INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, COPY, EXPORT, IMPORT, ATTACH,
/// DETACH, INSTALL, LOAD, SET, RESET, PRAGMA, CALL, USE, TRUNCATE, VACUUM, CHECKPOINT,
/// BEGIN, COMMIT, ROLLBACK); empty otherwise. DuckDB refuses such statements over views
/// with a binder error ("Can only delete from base table!") that does not say the reader
/// is read-only, so readers name the statement themselves.
std::string WritingStatementName(std::string_view sql);
/// Map a failed result to a Status: I/O -> kIOError (kNoSpace when the disk is full),
/// invalid input and serialization -> kCorruption (we only read our own files through
/// this), parser/binder/catalog/conversion/type -> kInvalidArgument, interrupt ->
/// kCancelled, anything else -> kInternal. `what` says what was being done.
Status StatusFromDuckResult(duckdb_result* result, const std::string& what);

}  // namespace barlake::storage
