// ParquetStore: bar files in and out of Parquet through DuckDB's C API.
//
// Schema of every bar file (docs/formats/layout.md):
//   ts TIMESTAMP WITH TIME ZONE (UTC, bar open), open high low close volume DOUBLE,
//   job BIGINT (the journal job that wrote the row), flags UTINYINT (core/bars.h BarFlag:
//   0 for imported bars; derived bars mark buckets cut short or outside the session).
// Rows are written in ts order with zstd compression. DuckDB does not fsync; callers
// make a written file durable through the Env before they rely on it.
#pragma once

#include <string>
#include <vector>

#include "core/bars.h"
#include "core/result.h"
#include "storage/duckdb_conn.h"

namespace barlake::storage {

class ParquetStore {
 public:
  /// `conn` must outlive the store. Not thread-safe (one DuckDB connection).
  explicit ParquetStore(DuckConn* conn) : conn_(conn) {}

  /// Write `bars` (already sorted and unique) to `path`, replacing it.
  Status WriteBars(const BarColumns& bars, const std::string& path);
  /// Read every row of one file, in file order.
  Result<BarColumns> ReadFile(const std::string& path);
  /// Read every row of each of `paths` (distinct bar files), each in file order, with one
  /// query for all: out[i] holds the rows of paths[i] (empty when it has none). Staging
  /// reads its files back through this, so a partition costs no statement of its own.
  Result<std::vector<BarColumns>> ReadFiles(const std::vector<std::string>& paths);
  /// Read rows with from <= ts < to from `paths` (each a bar file), ordered by ts.
  Result<BarColumns> ReadRange(const std::vector<std::string>& paths, Micros from, Micros to);
  /// kCorruption unless the file has exactly the bar schema, naming what differs.
  Status CheckSchema(const std::string& path);

 private:
  Result<BarColumns> Collect(const std::string& sql, const std::string& what);
  DuckConn* conn_;
};

}  // namespace barlake::storage
