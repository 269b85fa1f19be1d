// The deploy side of the registry (docs/deploy.md): which datasets a repository tracks, and
// whether what it tracks is fit to ship.
//
// `barlake gitignore` renders a managed block of .gitignore lines from the datasets'
// categories: `published` datasets are tracked (committed with barlake.toml), `pipeline`
// and `raw` ones are ignored, and so is .barlake/ (journal, versions, kept sources). The
// block sits between two marker lines; everything outside them is the user's and is kept
// byte for byte, and rendering it again over an unchanged vault changes nothing.
//
// `barlake check --deploy` lists every reason the vault is not fit to ship: a published
// dataset missing, older than its max_age or over its max_size (registry/deploy_config.h),
// files under the data roots no declared dataset owns, and declared datasets with no data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"

namespace barlake::lake {

class Lake;

constexpr const char* kGitignoreBegin = "# >>> barlake: managed by `barlake gitignore --write`; edits inside are replaced";
constexpr const char* kGitignoreEnd = "# <<< barlake";

/// The managed block (both markers included, ending in a newline) for a .gitignore in the
/// folder `gitignore_dir`. kInvalidArgument when the vault is not inside that folder.
Result<std::string> GitignoreBlock(Lake* lake, const std::string& gitignore_dir);

/// `existing` (a .gitignore's text, maybe empty) with its managed block replaced by `block`,
/// or with `block` appended (after a blank line) when it has none. kInvalidInput when the
/// markers are unpaired, naming `path` and the line.
Result<std::string> WithManagedBlock(const std::string& existing, const std::string& block, const std::string& path);

struct DeployProblem {
  std::string dataset;  // "ES 1d", or a vault-relative path
  /// missing | stale | too_large | undeclared | stray | no_data
  std::string reason;
  std::string message;
};

struct DeployReport {
  int64_t published = 0;  // published datasets checked
  std::vector<DeployProblem> problems;
  bool ok() const { return problems.empty(); }
};

/// Check the vault for deployment (see above), ages judged at `now`.
Result<DeployReport> CheckDeploy(Lake* lake, Micros now);

/// {"ok", "published", "problems": [{dataset, reason, message}]}
std::string DeployReportJson(const DeployReport& report);

}  // namespace barlake::lake
