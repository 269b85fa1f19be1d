// The dashboard's files, embedded in the binary. The server (server/server.cc) serves
// GET / and GET /assets/* from this table and nothing else: no file system, so no
// directory listing and no path traversal. The dashboard build generates web_assets.cc.
#pragma once

#include <string_view>

namespace barlake::webui {

struct WebAsset {
  std::string_view path;          // "/index.html", "/assets/app.js", ...
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;
};

/// The asset at `path` ("/" means "/index.html"), or nullptr.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace barlake::webui
