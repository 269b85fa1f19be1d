// [[legacy]] tables (legacy_config.h). toml++ throws; every exception is caught here.
#include "registry/legacy_config.h"

#include "registry/toml_internal.h"

#include "core/text.h"

namespace barlake::registry {

using internal::At;

namespace {

// A TOML basic string: quotes, backslashes and control bytes escaped.
std::string TomlString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

Result<std::vector<LegacySource>> ParseLegacySources(std::string_view text, const std::string& path) {
  return internal::ReadNamedTables<LegacySource>(text, path, "legacy", [&](const toml::table& t, LegacySource& l) {
    for (const auto& [key, value] : t) {
      const std::string k(key.str());
      if (k == "name" || k == "path" || k == "layout") {
        if (!value.is_string()) return Status::InvalidInput(At(path, value) + ": [[legacy]] '" + k + "' must be a string");
        (k == "name" ? l.name : k == "path" ? l.path : l.layout) = value.as_string()->get();
      } else if (k == "activated") {
        if (!value.is_boolean()) return Status::InvalidInput(At(path, value) + ": [[legacy]] 'activated' must be true or false");
        l.activated = value.as_boolean()->get();
      } else {
        return Status::InvalidInput(At(path, value) + ": unknown key '" + k +
                                    "' in [[legacy]] (known: name, path, layout, activated)");
      }
    }
    if (l.name.empty() || l.path.empty()) {
      return Status::InvalidInput(l.source + ": [[legacy]] needs name = \"...\" and path = \"...\"");
    }
    return Status::OK();
  });
}

Status AppendLegacySource(Env* env, const std::string& path, const LegacySource& legacy) {
  ASSIGN_OR_RETURN(std::string text, env->ReadFile(path));
  ASSIGN_OR_RETURN(auto existing, ParseLegacySources(text, path));
  for (const auto& l : existing) {
    if (l.name == legacy.name) return Status::OK();
  }
  std::string updated = text;
  if (!updated.empty() && updated.back() != '\n') updated += '\n';
  updated += "\n[[legacy]]\nname = " + TomlString(legacy.name) + "\npath = " + TomlString(legacy.path) +
             "\nlayout = " + TomlString(legacy.layout) + "\nactivated = " + (legacy.activated ? "true" : "false") +
             "\n";
  RETURN_IF_ERROR(ParseLegacySources(updated, path).status());
  return WriteFileAtomic(env, path, updated);
}

Status SetLegacyActivated(Env* env, const std::string& path, const std::string& name, bool activated) {
  ASSIGN_OR_RETURN(std::string text, env->ReadFile(path));
  ASSIGN_OR_RETURN(toml::table root, internal::ParseTomlText(text, path));
  const toml::array* arr = root["legacy"].as_array();
  const toml::table* found = nullptr;
  if (arr) {
    for (const toml::node& n : *arr) {
      const toml::table* t = n.as_table();
      if (t && t->get("name") && t->get("name")->value<std::string>().value_or("") == name) found = t;
    }
  }
  if (!found) return Status::NotFound(path + ": no [[legacy]] named " + QuoteBytes(name));
  const std::string value = activated ? "true" : "false";
  std::string updated;
  if (const toml::node* a = found->get("activated")) {
    // Replace the value on its line; the rest of the file stays byte for byte.
    const auto line = a->source().begin.line;
    size_t start = 0;
    for (uint32_t l = 1; l < line && start != std::string::npos; ++l) {
      start = text.find('\n', start);
      if (start != std::string::npos) ++start;
    }
    if (start == std::string::npos) return Status::Internal("registry line " + std::to_string(line) + " not found");
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    updated = text.substr(0, start) + "activated = " + value + text.substr(end);
  } else {
    // After the name line of the table.
    const auto line = found->get("name")->source().begin.line;
    size_t pos = 0;
    for (uint32_t l = 0; l < line && pos != std::string::npos; ++l) {
      pos = text.find('\n', pos);
      if (pos != std::string::npos) ++pos;
    }
    if (pos == std::string::npos) pos = text.size();
    updated = text.substr(0, pos) + "activated = " + value + "\n" + text.substr(pos);
  }
  RETURN_IF_ERROR(ParseLegacySources(updated, path).status());
  return WriteFileAtomic(env, path, updated);
}

}  // namespace barlake::registry
