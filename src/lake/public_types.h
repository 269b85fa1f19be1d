// The lake's records as the public API's value types (include/barlake/types.h), for the
// facade (src/api/) and for the JSON shapes (lake_json.h), which are written once, over the
// public types. Where a lake type has the public one's fields the lake uses the public type
// itself (lake.h, derived.h); the records below differ (journal rows, column buffers) and
// are converted through one field table each (public_types.cc).
#pragma once

#include <vector>

#include "barlake/types.h"
#include "core/bars.h"
#include "journal/journal.h"
#include "lake/derived.h"

namespace barlake::lake {

struct ImportRequest;  // lake/lake.h
struct ImportResult;

barlake::Job ToPublic(const journal::JobRecord& job);
barlake::PartitionChange ToPublic(const journal::PartitionChange& change);
barlake::RegenerateResult ToPublic(const RegenerateItem& item);
barlake::QuarantinedRow ToPublic(const journal::QuarantineRow& row);
barlake::ImportReport ToPublic(const ImportResult& result);
/// Moves the columns; the flags and jobs of rows that have none come back as 0.
barlake::Bars ToPublic(BarColumns&& bars);
BarColumns FromPublic(const barlake::Bars& bars);
/// The request for `options` (its source is set by the caller).
ImportRequest FromPublic(const barlake::ImportOptions& options);
/// A catalog entry with its derived state (`derived` null: imported data).
barlake::Dataset ToPublic(const journal::DatasetSummary& summary, const DerivedState* derived);
/// Every dataset, each with its state from `derived` (matched by symbol and timeframe).
std::vector<barlake::Dataset> ToPublic(const std::vector<journal::DatasetSummary>& summaries,
                                       const std::vector<DerivedState>& derived);

}  // namespace barlake::lake
