// Parsing barlake.toml text with toml++ for the tables kept in their own files
// ([[backup]], [retention], max_age/max_size): toml++ throws, and this is where its
// parse error becomes a Status. Module-private.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace barlake::registry::internal {

/// The parsed file, or kInvalidInput naming `path` and the line.
inline Result<toml::table> ParseTomlText(std::string_view text, const std::string& path) {
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidInput(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                std::string(e.description()) + "; fix the registry file");
  }
}

/// "PATH:LINE:COLUMN" of a node, for messages.
inline std::string At(const std::string& path, const toml::node& n) {
  return path + ":" + std::to_string(n.source().begin.line) + ":" + std::to_string(n.source().begin.column);
}

/// The tables of the array of tables `name` ([[name]]) in `root`; none when absent.
/// kInvalidInput "PATH:LINE:COLUMN: ..." when `name` is something else.
inline Result<std::vector<const toml::table*>> ArrayOfTables(const toml::table& root, const std::string& name,
                                                             const std::string& path) {
  std::vector<const toml::table*> tables;
  const toml::node* node = root.get(name);
  if (!node) return tables;
  const toml::array* arr = node->as_array();
  if (!arr) return Status::InvalidInput(At(path, *node) + ": '" + name + "' must be [[" + name + "]] tables");
  for (const toml::node& n : *arr) {
    const toml::table* t = n.as_table();
    if (!t) return Status::InvalidInput(At(path, n) + ": each [[" + name + "]] must be a table");
    tables.push_back(t);
  }
  return tables;
}

}  // namespace barlake::registry::internal
