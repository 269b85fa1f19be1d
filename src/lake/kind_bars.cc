// The bar kind: OHLCV bars under lake/symbol=<S>/timeframe=<TF>/period=<P>/data.parquet
// (docs/formats/layout.md), written by imports, quarantine releases and regenerates.
#include <algorithm>

#include "core/checksum.h"
#include "core/timeframe.h"
#include "lake/data_kind.h"

namespace barlake::lake {
namespace {

class Bars final : public DataKind {
 public:
  std::string_view name() const override { return "bars"; }
  std::string_view root_folder() const override { return "lake"; }
  std::string_view rel_prefix() const override { return "symbol="; }
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
    if (stored.empty()) {
      return {
          "CREATE OR REPLACE TEMP VIEW bars AS SELECT NULL::VARCHAR AS symbol, NULL::VARCHAR AS "
          "timeframe, "
          "NULL::TIMESTAMPTZ AS ts, NULL::DOUBLE AS open, NULL::DOUBLE AS high, NULL::DOUBLE AS "
          "low, "
          "NULL::DOUBLE AS close, NULL::DOUBLE AS volume, NULL::UTINYINT AS flags WHERE false"};
    }
    return {
        "CREATE OR REPLACE TEMP VIEW bars AS SELECT symbol, timeframe, ts, open, high, low, close, "
        "volume, "
        "flags FROM read_parquet(" +
        storage::SqlQuote(Root(paths) + "/**/*.parquet") +
        ", hive_partitioning=true, hive_types={'symbol': VARCHAR, 'timeframe': VARCHAR, 'period': "
        "VARCHAR})"};
  }
};

}  // namespace

const DataKind& BarsKind() {
  static const Bars kind;
  return kind;
}

}  // namespace barlake::lake
