// [[backup]] tables of barlake.toml: named backup destinations (docs/backup.md#named-destinations).
//
//   [[backup]]
//   name = "gdrive"                       # how commands and schedules refer to it
//   dest = "/mnt/gdrive/barlake-backup"   # a folder, or s3://BUCKET/PREFIX
//   endpoint = "https://minio.lan:9000"   # s3 only, optional
//   region = "eu-west-1"                  # s3 only, optional
//   keep_last = 7                         # the default policy of `backup prune NAME`
//   keep_daily = 30
//
// Credentials never go here: S3 reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace barlake::registry {

struct BackupTarget {
  std::string name;
  std::string dest;
  std::string endpoint;
  std::string region;
  int keep_last = 0;
  int keep_daily = 0;
  std::string source;  // "barlake.toml:12:1", for messages
};

/// The [[backup]] tables of the registry text `text` (read from `path`), in file order.
/// kInvalidInput naming file, line and key for an unknown key, a missing name or dest, a
/// duplicate name, a key that looks like a credential, or a negative keep count.
Result<std::vector<BackupTarget>> ParseBackupTargets(std::string_view text, const std::string& path);

/// The target called `name`, or nullptr.
const BackupTarget* FindBackupTarget(const std::vector<BackupTarget>& targets, const std::string& name);

}  // namespace barlake::registry
