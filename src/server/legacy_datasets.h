// Datasets served from the legacy files of a migration not activated yet, for the HTTP API
// (GET /api/datasets lists them with `legacy: true`; docs/migration.md#reading-while-mixed).
// Which files serve which dataset is migrate::LegacyServedDatasets's decision alone.
#pragma once

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "core/result.h"
#include "lake/lake.h"

namespace barlake::server {

/// The /api/datasets entries of the legacy-served datasets: the fields of a lake dataset
/// (first_bar, last_bar and rows read from the legacy files) plus `legacy: true` and
/// `legacy_source` {migration, path, layout, files}. The spans read are kept while the
/// legacy files' sizes and modification times stay the same.
class LegacyDatasetList {
 public:
  Result<nlohmann::json> Entries(lake::Lake& lake);

 private:
  struct Span {
    std::string identity;  // the files' paths, sizes and modification times
    int64_t rows = 0;
    Micros first = 0, last = 0;
  };
  std::mutex mu_;
  std::map<std::string, Span> spans_;  // by "plan symbol timeframe"
};

}  // namespace barlake::server
