// Read-compatibility while a migration is not activated (migration.h): a dataset the lake
// does not hold yet is served from the legacy files its [[legacy]] entry names. Every
// reader (`barlake read`, `barlake query`, the HTTP API) asks LegacyServedDatasets.
#include <set>
#include <utility>

#include "migrate/migration.h"
#include "registry/legacy_config.h"
#include "core/time_util.h"

namespace barlake::migrate {

Result<std::vector<LegacyServed>> LegacyServedDatasets(lake::Lake* lake, const std::string& symbol,
                                                       const std::string& timeframe) {
  const lake::VaultPaths& paths = lake->paths();
  Env* env = lake->env();
  ASSIGN_OR_RETURN(std::string text, env->ReadFile(paths.registry));
  ASSIGN_OR_RETURN(auto legacy, registry::ParseLegacySources(text, paths.registry));
  const bool only_one = !symbol.empty() || !timeframe.empty();
  std::vector<LegacyServed> served;
  std::set<std::pair<std::string, std::string>> taken;  // by an earlier [[legacy]] entry
  for (const auto& l : legacy) {
    if (l.activated) continue;
    auto loaded = LoadPlan(env, paths, l.name);
    if (!loaded.ok()) continue;  // a [[legacy]] whose plan is gone serves nothing
    auto plan = std::make_shared<const Plan>(std::move(*loaded));
    if (plan->status == "activated" || plan->status == "legacy_deleted") continue;
    for (const auto& d : plan->datasets) {
      if (only_one && (d.symbol != symbol || d.timeframe != timeframe)) continue;
      if (!taken.insert({d.symbol, d.timeframe}).second) continue;
      // The lake wins as soon as it holds any partition of the dataset: a migrated one,
      // or one imported or updated since the plan was made.
      ASSIGN_OR_RETURN(auto stored, lake->PartitionsInRange(d.symbol, d.timeframe, kOpenRangeStart, kOpenRangeEnd));
      if (!stored.empty()) continue;
      served.push_back(LegacyServed{plan, &d, l.layout.empty() ? plan->layout : l.layout});
    }
  }
  return served;
}

Result<std::optional<LegacyRows>> ReadFromLegacy(lake::Lake* lake, const std::string& symbol,
                                                 const std::string& timeframe, Micros from, Micros to) {
  ASSIGN_OR_RETURN(auto served, LegacyServedDatasets(lake, symbol, timeframe));
  if (served.empty()) return std::optional<LegacyRows>();
  const LegacyServed& s = served.front();
  ASSIGN_OR_RETURN(BarColumns all, ReadLegacyRows(*s.plan, *s.dataset));
  LegacyRows out{s.plan->id, s.plan->source_dir, {}};
  for (size_t i = 0; i < all.size(); ++i) {
    if (all.ts[i] >= from && all.ts[i] < to) out.bars.AppendPrices(all, i);
  }
  return std::optional<LegacyRows>(std::move(out));
}

namespace {

// The rows behind `legacy_bars`: a table of the query connection's in-memory database
// (never a file), filled through DuckDB's appender.
constexpr const char* kLegacyRowsTable = "barlake_legacy_bar_rows";

Status AppendLegacyRows(storage::DuckConn* duck, const LegacyServed& s) {
  ASSIGN_OR_RETURN(BarColumns rows, ReadLegacyRows(*s.plan, *s.dataset));
  storage::Appender app;
  // A TEMP table lives in the catalog "temp".
  if (duckdb_appender_create_ext(duck->raw(), "temp", "main", kLegacyRowsTable, app.out()) == DuckDBError) {
    return Status::Internal("cannot append to the legacy rows table");
  }
  const std::string& symbol = s.dataset->symbol;
  const std::string& timeframe = s.dataset->timeframe;
  for (size_t i = 0; i < rows.size(); ++i) {
    duckdb_state st = duckdb_append_varchar_length(app.get(), symbol.data(), symbol.size());
    if (st == DuckDBSuccess) st = duckdb_append_varchar_length(app.get(), timeframe.data(), timeframe.size());
    if (st == DuckDBSuccess) st = duckdb_append_timestamp(app.get(), duckdb_timestamp{rows.ts[i]});
    for (double v : {rows.open[i], rows.high[i], rows.low[i], rows.close[i], rows.volume[i]}) {
      if (st == DuckDBSuccess) st = duckdb_append_double(app.get(), v);
    }
    if (st == DuckDBSuccess) st = duckdb_appender_end_row(app.get());
    if (st == DuckDBError) {
      const char* e = duckdb_appender_error(app.get());
      return Status::Internal(std::string("appending legacy rows: ") + (e ? e : "unknown error"));
    }
  }
  if (duckdb_appender_close(app.get()) == DuckDBError) {
    const char* e = duckdb_appender_error(app.get());
    return Status::Internal(std::string("appending legacy rows: ") + (e ? e : "unknown error"));
  }
  return Status::OK();
}

// The SELECT behind the temporary view `name` as DuckDB keeps it ("CREATE TEMPORARY VIEW
// name AS SELECT ...;"): what follows the first " AS ".
Result<std::string> ViewBody(storage::DuckConn* duck, const std::string& name) {
  ASSIGN_OR_RETURN(auto r, duck->Query("SELECT sql FROM duckdb_views() WHERE temporary AND view_name = " +
                                       storage::SqlQuote(name)));
  if (r->RowCount() != 1) return Status::Internal("the lake made no view '" + name + "'");
  std::string sql = r->Text(0, 0);
  const size_t as = sql.find(" AS ");
  if (as == std::string::npos) return Status::Internal("cannot read the definition of the view '" + name + "'");
  sql.erase(0, as + 4);
  while (!sql.empty() && (sql.back() == ';' || sql.back() == ' ' || sql.back() == '\n')) sql.pop_back();
  return sql;
}

}  // namespace

Result<std::vector<LegacyServed>> AddLegacyQueryViews(lake::Lake* lake, storage::DuckConn* duck) {
  ASSIGN_OR_RETURN(auto served, LegacyServedDatasets(lake));
  RETURN_IF_ERROR(duck->Execute(std::string("CREATE OR REPLACE TEMP TABLE ") + kLegacyRowsTable +
                                " (symbol VARCHAR, timeframe VARCHAR, ts TIMESTAMP, open DOUBLE, high DOUBLE, "
                                "low DOUBLE, close DOUBLE, volume DOUBLE)"));
  std::string listed;
  for (const LegacyServed& s : served) {
    RETURN_IF_ERROR(AppendLegacyRows(duck, s)
                        .WithContext("reading the legacy files of " + s.dataset->symbol + " " + s.dataset->timeframe +
                                     " (migration " + s.plan->id + ")"));
    listed += std::string(listed.empty() ? "" : ", ") + "(" + storage::SqlQuote(s.dataset->symbol) + ", " +
              storage::SqlQuote(s.dataset->timeframe) + ", " + storage::SqlQuote(s.plan->id) + ", " +
              storage::SqlQuote(s.plan->source_dir) + ", " + storage::SqlQuote(s.layout) + ", " +
              std::to_string(s.dataset->files.size()) + ", " + std::to_string(s.dataset->rows) + ")";
  }
  const std::string columns = "symbol, timeframe, migration, source_dir, layout, files, rows";
  RETURN_IF_ERROR(duck->Execute(
      "CREATE OR REPLACE TEMP VIEW legacy_datasets AS " +
      (listed.empty() ? "SELECT NULL::VARCHAR AS symbol, NULL::VARCHAR AS timeframe, NULL::VARCHAR AS migration, "
                        "NULL::VARCHAR AS source_dir, NULL::VARCHAR AS layout, NULL::BIGINT AS files, "
                        "NULL::BIGINT AS rows WHERE false"
                      : "SELECT symbol, timeframe, migration, source_dir, layout, files::BIGINT AS files, "
                        "rows::BIGINT AS rows FROM (VALUES " + listed + ") t(" + columns + ")")));
  RETURN_IF_ERROR(duck->Execute(std::string("CREATE OR REPLACE TEMP VIEW legacy_bars AS SELECT symbol, timeframe, "
                                            "ts::TIMESTAMPTZ AS ts, open, high, low, close, volume, "
                                            "0::UTINYINT AS flags FROM ") +
                                kLegacyRowsTable));
  // `lake_bars`: `bars` as the lake made it (what the lake holds, whatever is migrated).
  ASSIGN_OR_RETURN(std::string lake_bars, ViewBody(duck, "bars"));
  RETURN_IF_ERROR(duck->Execute("CREATE OR REPLACE TEMP VIEW lake_bars AS " + lake_bars));
  if (served.empty()) return served;
  // `bars`: the lake's plus the legacy rows (a dataset is in one or the other:
  // LegacyServedDatasets serves only what the lake holds none of).
  RETURN_IF_ERROR(
      duck->Execute("CREATE OR REPLACE TEMP VIEW bars AS SELECT * FROM lake_bars UNION ALL SELECT * FROM legacy_bars"));
  return served;
}

}  // namespace barlake::migrate
