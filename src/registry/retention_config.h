// [retention] in barlake.toml: how long `barlake gc` keeps what the vault accumulates
// besides the lake itself (docs/retention.md).
//
//   [retention]
//   keep_versions = 2      # previous files kept per partition, newest first
//   version_days = 30      # and every previous file younger than this
//   rollback_days = 7      # a job this young stays rollbackable: gc keeps what that needs
//                          # even when the two keys above allow it, unless --force
//   source_days = 14       # kept source copies (.barlake/sources) no newer job used
//   failed_days = 7        # what failed or interrupted jobs left (versions, sources)
//   quarantine_days = 90   # rows dropped from quarantine, purged from the journal
//
// Every key is optional; the table is too (the defaults above apply). Parsed on its own
// from the file's text, like [[backup]] (registry/backup_config.h), and validated by
// Registry::Parse, so a misspelt key stops every command that reads the registry.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace barlake::registry {

struct RetentionPolicy {
  int keep_versions = 2;
  int version_days = 30;
  int rollback_days = 7;
  int source_days = 14;
  int failed_days = 7;
  int quarantine_days = 90;
  std::string source;  // "barlake.toml:12" of the table, or "" for the defaults
};

/// The [retention] table of the registry text `text` (read from `path`), or the defaults
/// when there is none. kInvalidInput naming file, line and key for an unknown key or a
/// value that is not a whole number of days (or versions) from 0 to 100000.
Result<RetentionPolicy> ParseRetention(std::string_view text, const std::string& path);

}  // namespace barlake::registry
