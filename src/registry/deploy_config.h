// The deploy side of the registry (docs/deploy.md): two optional keys of a [[dataset]]
// table that `barlake check --deploy` enforces for published datasets.
//
//   [[dataset]]
//   symbol = "ES"  timeframe = "1d"  category = "published"
//   max_age = "3d"        # the newest bar may be at most this old (30s, 5m, 1h, 2d)
//   max_size = "50MB"     # the dataset's files may take at most this much (B, KB, MB, GB; 1000-based)
//
// Parsed on their own from the file's text (like [[backup]], registry/backup_config.h) and
// validated by Registry::Parse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace barlake::registry {

struct DeployLimits {
  std::string symbol, timeframe;
  int64_t max_age_seconds = 0;  // 0: no limit
  int64_t max_bytes = 0;        // 0: no limit
  std::string source;           // "barlake.toml:12"
};

/// The datasets of `text` (a barlake.toml at `path`) that set max_age or max_size, in file
/// order. kInvalidInput naming file and line for a value that does not parse.
Result<std::vector<DeployLimits>> ParseDeployLimits(std::string_view text, const std::string& path);

/// "50MB", "2GB", "800KB", "1200B" or a whole number of bytes as text: bytes (1000-based).
Result<int64_t> ParseByteSize(const std::string& text);

/// The limits of symbol/timeframe, or nullptr.
const DeployLimits* FindDeployLimits(const std::vector<DeployLimits>& all, const std::string& symbol,
                                     const std::string& timeframe);

}  // namespace barlake::registry
