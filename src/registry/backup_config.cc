// [[backup]] tables (backup_config.h). toml++ throws; every exception is caught here.
#include "registry/backup_config.h"

#include "registry/toml_internal.h"

namespace barlake::registry {

using internal::At;

Result<std::vector<BackupTarget>> ParseBackupTargets(std::string_view text, const std::string& path) {
  return internal::ReadNamedTables<BackupTarget>(text, path, "backup", [&](const toml::table& t, BackupTarget& b) {
    for (const auto& [key, value] : t) {
      const std::string k(key.str());
      if (k == "name" || k == "dest" || k == "endpoint" || k == "region") {
        if (!value.is_string()) return Status::InvalidInput(At(path, value) + ": [[backup]] '" + k + "' must be a string");
        const std::string v = value.as_string()->get();
        (k == "name" ? b.name : k == "dest" ? b.dest : k == "endpoint" ? b.endpoint : b.region) = v;
      } else if (k == "keep_last" || k == "keep_daily") {
        if (!value.is_integer() || value.as_integer()->get() < 0 || value.as_integer()->get() > 100000) {
          return Status::InvalidInput(At(path, value) + ": [[backup]] '" + k + "' must be a whole number >= 0");
        }
        (k == "keep_last" ? b.keep_last : b.keep_daily) = static_cast<int>(value.as_integer()->get());
      } else if (k.find("secret") != std::string::npos || k.find("key") != std::string::npos ||
                 k.find("password") != std::string::npos) {
        return Status::InvalidInput(At(path, value) + ": [[backup]] '" + k +
                                    "': credentials do not belong in barlake.toml; set AWS_ACCESS_KEY_ID and "
                                    "AWS_SECRET_ACCESS_KEY in the environment");
      } else {
        return Status::InvalidInput(At(path, value) + ": unknown key '" + k +
                                    "' in [[backup]] (known: name, dest, endpoint, region, keep_last, keep_daily)");
      }
    }
    if (b.name.empty() || b.dest.empty()) {
      return Status::InvalidInput(b.source + ": [[backup]] needs name = \"...\" and dest = \"...\"");
    }
    if (b.name.find('/') != std::string::npos || b.name.find(':') != std::string::npos) {
      return Status::InvalidInput(b.source + ": [[backup]] name '" + b.name +
                                  "' must not contain '/' or ':' (it would read as a destination)");
    }
    return Status::OK();
  });
}

const BackupTarget* FindBackupTarget(const std::vector<BackupTarget>& targets, const std::string& name) {
  for (const auto& t : targets) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace barlake::registry
