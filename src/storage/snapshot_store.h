// SnapshotStore: snapshot partition files (GEX, docs/formats/gex-snapshots.md) in and out
// of Parquet through DuckDB's C API, beside ParquetStore for bars.
//
// One row per (snapshot, strike), the snapshot's scalars repeated on each of its rows:
//   ts TIMESTAMP WITH TIME ZONE (the snapshot's time, UTC), strike DOUBLE,
//   the kSnapshotValueColumns (DOUBLE, as the source sent them), job BIGINT.
// The ticker is the partition key (ticker=<T> in the path), as the symbol is for bars.
// Rows are written in (ts, strike) order with zstd. DuckDB does not fsync; callers make
// a file durable through the Env.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"
#include "storage/duckdb_conn.h"

namespace barlake::storage {

/// The DOUBLE columns after ts and strike, in file order.
inline constexpr std::array<const char*, 30> kSnapshotValueColumns = {
    "gex_vol", "gex_oi", "prior_gex_vol_1", "prior_gex_vol_2", "prior_gex_vol_3", "prior_gex_vol_4",
    "prior_gex_vol_5", "spot", "min_dte", "sec_min_dte", "zero_gamma", "major_pos_vol", "major_pos_oi",
    "major_neg_vol", "major_neg_oi", "sum_gex_vol", "sum_gex_oi", "delta_risk_reversal",
    "max_prior_1_strike", "max_prior_1_value", "max_prior_2_strike", "max_prior_2_value",
    "max_prior_3_strike", "max_prior_3_value", "max_prior_4_strike", "max_prior_4_value",
    "max_prior_5_strike", "max_prior_5_value", "max_prior_6_strike", "max_prior_6_value"};
constexpr size_t kSnapshotValueCount = kSnapshotValueColumns.size();
/// Columns in which GexBot writes 0 for "not available"; the `snapshots` view shows NULL.
inline constexpr std::array<const char*, 6> kSnapshotZeroMeansMissing = {
    "gex_oi", "zero_gamma", "major_pos_oi", "major_neg_oi", "sum_gex_oi", "delta_risk_reversal"};
/// Index of a value column by name, or -1.
int SnapshotColumnIndex(const std::string& name);

/// Snapshot rows held row-wise (a partition holds a few thousand rows per trading day).
/// Invariant after normalisation: (ts, strike) strictly increasing.
struct SnapshotRows {
  std::vector<Micros> ts;
  std::vector<double> strike;
  std::vector<std::array<double, kSnapshotValueCount>> values;
  std::vector<int64_t> job;  // the journal job that wrote each row

  size_t size() const { return ts.size(); }
  bool empty() const { return ts.empty(); }
  void Append(const SnapshotRows& src, size_t i);
  /// Row i of a and row j of b hold the same values (numerically, so -0 == 0; the job is
  /// ignored).
  static bool SameValues(const SnapshotRows& a, size_t i, const SnapshotRows& b, size_t j);
  /// Key order: (ts, strike).
  static bool KeyLess(const SnapshotRows& a, size_t i, const SnapshotRows& b, size_t j) {
    return a.ts[i] != b.ts[j] ? a.ts[i] < b.ts[j] : a.strike[i] < b.strike[j];
  }
};

/// A 64-bit fingerprint of the rows (every column and the job), independent of the Parquet
/// encoding (-0 counts as 0, which the Parquet writer may store it as); the journal records
/// it like ContentHash for bars.
std::string SnapshotContentHash(const SnapshotRows& rows);

class SnapshotStore {
 public:
  /// `conn` must outlive the store. Not thread-safe (one DuckDB connection).
  explicit SnapshotStore(DuckConn* conn) : conn_(conn) {}

  /// Write `rows` (sorted and unique by (ts, strike)) to `path`, replacing it.
  Status Write(const SnapshotRows& rows, const std::string& path);
  /// Every row of one file, in file order; refuses a file without the snapshot columns.
  Result<SnapshotRows> ReadFile(const std::string& path);
  /// Rows with from <= ts < to from `paths`, ordered by (ts, strike).
  Result<SnapshotRows> ReadRange(const std::vector<std::string>& paths, Micros from, Micros to);
  /// kCorruption unless the file has exactly the snapshot schema, naming what differs.
  Status CheckSchema(const std::string& path);

 private:
  Result<SnapshotRows> Collect(const std::string& sql, const std::string& what);
  DuckConn* conn_;
};

/// "ts, strike, gex_vol, ..., job": the select list of a snapshot file.
std::string SnapshotSelectList();

}  // namespace barlake::storage
