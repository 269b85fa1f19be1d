// Legacy folders for the migration tests, written by the tests themselves with DuckDB:
// flat Parquet (stocks_1d/SYMBOL.parquet, ES_1m.parquet with zoned stamps), yf_parqed
// (stocks_1d/ticker=T/year=Y/month=M/data.parquet + tickers.json), csv-cache
// (SYMBOL/1d/YYYY.csv.gz + .metadata.json) and vendor files (NinjaTrader exports).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "storage/duckdb_conn.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake::migrate_test {

inline storage::DuckConn* Duck() {
  static std::unique_ptr<storage::DuckConn> conn = [] {
    auto c = storage::DuckConn::OpenInMemory(1);
    return c.ok() ? std::move(*c) : nullptr;
  }();
  return conn.get();
}

inline std::string Sym(int k) { return "S" + std::to_string(1000 + k); }

/// `days` daily bars from `first_day` (row numbers from `start`, so a later piece of the
/// same series continues its prices) (DATE literal text), prices set apart by `k`, as the
/// SELECT a COPY writes. `time_sql` renders the stamp column from `d` (a DATE).
inline std::string DailySelect(int k, int start, int days, const std::string& first_day, const std::string& time_sql,
                               const std::string& extra = "") {
  const std::string base = std::to_string(20 + k % 500) + "." + std::to_string(k % 7) + "5";
  return "SELECT " + time_sql + extra + ", " + base + " + i * 0.25 AS Open, " + base + " + i * 0.25 + 1.5 AS High, " +
         base + " + i * 0.25 - 1.25 AS Low, " + base + " + i * 0.25 + 0.5 AS Close, CAST(1000 + i * 3 + " +
         std::to_string(k) + " AS BIGINT) AS Volume FROM (SELECT i, DATE '" + first_day + "' + CAST(i - " +
         std::to_string(start) + " AS INTEGER) AS d FROM range(" + std::to_string(start) + ", " +
         std::to_string(start + days) + ") t(i))";
}

inline void Copy(const std::string& select, const std::string& path, const std::string& options = "FORMAT PARQUET") {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  Status s = Duck()->Execute("COPY (" + select + ") TO " + storage::SqlQuote(path) + " (" + options + ")");
  ASSERT_TRUE(s.ok()) << s.ToString();
}

/// flat: `n` daily symbols (stocks_1d/S1000.parquet, a pandas-like naive `Date` column),
/// plus ES_1m.parquet: 1-minute bars with a zoned `timestamp` column.
inline void MakeFlat(const std::string& root, int n, int days = 60) {
  for (int k = 0; k < n; ++k) {
    Copy(DailySelect(k, 0, days, "2023-01-02", "CAST(d AS TIMESTAMP) AS \"Date\""), root + "/stocks_1d/" + Sym(k) + ".parquet");
  }
  Copy("SELECT to_timestamp(1709562600 + i * 60) AS \"timestamp\", "
       "5000 + i * 0.25 AS open, 5000 + i * 0.25 + 1 AS high, 5000 + i * 0.25 - 1 AS low, 5000 + i * 0.25 + 0.5 AS close, "
       "CAST(10 + i AS BIGINT) AS volume FROM range(0, 600) t(i)",
       root + "/ES_1m.parquet");
}

/// yf_parqed: `n` tickers of daily bars over the first `months` months of 2024, one file per
/// month (one continuous series per ticker).
inline void MakeYfParqed(const std::string& root, int n, int months = 3) {
  const std::string base = root + "/us/yahoo/stocks_1d";
  const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  std::string tickers = "{";
  for (int k = 0; k < n; ++k) {
    int start = 0;
    for (int m = 1; m <= months; ++m) {
      char first[16];
      std::snprintf(first, sizeof first, "2024-%02d-01", m);
      char month[8];
      std::snprintf(month, sizeof month, "%02d", m);
      Copy(DailySelect(k, start, month_days[m - 1], first, "'" + Sym(k) + "' AS stock, CAST(d AS TIMESTAMP) AS date",
                       ", CAST(i AS INTEGER) AS sequence"),
           base + "/ticker=" + Sym(k) + "/year=2024/month=" + month + "/data.parquet");
      start += month_days[m - 1];
    }
    tickers += std::string(k ? "," : "") + "\"" + Sym(k) + "\":{\"status\":\"active\"}";
  }
  ASSERT_TRUE(testutil::WriteText(root + "/tickers.json", tickers + "}").ok());
}

/// csv-cache: SYMBOL/1d/2022.csv.gz and 2023.csv.gz with a .metadata.json beside them.
inline void MakeCsvCache(const std::string& root, int n) {
  for (int k = 0; k < n; ++k) {
    for (int y = 0; y < 2; ++y) {
      const std::string year = y ? "2023" : "2022";
      Copy(DailySelect(k, y * 100, 100, year + "-02-01", "strftime(d, '%Y-%m-%d') AS date"),
           root + "/" + Sym(k) + "/1d/" + year + ".csv.gz", "FORMAT CSV, HEADER, COMPRESSION GZIP");
    }
    ASSERT_TRUE(testutil::WriteText(root + "/" + Sym(k) + "/1d/.metadata.json", "{\"symbol\":\"" + Sym(k) + "\",\"timezone\":\"America/Chicago\"}").ok());
  }
}

/// vendor-files: NinjaTrader 1-minute exports named "<SYM> 03-24.Last.txt".
inline void MakeVendorFiles(const std::string& root, int n) {
  std::filesystem::create_directories(root);
  for (int k = 0; k < n; ++k) {
    ASSERT_TRUE(testutil::WriteText(root + "/N" + std::to_string(k) + " 03-24.Last.txt",
                                    testutil::NtMinutes("20240131 233100", 120, 4800 + k * 10))
                    .ok());
  }
}

class MigrateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("vault");
    legacy_ = dir_.Sub("legacy");
    ASSERT_EQ(testutil::RunBarlake({"init", vault_, "--source-tz", "UTC"}).exit_code, 0);
  }
  testutil::CommandResult Bl(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), {"--vault", vault_});
    return testutil::RunBarlake(args, env);
  }
  /// `migrate plan` that must succeed; the plan id.
  std::string Plan(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"migrate", "plan", legacy_, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    testutil::CommandResult r = Bl(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded()) return "";
    plan_ = j;
    return j.value("id", "");
  }
  int64_t LakeRows() {
    testutil::CommandResult r = Bl({"query", "SELECT count(*) AS n FROM lake_bars", "--format", "csv"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return std::atoll(r.out.substr(r.out.find('\n') + 1).c_str());
  }
  std::string PlanFile(const std::string& id) { return vault_ + "/.barlake/migrations/" + id + ".json"; }
  nlohmann::json PlanJson(const std::string& id) { return nlohmann::json::parse(testutil::ReadText(PlanFile(id))); }

  testutil::TempDir dir_;
  std::string vault_, legacy_;
  nlohmann::json plan_;
};

}  // namespace barlake::migrate_test
