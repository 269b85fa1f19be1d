// RAII wrappers over SQLite and the one converter from SQLite result codes to Status:
// SQLITE_FULL -> kNoSpace, SQLITE_BUSY/LOCKED -> kUnavailable, SQLITE_CORRUPT/NOTADB ->
// kCorruption, SQLITE_IOERR/CANTOPEN -> kIOError, anything else -> kInternal.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace barlake::journal {

Status StatusFromSqlite(int rc, sqlite3* db, const std::string& what);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, const std::string& v);
  Statement& BindNull(int i);
  Statement& BindDouble(int i, double v);
  /// Bind text, or NULL when empty.
  Statement& BindOptional(int i, const std::string& v);
  /// Step once: true if a row is available, false when done.
  Result<bool> Step();
  /// Step until done (for statements without rows).
  Status Run();
  /// Make the statement ready to run again (bindings are kept until rebound), so a loop
  /// prepares it once.
  void Reset() { sqlite3_reset(stmt_); }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const;
  /// SQLite stores NaN as NULL; NULL reads back as NaN.
  double Double(int col) const {
    return IsNull(col) ? std::numeric_limits<double>::quiet_NaN() : sqlite3_column_double(stmt_, col);
  }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  /// Read the row's columns 0, 1, ... into `out...` in order (by each one's type), so a
  /// row reader lists its fields once, in the order of its SELECT.
  template <typename... Out>
  void Columns(Out&... out) const {
    int col = 0;
    (Get(col++, &out), ...);
  }

 private:
  void Get(int col, int64_t* v) const { *v = Int(col); }
  void Get(int col, uint32_t* v) const { *v = static_cast<uint32_t>(Int(col)); }
  void Get(int col, double* v) const { *v = Double(col); }
  void Get(int col, std::string* v) const { *v = Text(col); }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  /// Open (and create when `create`) a database file in WAL mode with full sync.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, bool create);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  Status Exec(const std::string& sql);
  Result<std::unique_ptr<Statement>> Prepare(const std::string& sql);
  int64_t LastInsertId() { return sqlite3_last_insert_rowid(db_); }
  const std::string& path() const { return path_; }
  /// Opened read-only: the folder holding the journal is not writable (a backup, a
  /// colleague's share), so no writer can change it either.
  bool read_only() const { return read_only_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  static Result<std::unique_ptr<SqliteDb>> OpenReadOnly(const std::string& path);
  sqlite3* db_;
  std::string path_;
  bool read_only_ = false;
};

/// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> Begin(SqliteDb* db);
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(SqliteDb* db) : db_(db) {}
  SqliteDb* db_;
  bool done_ = false;
};

}  // namespace barlake::journal
