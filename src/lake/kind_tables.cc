// The derived-table kind (lake/derived_tables.h): one row per trade date under
// tables/table=<NAME>/symbol=<S>/period=<YYYY>/data.parquet, catalogued as (symbol, NAME),
// written by regenerate jobs. One kind serves every table schema.
#include <algorithm>

#include "lake/data_kind.h"
#include "lake/derived_tables.h"
#include "storage/table_store.h"

namespace barlake::lake {
namespace {

// "session_stats" of "table=session_stats/...".
std::string TableNameOfRelPath(const std::string& rel_path) {
  const auto slash = rel_path.find('/');
  return rel_path.substr(6, slash == std::string::npos ? std::string::npos : slash - 6);
}

class DerivedTables final : public DataKind {
 public:
  DerivedTables() : DataKind("table", "tables", "table=") {}
  bool OwnsTimeframe(const std::string& timeframe) const override {
    return FindTableSchema(timeframe) != nullptr;
  }
  std::vector<std::string_view> rollback_job_kinds() const override { return {"regenerate"}; }
  std::string NotBarsAdvice(const std::string& symbol,
                            const std::string& timeframe) const override {
    return symbol + " " + timeframe +
           " is a derived table, not bars; query it with `barlake query \"SELECT * FROM " +
           timeframe + " WHERE symbol = '" + symbol + "'\"`";
  }

  Status Write(const KindIo& io, const RowsPayload& payload,
               const std::string& path) const override {
    ASSIGN_OR_RETURN(const storage::TableRows* rows, RowsOf<storage::TableRows>(payload));
    return storage::TableStore(io.conn).Write(*rows, path);
  }

  // A table partition's time range in the catalog is its first and last trade date (UTC
  // midnight).
  Result<FileFacts> ReadFacts(const KindIo& io, const std::string& rel_path,
                              const std::string& path, bool) const override {
    const storage::TableSchema* schema = FindTableSchema(TableNameOfRelPath(rel_path));
    if (!schema) return Status::Corruption("'" + rel_path + "' names no known derived table");
    storage::TableStore tables(io.conn);
    RETURN_IF_ERROR(tables.CheckSchema(*schema, path));
    ASSIGN_OR_RETURN(storage::TableRows rows, tables.ReadFile(*schema, path));
    const size_t n = rows.size();
    return FactsOf(
        n, schema->columns[0].name, n ? rows.Key(0) * kMicrosPerDay : 0, n ? rows.Key(n - 1) * kMicrosPerDay : 0,
        [&](size_t a, size_t b) { return rows.Key(a) < rows.Key(b); }, storage::TableContentHash(rows));
  }

  Result<FileFacts> Intended(const RowsPayload& payload) const override {
    return IntendedOf<storage::TableRows>(payload, [](const storage::TableRows& rows) { return storage::TableContentHash(rows); });
  }


  // A view per table, named as the table: symbol, then its columns and job.
  std::vector<std::string> ViewSql(const VaultPaths& paths,
                                   const std::vector<std::string>& stored) const override {
    std::vector<std::string> out;
    for (const storage::TableSchema* schema : AllTableSchemas()) {
      const std::string prefix = "table=" + schema->name + "/";
      const bool any = std::any_of(stored.begin(), stored.end(), [&](const std::string& rel) {
        return rel.rfind(prefix, 0) == 0;
      });
      std::string sql = "CREATE OR REPLACE TEMP VIEW " + schema->name + " AS ";
      if (any) {
        sql += "SELECT symbol, " + schema->SelectList() + " FROM read_parquet(" +
               storage::SqlQuote(Root(paths) + "/table=" + schema->name + "/**/*.parquet") +
               ", hive_partitioning=true, hive_types={'table': VARCHAR, 'symbol': VARCHAR, "
               "'period': VARCHAR})";
      } else {
        sql += "SELECT NULL::VARCHAR AS symbol";
        for (const auto& c : schema->columns)
          sql += ", NULL::" + storage::SqlTypeName(c.type) + " AS \"" + c.name + "\"";
        sql += ", NULL::BIGINT AS job WHERE false";
      }
      out.push_back(std::move(sql));
    }
    return out;
  }
};

}  // namespace

const DataKind& DerivedTableKind() {
  static const DerivedTables kind;
  return kind;
}

}  // namespace barlake::lake
