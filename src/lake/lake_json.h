// JSON shapes of lake records, shared by the CLI's --json output and the HTTP API
// (docs/api.md), so `barlake jobs --json` and GET /api/jobs print the same objects.
// Times are ISO 8601 UTC strings.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "barlake/types.h"
#include "ingest/format.h"
#include "journal/journal.h"
#include "lake/derived.h"

namespace barlake::lake {

/// One job (`barlake jobs --json`); `report` is the parsed report when the job has one.
nlohmann::json JobJson(const barlake::Job& job);
nlohmann::json JobJson(const journal::JobRecord& job);
/// A job with the partitions it touched (`barlake jobs show --json`).
nlohmann::json JobDetailJson(const barlake::JobDetail& detail);
nlohmann::json JobDetailJson(const journal::JobRecord& job, const std::vector<journal::PartitionChange>& changes);
/// One dataset of the catalog (an element of `barlake status --json`'s "datasets").
/// "kind" is "bars", "snapshot" or "table"; "derived" is {method, inputs, stale, why} for a derived
/// dataset (from Lake::DerivedStates), else null.
nlohmann::json DatasetJson(const barlake::Dataset& d);
nlohmann::json DatasetJson(const journal::DatasetSummary& d, const DerivedState* derived = nullptr);
/// `barlake status --json`: {"vault", "display_tz", "datasets": [...]}.
nlohmann::json StatusJson(const std::string& vault, const std::string& display_tz,
                          const std::vector<barlake::Dataset>& datasets);
nlohmann::json StatusJson(const std::string& vault, const std::string& display_tz,
                          const std::vector<journal::DatasetSummary>& datasets,
                          const std::vector<DerivedState>* derived = nullptr);
/// One derived dataset a regenerate (or an import's auto-regeneration) handled:
/// `barlake regenerate --json`, POST /api/regenerate's result, an import report's
/// "regenerated" list.
nlohmann::json RegenerateItemJson(const RegenerateItem& item);
nlohmann::json RegenerateItemJson(const barlake::RegenerateResult& item);

/// `barlake detect --json`: {"file", "format" (null when none fits), "why", "candidates"}.
nlohmann::json DetectJson(const std::string& file, const Result<ingest::DetectResult>& detected);

}  // namespace barlake::lake
