// The fixture of the backup tests: a vault (lake::VaultTest) with ES (two partitions) and
// NQ, a folder destination, and readers that compare two vaults' bars.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "backup/backup.h"
#include "core/time_util.h"
#include "lake/lake.h"
#include "lake/lake_test_util.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake::backup {

using testutil::NtMinutes;

class BackupTest : public lake::VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    dest_ = dir_.Sub("backup");
    // ES over two months (two partitions), NQ in one.
    Import("es1.txt", NtMinutes("20240131 233100", 60, 4800), "ES");
    Import("nq1.txt", NtMinutes("20240110 100100", 30, 16000), "NQ");
  }

  void Import(const std::string& name, const std::string& text, const std::string& symbol,
              lake::ConflictPolicy policy = lake::ConflictPolicy::kKeep) {
    auto lake = OpenLake();
    ASSERT_NE(lake, nullptr);
    lake::ImportRequest r = Req(WriteSource(name, text), symbol);
    r.on_conflict = policy;
    auto res = lake->Import(r);
    ASSERT_OK(res.status());
    ASSERT_EQ(res->job.status, "completed");
  }

  std::unique_ptr<ObjectStore> Store(Env* env = Env::Default()) {
    auto s = OpenFolderStore(env, dest_, true);
    EXPECT_OK(s.status());
    return s.ok() ? std::move(s).value() : nullptr;
  }

  BackupResult Backup(Env* env = nullptr) {
    auto store = Store();
    BackupOptions o;
    o.env = env;
    auto r = BackupVault(vault_, store.get(), o);
    EXPECT_OK(r.status());
    return r.ok() ? std::move(r).value() : BackupResult{};
  }

  /// Every dataset's bars, as text (ts and OHLCV), for comparing two vaults.
  static std::string AllBars(const std::string& vault) {
    auto lake = lake::Lake::Open(vault, {});
    EXPECT_OK(lake.status());
    if (!lake.ok()) return "";
    std::string out;
    for (const char* sym : {"ES", "NQ"}) {
      auto bars = (*lake)->Read(sym, "1m", 0, ParseIsoUtc("2100-01-01").value());
      if (!bars.ok()) {
        out += std::string(sym) + ": " + bars.status().ToString() + "\n";
        continue;
      }
      for (size_t i = 0; i < bars->size(); ++i) {
        out += std::string(sym) + " " + std::to_string(bars->ts[i]) + " " + std::to_string(bars->open[i]) + " " +
               std::to_string(bars->high[i]) + " " + std::to_string(bars->low[i]) + " " +
               std::to_string(bars->close[i]) + " " + std::to_string(bars->volume[i]) + " " +
               std::to_string(bars->job[i]) + "\n";
      }
    }
    return out;
  }

  std::vector<std::string> ObjectFiles() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dest_ + "/objects")) out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string dest_;
};

}  // namespace barlake::backup
