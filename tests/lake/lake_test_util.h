// Shared set-up for lake tests: a fresh vault in a temp folder.
#pragma once

#include <gtest/gtest.h>

#include "lake/lake.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake::lake {

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("vault");
    InitOptions init;
    init.default_source_tz = "UTC";
    ASSERT_OK(InitVault(Env::Default(), vault_, init));
  }
  std::unique_ptr<Lake> OpenLake(LakeOptions o = {}) {
    auto l = Lake::Open(vault_, std::move(o));
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return l.ok() ? std::move(l).value() : nullptr;
  }
  std::string WriteSource(const std::string& name, const std::string& text) {
    const std::string p = dir_.Sub("src/" + name);
    EXPECT_OK(testutil::WriteText(p, text));
    return p;
  }
  ImportRequest Req(const std::string& path, const std::string& symbol = "ES") {
    ImportRequest r;
    r.path = path;
    r.symbol = symbol;
    r.timeframe = "1m";
    return r;
  }
  std::string LakeDir() const { return vault_ + "/lake"; }

  testutil::TempDir dir_;
  std::string vault_;
};

}  // namespace barlake::lake
