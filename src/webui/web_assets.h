// The dashboard's files (web/ and lightweight-charts), embedded in the binary at build
// time, so `barlake serve` needs no files on disk and nothing from the internet.
#pragma once
#include <string_view>

namespace barlake::webui {

struct WebAsset {
  std::string_view path, content_type, body;
};

/// The asset served at `path`, or nullptr. "/" is the dashboard page; other files are
/// under "/assets/". See docs/dashboard.md.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace barlake::webui
