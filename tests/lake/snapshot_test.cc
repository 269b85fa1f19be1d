// Snapshot datasets (GEX): import through the write protocol, Parquet that equals the JSON
// field for field, idempotency, merges, conflicts, verify, rollback, and a bar glob that
// still sees only bars.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lake/lake_test_util.h"
#include "lake/snapshot_import.h"
#include "registry/registry.h"
#include "storage/snapshot_store.h"

namespace barlake::lake {
namespace {

std::string GexFixture(const std::string& name) { return std::string(BARLAKE_TEST_DATA_DIR) + "/gex/" + name; }

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class SnapshotTest : public VaultTest {
 protected:
  SnapshotImportRequest SReq(const std::string& fixture, ConflictPolicy policy = ConflictPolicy::kKeep) {
    SnapshotImportRequest r;
    r.path = GexFixture(fixture);
    r.on_conflict = policy;
    return r;
  }
  std::string SnapshotsDir() const { return vault_ + "/snapshots"; }
  int64_t Count(Lake* lake, const std::string& sql) {
    auto duck = lake->TEST_Duck();
    EXPECT_TRUE(duck.ok());
    auto q = (*duck)->Query(sql);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    return q.ok() ? (*q)->Int(0, 0) : -1;
  }
  std::string Glob() const {
    return "read_parquet(" + storage::SqlQuote(SnapshotsDir() + "/**/*.parquet") + ", hive_partitioning=true)";
  }
};

TEST_F(SnapshotTest, ImportedParquetEqualsTheJsonEveryStrikeEveryField) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(SnapshotImportResult r, lake->ImportSnapshots(SReq("SPX_2026-02-25_rt.json")));
  EXPECT_EQ(r.job.status, "completed");
  EXPECT_EQ(r.job.kind, "import-snapshot");
  EXPECT_EQ(r.job.symbol, "SPX");
  EXPECT_EQ(r.job.timeframe, "gex");
  EXPECT_EQ(r.rows_added, 7);
  ASSERT_EQ(r.partitions, (std::vector<std::string>{"kind=gex/ticker=SPX/period=2026-02/data.parquet"}));
  EXPECT_TRUE(std::filesystem::exists(SnapshotsDir() + "/" + r.partitions[0]));
  EXPECT_TRUE(std::filesystem::exists(vault_ + "/.barlake/sources/" + r.job.source_sha256));

  // Read the file back through DuckDB by column name and compare with the JSON, parsed here
  // independently of the importer.
  const auto j = nlohmann::json::parse(ReadText(GexFixture("SPX_2026-02-25_rt.json")));
  ASSERT_OK_AND_ASSIGN(auto* duck, lake->TEST_Duck());
  std::string cols = "epoch(ts)::BIGINT, ticker, kind, period, strike";
  for (const char* c : storage::kSnapshotValueColumns) cols += std::string(", ") + c;
  ASSERT_OK_AND_ASSIGN(auto q, duck->Query("SELECT " + cols + " FROM " + Glob() + " ORDER BY ts, strike"));
  const auto& strikes = j["strikes"];
  ASSERT_EQ(q->RowCount(), strikes.size());
  auto col = [](const char* name) { return static_cast<idx_t>(5 + storage::SnapshotColumnIndex(name)); };
  for (idx_t row = 0; row < q->RowCount(); ++row) {
    const auto& s = strikes[row];
    EXPECT_EQ(q->Int(0, row), j["timestamp"].get<int64_t>());
    EXPECT_EQ(q->Text(1, row), "SPX");
    EXPECT_EQ(q->Text(2, row), "gex");
    EXPECT_EQ(q->Text(3, row), "2026-02");
    auto dbl = [&](idx_t c) { return duckdb_value_double(q->raw(), c, row); };
    EXPECT_EQ(dbl(4), s[0].get<double>());
    EXPECT_EQ(dbl(col("gex_vol")), s[1].get<double>());
    EXPECT_EQ(dbl(col("gex_oi")), s[2].get<double>());
    for (int k = 0; k < 5; ++k) {
      EXPECT_EQ(dbl(col(("prior_gex_vol_" + std::to_string(k + 1)).c_str())), s[3][k].get<double>()) << row << " " << k;
    }
    for (const char* f : {"spot", "min_dte", "sec_min_dte", "zero_gamma", "major_pos_vol", "major_pos_oi",
                          "major_neg_vol", "major_neg_oi", "sum_gex_vol", "sum_gex_oi", "delta_risk_reversal"}) {
      EXPECT_EQ(dbl(col(f)), j[f].get<double>()) << f;
    }
    for (int k = 0; k < 6; ++k) {
      const std::string p = "max_prior_" + std::to_string(k + 1);
      EXPECT_EQ(dbl(col((p + "_strike").c_str())), j["max_priors"][k][0].get<double>());
      EXPECT_EQ(dbl(col((p + "_value").c_str())), j["max_priors"][k][1].get<double>());
    }
  }
  // Catalog and registry: a snapshot dataset, distinct from bars.
  ASSERT_OK_AND_ASSIGN(auto ds, lake->Datasets());
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].symbol, "SPX");
  EXPECT_EQ(ds[0].timeframe, "gex");
  EXPECT_EQ(ds[0].rows, 7);
  ASSERT_OK_AND_ASSIGN(auto reg, registry::Registry::Load(Env::Default(), vault_ + "/barlake.toml"));
  ASSERT_NE(reg.Find("SPX", "gex"), nullptr);
  EXPECT_EQ(reg.Find("SPX", "gex")->kind, "snapshot");
  EXPECT_EQ(reg.Find("SPX", "gex")->format, "gex-json");
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok()) << v.problems[0].path << " " << v.problems[0].what;
  EXPECT_EQ(v.files_checked, 1);
  EXPECT_EQ(v.rows_checked, 7);
  // ReadSnapshots returns the same rows; bar Read refuses the dataset with advice.
  ASSERT_OK_AND_ASSIGN(storage::SnapshotRows rows, lake->ReadSnapshots("SPX", 0, INT64_MAX / 2));
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows.job[0], r.job.id);
  auto bars = lake->Read("SPX", "gex", 0, INT64_MAX / 2);
  ASSERT_RAISES(kInvalidArgument, bars);
  EXPECT_NE(bars.status().message().find("barlake snapshots read SPX"), std::string::npos);
  ASSERT_RAISES(kNotFound, lake->ReadSnapshots("QQQ", 0, INT64_MAX / 2));
}

TEST_F(SnapshotTest, ReimportIsSkippedAndAConflictFollowsThePolicy) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(auto first, lake->ImportSnapshots(SReq("SPX_2026-02-25_rt.json")));
  const auto before = testutil::Snapshot(SnapshotsDir());
  ASSERT_OK_AND_ASSIGN(auto again, lake->ImportSnapshots(SReq("SPX_2026-02-25_rt.json")));
  EXPECT_EQ(again.job.status, "skipped");
  EXPECT_NE(again.skipped_because.find("already imported by job " + std::to_string(first.job.id)), std::string::npos);
  EXPECT_EQ(testutil::Snapshot(SnapshotsDir()), before);

  // Same stamp and strike, one different gex_vol: fail writes nothing and names the row.
  auto failed = lake->ImportSnapshots(SReq("SPX_2026-02-25_conflict.json", ConflictPolicy::kFail));
  ASSERT_RAISES(kConflict, failed);
  EXPECT_NE(failed.status().message().find("SPX 2026-02-24T21:00:00Z strike 6720: gex_vol stored -4.35, new -4.5"),
            std::string::npos)
      << failed.status().message();
  EXPECT_EQ(testutil::Snapshot(SnapshotsDir()), before);
  // keep: stored rows win, nothing is rewritten.
  ASSERT_OK_AND_ASSIGN(auto kept, lake->ImportSnapshots(SReq("SPX_2026-02-25_conflict.json")));
  EXPECT_EQ(kept.job.rows_conflicting, 1);
  EXPECT_EQ(kept.rows_identical, 6);
  EXPECT_TRUE(kept.partitions.empty());
  EXPECT_EQ(testutil::Snapshot(SnapshotsDir()), before);
  // The same bytes again are skipped whatever the policy (as for bars); other bytes with
  // the same rows and replace: the file's row wins, and the job is recorded on that row.
  ASSERT_OK_AND_ASSIGN(auto skipped, lake->ImportSnapshots(SReq("SPX_2026-02-25_conflict.json", ConflictPolicy::kReplace)));
  EXPECT_EQ(skipped.job.status, "skipped");
  SnapshotImportRequest replace;
  replace.path = WriteSource("conflict2.json", ReadText(GexFixture("SPX_2026-02-25_conflict.json")) + "\n");
  replace.on_conflict = ConflictPolicy::kReplace;
  ASSERT_OK_AND_ASSIGN(auto replaced, lake->ImportSnapshots(replace));
  EXPECT_EQ(replaced.rows_replaced, 1);
  ASSERT_OK_AND_ASSIGN(auto rows, lake->ReadSnapshots("SPX", 0, INT64_MAX / 2));
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows.strike[3], 6720);
  EXPECT_EQ(rows.values[3][0], -4.5);
  EXPECT_EQ(rows.job[3], replaced.job.id);
  EXPECT_EQ(rows.job[2], first.job.id);
}

TEST_F(SnapshotTest, SnapshotsOfTheSameMonthMergeIntoOnePartitionAndRollBack) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(auto a, lake->ImportSnapshots(SReq("SPX_2026-02-25_rt.json")));
  const auto after_first = testutil::Snapshot(SnapshotsDir());
  ASSERT_OK_AND_ASSIGN(auto b, lake->ImportSnapshots(SReq("SPX_2026-02-26_rt.json")));
  EXPECT_EQ(b.rows_added, 3);
  ASSERT_EQ(b.partitions.size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto ds, lake->Datasets());
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].rows, 10);
  EXPECT_EQ(ds[0].partitions, 1);
  EXPECT_EQ(FormatIsoUtc(ds[0].last_ts), "2026-02-25T21:00:00Z");
  ASSERT_OK_AND_ASSIGN(auto rows, lake->ReadSnapshots("SPX", 0, INT64_MAX / 2));
  ASSERT_EQ(rows.size(), 10u);
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_TRUE(storage::SnapshotRows::KeyLess(rows, i - 1, rows, i)) << i;
  // A time range selects snapshots.
  const Micros day2 = ParseIsoUtc("2026-02-25T00:00:00Z").value();
  ASSERT_OK_AND_ASSIGN(auto later, lake->ReadSnapshots("SPX", day2, INT64_MAX / 2));
  EXPECT_EQ(later.size(), 3u);
  // The previous file was kept; the first job cannot be rolled back before the second.
  ASSERT_RAISES(kConflict, lake->Rollback(a.job.id));
  ASSERT_OK_AND_ASSIGN(auto rb, lake->Rollback(b.job.id));
  EXPECT_EQ(rb.status, "completed");
  EXPECT_EQ(testutil::Snapshot(SnapshotsDir()), after_first);
  ASSERT_OK_AND_ASSIGN(auto rb2, lake->Rollback(a.job.id));
  EXPECT_EQ(rb2.status, "completed");
  EXPECT_FALSE(std::filesystem::exists(SnapshotsDir() + "/kind=gex/ticker=SPX/period=2026-02/data.parquet"));
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
  // After a rollback the same file imports again (the skipped check looks at completed jobs).
  ASSERT_OK_AND_ASSIGN(auto again, lake->ImportSnapshots(SReq("SPX_2026-02-25_rt.json")));
  EXPECT_EQ(again.job.status, "completed");
}

TEST_F(SnapshotTest, JsonLinesAcrossMonthsWriteOnePartitionPerMonth) {
  auto lake = OpenLake();
  SnapshotImportRequest dry = SReq("ndx_history.jsonl");
  dry.dry_run = true;
  ASSERT_OK_AND_ASSIGN(auto d, lake->ImportSnapshots(dry));
  EXPECT_EQ(d.partitions.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(SnapshotsDir()));  // a dry run writes nothing
  ASSERT_OK_AND_ASSIGN(auto r, lake->ImportSnapshots(SReq("ndx_history.jsonl")));
  EXPECT_EQ(r.snapshots, 2);
  EXPECT_EQ(r.partitions, (std::vector<std::string>{"kind=gex/ticker=NDX/period=2026-02/data.parquet",
                                                     "kind=gex/ticker=NDX/period=2026-03/data.parquet"}));
  EXPECT_EQ(Count(lake.get(), "SELECT count(*) FROM " + Glob() + " WHERE ticker = 'NDX'"), 4);
}

TEST_F(SnapshotTest, AMonthOfSnapshotsWithNegativeZerosImportsAndVerifies) {
  // 400 snapshots x 50 strikes: several DuckDB vectors and a dictionary-encoded zero
  // column holding -0.0 values (which the Parquet writer stores as 0).
  std::string text;
  for (int s = 0; s < 400; ++s) {
    std::string strikes;
    for (int k = 0; k < 50; ++k) {
      strikes += std::string(k ? ", " : "") + "[" + std::to_string(6000 + 5 * k) + ", " +
                 (k % 7 == 0 ? "-0.0" : std::to_string(k - 25) + ".5") + ", " + (k % 3 == 0 ? "-0.0" : "0") +
                 ", [0, -0.0, 1.25, 2, 3]]";
    }
    text += "{\"timestamp\": " + std::to_string(1769956200 + s * 300) +
            ", \"ticker\": \"SPX\", \"min_dte\": 0, \"sec_min_dte\": 1, \"spot\": 6891.04, \"zero_gamma\": 0, "
            "\"major_pos_vol\": 6880, \"major_pos_oi\": 0, \"major_neg_vol\": 6890, \"major_neg_oi\": 0, "
            "\"strikes\": [" + strikes + "], \"sum_gex_vol\": -1.5, \"sum_gex_oi\": 0, \"delta_risk_reversal\": -0.0, "
            "\"max_priors\": [[1, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2]]}\n";
  }
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(auto r, lake->ImportSnapshots({WriteSource("month.jsonl", text)}));
  EXPECT_EQ(r.rows_added, 400 * 50);
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok()) << v.problems[0].what;
  EXPECT_EQ(v.rows_checked, 400 * 50);
  // The same rows again (other bytes): all identical, nothing rewritten.
  ASSERT_OK_AND_ASSIGN(auto again, lake->ImportSnapshots({WriteSource("month2.jsonl", text + "\n")}));
  EXPECT_EQ(again.rows_identical, 400 * 50);
  EXPECT_EQ(again.job.rows_conflicting, 0);
  EXPECT_TRUE(again.partitions.empty());
}

TEST_F(SnapshotTest, BarGlobStillReadsExactlyTheBars) {
  auto lake = OpenLake();
  ASSERT_OK(lake->Import(Req(WriteSource("a.txt", testutil::NtMinutes("20240131 233100", 60, 100)))).status());
  ASSERT_OK(lake->ImportSnapshots(SReq("SPX_2026-02-25_rt.json")).status());
  ASSERT_OK(lake->ImportSnapshots(SReq("SPY_2026-02-25_pre.json")).status());
  EXPECT_EQ(Count(lake.get(), "SELECT count(*) FROM read_parquet(" + storage::SqlQuote(LakeDir() + "/**/*.parquet") +
                                  ", hive_partitioning=true)"),
            60);
  EXPECT_EQ(Count(lake.get(), "SELECT count(*) FROM " + Glob()), 12);
  ASSERT_OK_AND_ASSIGN(auto ds, lake->Datasets());
  EXPECT_EQ(ds.size(), 3u);  // ES 1m, SPX gex, SPY gex
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.files_checked, 4);
}

TEST_F(SnapshotTest, VerifyFindsDamagedAndStraySnapshotFiles) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(auto r, lake->ImportSnapshots(SReq("SPX_2026-02-25_rt.json")));
  const std::string file = SnapshotsDir() + "/" + r.partitions[0];
  // A bar file where a snapshot file should be: wrong schema. And a stray file.
  ASSERT_OK(lake->Import(Req(WriteSource("a.txt", testutil::NtMinutes("20240131 233100", 5, 100)))).status());
  std::filesystem::copy_file(LakeDir() + "/symbol=ES/timeframe=1m/period=2024-01/data.parquet", file,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::create_directories(SnapshotsDir() + "/kind=gex/ticker=QQQ/period=2026-02");
  ASSERT_OK(testutil::WriteText(SnapshotsDir() + "/kind=gex/ticker=QQQ/period=2026-02/data.parquet", "x"));
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  std::string all;
  for (const auto& p : v.problems) all += p.path + ": " + p.what + "\n";
  EXPECT_NE(all.find(file + ": SHA-256"), std::string::npos) << all;
  EXPECT_NE(all.find("expected the snapshot schema"), std::string::npos) << all;
  EXPECT_NE(all.find("ticker=QQQ/period=2026-02/data.parquet: is a stray file"), std::string::npos) << all;
}

TEST_F(SnapshotTest, BadFilesFailTheJobAndChangeNothing) {
  auto lake = OpenLake();
  const std::string bad = WriteSource("bad.json", "{\"timestamp\": 1771966800, \"ticker\": \"SPX\"}");
  auto r = lake->ImportSnapshots({bad});
  ASSERT_RAISES(kInvalidInput, r);
  EXPECT_EQ(r.status().message(), bad + ": spot: is missing");
  std::string text = ReadText(GexFixture("SPX_2026-02-25_rt.json"));
  text.replace(text.find("\"SPX\""), 5, "\"S/X\"");
  const std::string slash = WriteSource("slash.json", text);
  auto s = lake->ImportSnapshots({slash});
  ASSERT_RAISES(kInvalidInput, s);
  EXPECT_NE(s.status().message().find("ticker: symbol 'S/X'"), std::string::npos) << s.status().message();
  ASSERT_OK_AND_ASSIGN(auto jobs, lake->TEST_journal()->ListJobs(10));
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].status, "failed");
  EXPECT_EQ(jobs[1].status, "failed");
  EXPECT_FALSE(std::filesystem::exists(SnapshotsDir()));
}

TEST_F(SnapshotTest, RealFilesImportWithEveryStrike) {
  const std::string dir = std::string(BARLAKE_SHARED_DIR) + "/realdata/gex_json";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "../shared/realdata is not present";
  auto lake = OpenLake();
  int64_t total = 0;
  for (auto [file, strikes] : {std::pair{"SPX_2026-02-25_rt.json", 96}, std::pair{"NDX_2026-02-25_rt.json", 99},
                               std::pair{"SPY_2026-02-25_pre.json", 97}}) {
    SnapshotImportRequest req;
    req.path = dir + "/" + file;
    ASSERT_OK_AND_ASSIGN(auto r, lake->ImportSnapshots(req));
    EXPECT_EQ(r.rows_added, strikes) << file;
    total += strikes;
  }
  EXPECT_EQ(Count(lake.get(), "SELECT count(*) FROM " + Glob()), total);
  EXPECT_EQ(Count(lake.get(), "SELECT count(*) FROM " + Glob() + " WHERE ts <> '2026-02-24 21:00:00+00'::TIMESTAMPTZ"), 0);
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
}

}  // namespace
}  // namespace barlake::lake

namespace barlake::storage {
namespace {

// More rows than one DuckDB vector (2048) and one Parquet row group (122,880): the file
// must read back row for row, in order.
TEST(SnapshotStoreTest, ManyRowsRoundTripExactly) {
  testutil::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto duck, DuckConn::OpenInMemory(1));
  SnapshotRows rows;
  for (int s = 0; s < 1600; ++s) {
    for (int k = 0; k < 100; ++k) {
      rows.ts.push_back(1769956200000000LL + s * 300000000LL);
      rows.strike.push_back(6000 + 5 * k);
      std::array<double, kSnapshotValueCount> v{};
      for (size_t c = 0; c < v.size(); ++c) v[c] = s * 1000.0 + k + c / 100.0;
      v[1] = k == 3 ? -0.0 : 0.0;  // a column of zeros (dictionary-encoded) holding a -0
      rows.values.push_back(v);
      rows.job.push_back(7);
    }
  }
  SnapshotStore store(duck.get());
  const std::string path = dir.Sub("s.parquet");
  ASSERT_OK(store.Write(rows, path));
  ASSERT_OK_AND_ASSIGN(SnapshotRows back, store.ReadFile(path));
  ASSERT_EQ(back.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(back.ts[i], rows.ts[i]) << i;
    ASSERT_EQ(back.strike[i], rows.strike[i]) << i;
    ASSERT_EQ(back.values[i], rows.values[i]) << i;
    ASSERT_EQ(back.job[i], rows.job[i]) << i;
  }
  EXPECT_EQ(SnapshotContentHash(back), SnapshotContentHash(rows));
}

}  // namespace
}  // namespace barlake::storage

namespace barlake::registry {
namespace {

TEST(SnapshotRegistryTest, KindSnapshotIsDeclaredWithTimeframeGex) {
  const std::string head = "[vault]\nname = \"v\"\n\n[[dataset]]\n";
  ASSERT_OK_AND_ASSIGN(Registry r, Registry::Parse(head + "kind = \"snapshot\"\nsymbol = \"SPX\"\ntimeframe = \"gex\"\n",
                                                   "barlake.toml"));
  ASSERT_NE(r.Find("SPX", "gex"), nullptr);
  EXPECT_EQ(r.Find("SPX", "gex")->kind, "snapshot");
  // Serialised and parsed again, the kind survives; bars do not write it.
  ASSERT_OK_AND_ASSIGN(Registry again, Registry::Parse(r.Serialize(), "barlake.toml"));
  EXPECT_EQ(again.Find("SPX", "gex")->kind, "snapshot");
  DatasetSpec bars;
  bars.symbol = "ES";
  bars.timeframe = "1m";
  EXPECT_EQ(Registry::DatasetBlock(bars).find("kind"), std::string::npos);
  auto wrong_tf = Registry::Parse(head + "kind = \"snapshot\"\nsymbol = \"SPX\"\ntimeframe = \"1m\"\n", "barlake.toml");
  ASSERT_RAISES(kInvalidInput, wrong_tf);
  EXPECT_NE(wrong_tf.status().message().find("timeframe = \"gex\""), std::string::npos) << wrong_tf.status().message();
  auto bad_kind = Registry::Parse(head + "kind = \"ticks\"\nsymbol = \"SPX\"\ntimeframe = \"1m\"\n", "barlake.toml");
  ASSERT_RAISES(kInvalidInput, bad_kind);
  EXPECT_NE(bad_kind.status().message().find("kind 'ticks' must be bars, snapshot or table"), std::string::npos);
  // A bar dataset cannot be called gex.
  ASSERT_RAISES(kInvalidInput, Registry::Parse(head + "symbol = \"SPX\"\ntimeframe = \"gex\"\n", "barlake.toml"));
}

}  // namespace
}  // namespace barlake::registry
