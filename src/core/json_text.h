// The one way the library turns JSON into text. nlohmann's plain dump() throws
// type_error.316 on a string that is not valid UTF-8; an exception must never cross the
// library edge, so every JSON text (job reports, --json output, HTTP responses) is made
// here. Strings are meant to be valid already (core/text.h escapes quoted input); should
// one slip through, its bad bytes become U+FFFD instead of an exception.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace barlake {

/// `j` as JSON text; `indent` < 0 is compact, as for nlohmann::json::dump. Never throws on
/// invalid UTF-8.
std::string ToJsonText(const nlohmann::json& j, int indent = -1);

}  // namespace barlake
