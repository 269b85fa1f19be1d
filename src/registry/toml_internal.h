// Parsing barlake.toml text with toml++ for the tables kept in their own files
// ([[backup]], [retention], max_age/max_size): toml++ throws, and this is where its
// parse error becomes a Status. Module-private.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

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

}  // namespace barlake::registry::internal
