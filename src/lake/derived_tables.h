// Derived tables: daily session statistics and level touches stored as datasets of kind
// "table" (docs/derived.md), one row per session, a Parquet file per year under
//   <vault>/tables/table=<NAME>/symbol=<S>/period=<YYYY>/data.parquet
//
//   [[dataset]]  kind = "table"  symbol = "ES"  timeframe = "session_stats"
//                method = "session_stats"  inputs = ["ES 1m"]  calendar = "CME_Globex"
//   [[dataset]]  kind = "table"  symbol = "ES"  timeframe = "level_touches"
//                method = "level_touches"  inputs = ["ES 1m"]  calendar = "CME_Globex"
//                day_start = "09:30"
//
// They are built by the same regenerate jobs as derived bars (lake/derived.cc): same write
// protocol, lineage, staleness and incremental rebuilds. This file holds what is specific
// to tables: their schemas and how derive/'s results become rows.
#pragma once

#include <string>
#include <vector>

#include "derive/level_touches.h"
#include "lake/data_kind.h"  // DatasetKindOf
#include "derive/session_stats.h"
#include "registry/registry.h"
#include "storage/table_store.h"

namespace barlake::lake {

constexpr const char* kSessionStatsTable = "session_stats";
constexpr const char* kLevelTouchesTable = "level_touches";

/// The schema of a derived table by name, nullptr if there is no such table.
const storage::TableSchema* FindTableSchema(const std::string& name);
/// Every derived table's schema (each gets a query view of its name).
std::vector<const storage::TableSchema*> AllTableSchemas();

/// Rows of the sessions whose trade date is in [from_day, to_day) (days since 1970-01-01).
storage::TableRows SessionStatsRows(const std::vector<derive::SessionStat>& sessions, int64_t from_day,
                                    int64_t to_day);
storage::TableRows LevelTouchesRows(const std::vector<derive::SessionLevels>& sessions, int64_t from_day,
                                    int64_t to_day);

/// The level options of a level_touches dataset: its day_start ("HH:MM", "none", empty =
/// 09:30) in its calendar's zone.
Result<derive::LevelOptions> LevelOptionsOf(const registry::DatasetSpec& spec, const std::string& calendar_zone);

}  // namespace barlake::lake
