// Derived datasets through the lake: resample and sql methods, lineage and staleness,
// incremental regenerate jobs, auto-regeneration after an import, and rollback of a
// regenerate. Faults in a regenerate: write_path_conformance_test.cc.
#include "lake/lake_test_util.h"
#include "storage/duckdb_conn.h"

namespace barlake::lake {
namespace {

using testutil::NtMinutes;

constexpr Micros kHour = 3600LL * 1000000;

Micros At(const std::string& iso) {
  auto t = ParseIsoUtc(iso);
  EXPECT_TRUE(t.ok()) << iso;
  return t.ok() ? *t : 0;
}

class DerivedTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    // Two CME sessions (stamps are UTC closes): Sunday 2024-01-07 18:00 New York
    // (23:00 UTC) to Monday 17:00 (22:00 UTC), and the same in February.
    jan_ = WriteSource("jan.txt", NtMinutes("20240107 230100", 1380, 4800));
    feb_ = WriteSource("feb.txt", NtMinutes("20240204 230100", 1380, 4900));
    auto lake = OpenLake();
    for (const auto& f : {jan_, feb_}) {
      ImportRequest r = Req(f);
      r.calendar = "CME_Globex";
      ASSERT_OK_AND_ASSIGN(ImportResult res, lake->Import(r));
      ASSERT_EQ(res.job.status, "completed");
    }
  }

  ResampleRequest Resample(std::vector<std::string> to, bool auto_regenerate = true) {
    ResampleRequest r;
    r.symbol = "ES";
    r.from = "1m";
    r.to = std::move(to);
    r.auto_regenerate = auto_regenerate;
    return r;
  }

  // Change one February bar's high (the 11th minute of the session) by `delta`.
  ImportResult ReplaceFebBar(Lake* lake, double delta) {
    const std::string text = NtMinutes("20240204 231100", 1, 4900);
    // NtLine fields: stamp;open;high;low;close;volume
    std::vector<std::string> f;
    std::string cur;
    for (char c : text) {
      if (c == ';' || c == '\n') {
        f.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    const double high = std::stod(f[2]) + delta;
    const std::string line = testutil::NtLine(f[0], std::stod(f[1]), high, std::stod(f[3]), std::stod(f[4]),
                                              std::stod(f[5]));
    ImportRequest r = Req(WriteSource("fix" + std::to_string(++fixes_) + ".txt", line));
    r.on_conflict = ConflictPolicy::kReplace;
    auto res = lake->Import(r);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? *res : ImportResult{};
  }

  const DerivedState* StateOf(const std::vector<DerivedState>& states, const std::string& tf) {
    for (const auto& s : states) {
      if (s.symbol == "ES" && s.timeframe == tf) return &s;
    }
    return nullptr;
  }

  std::string jan_, feb_;
  int fixes_ = 0;
};

TEST_F(DerivedTest, FourHourBarsStartAtTheSessionOpenAndEqualASqlReference) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(auto items, lake->DeclareResample(Resample({"4h", "5m"})));
  ASSERT_EQ(items.size(), 2u);
  for (const auto& it : items) {
    EXPECT_EQ(it.job.status, "completed");
    EXPECT_EQ(it.partitions_written, 2);  // January and February
    EXPECT_FALSE(it.incremental);
  }
  ASSERT_OK_AND_ASSIGN(BarColumns h4, lake->Read("ES", "4h", At("2024-01-01T00:00:00Z"), At("2024-03-01T00:00:00Z")));
  // 18:00, 22:00, 02:00, 06:00, 10:00, 14:00 New York = 23, 03, 07, 11, 15, 19 UTC; the
  // last bucket is cut at the 17:00 close and flagged.
  ASSERT_EQ(h4.size(), 12u);
  EXPECT_EQ(h4.ts[0], At("2024-01-07T23:00:00Z"));
  for (size_t i = 1; i < 6; ++i) EXPECT_EQ(h4.ts[i] - h4.ts[i - 1], 4 * kHour);
  EXPECT_EQ(h4.flags[5], kBarTruncated);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(h4.flags[i], 0) << i;

  // Independent reference: DuckDB over the 1m Parquet files, on the same 4h grid.
  ASSERT_OK_AND_ASSIGN(storage::DuckConn * duck, lake->TEST_Duck());
  ASSERT_OK(lake->CreateBarsView(duck));
  ASSERT_OK_AND_ASSIGN(auto ref, duck->Query(
      "SELECT epoch_us(b) AS b, arg_min(open, ts), max(high), min(low), arg_max(close, ts), sum(volume) FROM ("
      "SELECT *, to_timestamp(epoch(ts) - ((epoch(ts) - epoch(TIMESTAMPTZ '2024-01-07 23:00:00+00')) % 14400)) AS b "
      "FROM bars WHERE symbol = 'ES' AND timeframe = '1m') GROUP BY b ORDER BY b"));
  ASSERT_EQ(ref->RowCount(), h4.size());
  for (size_t i = 0; i < h4.size(); ++i) {
    EXPECT_EQ(std::stoll(ref->Text(0, i)), h4.ts[i]) << i;
    EXPECT_DOUBLE_EQ(std::stod(ref->Text(1, i)), h4.open[i]) << i;
    EXPECT_DOUBLE_EQ(std::stod(ref->Text(2, i)), h4.high[i]) << i;
    EXPECT_DOUBLE_EQ(std::stod(ref->Text(3, i)), h4.low[i]) << i;
    EXPECT_DOUBLE_EQ(std::stod(ref->Text(4, i)), h4.close[i]) << i;
    EXPECT_DOUBLE_EQ(std::stod(ref->Text(5, i)), h4.volume[i]) << i;
  }
  ASSERT_OK_AND_ASSIGN(auto states, lake->DerivedStates());
  ASSERT_NE(StateOf(states, "4h"), nullptr);
  EXPECT_FALSE(StateOf(states, "4h")->stale) << StateOf(states, "4h")->why;
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
}

TEST_F(DerivedTest, AnInputChangeMakesItStaleAndRegenerateRewritesOnlyThatMonth) {
  auto lake = OpenLake();
  ASSERT_OK(lake->DeclareResample(Resample({"1h"}, /*auto_regenerate=*/false)).status());
  const std::string jan_rel = "symbol=ES/timeframe=1h/period=2024-01/data.parquet";
  const auto before = testutil::Snapshot(LakeDir());

  ImportResult fix = ReplaceFebBar(lake.get(), 100);
  EXPECT_EQ(fix.job.rows_written, 1);
  EXPECT_TRUE(fix.regenerated.empty());  // auto_regenerate = false
  ASSERT_OK_AND_ASSIGN(auto states, lake->DerivedStates());
  const DerivedState* s = StateOf(states, "1h");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->stale);
  ASSERT_EQ(s->changed_inputs.size(), 1u);
  EXPECT_EQ(s->changed_inputs[0], "symbol=ES/timeframe=1m/period=2024-02/data.parquet");

  RegenerateRequest rr;
  rr.stale_only = true;
  ASSERT_OK_AND_ASSIGN(auto items, lake->Regenerate(rr));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(items[0].incremental);
  EXPECT_EQ(items[0].partitions_written, 1);
  const auto after = testutil::Snapshot(LakeDir());
  EXPECT_EQ(after.at(jan_rel), before.at(jan_rel));  // January's file was not touched
  ASSERT_OK_AND_ASSIGN(BarColumns h1, lake->Read("ES", "1h", At("2024-02-04T23:00:00Z"), At("2024-02-05T00:00:00Z")));
  ASSERT_EQ(h1.size(), 1u);
  ASSERT_OK_AND_ASSIGN(BarColumns m1, lake->Read("ES", "1m", At("2024-02-04T23:10:00Z"), At("2024-02-04T23:11:00Z")));
  EXPECT_DOUBLE_EQ(h1.high[0], m1.high[0]);  // the replaced bar is the hour's high now

  ASSERT_OK_AND_ASSIGN(states, lake->DerivedStates());
  EXPECT_FALSE(StateOf(states, "1h")->stale);
  // Nothing changed since: a second regenerate does nothing.
  ASSERT_OK_AND_ASSIGN(items, lake->Regenerate(rr));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].job.id, 0);
  EXPECT_EQ(items[0].skipped_because, "up to date");
}

TEST_F(DerivedTest, AnImportRegeneratesItsDependentsAndRollingBackARegenerateMakesItStaleAgain) {
  auto lake = OpenLake();
  ASSERT_OK(lake->DeclareResample(Resample({"15m", "1h"})).status());
  ImportResult fix = ReplaceFebBar(lake.get(), 50);
  ASSERT_EQ(fix.regenerated.size(), 2u);
  for (const auto& r : fix.regenerated) {
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.job.status, "completed");
    EXPECT_TRUE(r.incremental);
  }
  ASSERT_OK_AND_ASSIGN(auto states, lake->DerivedStates());
  for (const auto& s : states) EXPECT_FALSE(s.stale) << s.timeframe << ": " << s.why;
  ASSERT_OK_AND_ASSIGN(BarColumns h1, lake->Read("ES", "1h", At("2024-02-04T23:00:00Z"), At("2024-02-05T00:00:00Z")));
  const double new_high = h1.high[0];

  // Roll back the 1h regenerate: the old file comes back, and with it the old lineage,
  // which no longer matches the input.
  int64_t regen_1h = 0;
  for (const auto& r : fix.regenerated) {
    if (r.timeframe == "1h") regen_1h = r.job.id;
  }
  ASSERT_OK(lake->Rollback(regen_1h).status());
  ASSERT_OK_AND_ASSIGN(h1, lake->Read("ES", "1h", At("2024-02-04T23:00:00Z"), At("2024-02-05T00:00:00Z")));
  EXPECT_LT(h1.high[0], new_high);
  ASSERT_OK_AND_ASSIGN(states, lake->DerivedStates());
  EXPECT_TRUE(StateOf(states, "1h")->stale);
  EXPECT_FALSE(StateOf(states, "15m")->stale);
  RegenerateRequest rr;
  rr.stale_only = true;
  ASSERT_OK(lake->Regenerate(rr).status());
  ASSERT_OK_AND_ASSIGN(h1, lake->Read("ES", "1h", At("2024-02-04T23:00:00Z"), At("2024-02-05T00:00:00Z")));
  EXPECT_DOUBLE_EQ(h1.high[0], new_high);
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
}

TEST_F(DerivedTest, OneResampleJobDeclaresAndBuildsEveryTargetAndItsRollbackUndeclaresThem) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(auto items, lake->DeclareResample(Resample({"15m", "1h"})));
  ASSERT_EQ(items.size(), 2u);
  // One job built both (each input partition read once for both) and declared both.
  EXPECT_NE(items[0].job.id, 0);
  EXPECT_EQ(items[0].job.id, items[1].job.id);
  EXPECT_EQ(items[0].job.status, "completed");
  EXPECT_NE(lake->registry().Find("ES", "15m"), nullptr);
  EXPECT_NE(lake->registry().Find("ES", "1h"), nullptr);
  ASSERT_OK_AND_ASSIGN(auto changes, lake->JobChanges(items[0].job.id));
  EXPECT_EQ(changes.size(), 5u);  // 2 x (January, February) + barlake.toml
  EXPECT_EQ(std::count_if(changes.begin(), changes.end(),
                          [](const journal::PartitionChange& c) { return c.rel_path == "barlake.toml"; }),
            1);
  ASSERT_OK_AND_ASSIGN(journal::JobRecord job, lake->Job(items[0].job.id));
  EXPECT_NE(job.report_json.find("\"dataset\":\"ES 15m\""), std::string::npos) << job.report_json;
  EXPECT_NE(job.report_json.find("\"dataset\":\"ES 1h\""), std::string::npos) << job.report_json;

  // Rolling the job back removes its partitions and its declarations together.
  ASSERT_OK(lake->Rollback(items[0].job.id).status());
  EXPECT_EQ(lake->registry().Find("ES", "15m"), nullptr);
  EXPECT_EQ(lake->registry().Find("ES", "1h"), nullptr);
  auto reopened = OpenLake();
  EXPECT_EQ(reopened->registry().Find("ES", "1h"), nullptr);
  ASSERT_OK_AND_ASSIGN(auto left, lake->PartitionsInRange("ES", "1h", kOpenRangeStart, kOpenRangeEnd));
  EXPECT_TRUE(left.empty());
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
}

TEST_F(DerivedTest, ABuildThatFailsDeclaresNothing) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(std::string toml_before, Env::Default()->ReadFile(vault_ + "/barlake.toml"));
  // The February input file is gone: the job reading it fails, and with it the
  // declaration, which is one of its writes.
  ASSERT_OK(Env::Default()->RemoveFile(LakeDir() + "/symbol=ES/timeframe=1m/period=2024-02/data.parquet"));
  auto refused = lake->DeclareResample(Resample({"15m", "1h"}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(lake->registry().Find("ES", "1h"), nullptr);
  ASSERT_OK_AND_ASSIGN(std::string toml_after, Env::Default()->ReadFile(vault_ + "/barlake.toml"));
  EXPECT_EQ(toml_after, toml_before);
  ASSERT_OK_AND_ASSIGN(auto failed, lake->JobsWithStatus("failed"));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].kind, "regenerate");
  ASSERT_OK_AND_ASSIGN(auto left, lake->PartitionsInRange("ES", "15m", kOpenRangeStart, kOpenRangeEnd));
  EXPECT_TRUE(left.empty());
}

TEST_F(DerivedTest, RollingBackAnImportRegeneratesItsDependentsAndNamesThem) {
  auto lake = OpenLake();
  ASSERT_OK(lake->DeclareResample(Resample({"1h"})).status());
  ASSERT_OK_AND_ASSIGN(BarColumns before, lake->Read("ES", "1h", At("2024-02-04T23:00:00Z"), At("2024-02-05T00:00:00Z")));
  ImportResult fix = ReplaceFebBar(lake.get(), 75);
  ASSERT_EQ(fix.regenerated.size(), 1u);
  ASSERT_OK_AND_ASSIGN(BarColumns fixed, lake->Read("ES", "1h", At("2024-02-04T23:00:00Z"), At("2024-02-05T00:00:00Z")));
  ASSERT_GT(fixed.high[0], before.high[0]);

  ASSERT_OK_AND_ASSIGN(journal::JobRecord rb, lake->Rollback(fix.job.id));
  EXPECT_EQ(rb.status, "completed");
  // The 1h bars follow the restored minutes, and the rollback's report says so.
  ASSERT_OK_AND_ASSIGN(BarColumns after, lake->Read("ES", "1h", At("2024-02-04T23:00:00Z"), At("2024-02-05T00:00:00Z")));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_DOUBLE_EQ(after.high[0], before.high[0]);
  ASSERT_OK_AND_ASSIGN(auto states, lake->DerivedStates());
  EXPECT_FALSE(StateOf(states, "1h")->stale) << StateOf(states, "1h")->why;
  EXPECT_NE(rb.report_json.find("\"regenerated\""), std::string::npos) << rb.report_json;
  EXPECT_NE(rb.report_json.find("\"dataset\":\"ES 1h\""), std::string::npos) << rb.report_json;
  ASSERT_OK_AND_ASSIGN(journal::JobRecord stored, lake->Job(rb.id));
  EXPECT_EQ(stored.report_json, rb.report_json);
  ASSERT_OK_AND_ASSIGN(auto jobs, lake->Jobs(1));
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].kind, "regenerate");  // the dependent's rebuild, after the rollback
  EXPECT_GT(jobs[0].id, rb.id);
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
}

TEST_F(DerivedTest, DailyBarsFromMinutesNeedTheirOwnName) {
  auto lake = OpenLake();
  auto refused = lake->DeclareResample(Resample({"1d"}));
  ASSERT_RAISES(kInvalidArgument, refused.status());
  EXPECT_NE(refused.status().message().find("official settlement"), std::string::npos);
  EXPECT_EQ(lake->registry().Find("ES", "1d"), nullptr);  // nothing declared

  ResampleRequest named = Resample({"1d"});
  named.name = "ES_FROM_1M";
  ASSERT_OK_AND_ASSIGN(auto items, lake->DeclareResample(named));
  ASSERT_EQ(items.size(), 1u);
  ASSERT_OK_AND_ASSIGN(BarColumns d, lake->Read("ES_FROM_1M", "1d", At("2024-01-01T00:00:00Z"), At("2025-01-01T00:00:00Z")));
  ASSERT_EQ(d.size(), 2u);  // one bar per session, stamped with its trade date
  EXPECT_EQ(d.ts[0], At("2024-01-08T00:00:00Z"));
  EXPECT_EQ(d.ts[1], At("2024-02-05T00:00:00Z"));
  ASSERT_OK_AND_ASSIGN(BarColumns m, lake->Read("ES", "1m", At("2024-01-07T00:00:00Z"), At("2024-01-09T00:00:00Z")));
  double volume = 0;
  for (double v : m.volume) volume += v;
  EXPECT_DOUBLE_EQ(d.volume[0], volume);
  EXPECT_DOUBLE_EQ(d.open[0], m.open.front());
  EXPECT_DOUBLE_EQ(d.close[0], m.close.back());
}

TEST_F(DerivedTest, SqlDatasetsAreBuiltFromTheQueryAndBadQueriesChangeNothing) {
  registry::DatasetSpec spec;
  spec.symbol = "ES_HOURLY";
  spec.timeframe = "1h";
  spec.method = "sql";
  spec.inputs = {"ES 1m"};
  spec.sql =
      "SELECT time_bucket(INTERVAL 1 hour, ts) AS ts, arg_min(open, ts) AS open, max(high) AS high, "
      "min(low) AS low, arg_max(close, ts) AS close, sum(volume) AS volume FROM bars "
      "WHERE symbol = 'ES' AND timeframe = '1m' GROUP BY 1";
  ASSERT_OK(registry::Registry::AppendDataset(Env::Default(), vault_ + "/barlake.toml", spec).status());
  auto lake = OpenLake();
  RegenerateRequest rr;
  rr.datasets = {"ES_HOURLY 1h"};
  ASSERT_OK_AND_ASSIGN(auto items, lake->Regenerate(rr));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].rows_written, 46);  // 23 hours in each of the two sessions
  ASSERT_OK_AND_ASSIGN(BarColumns h, lake->Read("ES_HOURLY", "1h", At("2024-01-01T00:00:00Z"), At("2024-03-01T00:00:00Z")));
  EXPECT_EQ(h.size(), 46u);
  EXPECT_EQ(h.ts[0], At("2024-01-07T23:00:00Z"));

  // A query with two rows per time is refused and writes nothing.
  const auto before = testutil::Snapshot(LakeDir());
  spec.symbol = "ES_DUP";
  spec.sql = "SELECT ts, open, high, low, close, volume FROM bars WHERE symbol = 'ES' UNION ALL "
             "SELECT ts, open, high, low, close, volume FROM bars WHERE symbol = 'ES'";
  ASSERT_OK(registry::Registry::AppendDataset(Env::Default(), vault_ + "/barlake.toml", spec).status());
  lake = OpenLake();
  rr.datasets = {"ES_DUP 1h"};
  auto dup = lake->Regenerate(rr);
  ASSERT_RAISES(kInvalidInput, dup.status());
  EXPECT_NE(dup.status().message().find("two rows at"), std::string::npos) << dup.status().message();
  EXPECT_EQ(testutil::Snapshot(LakeDir()), before);
  ASSERT_OK_AND_ASSIGN(auto failed, lake->TEST_journal()->JobsWithStatus("failed"));
  EXPECT_EQ(failed.size(), 1u);
}

}  // namespace
}  // namespace barlake::lake
