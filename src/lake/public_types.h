// The lake's records as the public API's value types (include/barlake/types.h), for the
// facade (src/api/) and for the JSON shapes (lake_json.h), which are written once, over the
// public types.
#pragma once

#include <vector>

#include "barlake/types.h"
#include "journal/journal.h"
#include "lake/derived.h"

namespace barlake::lake {

barlake::Job ToPublic(const journal::JobRecord& job);
barlake::PartitionChange ToPublic(const journal::PartitionChange& change);
barlake::RegenerateResult ToPublic(const RegenerateItem& item);
barlake::QuarantinedRow ToPublic(const journal::QuarantineRow& row);
/// A catalog entry with its derived state (`derived` null: imported data).
barlake::Dataset ToPublic(const journal::DatasetSummary& summary, const DerivedState* derived);
/// Every dataset, each with its state from `derived` (matched by symbol and timeframe).
std::vector<barlake::Dataset> ToPublic(const std::vector<journal::DatasetSummary>& summaries,
                                       const std::vector<DerivedState>& derived);

}  // namespace barlake::lake
