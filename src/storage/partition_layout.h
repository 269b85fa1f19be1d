// Partition layout of the lake (docs/formats/layout.md is the reference).
//
//   lake/symbol=<S>/timeframe=<TF>/period=<YYYY-MM>/data.parquet   (timeframes below 1d)
//   lake/symbol=<S>/timeframe=<TF>/period=<YYYY>/data.parquet      (1d and 1w)
//
// Every file carries the same hive keys (symbol, timeframe, period) because DuckDB refuses
// a glob whose files have different key sets ("Hive partition mismatch"), and we promise
// that read_parquet('<vault>/lake/**/*.parquet', hive_partitioning=true) reads the lake.
#pragma once

#include <string>

#include "core/result.h"
#include "core/time_util.h"

namespace barlake::storage {

constexpr const char* kPartitionFileName = "data.parquet";

/// Symbols become folder names and SQL values: letters, digits and . _ - ^ + ! = only,
/// 1..40 characters, not starting with '.' or '_' (hidden to Parquet readers). Vendor
/// symbols such as EURUSD=X, ^GSPC and BRK.B are valid as they are.
Status ValidateSymbol(const std::string& symbol);
/// A symbol as it is written in a hive folder name: '=' (which would end the key) as %3D,
/// the URL escape DuckDB's hive partitioning decodes, so `symbol=EURUSD%3DX` reads back as
/// EURUSD=X. Reversible: '%' is not a symbol character. Every other symbol is unchanged.
std::string SymbolFolderValue(const std::string& symbol);

/// "2024-01" for month partitions, "2024" for year partitions.
std::string PeriodOf(Micros ts, bool yearly);
/// [start, end) of a period in UTC micros.
Result<std::pair<Micros, Micros>> PeriodRange(const std::string& period);
/// symbol=ES/timeframe=1m/period=2024-01/data.parquet (relative to the lake folder).
std::string PartitionRelPath(const std::string& symbol, const std::string& timeframe,
                             const std::string& period);

/// Snapshot partitions (docs/formats/gex-snapshots.md) live under <vault>/snapshots/, not
/// lake/, so the bar glob never sees them:
///   snapshots/kind=<K>/ticker=<T>/period=<YYYY-MM>/data.parquet
/// Their rel_path (journal, catalog) is relative to snapshots/ and starts with "kind=";
/// bar rel_paths start with "symbol=". That first key is how a path tells its kind and
/// root (lake/data_kind.h).
std::string SnapshotRelPath(const std::string& kind, const std::string& ticker,
                            const std::string& period);

/// Derived table partitions (storage/table_store.h: session statistics, level touches)
/// live under <vault>/tables/, one row per trade date, a file per year:
///   tables/table=<NAME>/symbol=<S>/period=<YYYY>/data.parquet
/// Their rel_path is relative to tables/ and starts with "table=".
std::string TableRelPath(const std::string& table, const std::string& symbol, const std::string& period);

}  // namespace barlake::storage
