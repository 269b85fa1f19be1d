// DerivedBuilder: how the rows of one derived dataset are made, one small class per method
// (derived_builders.cc): resampled bars, bars from a SQL query, the session_stats and
// level_touches tables. The job around it (lake/derived.cc) is the same for all: lineage,
// which periods to rebuild, compare with the stored file, stage and commit through the
// write protocol, declare the dataset in barlake.toml as a write of the same job.
//
//   builder = MakeDerivedBuilder(spec, ctx)        // checks the spec, sets up (a query runs)
//   periods = builder->Reach(changed input range)  // derived time ranges to rebuild
//   rows    = builder->Build(period, from, to)     // rows of one derived partition
//
// Builders of one job share a DerivedInputFiles: a job building several datasets from the
// same input (`barlake resample ES --to 5m,15m,1h,4h`) walks the periods in time order, so
// each input partition is read (decompressed) once for all of them.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/bars.h"
#include "core/checksum.h"
#include "core/result.h"
#include "journal/journal.h"
#include "lake/data_kind.h"
#include "lake/vault.h"
#include "registry/registry.h"
#include "storage/duckdb_conn.h"
#include "storage/parquet_store.h"
#include "storage/table_store.h"

namespace barlake::lake {

/// The input partitions of a derived dataset as they are now (what its job reads and
/// records as its lineage).
struct DerivedInputs {
  std::map<std::string, journal::PartitionEntry> parts;  // by rel_path
  Micros first = kOpenRangeEnd, last = kOpenRangeStart;  // first and last input bar
  bool empty() const { return first > last; }
};

/// The bars of one input dataset read from its partition files in time order. A derived
/// period reads its input period and the start of the next, which the next period reads
/// again, and several builders read the same periods one after the other: the last few
/// files read are kept, so each is decompressed once per job. The files' rows are in time
/// order (checked when they were written), so they need no sort; the result is checked.
class DerivedInputFiles {
 public:
  DerivedInputFiles(storage::ParquetStore* store, const VaultPaths* paths,
                    std::vector<journal::PartitionEntry> parts);
  /// Bars with from <= ts < to. The same range asked again (the next target of the same
  /// period) gets the same rows without a copy.
  Result<std::shared_ptr<const BarColumns>> Read(Micros from, Micros to);

 private:
  Result<BarColumns> ReadFiles(Micros from, Micros to);

  storage::ParquetStore* store_;
  const VaultPaths* paths_;
  std::vector<journal::PartitionEntry> parts_;  // by min_ts
  std::deque<std::pair<std::string, std::shared_ptr<const BarColumns>>> recent_;
  Micros last_from_ = 0, last_to_ = 0;
  std::shared_ptr<const BarColumns> last_;
};

/// The rows one Build made for a derived partition.
struct BuiltPartition {
  std::unique_ptr<RowsPayload> rows;  // stamped with the job; nullptr when there are none
  size_t count = 0;
  bool same_as_stored = false;  // equal to the stored file: nothing to write
  int64_t truncated_bars = 0;   // bars flagged kBarTruncated
};

/// The catalog fingerprint of rows (the content hash staging checks every file with).
inline std::string RowsFingerprint(const BarColumns& rows) { return ContentHash(rows); }
inline std::string RowsFingerprint(const storage::TableRows& rows) {
  return storage::TableContentHash(rows);
}

/// Rows of `Rows` (BarColumns or TableRows) as a BuiltPartition for job `job_id`, compared
/// with the stored file through the catalog: the rows stamped with the stored file's job
/// must give its content hash. No stored file is read.
template <typename Rows>
BuiltPartition Built(Rows rows, const journal::PartitionEntry* stored, int64_t job_id) {
  BuiltPartition b;
  b.count = rows.size();
  if (b.count == 0) return b;
  if (stored && stored->rows == static_cast<int64_t>(b.count)) {
    rows.job.assign(b.count, stored->version);
    b.same_as_stored = RowsFingerprint(rows) == stored->content_hash;
  }
  rows.job.assign(b.count, job_id);
  b.rows = MakePayload(std::move(rows));
  return b;
}

/// What builders need from the lake.
struct DerivedContext {
  Env* env = nullptr;
  const VaultPaths* paths = nullptr;
  const registry::Registry* registry = nullptr;
  storage::ParquetStore* store = nullptr;
  storage::DuckConn* duck = nullptr;
  int64_t job_id = 0;
  /// Lake::Read (tables read their input by time range).
  std::function<Result<BarColumns>(const std::string& symbol, const std::string& timeframe,
                                   Micros from, Micros to)>
      read_bars;
  /// Lake::CreateBarsView (a SQL dataset's query runs over the `bars` view).
  std::function<Status(storage::DuckConn*)> create_bars_view;
  /// The input files shared by the builders of one job, per input dataset ("SYMBOL TF").
  std::map<std::string, std::shared_ptr<DerivedInputFiles>>* input_files = nullptr;
};

class DerivedBuilder {
 public:
  virtual ~DerivedBuilder() = default;
  /// The data kind its partitions are stored as (bars or tables).
  virtual const DataKind& kind() const = 0;
  /// A partition per year (daily bars, tables) or per month.
  virtual bool yearly() const = 0;
  /// The rel_path of its partition of `period`.
  virtual std::string RelPath(const std::string& period) const = 0;
  /// The derived time range [first, second) whose rows can read input bars in [from, to):
  /// the periods overlapping it are rebuilt when that input changed.
  virtual std::pair<Micros, Micros> Reach(Micros from, Micros to) const = 0;
  /// True when every build is whole (a query result has no incremental form).
  virtual bool always_full() const { return false; }
  /// Periods that hold rows whatever the input range says (a query's result).
  virtual std::set<std::string> KnownPeriods() const { return {}; }
  /// The rows of the partition of `period` ([from, to)), stamped with the job;
  /// `stored` is the catalog entry of its current file, nullptr when there is none.
  virtual Result<BuiltPartition> Build(const std::string& period, Micros from, Micros to,
                                       const journal::PartitionEntry* stored) = 0;
};

/// The builder of `spec` (its `method`), reading `inputs`. kInvalidInput when the spec
/// cannot be built (unknown method or calendar, a timeframe that is not a multiple of its
/// input's, a query that fails).
Result<std::unique_ptr<DerivedBuilder>> MakeDerivedBuilder(const registry::DatasetSpec& spec,
                                                           const DerivedInputs& inputs,
                                                           const DerivedContext& ctx);

}  // namespace barlake::lake
