// The bar kind: OHLCV bars under lake/symbol=<S>/timeframe=<TF>/period=<P>/data.parquet
// (docs/formats/layout.md), written by imports, quarantine releases and regenerates.
#include <algorithm>
#include <set>

#include "core/checksum.h"
#include "core/timeframe.h"
#include "lake/data_kind.h"

namespace barlake::lake {
namespace {

class Bars final : public DataKind {
 public:
  Bars() : DataKind("bars", "lake", "symbol=") {}
  bool root_made_by_init() const override { return true; }
  bool OwnsTimeframe(const std::string& timeframe) const override {
    return Timeframe::Parse(timeframe).ok();
  }
  std::vector<std::string_view> rollback_job_kinds() const override {
    return {"import", "release", "regenerate", "drop", "rename"};
  }
  std::string NotBarsAdvice(const std::string&, const std::string&) const override { return ""; }

  Status Write(const KindIo& io, const RowsPayload& payload,
               const std::string& path) const override {
    ASSIGN_OR_RETURN(const BarColumns* rows, RowsOf<BarColumns>(payload));
    return io.bars->WriteBars(*rows, path);
  }

  Result<FileFacts> ReadFacts(const KindIo& io, const std::string&, const std::string& path,
                              bool check_schema) const override {
    // Staging skips the DESCRIBE query: ReadFile checks the column types, and imports
    // stage thousands of bar files.
    if (check_schema) RETURN_IF_ERROR(io.bars->CheckSchema(path));
    ASSIGN_OR_RETURN(BarColumns rows, io.bars->ReadFile(path));
    return FactsOf(
        rows.size(), "time", rows.empty() ? 0 : rows.ts.front(), rows.empty() ? 0 : rows.ts.back(),
        [&](size_t a, size_t b) { return rows.ts[a] < rows.ts[b]; }, ContentHash(rows));
  }

  Result<FileFacts> Intended(const RowsPayload& payload) const override {
    return IntendedOf<BarColumns>(payload, [](const BarColumns& rows) { return ContentHash(rows); });
  }


  std::vector<std::string> ViewSql(const VaultPaths& paths,
                                   const std::vector<std::string>& stored) const override {
    return BarViewsSql(paths, stored, {});
  }
};

constexpr const char* kBarColumns =
    "symbol, timeframe, ts, open, high, low, close, volume, flags";

std::string EmptyBarView(const std::string& name) {
  return "CREATE OR REPLACE TEMP VIEW " + name +
         " AS SELECT NULL::VARCHAR AS symbol, NULL::VARCHAR AS timeframe, NULL::TIMESTAMPTZ AS ts, "
         "NULL::DOUBLE AS open, NULL::DOUBLE AS high, NULL::DOUBLE AS low, NULL::DOUBLE AS close, "
         "NULL::DOUBLE AS volume, NULL::UTINYINT AS flags WHERE false";
}

std::string ReadParquet(const std::string& files) {
  return "read_parquet(" + files +
         ", hive_partitioning=true, hive_types={'symbol': VARCHAR, 'timeframe': VARCHAR, 'period': "
         "VARCHAR})";
}

// A folder name inside a DuckDB glob: each glob character as a one-character class.
std::string GlobEscaped(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '[' || c == ']' || c == '*' || c == '?') {
      out += std::string("[") + c + "]";
    } else {
      out += c;
    }
  }
  return out;
}

// The folder values of "symbol=S/timeframe=TF/...": what the hive columns read.
std::pair<std::string, std::string> HiveKey(const std::string& rel_path) {
  auto value = [&](const std::string& key) {
    const size_t at = rel_path.find(key + "=");
    if (at == std::string::npos) return std::string();
    const size_t begin = at + key.size() + 1;
    return rel_path.substr(begin, rel_path.find('/', begin) - begin);
  };
  return {value("symbol"), value("timeframe")};
}

}  // namespace

std::vector<std::string> BarViewsSql(const VaultPaths& paths,
                                     const std::vector<std::string>& stored_rel_paths,
                                     const std::set<std::pair<std::string, std::string>>& derived) {
  // The stored datasets, by their folder values, split into imported and derived.
  std::set<std::pair<std::string, std::string>> imported_keys, derived_keys;
  for (const std::string& rel : stored_rel_paths) {
    auto key = HiveKey(rel);
    (derived.count(key) ? derived_keys : imported_keys).insert(std::move(key));
  }
  const std::string root = BarsKind().Root(paths);
  std::vector<std::string> sql;
  if (imported_keys.empty()) {
    sql.push_back(EmptyBarView("bars"));
  } else {
    std::string where;
    for (const auto& [symbol, tf] : derived_keys) {
      where += std::string(where.empty() ? " WHERE NOT (" : " OR ") + "(symbol = " +
               storage::SqlQuote(symbol) + " AND timeframe = " + storage::SqlQuote(tf) + ")";
    }
    if (!where.empty()) where += ")";
    sql.push_back("CREATE OR REPLACE TEMP VIEW bars AS SELECT " + std::string(kBarColumns) +
                  " FROM " + ReadParquet(storage::SqlQuote(root + "/**/*.parquet")) + where);
  }
  if (derived_keys.empty()) {
    sql.push_back(EmptyBarView("derived_bars"));
  } else {
    // One glob per derived dataset that has files (a glob matching nothing is an error).
    std::string globs;
    for (const auto& [symbol, tf] : derived_keys) {
      globs += (globs.empty() ? "" : ", ") +
               storage::SqlQuote(root + "/symbol=" + GlobEscaped(symbol) + "/timeframe=" + GlobEscaped(tf) +
                                   "/**/*.parquet");
    }
    sql.push_back("CREATE OR REPLACE TEMP VIEW derived_bars AS SELECT " + std::string(kBarColumns) +
                  " FROM " + ReadParquet("[" + globs + "]"));
  }
  return sql;
}

const DataKind& BarsKind() {
  static const Bars kind;
  return kind;
}

}  // namespace barlake::lake
