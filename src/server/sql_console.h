// SqlConsole: the dashboard's SQL console (GET /api/query): one SELECT over the views of
// `barlake query` (bars, snapshots, snapshots_raw, the derived tables), read only, with a
// time limit and paging.
//
// Read only, in layers: only a single SELECT statement runs (DuckDB prepares it and
// names its type; CREATE, INSERT, UPDATE, DELETE, DROP, COPY, EXPORT, ATTACH, SET, PRAGMA
// and CALL are refused before anything runs), on a DuckDB database of its own (a file in
// a private temporary folder holding only the views, opened with access_mode READ_ONLY,
// so DuckDB itself refuses any write to it) that may read nothing but the vault's data
// folders and write no file at all (enable_external_access off, allowed_directories,
// configuration locked), so no query reaches the token, the journal or any other file.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "lake/vault.h"
#include "server/lake_pool.h"

namespace barlake::server {

struct ConsoleRequest {
  std::string sql;
  int64_t offset = 0;
  int64_t limit = 100;  // rows of this page
};

struct ConsoleResult {
  std::vector<std::string> columns;
  std::vector<std::string> kinds;  // per column: number, time, boolean or text (for alignment)
  std::vector<std::vector<std::string>> rows;  // values as DuckDB prints them
  std::vector<std::vector<bool>> nulls;        // parallel to rows
  bool more = false;  // rows follow this page
  double elapsed_ms = 0;
};

class SqlConsole {
 public:
  SqlConsole(lake::VaultPaths paths, ReaderPool* readers, double time_limit_seconds, int threads,
             int max_concurrent);

  /// kInvalidArgument: not a single SELECT, or DuckDB's error (the message is DuckDB's);
  /// kCancelled: over the time limit; kUnavailable: too many queries at once.
  Result<ConsoleResult> Run(const ConsoleRequest& request);
  double time_limit_seconds() const { return time_limit_seconds_; }
  /// Tests only: run any statement (no SELECT check) on a console database opened as Run
  /// opens it, to prove the database itself refuses writes.
  Status ExecuteUncheckedForTest(const std::string& sql);

 private:
  lake::VaultPaths paths_;
  ReaderPool* readers_;
  double time_limit_seconds_;
  int threads_;
  int max_concurrent_;
  std::mutex mu_;
  int running_ = 0;
};

}  // namespace barlake::server
