// Snapshot datasets (GEX option snapshots, docs/formats/gex-snapshots.md): their import
// request and report, and the checks `verify` runs on their files. The import itself is
// Lake::ImportSnapshots (lake.h), defined in snapshot_import.cc; it goes through the same
// WriteProtocol as bars (stage, fsync, read back, journal plan, swap keeping the old file
// under versions/, commit), the same source SHA-256 idempotency and the same rollback.
//
// In the journal and catalog a snapshot dataset is symbol = ticker, timeframe = "gex";
// its partitions live under <vault>/snapshots/kind=gex/ticker=<T>/period=<YYYY-MM>/.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lake/lake.h"
#include "storage/snapshot_store.h"

namespace barlake::lake {

/// The catalog timeframe (and registry `timeframe`) of a GEX snapshot dataset, and the
/// `kind=` key of its folder.
constexpr const char* kGexTimeframe = "gex";
/// The journal kind of a snapshot import job.
constexpr const char* kSnapshotImportJobKind = "import-snapshot";

struct SnapshotImportRequest {
  std::string path;
  /// The bytes when not the file at `path` (lake/source.h). Empty: Source::FromPath(path).
  Source source;
  ConflictPolicy on_conflict = ConflictPolicy::kKeep;
  bool dry_run = false;
  std::string description;  // for a new dataset's registry entry
};

/// One (ts, strike) row whose stored values differ from the file's.
struct SnapshotConflict {
  std::string ticker;
  Micros ts = 0;
  double strike = 0;
  std::string column;  // the first column that differs
  double stored = 0, incoming = 0;
};

struct SnapshotImportResult {
  journal::JobRecord job;  // id 0 for a dry run
  bool dry_run = false;
  std::string skipped_because;  // set when the source was already imported
  std::vector<std::string> tickers;
  std::vector<std::string> notes;       // what the parser decided about the file
  int64_t snapshots = 0;                // records in the file
  int64_t duplicate_rows_dropped = 0;   // identical (ts, strike) rows repeated in the file
  int64_t rows_added = 0, rows_identical = 0, rows_replaced = 0;
  std::vector<std::string> partitions;  // snapshot partition paths written (relative to snapshots/)
  std::vector<SnapshotConflict> conflicts;  // the first 20
  std::string ReportJson() const;
};

}  // namespace barlake::lake
