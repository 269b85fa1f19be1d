// Placeholder until the dashboard build generates the real table: no assets, so the
// server answers GET / with a 404 JSON error.
#include "webui/web_assets.h"

namespace barlake::webui {

const WebAsset* FindWebAsset(std::string_view /*path*/) { return nullptr; }

}  // namespace barlake::webui
