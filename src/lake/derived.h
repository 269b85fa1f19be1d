// Derived datasets: bars barlake builds from other datasets (docs/derived.md).
//
//   [[dataset]]  symbol = "ES"  timeframe = "4h"  method = "resample"  inputs = ["ES 1m"]
//   [[dataset]]  symbol = "ES_RTH"  timeframe = "1m"  method = "sql"  inputs = ["ES 1m"]
//                sql = "SELECT ts, open, high, low, close, volume FROM bars WHERE ..."
//
// A derived dataset is stored like any other (same partitions, same schema, its `flags`
// column saying which buckets were cut short) and written by `regenerate` jobs through
// the same write protocol, so it is journaled, crash-safe and can be rolled back.
//
// Lineage: every regenerate job records the SHA-256 of each input partition it read
// (journal `lineage`). A derived dataset is stale as soon as an input partition's
// current SHA-256 differs from what its latest standing build read, and a regenerate
// then rebuilds only the derived partitions those input partitions can reach.
//
// How each method's rows are made is its builder (lake/derived_builder.h); the job around
// them is one (Lake::RegenerateJob in derived.cc), and a dataset it creates is declared in
// barlake.toml as a write of that job, never before or after it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "barlake/types.h"
#include "journal/journal.h"

namespace barlake::lake {

/// Whether a derived dataset is up to date with its inputs (from the journal only).
struct DerivedState {
  std::string symbol, timeframe, method;
  std::vector<std::string> inputs;  // "SYMBOL TF"
  bool built = false;               // a regenerate job has completed
  bool stale = false;
  std::string why;                           // "never built", "2 input partitions changed", ...
  std::vector<std::string> changed_inputs;   // input partitions that changed (rel paths, first 20)
  int64_t changed_input_count = 0;
};

// The requests are the public API's options (barlake/types.h).
using RegenerateRequest = barlake::RegenerateOptions;

struct RegenerateItem {
  std::string symbol, timeframe;
  journal::JobRecord job;        // id 0 when nothing had to be done
  std::string skipped_because;   // "up to date"
  bool incremental = false;      // only the partitions reachable from changed inputs
  int64_t partitions_written = 0, partitions_removed = 0, partitions_unchanged = 0;
  int64_t rows_written = 0, truncated_bars = 0;
  std::string error;             // set when this dataset failed (auto-regeneration after import)
};

using ResampleRequest = barlake::ResampleOptions;

/// `barlake stats SYMBOL TF --save` / `barlake touches SYMBOL TF --save`.
using TableRequest = barlake::TableOptions;

}  // namespace barlake::lake
