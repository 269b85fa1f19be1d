// Vault: the folder layout of a barlake vault (docs/formats/layout.md).
//
//   <vault>/barlake.toml         registry (datasets and settings)
//   <vault>/lake/                canonical hive-partitioned Parquet, nothing else
//   <vault>/snapshots/           snapshot datasets (GEX), a root of their own
//   <vault>/tables/              derived tables (session statistics, level touches)
//   <vault>/.barlake/journal.sqlite   job journal and catalog
//   <vault>/.barlake/lock        writer lock (flock); lock.holder names the holder
//   <vault>/.barlake/staging/    files being written (job-<id>/...)
//   <vault>/.barlake/versions/   previous partition files (job-<id>/<rel_path>)
//   <vault>/.barlake/sources/    byte copies of imported source files, by SHA-256
//   <vault>/.barlake/quarantine/ rejected rows (issue 3)
//   <vault>/.barlake/token       the HTTP API's bearer token (mode 0600; `barlake token`)
//
// Working folders live outside lake/ so read_parquet('<vault>/lake/**/*.parquet') sees
// exactly the current data.
#pragma once

#include <string>

#include "core/result.h"
#include "env/env.h"

namespace barlake::lake {

struct VaultPaths {
  explicit VaultPaths(std::string root_dir);
  std::string root;
  std::string registry;
  std::string lake;
  std::string snapshots;
  std::string tables;
  std::string meta;
  std::string journal;
  std::string lock;
  std::string staging;
  std::string versions;
  std::string sources;
  std::string quarantine;
  std::string token;
  /// Absolute path of a vault-relative path.
  std::string Abs(const std::string& rel) const { return JoinPath(root, rel); }
  /// The folder a partition path is relative to: the data root of the kind its first key
  /// names (lake/data_kind.h): lake/ for bars, snapshots/ for snapshots, tables/ for tables.
  std::string DataRoot(const std::string& rel_path) const;
  /// Absolute path of a partition path (see DataRoot).
  std::string LakeFile(const std::string& rel_path) const { return JoinPath(DataRoot(rel_path), rel_path); }
};

struct InitOptions {
  std::string name;
  std::string display_tz = "America/New_York";
  std::string default_source_tz = "America/Los_Angeles";
};

/// Create a vault in `dir` (created if missing; must not already be a vault).
Status InitVault(Env* env, const std::string& dir, const InitOptions& options);

/// The vault's API token (64 hex characters from 32 random bytes), created with mode 0600
/// when missing; `rotate` replaces it with a new one.
Result<std::string> ReadOrCreateToken(Env* env, const VaultPaths& paths, bool rotate = false);

/// kNotFound with advice when `dir` is not a vault.
Status CheckIsVault(Env* env, const std::string& dir);

}  // namespace barlake::lake
