// [retention] (retention_config.h). toml++ throws; every exception is caught here.
#include "registry/retention_config.h"

#include "registry/toml_internal.h"

namespace barlake::registry {

namespace {

std::string Where(const std::string& path, const toml::node& n) {
  return path + ":" + std::to_string(n.source().begin.line);
}

}  // namespace

Result<RetentionPolicy> ParseRetention(std::string_view text, const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, internal::ParseTomlText(text, path));
  RetentionPolicy p;
  const toml::node* node = root.get("retention");
  if (!node) return p;
  const toml::table* t = node->as_table();
  if (!t) return Status::InvalidInput(Where(path, *node) + ": 'retention' must be a [retention] table");
  p.source = Where(path, *node);
  const std::pair<const char*, int*> keys[] = {
      {"keep_versions", &p.keep_versions}, {"version_days", &p.version_days}, {"rollback_days", &p.rollback_days},
      {"source_days", &p.source_days},     {"failed_days", &p.failed_days},   {"quarantine_days", &p.quarantine_days}};
  for (const auto& [key, value] : *t) {
    int* slot = nullptr;
    for (const auto& [name, field] : keys) {
      if (key.str() == name) slot = field;
    }
    if (!slot) {
      return Status::InvalidInput(Where(path, value) + ": unknown key '" + std::string(key.str()) +
                                  "' in [retention] (known: keep_versions, version_days, rollback_days, "
                                  "source_days, failed_days, quarantine_days)");
    }
    if (!value.is_integer() || value.as_integer()->get() < 0 || value.as_integer()->get() > 100000) {
      return Status::InvalidInput(Where(path, value) + ": [retention] '" + std::string(key.str()) +
                                  "' must be a whole number from 0 to 100000");
    }
    *slot = static_cast<int>(value.as_integer()->get());
  }
  return p;
}

}  // namespace barlake::registry
