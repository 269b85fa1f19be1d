// POST /api/update: `barlake update` as a server task (providers/update.h). The body is
// {"datasets": ["ES 1m", ...]} or {"all": true}, with optional "from", "to", "full",
// "dry_run" and "provider" as on the command line; unknown fields are refused.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "lake/lake.h"
#include "providers/update.h"
#include "server/task_queue.h"

namespace barlake::server {

struct UpdateTaskRequest {
  /// (symbol, timeframe) of each dataset asked for; empty with `all`.
  std::vector<std::pair<std::string, std::string>> datasets;
  bool all = false;
  /// Everything but symbols/timeframes (filled per dataset when the task runs).
  providers::UpdateRequest options;
  nlohmann::json echo;  // the request as the task shows it
};

/// The request from a JSON body; kInvalidArgument (a 400) naming what is wrong.
Result<UpdateTaskRequest> ParseUpdateBody(const std::string& body);

/// Run the update on `lake` (a writer Lake), one dataset at a time so that each one's
/// outcome is a progress event ("ES 1m: binance, 2,500 rows written (1 of 3)"). With
/// `all`, one run over every dataset that opted in. The result is {"updated": [items as
/// `barlake update --json`], "failed": N}.
Result<nlohmann::json> RunUpdateTask(lake::Lake* lake, const UpdateTaskRequest& request, TaskProgress& progress);

}  // namespace barlake::server
