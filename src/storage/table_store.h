// TableStore: partition files of derived tables (one row per session: daily session
// statistics, level touches; docs/derived.md), beside ParquetStore for bars and
// SnapshotStore for snapshots.
//
// A table has a fixed schema (TableSchema) whose first column is its key: the trade date
// (DATE), strictly increasing within a file. The file holds the schema's columns in order,
// then `job BIGINT` (the journal job that wrote the row), written with zstd in key order.
// Bars and snapshots each have a hand-written store because they are hot paths with one
// schema each; tables are small (a row per day) and there will be more of them, so one
// schema-driven store serves them all.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "core/result.h"
#include "storage/duckdb_conn.h"

namespace barlake::storage {

enum class TableColumnType : uint8_t {
  kDate,       // days since 1970-01-01 (int64 cell)
  kTimestamp,  // TIMESTAMP WITH TIME ZONE, UTC micros (int64 cell)
  kDouble,     // double cell; NaN is stored as NULL and read back as NaN
  kBigint,     // int64 cell
  kBoolean,    // int64 cell, 0 or 1
};

/// "DATE", "TIMESTAMP WITH TIME ZONE", "DOUBLE", "BIGINT", "BOOLEAN".
std::string SqlTypeName(TableColumnType type);

struct TableColumn {
  std::string name;
  TableColumnType type;
};

struct TableSchema {
  std::string name;                  // "session_stats"; the table= key of its paths
  std::vector<TableColumn> columns;  // columns[0] is the key, of type kDate
  /// The DuckDB column types of a file ("trade_date:DATE,...,job:BIGINT"), for CheckSchema.
  std::string DescribeText() const;
  /// "\"trade_date\", ..., \"job\"": the select list of a file.
  std::string SelectList() const;
  int ColumnIndex(const std::string& column) const;
};

/// An int64 cell that is NULL (a timestamp that does not exist, e.g. "never touched").
inline constexpr int64_t kNullInt = std::numeric_limits<int64_t>::min();

/// Rows of one table, column-wise. A column of type kDouble lives in doubles[c] (ints[c]
/// empty), every other type in ints[c]. Invariant after building: keys strictly increasing.
struct TableRows {
  TableRows() = default;
  explicit TableRows(const TableSchema* s);
  const TableSchema* schema = nullptr;
  std::vector<std::vector<int64_t>> ints;
  std::vector<std::vector<double>> doubles;
  std::vector<int64_t> job;

  size_t size() const { return job.size(); }
  bool empty() const { return job.empty(); }
  int64_t Key(size_t i) const { return ints[0][i]; }
  /// Append a row of zeros (job 0); fill it with Set / SetDouble.
  void AddRow();
  void Set(size_t column, int64_t value) { ints[column].back() = value; }
  void SetDouble(size_t column, double value) { doubles[column].back() = value; }
  /// Fill the last row's columns `first`, `first` + 1, ... with `values` in order (floating
  /// point to the double columns, bools as 0/1, other integers to the integer columns);
  /// returns the next column.
  template <typename... V>
  size_t SetFrom(size_t first, V... values) {
    size_t c = first;
    (Put(c++, values), ...);
    return c;
  }
  void Append(const TableRows& src, size_t i);
  /// Row i of a and row j of b hold the same values (the job is ignored; NaN equals NaN,
  /// both being NULL; -0 equals 0).
  static bool SameValues(const TableRows& a, size_t i, const TableRows& b, size_t j);
  /// Every row the same values (SameValues), same count.
  static bool SameRows(const TableRows& a, const TableRows& b);

 private:
  template <typename V>
  void Put(size_t column, V v) {
    if constexpr (std::is_floating_point_v<V>) {
      SetDouble(column, v);
    } else if constexpr (std::is_same_v<V, bool>) {
      Set(column, v ? 1 : 0);
    } else {
      Set(column, static_cast<int64_t>(v));
    }
  }
};

/// A 64-bit fingerprint of the rows (every column and the job), as ContentHash is for bars.
std::string TableContentHash(const TableRows& rows);

class TableStore {
 public:
  /// `conn` must outlive the store. Not thread-safe (one DuckDB connection).
  explicit TableStore(DuckConn* conn) : conn_(conn) {}

  /// Write `rows` (keys strictly increasing) to `path`, replacing it.
  Status Write(const TableRows& rows, const std::string& path);
  /// Every row of one file, in file order; kCorruption for a file without `schema`'s columns
  /// and types.
  Result<TableRows> ReadFile(const TableSchema& schema, const std::string& path);
  /// kCorruption unless the file has exactly `schema` (plus job), naming what differs.
  Status CheckSchema(const TableSchema& schema, const std::string& path);

 private:
  DuckConn* conn_;
};

}  // namespace barlake::storage
