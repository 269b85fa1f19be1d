// Parsing barlake.toml text with toml++ for the tables kept in their own files
// ([[backup]], [retention], max_age/max_size): toml++ throws, and this is where its
// parse error becomes a Status. Module-private.
#pragma once

#include <toml++/toml.h>

#include <set>
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

/// Each [[name]] table of barlake.toml `text` as a T: `source` set to where the table is
/// ("PATH:LINE:COLUMN"), then `read(table, item)` fills and checks the rest (a Status). The
/// items' `name`s must be unique. The first error is returned as it is.
template <class T, class Read>
Result<std::vector<T>> ReadNamedTables(std::string_view text, const std::string& path, const std::string& name,
                                       Read read) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlText(text, path));
  ASSIGN_OR_RETURN(auto tables, ArrayOfTables(root, name, path));
  std::vector<T> out;
  std::set<std::string> names;
  for (const toml::table* t : tables) {
    T item;
    item.source = At(path, *t);
    RETURN_IF_ERROR(read(*t, item));
    if (!names.insert(item.name).second) {
      return Status::InvalidInput(item.source + ": a [[" + name + "]] named '" + item.name + "' is declared twice");
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace barlake::registry::internal
