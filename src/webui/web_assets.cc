#include "webui/web_assets.h"

#include <string>
#include <vector>

#include "webui/web_assets_data.h"

namespace barlake::webui {
namespace {

const std::vector<WebAsset>& Assets() {
  static const std::vector<WebAsset> assets = [] {
    std::vector<WebAsset> v;
    v.reserve(internal::kRawAssetCount);
    for (std::size_t i = 0; i < internal::kRawAssetCount; ++i) {
      const auto& r = internal::kRawAssets[i];
      v.push_back({r.path, r.content_type,
                   std::string_view(reinterpret_cast<const char*>(r.data), r.size)});
    }
    return v;
  }();
  return assets;
}

}  // namespace

const WebAsset* FindWebAsset(std::string_view path) {
  // The server may pass the request path with its query, or the part after "/assets/".
  if (auto q = path.find_first_of("?#"); q != std::string_view::npos) path = path.substr(0, q);
  std::string key(path);
  if (key.empty() || key == "/" || key == "index.html") key = "/index.html";
  if (key.front() != '/') key = "/assets/" + key;
  for (const auto& a : Assets()) {
    if (a.path == key) return &a;
  }
  return nullptr;
}

}  // namespace barlake::webui
