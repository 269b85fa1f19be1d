// DataKind: everything barlake knows about one kind of stored data, in one object.
//
// A kind (bars, GEX snapshots, derived tables; later ticks, provider responses, keyed
// JSON documents) owns:
//   - its data root under the vault and the first key of its partition paths, which is how
//     a rel_path in the journal tells its kind ("symbol=" bars under lake/, "kind="
//     snapshots under snapshots/, "table=" tables under tables/);
//   - its row type (RowsPayload holds it type-erased, so a PartitionWrite has one payload
//     field whatever the kind), how rows are written to Parquet, and the facts a file
//     read back must show (ReadFacts) against what was meant (Intended);
//   - where SyncParents stops when a job creates folders under its root;
//   - its merge key and "same values" compare (RowTraits<Rows> in lake/keyed_merge.h);
//   - the catalog timeframes it owns (the catalog is keyed (symbol, timeframe));
//   - which journal job kinds write it and can be rolled back;
//   - its query views (`bars`, `snapshots`, `session_stats`, ...).
//
// Kinds are registered in one list (data_kind.h, BARLAKE_DATA_KINDS); adding a kind is one
// file defining it plus one entry there (docs/adding-a-data-kind.md).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"
#include "lake/vault.h"
#include "storage/duckdb_conn.h"
#include "storage/parquet_store.h"

namespace barlake::lake {

/// What a partition file holds, read with the reader of its kind. Staging reads every new
/// file back through this, and `verify` every stored one.
struct FileFacts {
  int64_t rows = 0;
  Micros min_ts = 0, max_ts = 0;  // first and last key (a table's trade dates as UTC midnights)
  std::string content_hash;
  int64_t disorder_at = -1;  // first row not strictly after the one before, -1 if none
  std::string key_order;     // "time", "(ts, strike)", "trade_date": for messages
};

/// Set `f->disorder_at` to the first row i (of n) that is not strictly after row i - 1.
template <typename StrictlyBefore>
void CheckKeyOrder(size_t n, StrictlyBefore strictly_before, FileFacts* f) {
  for (size_t i = 1; i < n && f->disorder_at < 0; ++i) {
    if (!strictly_before(i - 1, i)) f->disorder_at = static_cast<int64_t>(i);
  }
}

/// The facts of `n` rows read back in file order, whose first and last keys are
/// `first_ts` and `last_ts` (ignored when n is 0).
template <typename StrictlyBefore>
FileFacts FactsOf(size_t n, std::string key_order, Micros first_ts, Micros last_ts, StrictlyBefore strictly_before,
                  std::string content_hash) {
  FileFacts f;
  f.key_order = std::move(key_order);
  f.rows = static_cast<int64_t>(n);
  if (n > 0) f.min_ts = first_ts, f.max_ts = last_ts;
  CheckKeyOrder(n, strictly_before, &f);
  f.content_hash = std::move(content_hash);
  return f;
}

/// The rows of one partition, of whichever kind; the kind knows the concrete type.
class RowsPayload {
 public:
  virtual ~RowsPayload() = default;
  virtual size_t size() const = 0;
};

template <typename Rows>
class PayloadOf final : public RowsPayload {
 public:
  explicit PayloadOf(Rows r) : rows(std::move(r)) {}
  size_t size() const override { return rows.size(); }
  Rows rows;
};

/// Wrap rows as a payload.
template <typename Rows>
std::unique_ptr<RowsPayload> MakePayload(Rows rows) {
  return std::make_unique<PayloadOf<Rows>>(std::move(rows));
}

/// The rows in `payload` as `Rows`; kInternal when they are another kind's (a bug).
template <typename Rows>
Result<const Rows*> RowsOf(const RowsPayload& payload) {
  const auto* typed = dynamic_cast<const PayloadOf<Rows>*>(&payload);
  if (!typed) return Status::Internal("a partition's rows are not of the kind its path names");
  return &typed->rows;
}

/// The row count and fingerprint (`hash` of the rows) of a payload of `Rows`.
template <typename Rows, typename Hash>
Result<FileFacts> IntendedOf(const RowsPayload& payload, Hash hash) {
  ASSIGN_OR_RETURN(const Rows* rows, RowsOf<Rows>(payload));
  FileFacts f;
  f.rows = static_cast<int64_t>(rows->size());
  f.content_hash = hash(*rows);
  return f;
}

/// The handles a kind reads and writes files with: one set per staging thread.
struct KindIo {
  storage::ParquetStore* bars = nullptr;  // the bar store over `conn`
  storage::DuckConn* conn = nullptr;
  Env* env = nullptr;  // for kinds whose files are not Parquet (the registry document)
};

class DataKind {
 public:
  virtual ~DataKind() = default;

  /// The registry `kind` of its datasets ("bars", "snapshot", "table").
  std::string_view name() const { return name_; }
  /// Its data root, relative to the vault ("lake", "snapshots", "tables").
  std::string_view root_folder() const { return root_folder_; }
  /// The first key of every rel_path of this kind ("symbol=", "kind=", "table=").
  std::string_view rel_prefix() const { return rel_prefix_; }
  /// False for a vault file that is not a partition (the registry document): the catalog,
  /// verify's file listing and the query views leave it out.
  virtual bool catalogued() const { return true; }
  /// True when the data root exists from `barlake init` on (lake/); otherwise a job may
  /// create it, so SyncParents goes up to the vault root.
  virtual bool root_made_by_init() const { return false; }
  /// Whether a catalog (and registry) timeframe names a dataset of this kind: "gex" for
  /// snapshots, a table's name for tables, a bar timeframe for bars.
  virtual bool OwnsTimeframe(const std::string& timeframe) const = 0;
  /// The journal job kinds that write this kind's partitions and can be rolled back.
  virtual std::vector<std::string_view> rollback_job_kinds() const = 0;
  /// Message for reading a dataset of this kind as bars (empty for bars themselves).
  virtual std::string NotBarsAdvice(const std::string& symbol,
                                    const std::string& timeframe) const = 0;

  /// Write `rows` (sorted and unique by the kind's key) to the Parquet file `path`. DuckDB
  /// does not fsync; the write protocol makes the file durable.
  virtual Status Write(const KindIo& io, const RowsPayload& rows,
                       const std::string& path) const = 0;
  /// Read a stored or staged file back: row count, key range, order, content hash. With
  /// `check_schema` the exact column set is checked too (verify).
  virtual Result<FileFacts> ReadFacts(const KindIo& io, const std::string& rel_path,
                                      const std::string& path, bool check_schema) const = 0;
  /// The row count and content hash of what `rows` mean to write.
  virtual Result<FileFacts> Intended(const RowsPayload& rows) const = 0;

  /// SQL statements (each a CREATE OR REPLACE TEMP VIEW) giving the kind's query views
  /// over its stored files. `stored_rel_paths` are the catalogued partitions of this kind
  /// (DuckDB refuses a glob that matches no file, so an empty kind gets empty views).
  virtual std::vector<std::string> ViewSql(
      const VaultPaths& paths, const std::vector<std::string>& stored_rel_paths) const = 0;

  /// Whether `rel_path` is one of this kind's.
  bool OwnsRelPath(const std::string& rel_path) const {
    return rel_path.rfind(rel_prefix(), 0) == 0;
  }
  /// Absolute path of the data root.
  std::string Root(const VaultPaths& paths) const {
    return root_folder().empty() ? paths.root : JoinPath(paths.root, std::string(root_folder()));
  }
  /// Where SyncParents stops for a partition of this kind.
  std::string SyncStop(const VaultPaths& paths) const {
    return root_made_by_init() ? Root(paths) : paths.root;
  }

 protected:
  /// What name(), root_folder() and rel_prefix() return: fixed for the life of the kind.
  DataKind(std::string_view name, std::string_view root_folder, std::string_view rel_prefix)
      : name_(name), root_folder_(root_folder), rel_prefix_(rel_prefix) {}

 private:
  const std::string name_;
  const std::string root_folder_;
  const std::string rel_prefix_;
};

/// Every registered kind, in registration order (bars last: it owns any bar timeframe).
const std::vector<const DataKind*>& AllDataKinds();
/// Register one more kind (a test's fake kind). Not thread-safe: call before using kinds.
void RegisterDataKind(const DataKind* kind);
/// Remove a kind registered with RegisterDataKind.
void UnregisterDataKind(const DataKind* kind);
/// The kind whose rel_prefix starts `rel_path`; bars when none does (a path the journal
/// holds always names its kind; an odd one is then refused by the bar reader's checks).
const DataKind& KindOfRelPath(const std::string& rel_path);
/// The kind owning a catalog timeframe; bars when none does.
const DataKind& KindOfTimeframe(const std::string& timeframe);
/// The kind of a registry `kind` name, nullptr if none.
const DataKind* FindDataKind(std::string_view name);
// The registered kinds. A kind is a file defining `const DataKind& NameKind()` plus one
// entry here (declared here, listed in AllDataKinds in this order). Bars come last: they
// own every bar timeframe and are the fallback.
#define BARLAKE_DATA_KINDS(X) \
  X(RegistryDocumentKind)     \
  X(GexSnapshotKind)          \
  X(DerivedTableKind)         \
  X(DocumentKind)             \
  X(BarsKind)

#define BARLAKE_DECLARE_KIND(fn) const DataKind& fn();
BARLAKE_DATA_KINDS(BARLAKE_DECLARE_KIND)
#undef BARLAKE_DECLARE_KIND
/// The bar query views: `bars` over the imported datasets' files and `derived_bars` over
/// those of `derived` (SYMBOL, TF by their folder values; datasets barlake builds), so a
/// query over `bars` never counts a resampled copy of the same trades twice.
std::vector<std::string> BarViewsSql(const VaultPaths& paths,
                                     const std::vector<std::string>& stored_rel_paths,
                                     const std::set<std::pair<std::string, std::string>>& derived);
/// "bars", "snapshot" or "table": the registry kind of a catalog timeframe.
std::string DatasetKindOf(const std::string& timeframe);
/// Whether completed jobs of `job_kind` can be rolled back (some kind lists it).
bool IsRollbackJobKind(const std::string& job_kind);

}  // namespace barlake::lake
