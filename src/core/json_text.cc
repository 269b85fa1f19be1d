#include "core/json_text.h"

#include <nlohmann/json.hpp>

namespace barlake {

std::string ToJsonText(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace barlake
