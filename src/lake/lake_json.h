// JSON shapes of lake records, shared by the CLI's --json output and the HTTP API
// (docs/api.md), so `barlake jobs --json` and GET /api/jobs print the same objects.
// Times are ISO 8601 UTC strings.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ingest/format.h"
#include "journal/journal.h"

namespace barlake::lake {

/// One job (`barlake jobs --json`); `report` is the parsed report when the job has one.
nlohmann::json JobJson(const journal::JobRecord& job);
/// A job with the partitions it touched (`barlake jobs show --json`).
nlohmann::json JobDetailJson(const journal::JobRecord& job, const std::vector<journal::PartitionChange>& changes);
/// One dataset of the catalog (an element of `barlake status --json`'s "datasets").
nlohmann::json DatasetJson(const journal::DatasetSummary& d);
/// `barlake status --json`: {"vault", "display_tz", "datasets": [...]}.
nlohmann::json StatusJson(const std::string& vault, const std::string& display_tz,
                          const std::vector<journal::DatasetSummary>& datasets);
/// `barlake detect --json`: {"file", "format" (null when none fits), "why", "candidates"}.
nlohmann::json DetectJson(const std::string& file, const Result<ingest::DetectResult>& detected);

}  // namespace barlake::lake
