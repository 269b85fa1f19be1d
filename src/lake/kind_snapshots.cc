// The GEX snapshot kind (docs/formats/gex-snapshots.md): one row per (snapshot, strike)
// under snapshots/kind=gex/ticker=<T>/period=<YYYY-MM>/data.parquet, catalogued as
// (ticker, "gex"), written by snapshot imports.
#include "lake/data_kind.h"
#include "lake/snapshot_import.h"
#include "storage/snapshot_store.h"

namespace barlake::lake {
namespace {

bool ZeroMeansMissing(const char* column) {
  for (const char* c : storage::kSnapshotZeroMeansMissing) {
    if (std::string_view(c) == column) return true;
  }
  return false;
}

class GexSnapshots final : public DataKind {
 public:
  GexSnapshots() : DataKind("snapshot", "snapshots", "kind=") {}
  bool OwnsTimeframe(const std::string& timeframe) const override {
    return timeframe == kGexTimeframe;
  }
  std::vector<std::string_view> rollback_job_kinds() const override {
    return {kSnapshotImportJobKind};
  }
  std::string NotBarsAdvice(const std::string& symbol,
                            const std::string& timeframe) const override {
    return symbol + " " + timeframe +
           " is a snapshot dataset, not bars; read it with `barlake snapshots read " + symbol + "`";
  }

  Status Write(const KindIo& io, const RowsPayload& payload,
               const std::string& path) const override {
    ASSIGN_OR_RETURN(const storage::SnapshotRows* rows, RowsOf<storage::SnapshotRows>(payload));
    return storage::SnapshotStore(io.conn).Write(*rows, path);
  }

  Result<FileFacts> ReadFacts(const KindIo& io, const std::string&, const std::string& path,
                              bool) const override {
    storage::SnapshotStore snapshots(io.conn);
    RETURN_IF_ERROR(snapshots.CheckSchema(path));
    ASSIGN_OR_RETURN(storage::SnapshotRows rows, snapshots.ReadFile(path));
    return FactsOf(
        rows.size(), "(ts, strike)", rows.empty() ? 0 : rows.ts.front(), rows.empty() ? 0 : rows.ts.back(),
        [&](size_t a, size_t b) { return storage::SnapshotRows::KeyLess(rows, a, rows, b); },
        storage::SnapshotContentHash(rows));
  }

  Result<FileFacts> Intended(const RowsPayload& payload) const override {
    return IntendedOf<storage::SnapshotRows>(payload, [](const storage::SnapshotRows& rows) { return storage::SnapshotContentHash(rows); });
  }


  // `snapshots_raw` holds the values as stored; `snapshots` shows GexBot's 0 = "not
  // available" as NULL.
  std::vector<std::string> ViewSql(const VaultPaths& paths,
                                   const std::vector<std::string>& stored) const override {
    std::string cols = "kind, ticker, ts, strike";
    std::string nulled = cols;
    std::string empty =
        "NULL::VARCHAR AS kind, NULL::VARCHAR AS ticker, NULL::TIMESTAMPTZ AS ts, NULL::DOUBLE AS "
        "strike";
    for (const char* c : storage::kSnapshotValueColumns) {
      const std::string name = c;
      cols += ", " + name;
      nulled += ZeroMeansMissing(c) ? ", NULLIF(" + name + ", 0) AS " + name : ", " + name;
      empty += ", NULL::DOUBLE AS " + name;
    }
    cols += ", job";
    nulled += ", job";
    empty += ", NULL::BIGINT AS job";
    std::string raw = "CREATE OR REPLACE TEMP VIEW snapshots_raw AS SELECT ";
    raw += stored.empty()
               ? empty + " WHERE false"
               : cols + " FROM read_parquet(" + storage::SqlQuote(Root(paths) + "/**/*.parquet") +
                     ", hive_partitioning=true, hive_types={'kind': VARCHAR, 'ticker': VARCHAR, "
                     "'period': VARCHAR})";
    return {raw,
            "CREATE OR REPLACE TEMP VIEW snapshots AS SELECT " + nulled + " FROM snapshots_raw"};
  }
};

}  // namespace

const DataKind& GexSnapshotKind() {
  static const GexSnapshots kind;
  return kind;
}

}  // namespace barlake::lake
