// The migrate module in process (migrate/migration.h): layout detection and its reasons,
// the plan file (round trip, written whole even when a write fails at any step), the
// free-space refusal through the Env seam, [[legacy]] tables, and the canonical hash.
#include <gtest/gtest.h>

#include "lake/lake.h"
#include "lake/lake_test_util.h"
#include "migrate/migration.h"
#include "migrate_fixture.h"
#include "registry/legacy_config.h"
#include "testutil/fault_injection_env.h"
#include "testutil/temp_dir.h"

namespace barlake {
namespace {

class MigrateTest : public lake::VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    legacy_ = dir_.Sub("legacy");
  }
  std::unique_ptr<lake::Lake> Open(Env* env = nullptr) {
    lake::LakeOptions o;
    o.env = env;
    return OpenLake(std::move(o));
  }
  std::string legacy_;
};

TEST_F(MigrateTest, DetectsEachLayoutAndSaysWhy) {
  migrate_test::MakeYfParqed(dir_.Sub("yf"), 2, 1);
  migrate_test::MakeCsvCache(dir_.Sub("cache"), 2);
  migrate_test::MakeFlat(dir_.Sub("flat"), 2, 5);
  migrate_test::MakeVendorFiles(dir_.Sub("nt"), 2);
  struct Want {
    const char* dir;
    const char* layout;
    const char* why;
  };
  for (const Want& w : {Want{"yf", "yf_parqed", "tickers.json"}, Want{"cache", "csv-cache", ".metadata.json"},
                        Want{"flat", "flat", "Parquet/CSV"}, Want{"nt", "vendor-files", "ninjatrader"}}) {
    auto d = migrate::DetectLayout(Env::Default(), dir_.Sub(w.dir));
    ASSERT_TRUE(d.ok()) << w.dir << ": " << d.status().ToString();
    EXPECT_EQ(d->first, w.layout);
    EXPECT_NE(d->second.find(w.why), std::string::npos) << d->second;
  }
  std::filesystem::create_directories(dir_.Sub("odd"));
  ASSERT_TRUE(testutil::WriteText(dir_.Sub("odd/notes.md"), "# nothing here\n").ok());
  auto none = migrate::DetectLayout(Env::Default(), dir_.Sub("odd"));
  EXPECT_EQ(none.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("pass --layout"), std::string::npos);
}

TEST_F(MigrateTest, FlatNamesGiveSymbolAndTimeframe) {
  migrate_test::Copy(migrate_test::DailySelect(1, 0, 3, "2024-01-02", "CAST(d AS TIMESTAMP) AS datetime"),
                     legacy_ + "/ES1_1m.parquet");
  migrate_test::Copy(migrate_test::DailySelect(1, 0, 3, "2024-01-02", "strftime(d, '%Y-%m-%d') AS Date"),
                     legacy_ + "/data/NQ_1h.csv", "FORMAT CSV, HEADER");
  migrate_test::Copy(migrate_test::DailySelect(1, 0, 3, "2024-01-02", "CAST(d AS TIMESTAMP) AS \"Date\""),
                     legacy_ + "/stocks_1wk/AAPL.parquet");
  std::vector<std::string> notes;
  migrate::ScanRequest req;
  req.source_dir = legacy_;
  auto sets = migrate::ScanLayout(Env::Default(), req, "flat", &notes);
  ASSERT_TRUE(sets.ok()) << sets.status().ToString();
  ASSERT_EQ(sets->size(), 3u);
  EXPECT_EQ((*sets)[0].symbol + " " + (*sets)[0].timeframe, "AAPL 1w");
  EXPECT_EQ((*sets)[1].symbol + " " + (*sets)[1].timeframe, "ES1 1m");
  EXPECT_EQ((*sets)[2].symbol + " " + (*sets)[2].timeframe, "NQ 1h");
  EXPECT_EQ((*sets)[2].files[0].format, "csv");
  EXPECT_EQ((*sets)[1].rows, 3);
}

class FakeFreeEnv : public EnvWrapper {
 public:
  FakeFreeEnv(Env* target, uint64_t free) : EnvWrapper(target), free_(free) {}
  Result<uint64_t> FreeBytes(const std::string&) override { return free_; }

 private:
  uint64_t free_;
};

TEST_F(MigrateTest, RefusesWhenShortAndWritesNothing) {
  migrate_test::MakeFlat(legacy_, 3, 10);
  auto lk = Open();
  const std::string registry_before = testutil::ReadText(vault_ + "/barlake.toml");
  migrate::PlanRequest req;
  req.source_dir = legacy_;
  FakeFreeEnv short_env(Env::Default(), 100);
  auto refused = migrate::CreatePlan(lk.get(), &short_env, req);
  ASSERT_EQ(refused.status().code(), ErrorCode::kNoSpace);
  EXPECT_NE(refused.status().message().find("2.5x"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/.barlake/migrations"));
  EXPECT_EQ(testutil::ReadText(vault_ + "/barlake.toml"), registry_before);

  FakeFreeEnv roomy(Env::Default(), uint64_t{1} << 40);
  auto plan = migrate::CreatePlan(lk.get(), &roomy, req);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->disk_needed, plan->bytes * 5 / 2);
  auto loaded = migrate::LoadPlan(Env::Default(), lk->paths(), plan->id);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(migrate::PlanToJson(*loaded), migrate::PlanToJson(*plan));
  EXPECT_EQ(migrate::LoadPlan(Env::Default(), lk->paths(), "nope").status().code(), ErrorCode::kNotFound);
}

// A plan write that fails at any step leaves either no plan or the previous one, whole.
TEST_F(MigrateTest, PlanWriteFailingAtEachStepNeverLeavesAHalfPlan) {
  migrate_test::MakeFlat(legacy_, 2, 5);
  auto lk = Open();
  migrate::PlanRequest req;
  req.source_dir = legacy_;
  auto plan = migrate::CreatePlan(lk.get(), Env::Default(), req);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const std::string before = testutil::ReadText(migrate::PlanPath(lk->paths(), plan->id));
  migrate::Plan changed = *plan;
  changed.status = "running";
  testutil::FaultInjectionEnv counter(Env::Default());
  ASSERT_TRUE(migrate::SavePlan(&counter, lk->paths(), changed).ok());
  const int64_t steps = counter.mutating_calls();
  ASSERT_GT(steps, 0);
  for (int64_t n = 1; n <= steps; ++n) {
    ASSERT_TRUE(migrate::SavePlan(Env::Default(), lk->paths(), *plan).ok());
    testutil::FaultInjectionEnv env(Env::Default());
    env.FailAt(n, ErrorCode::kIOError);
    Status s = migrate::SavePlan(&env, lk->paths(), changed);
    const std::string now = testutil::ReadText(migrate::PlanPath(lk->paths(), plan->id));
    auto parsed = migrate::PlanFromJson(now, "plan");
    ASSERT_TRUE(parsed.ok()) << "step " << n << ": " << parsed.status().ToString();
    if (!s.ok()) {
      EXPECT_TRUE(now == before || parsed->status == "running") << n;
    }
  }
}

TEST_F(MigrateTest, LegacyTablesParseAppendAndActivate) {
  const std::string path = vault_ + "/barlake.toml";
  ASSERT_TRUE(registry::AppendLegacySource(Env::Default(), path, {"m1", "/data/old \"x\"", "flat", false, ""}).ok());
  ASSERT_TRUE(registry::AppendLegacySource(Env::Default(), path, {"m1", "/elsewhere", "flat", false, ""}).ok());
  auto parsed = registry::ParseLegacySources(testutil::ReadText(path), path);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 1u) << "appending an existing name changes nothing";
  EXPECT_EQ((*parsed)[0].path, "/data/old \"x\"");
  ASSERT_TRUE(registry::SetLegacyActivated(Env::Default(), path, "m1", true).ok());
  parsed = registry::ParseLegacySources(testutil::ReadText(path), path);
  EXPECT_TRUE((*parsed)[0].activated);
  EXPECT_EQ(registry::SetLegacyActivated(Env::Default(), path, "m2", true).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Open() != nullptr) << "the registry with [[legacy]] still opens";
  auto bad = registry::ParseLegacySources("[[legacy]]\nname = \"a\"\npath = \"/x\"\nfolder = 1\n", "b.toml");
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(bad.status().message().find("b.toml:4"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("unknown key 'folder'"), std::string::npos);
}

TEST_F(MigrateTest, CanonicalHashIgnoresEncodingButNotValues) {
  BarColumns a;
  a.ts = {1, 2};
  a.open = {1.5, -0.0};
  a.high = {2, 2};
  a.low = {1, 1};
  a.close = {1.5, 1.5};
  a.volume = {10, 20};
  BarColumns b = a;
  b.open[1] = 0.0;
  b.job = {7, 8};
  EXPECT_EQ(migrate::CanonicalHash(a), migrate::CanonicalHash(b));
  b.close[0] = 1.25;
  EXPECT_NE(migrate::CanonicalHash(a), migrate::CanonicalHash(b));
}

}  // namespace
}  // namespace barlake
