// What the import form shows after detection besides the format (POST /api/detect):
// which zone the stamps will be read in and why ("UTC: epoch stamps", "America/Los_Angeles:
// the vault's default_source_tz"), found by parsing the head of the file as the import
// would, and which dataset the file adds to with its current range.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ingest/format.h"
#include "lake/lake.h"

namespace barlake::server {

struct DetectContextRequest {
  std::string symbol, timeframe, tz;  // as the form has them (each may be empty)
};

/// {"zone": {zone, used, because, text}, "dataset": {symbol, timeframe, exists, rows,
/// first_bar, last_bar}} for a file whose head is `head`, detected as `format`.
/// `lake` is a reader (its registry reloaded by the caller).
nlohmann::json DetectContext(lake::Lake& lake, const ingest::BarFormat& format, std::string_view head,
                             const std::string& file_name, const DetectContextRequest& request);

}  // namespace barlake::server
