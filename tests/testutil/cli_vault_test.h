// A gtest fixture for CLI tests against the real binary: a fresh vault per test (per
// Init call), `Bl(args)` runs `barlake --vault VAULT args...`, and the two reads most CLI
// tests check with.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake::testutil {

class CliVaultTest : public ::testing::Test {
 protected:
  void SetUp() override { Init("UTC"); }
  // A new vault (v1, v2, ...) whose default source zone is `source_tz`; later calls leave
  // the earlier vaults in place.
  void Init(const std::string& source_tz) {
    vault_ = dir_.Sub("v" + std::to_string(++vaults_));
    CommandResult r = RunBarlake({"init", vault_, "--source-tz", source_tz});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult Bl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--vault", vault_});
    return RunBarlake(args);
  }
  // The stored bars as `read` prints them (CSV, UTC).
  std::string Read(const std::string& symbol, const std::string& tf) {
    CommandResult r = Bl({"read", symbol, tf});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  // One query's CSV rows without the header.
  std::string Query(const std::string& sql) {
    CommandResult r = Bl({"query", sql, "--format", "csv"});
    EXPECT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
    const size_t nl = r.out.find('\n');
    return nl == std::string::npos ? "" : r.out.substr(nl + 1);
  }
  TempDir dir_;
  std::string vault_;
  int vaults_ = 0;
};

}  // namespace barlake::testutil
