// The table the build writes (cmake/embed_web.cmake generates web_assets_data.cc in the
// build folder from web/ and lightweight-charts). Private to webui/.
#pragma once
#include <cstddef>

namespace barlake::webui::internal {

struct RawAsset {
  const char* path;          // "/index.html" or "/assets/<file>"
  const char* content_type;
  const unsigned char* data;
  std::size_t size;
};

extern const RawAsset kRawAssets[];
extern const std::size_t kRawAssetCount;

}  // namespace barlake::webui::internal
