// [[legacy]] tables of barlake.toml: folders of bars in another layout that a migration
// (`barlake migrate`, docs/migration.md) is moving into the lake. Until the migration is
// activated, `barlake read` serves a dataset the lake does not hold yet from these files,
// marked as such.
//
//   [[legacy]]
//   name = "20261203-182455-3f9a1c"   # the migration's id (.barlake/migrations/<id>.json)
//   path = "/data/old/stocks"          # the legacy folder (never changed by barlake)
//   layout = "flat"                    # flat | yf_parqed | csv-cache | vendor-files
//   activated = false                  # true once `barlake migrate activate` ran
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "env/env.h"

namespace barlake::registry {

struct LegacySource {
  std::string name;    // the migration id
  std::string path;    // the legacy folder
  std::string layout;
  bool activated = false;
  std::string source;  // "barlake.toml:12:1", for messages
};

/// The [[legacy]] tables of the registry text `text` (read from `path`), in file order.
/// kInvalidInput naming file, line and key for an unknown key, a missing name or path,
/// a wrong type or a duplicate name.
Result<std::vector<LegacySource>> ParseLegacySources(std::string_view text, const std::string& path);

/// Append a [[legacy]] table for `legacy` to the registry file at `path` (every other byte
/// kept; written atomically). Nothing changes when one of that name exists.
Status AppendLegacySource(Env* env, const std::string& path, const LegacySource& legacy);
/// Set `activated` of the [[legacy]] table called `name` (only that line changes; written
/// atomically). kNotFound when there is none.
Status SetLegacyActivated(Env* env, const std::string& path, const std::string& name, bool activated);

}  // namespace barlake::registry
