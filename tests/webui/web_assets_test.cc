// The embedded dashboard: every file of web/ and lightweight-charts are in the binary,
// byte for byte, under the paths index.html refers to, with their content types.
#include "webui/web_assets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace barlake::webui {
namespace {

const std::filesystem::path kWebDir = std::filesystem::path(BARLAKE_TEST_DATA_DIR) / ".." / ".." / "web";

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WebAssets, IndexIsServedAtRootAsHtml) {
  const WebAsset* a = FindWebAsset("/");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(a->body, ReadFile(kWebDir / "index.html"));
  EXPECT_EQ(a->path, "/index.html");
  EXPECT_EQ(FindWebAsset("/index.html"), a);
  EXPECT_EQ(FindWebAsset("/?x=1"), a);
}

TEST(WebAssets, EveryWebFileIsEmbeddedByteForByte) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kWebDir)) {
    const std::string name = entry.path().filename().string();
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || name == "index.html" ||
        (ext != ".js" && ext != ".css" && ext != ".svg" && ext != ".html")) {
      continue;
    }
    const WebAsset* a = FindWebAsset("/assets/" + name);
    ASSERT_NE(a, nullptr) << name;
    EXPECT_EQ(a->body, ReadFile(entry.path())) << name;
    EXPECT_EQ(a->path, "/assets/" + name);
    // The server may pass the part after /assets/.
    EXPECT_EQ(FindWebAsset(name), a) << name;
    if (ext == ".js") {
      EXPECT_EQ(a->content_type, "application/javascript; charset=utf-8");
    } else if (ext == ".css") {
      EXPECT_EQ(a->content_type, "text/css; charset=utf-8");
    }
    ++count;
  }
  EXPECT_GE(count, 5);
}

TEST(WebAssets, ChartLibraryIsTheInstalledStandaloneBuild) {
  const WebAsset* a = FindWebAsset("/assets/vendor/lightweight-charts.js");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->body, ReadFile(kWebDir / "node_modules" / "lightweight-charts" / "dist" /
                              "lightweight-charts.standalone.production.js"));
  EXPECT_NE(a->body.find("LightweightCharts"), std::string_view::npos);
}

TEST(WebAssets, EveryAssetThePagesReferenceExists) {
  // index.html and the modules load /assets/... files and import ./x.js siblings.
  const std::regex ref(R"re((/assets/[A-Za-z0-9_./-]+)|import\(?\s*(?:[^'"]*from\s*)?['"]\./([A-Za-z0-9_.-]+\.js)['"])re");
  for (const char* page : {"/", "/assets/app.js", "/assets/page_dataset.js", "/assets/page_import.js"}) {
    const WebAsset* a = FindWebAsset(page);
    ASSERT_NE(a, nullptr) << page;
    const std::string body(a->body);
    int refs = 0;
    for (auto it = std::sregex_iterator(body.begin(), body.end(), ref); it != std::sregex_iterator(); ++it) {
      const std::string path = (*it)[1].matched ? (*it)[1].str() : "/assets/" + (*it)[2].str();
      EXPECT_NE(FindWebAsset(path), nullptr) << page << " refers to " << path;
      ++refs;
    }
    EXPECT_GT(refs, 0) << page;
  }
}

TEST(WebAssets, UnknownPathsAreNotFound) {
  EXPECT_EQ(FindWebAsset("/assets/nope.js"), nullptr);
  EXPECT_EQ(FindWebAsset("/assets/package.json"), nullptr);
  EXPECT_EQ(FindWebAsset("/api/datasets"), nullptr);
  EXPECT_EQ(FindWebAsset("/assets/../barlake.toml"), nullptr);
}

}  // namespace
}  // namespace barlake::webui
