// Shared pieces of the registry's TOML readers (registry.cc, schedule_config.cc and the other
// *_config.cc files): where a node is, and the unknown-key check every table gets.
// Registry-private: nothing outside src/registry includes this header.
#pragma once

#include <toml++/toml.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "core/text.h"

namespace barlake::registry::internal {

/// "PATH:LINE" of a node, for messages.
inline std::string Where(const std::string& path, const toml::node& n) {
  return path + ":" + std::to_string(n.source().begin.line);
}

/// Unknown keys are errors: a misspelt `source_zt` must not silently fall back to a default.
/// `where` names the table ("[[schedule]]"); the message lists the known keys.
inline Status CheckKeys(const toml::table& t, std::initializer_list<std::string_view> known, const std::string& path,
                        const std::string& where) {
  for (const auto& [key, node] : t) {
    bool ok = false;
    for (auto k : known) ok = ok || key.str() == k;
    if (!ok) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return Status::InvalidInput(Where(path, node) + ": unknown key " + QuoteBytes(std::string(key.str())) + " in " +
                                  where + "; known keys: " + list);
    }
  }
  return Status::OK();
}

/// The quoted strings of the list under `key` (absent: none). With `one_string_is_a_list` a
/// lone quoted string is a list of one. Anything else is kInvalidInput "PATH:LINE: <complaint>".
inline Result<std::vector<std::string>> ReadStringList(const toml::table& t, const char* key, const std::string& path,
                                                       bool one_string_is_a_list, const std::string& complaint) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  if (one_string_is_a_list && n->is_string()) return std::vector<std::string>{*n->value<std::string>()};
  const toml::array* arr = n->as_array();
  bool ok = arr != nullptr;
  if (arr) {
    for (const toml::node& x : *arr) {
      if (!x.is_string()) ok = false;
      else out.push_back(*x.value<std::string>());
    }
  }
  if (!ok) return Status::InvalidInput(Where(path, *n) + ": " + complaint);
  return out;
}

}  // namespace barlake::registry::internal
