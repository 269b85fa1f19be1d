// Read-compatibility through the binary (docs/migration.md#reading-while-mixed): until the
// lake holds a dataset, `barlake query` serves it from the legacy files of a migration
// (`bars` includes it, `legacy_datasets` lists it, a note on stderr says so), and the lake
// wins as soon as it holds it. Bad arguments of `migrate` are usage errors naming what to do.
#include <gtest/gtest.h>

#include <filesystem>

#include "migrate_fixture.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using migrate_test::MigrateCliTest;

constexpr const char* kPerSymbol = "SELECT symbol, timeframe, count(*) AS n FROM bars GROUP BY ALL ORDER BY ALL";

TEST_F(MigrateCliTest, QueryServesLegacyDatasetsUntilTheLakeHoldsThem) {
  migrate_test::MakeFlat(legacy_, 3);
  const auto legacy_before = testutil::Snapshot(legacy_);
  const std::string id = Plan();
  ASSERT_FALSE(id.empty());
  const std::string all = "symbol,timeframe,n\nES,1m,600\nS1000,1d,60\nS1001,1d,60\nS1002,1d,60\n";

  // Nothing migrated: every dataset from the legacy files, marked.
  CommandResult q = Bl({"query", kPerSymbol, "--format", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, all);
  EXPECT_NE(q.err.find("4 datasets not migrated yet"), std::string::npos) << q.err;
  EXPECT_NE(q.err.find("legacy_datasets"), std::string::npos) << q.err;
  CommandResult listed = Bl({"query", "SELECT symbol, migration, layout, files, rows FROM legacy_datasets ORDER BY symbol",
                             "--format", "csv"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out, "symbol,migration,layout,files,rows\nES," + id + ",flat,1,600\nS1000," + id + ",flat,1,60\nS1001," +
                            id + ",flat,1,60\nS1002," + id + ",flat,1,60\n");
  EXPECT_EQ(LakeRows(), 0) << "lake_bars is the lake alone";
  // Without flags: the lake marks its last bar provisional (flags 16), legacy rows have none.
  const std::string s1002_sql =
      "SELECT symbol, timeframe, ts, open, high, low, close, volume FROM bars WHERE symbol = 'S1002' ORDER BY ts";
  CommandResult legacy_rows = Bl({"query", s1002_sql, "--format", "csv"});
  ASSERT_EQ(legacy_rows.exit_code, 0) << legacy_rows.err;

  // Part migrated: the lake serves what it holds, the legacy files the rest; no row twice.
  CommandResult b = Bl({"migrate", "run", id, "--batch", "2"});
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  q = Bl({"query", kPerSymbol, "--format", "csv"});
  EXPECT_EQ(q.out, all);
  EXPECT_NE(q.err.find("2 datasets not migrated yet"), std::string::npos) << q.err;
  CommandResult left = Bl({"query", "SELECT count(*) AS n FROM legacy_datasets", "--format", "csv"});
  EXPECT_EQ(left.out, "n\n2\n");

  // All migrated: the lake alone, the same rows the legacy files gave, no note.
  ASSERT_EQ(Bl({"migrate", "run", id}).exit_code, 0);
  q = Bl({"query", kPerSymbol, "--format", "csv"});
  EXPECT_EQ(q.out, all);
  EXPECT_EQ(q.err.find("not migrated yet"), std::string::npos) << q.err;
  CommandResult lake_rows = Bl({"query", s1002_sql, "--format", "csv"});
  EXPECT_EQ(lake_rows.out, legacy_rows.out) << "the lake serves the bars the legacy files did";
  EXPECT_EQ(LakeRows(), 600 + 3 * 60);

  // Rolled back: the legacy files serve again.
  ASSERT_EQ(Bl({"migrate", "rollback", id}).exit_code, 0);
  q = Bl({"query", kPerSymbol, "--format", "csv"});
  EXPECT_EQ(q.out, all);
  EXPECT_NE(q.err.find("4 datasets not migrated yet"), std::string::npos) << q.err;
  EXPECT_EQ(LakeRows(), 0);
  EXPECT_EQ(testutil::Snapshot(legacy_), legacy_before) << "the legacy tree is only read";
}

TEST_F(MigrateCliTest, ActivatedMigrationIsNoLongerServed) {
  migrate_test::MakeFlat(legacy_, 2);
  const std::string id = Plan();
  ASSERT_EQ(Bl({"migrate", "run", id}).exit_code, 0);
  ASSERT_EQ(Bl({"migrate", "verify", id}).exit_code, 0);
  ASSERT_EQ(Bl({"migrate", "activate", id}).exit_code, 0);
  // A dataset the lake lost after activation (rolled back by hand) is not served from legacy.
  CommandResult jobs = Bl({"jobs", "--json"});
  ASSERT_EQ(jobs.exit_code, 0);
  const auto j = nlohmann::json::parse(jobs.out);
  ASSERT_FALSE(j.empty());
  ASSERT_EQ(Bl({"rollback", std::to_string(j.front()["id"].get<int64_t>())}).exit_code, 0);
  CommandResult q = Bl({"query", "SELECT count(*) AS n FROM legacy_datasets", "--format", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "n\n0\n");
  EXPECT_EQ(q.err.find("not migrated yet"), std::string::npos) << q.err;
}

TEST_F(MigrateCliTest, BadArgumentsAreUsageErrorsThatSayWhatToDo) {
  const std::string missing = dir_.Sub("nonexistent");
  CommandResult r = Bl({"migrate", "plan", missing});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("the folder to migrate '" + missing + "' does not exist"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("give the folder that holds your bars"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("cannot stat"), std::string::npos) << r.err;

  migrate_test::MakeFlat(legacy_, 1);
  const std::string file = legacy_ + "/stocks_1d/S1000.parquet";
  r = Bl({"migrate", "plan", file});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("is a file, not a folder"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'" + legacy_ + "/stocks_1d'"), std::string::npos) << "names the folder to give: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/.barlake/migrations")) << "no plan written";
  EXPECT_EQ(testutil::ReadText(vault_ + "/barlake.toml").find("[[legacy]]"), std::string::npos);

  for (const char* cmd : {"run", "status", "verify", "activate", "rollback", "delete-legacy"}) {
    r = Bl({"migrate", cmd, "nope"});
    EXPECT_EQ(r.exit_code, 3) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find("no migration plan 'nope' in this vault"), std::string::npos) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find("barlake migrate plan SOURCE_DIR"), std::string::npos) << cmd << ": " << r.err;
  }
  const std::string id = Plan();
  r = Bl({"migrate", "status", "nope"});
  EXPECT_NE(r.err.find("its plans are " + id + " (`barlake migrate status` shows them)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace barlake
