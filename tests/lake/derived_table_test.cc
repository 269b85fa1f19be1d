// Derived tables through the lake (lake/derived_tables.h): daily session statistics and
// level touches stored as datasets of kind "table", a file per year under tables/, built
// and rebuilt by regenerate jobs with lineage, incremental rebuilds across the year
// boundary, verify, rollback and query views. Faults in a table regenerate:
// write_path_conformance_test.cc.
#include <cmath>
#include <filesystem>
#include <fstream>

#include "derive/level_touches.h"
#include "derive/session_stats.h"
#include "lake/derived_tables.h"
#include "lake/lake_json.h"
#include "lake/lake_test_util.h"
#include "registry/registry.h"
#include "storage/partition_layout.h"
#include "storage/table_store.h"

namespace barlake::lake {
namespace {

using testutil::NtLine;
using testutil::NtMinutes;

constexpr Micros kDayMicros = 86400LL * 1000000;

int64_t Day(int y, unsigned m, unsigned d) { return DaysFromCivil(y, m, d); }

class DerivedTableTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    // Five CME sessions around New Year (stamps are UTC bar closes; a winter session runs
    // 23:00 to 22:00 UTC): trade dates 2023-12-27, 28, 29 and 2024-01-02, 03 (New Year's
    // Day has no session). Each session trades a little higher than the one before, so the
    // prior high is touched and the prior low is not.
    std::string text;
    double price = 4800;
    for (const char* open : {"20231226 230100", "20231227 230100", "20231228 230100", "20240101 230100",
                             "20240102 230100"}) {
      text += NtMinutes(open, 1380, price);
      price += 1;
    }
    auto lake = OpenLake();
    ImportRequest r = Req(WriteSource("es.txt", text));
    r.calendar = "CME_Globex";
    ASSERT_OK_AND_ASSIGN(ImportResult res, lake->Import(r));
    ASSERT_EQ(res.job.status, "completed");
  }

  TableRequest Table(const std::string& table) {
    TableRequest r;
    r.symbol = "ES";
    r.from = "1m";
    r.table = table;
    return r;
  }

  // Every stored row of a table dataset, partition by partition in period order.
  storage::TableRows Stored(Lake* lake, const std::string& table, const std::string& symbol = "ES") {
    const storage::TableSchema* schema = FindTableSchema(table);
    storage::TableRows all(schema);
    auto parts = lake->TEST_journal()->PartitionsInRange(symbol, table, INT64_MIN / 2, INT64_MAX / 2);
    EXPECT_TRUE(parts.ok());
    auto duck = lake->TEST_Duck();
    EXPECT_TRUE(duck.ok());
    for (const auto& p : *parts) {
      EXPECT_EQ(KindOfRelPath(p.rel_path).name(), "table") << p.rel_path;
      auto rows = storage::TableStore(*duck).ReadFile(*schema, lake->paths().LakeFile(p.rel_path));
      EXPECT_TRUE(rows.ok()) << rows.status().ToString();
      for (size_t i = 0; rows.ok() && i < rows->size(); ++i) all.Append(*rows, i);
    }
    return all;
  }

  // The rows a build over every stored bar and every session must give.
  storage::TableRows Expected(Lake* lake, const std::string& table, const std::string& day_start = "") {
    auto bars = lake->Read("ES", "1m", INT64_MIN / 2, INT64_MAX / 2);
    EXPECT_TRUE(bars.ok());
    const calendar::Calendar* cal = lake->registry().calendars().Find("CME_Globex");
    auto sessions = cal->SessionsBetween(bars->ts.front() - 2 * kDayMicros, bars->ts.back() + 2 * kDayMicros);
    EXPECT_TRUE(sessions.ok());
    if (table == kSessionStatsTable) {
      auto stats = derive::ComputeSessionStats(*bars, *sessions);
      EXPECT_TRUE(stats.ok());
      return SessionStatsRows(stats->sessions, INT32_MIN, INT32_MAX);
    }
    registry::DatasetSpec spec;
    spec.day_start = day_start;
    auto options = LevelOptionsOf(spec, cal->zone);
    EXPECT_TRUE(options.ok());
    auto levels = derive::ComputeLevelTouches(*bars, *sessions, *options);
    EXPECT_TRUE(levels.ok());
    return LevelTouchesRows(*levels, INT32_MIN, INT32_MAX);
  }

  // Replace the bar closing at `stamp` (UTC) with one whose close is `close`.
  ImportResult ReplaceBar(Lake* lake, const std::string& stamp, double close) {
    ImportRequest r = Req(WriteSource("fix" + std::to_string(++fixes_) + ".txt",
                                      NtLine(stamp, close, close + 0.25, close - 0.25, close, 7)));
    r.on_conflict = ConflictPolicy::kReplace;
    auto res = lake->Import(r);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? *res : ImportResult{};
  }

  int64_t RowIndexOf(const storage::TableRows& rows, int64_t trade_date) {
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows.Key(i) == trade_date) return static_cast<int64_t>(i);
    }
    return -1;
  }

  int fixes_ = 0;
};

TEST_F(DerivedTableTest, SessionStatsAreStoredAFilePerYearAndMatchTheBarsInSql) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(RegenerateItem item, lake->DeclareTable(Table(kSessionStatsTable)));
  EXPECT_EQ(item.job.status, "completed");
  EXPECT_EQ(item.partitions_written, 2);  // 2023 and 2024
  EXPECT_EQ(item.rows_written, 5);
  const registry::DatasetSpec* spec = lake->registry().Find("ES", "session_stats");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->kind, "table");
  EXPECT_EQ(spec->calendar, "CME_Globex");  // the input's
  EXPECT_TRUE(std::filesystem::exists(vault_ + "/tables/table=session_stats/symbol=ES/period=2023/data.parquet"));
  EXPECT_TRUE(std::filesystem::exists(vault_ + "/tables/table=session_stats/symbol=ES/period=2024/data.parquet"));
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/lake/symbol=ES/timeframe=session_stats"));

  storage::TableRows stored = Stored(lake.get(), kSessionStatsTable);
  ASSERT_EQ(stored.size(), 5u);
  EXPECT_EQ(stored.Key(0), Day(2023, 12, 27));
  EXPECT_EQ(stored.Key(3), Day(2024, 1, 2));
  EXPECT_TRUE(storage::TableRows::SameRows(stored, Expected(lake.get(), kSessionStatsTable)));

  // Independently, in DuckDB: every stored session's OHLCV and extreme times against the
  // 1m bars inside its bounds, through the `session_stats` and `bars` views.
  ASSERT_OK_AND_ASSIGN(storage::DuckConn * duck, lake->TEST_Duck());
  ASSERT_OK(lake->CreateBarsView(duck));
  ASSERT_OK(lake->CreateTableViews(duck));
  ASSERT_OK_AND_ASSIGN(auto q, duck->Query(
      "WITH ref AS (SELECT s.trade_date, arg_min(b.open, b.ts) AS o, max(b.high) AS h, min(b.low) AS l, "
      "arg_max(b.close, b.ts) AS c, sum(b.volume) AS v, count(*) AS n, "
      "min(b.ts) FILTER (WHERE b.high = (SELECT max(high) FROM bars x WHERE x.timeframe = '1m' AND "
      "x.ts >= s.session_open AND x.ts < s.session_close)) AS ht "
      "FROM session_stats s JOIN bars b ON b.timeframe = '1m' AND b.ts >= s.session_open AND b.ts < s.session_close "
      "WHERE s.symbol = 'ES' GROUP BY s.trade_date) "
      "SELECT count(*), count(*) FILTER (WHERE s.open = r.o AND s.high = r.h AND s.low = r.l AND s.close = r.c AND "
      "s.volume = r.v AND s.bars = r.n AND s.high_time = r.ht AND s.range = round(r.h - r.l, 2)) "
      "FROM session_stats s JOIN ref r USING (trade_date)"));
  EXPECT_EQ(q->Text(0, 0), "5");
  EXPECT_EQ(q->Text(1, 0), "5") << "sessions whose stored statistics differ from the bars";

  // It reads as a table, not as bars, and shows as one.
  auto as_bars = lake->Read("ES", "session_stats", 0, INT64_MAX / 2);
  ASSERT_FALSE(as_bars.ok());
  EXPECT_NE(as_bars.status().message().find("SELECT * FROM session_stats WHERE symbol = 'ES'"), std::string::npos)
      << as_bars.status().message();
  ASSERT_OK_AND_ASSIGN(auto datasets, lake->Datasets());
  ASSERT_OK_AND_ASSIGN(auto states, lake->DerivedStates());
  const auto status = StatusJson(vault_, "America/New_York", datasets, &states);
  bool listed = false;
  for (const auto& d : status["datasets"]) {
    if (d["timeframe"] == "session_stats") {
      listed = true;
      EXPECT_EQ(d["kind"], "table");
      EXPECT_EQ(d["derived"]["stale"], false);
    }
  }
  EXPECT_TRUE(listed) << status.dump();
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok()) << (v.problems.empty() ? "" : v.problems[0].path + " " + v.problems[0].what);
  EXPECT_EQ(v.files_checked, 4);  // two bar months (December, January) and two table years
}

TEST_F(DerivedTableTest, LevelTouchesFindThePriorSessionAcrossTheYearAndAreRebuiltWhenItChanges) {
  auto lake = OpenLake();
  TableRequest req = Table(kLevelTouchesTable);
  req.day_start = "09:30";
  ASSERT_OK_AND_ASSIGN(RegenerateItem item, lake->DeclareTable(req));
  EXPECT_EQ(item.job.status, "completed");
  storage::TableRows stored = Stored(lake.get(), kLevelTouchesTable);
  ASSERT_TRUE(storage::TableRows::SameRows(stored, Expected(lake.get(), kLevelTouchesTable, "09:30")));
  const storage::TableSchema& schema = *stored.schema;
  const int prior_close = schema.ColumnIndex("prior_close");
  const int prior_high_touched = schema.ColumnIndex("prior_high_touched");
  const int prior_low_touched = schema.ColumnIndex("prior_low_touched");
  const int prior_low_first = schema.ColumnIndex("prior_low_first_touch");
  ASSERT_GE(prior_low_first, 0);
  // The first session has no prior session: its levels are NULL (NaN), not 0.
  EXPECT_TRUE(std::isnan(stored.doubles[prior_close][0]));
  // The first session of 2024 takes its prior levels from 2023-12-29, in the other file.
  const int64_t jan2 = RowIndexOf(stored, Day(2024, 1, 2));
  ASSERT_GE(jan2, 0);
  ASSERT_OK_AND_ASSIGN(BarColumns dec29, lake->Read("ES", "1m", *ParseIsoUtc("2023-12-28T23:00:00Z"),
                                                     *ParseIsoUtc("2023-12-29T22:00:00Z")));
  EXPECT_EQ(stored.doubles[prior_close][jan2], dec29.close.back());
  EXPECT_EQ(stored.ints[prior_high_touched][jan2], 1);  // each session trades a point higher
  EXPECT_EQ(stored.ints[prior_low_touched][jan2], 0);
  EXPECT_EQ(stored.ints[prior_low_first][jan2], storage::kNullInt);  // never touched: NULL

  // A new close for the last bar of 2023-12-29 (auto-regenerate is on): the 2024 file is
  // rebuilt although no 2024 bar changed, and the rows equal a build from scratch.
  ImportResult fix = ReplaceBar(lake.get(), "20231229 220000", 4777.5);
  ASSERT_EQ(fix.job.status, "completed");
  ASSERT_EQ(fix.regenerated.size(), 1u);
  EXPECT_TRUE(fix.regenerated[0].incremental);
  EXPECT_EQ(fix.regenerated[0].error, "");
  // 2023 is rebuilt and compared: the new bar (4777.25 to 4777.75) spans none of
  // 2023-12-29's levels, so that file stays as it was.
  EXPECT_EQ(fix.regenerated[0].partitions_written, 1) << RegenerateItemJson(fix.regenerated[0]).dump();
  EXPECT_EQ(fix.regenerated[0].partitions_unchanged, 1);
  EXPECT_EQ(fix.regenerated[0].rows_written, 2);  // 2024-01-02 and 03
  stored = Stored(lake.get(), kLevelTouchesTable);
  EXPECT_EQ(stored.doubles[prior_close][RowIndexOf(stored, Day(2024, 1, 2))], 4777.5);
  EXPECT_TRUE(storage::TableRows::SameRows(stored, Expected(lake.get(), kLevelTouchesTable, "09:30")));
  ASSERT_OK_AND_ASSIGN(auto states, lake->DerivedStates());
  ASSERT_EQ(states.size(), 1u);
  EXPECT_FALSE(states[0].stale) << states[0].why;
}

// GC has one session in November and the next in January: the prior session of
// 2024-01-02 is five weeks back, and a change to it reaches a file two periods away.
TEST_F(DerivedTableTest, AGapInTheDataStillFindsThePriorSessionAndRebuildsWhatItReaches) {
  auto lake = OpenLake();
  ImportRequest gc = Req(WriteSource("gc.txt", NtMinutes("20231128 230100", 1380, 2000) +
                                                   NtMinutes("20240101 230100", 1380, 2001)),
                         "GC");
  gc.calendar = "CME_Globex";
  ASSERT_OK(lake->Import(gc).status());
  TableRequest req = Table(kLevelTouchesTable);
  req.symbol = "GC";
  ASSERT_OK(lake->DeclareTable(req).status());
  auto prior_close_of_jan2 = [&]() {
    storage::TableRows rows = Stored(lake.get(), kLevelTouchesTable, "GC");
    const int64_t i = RowIndexOf(rows, Day(2024, 1, 2));
    EXPECT_GE(i, 0);
    return i < 0 ? 0.0 : rows.doubles[rows.schema->ColumnIndex("prior_close")][i];
  };
  ASSERT_OK_AND_ASSIGN(BarColumns nov29, lake->Read("GC", "1m", *ParseIsoUtc("2023-11-28T23:00:00Z"),
                                                     *ParseIsoUtc("2023-11-29T22:00:00Z")));
  EXPECT_EQ(prior_close_of_jan2(), nov29.close.back());

  ImportRequest fix = Req(WriteSource("gcfix.txt", NtLine("20231129 220000", 1990, 1990.25, 1989.75, 1990, 7)), "GC");
  fix.on_conflict = ConflictPolicy::kReplace;
  ASSERT_OK_AND_ASSIGN(ImportResult fixed, lake->Import(fix));
  ASSERT_EQ(fixed.regenerated.size(), 1u);
  EXPECT_TRUE(fixed.regenerated[0].incremental);
  EXPECT_EQ(fixed.regenerated[0].error, "");
  EXPECT_EQ(prior_close_of_jan2(), 1990);
}

TEST_F(DerivedTableTest, AnInputChangeMakesItStaleAndRegenerateRewritesOnlyWhatChanged) {
  auto lake = OpenLake();
  TableRequest req = Table(kSessionStatsTable);
  req.auto_regenerate = false;
  ASSERT_OK(lake->DeclareTable(req).status());
  ASSERT_EQ(ReplaceBar(lake.get(), "20240103 150000", 4900).job.status, "completed");  // a new high on Jan 3
  ASSERT_OK_AND_ASSIGN(auto states, lake->DerivedStates());
  ASSERT_EQ(states.size(), 1u);
  EXPECT_TRUE(states[0].stale);
  EXPECT_EQ(states[0].why, "1 input partition changed since the last build");

  RegenerateRequest rr;
  rr.stale_only = true;
  ASSERT_OK_AND_ASSIGN(auto items, lake->Regenerate(rr));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(items[0].incremental);
  EXPECT_EQ(items[0].partitions_written, 1);  // 2024 only; 2023 was compared and left alone
  EXPECT_EQ(items[0].partitions_unchanged, 1);
  storage::TableRows stored = Stored(lake.get(), kSessionStatsTable);
  EXPECT_EQ(stored.doubles[stored.schema->ColumnIndex("high")][4], 4900.25);
  EXPECT_TRUE(storage::TableRows::SameRows(stored, Expected(lake.get(), kSessionStatsTable)));
  ASSERT_OK_AND_ASSIGN(auto again, lake->Regenerate(rr));
  EXPECT_EQ(again[0].skipped_because, "up to date");

  // Rolling the regenerate back restores the previous rows and makes it stale again.
  ASSERT_OK(lake->Rollback(items[0].job.id).status());
  stored = Stored(lake.get(), kSessionStatsTable);
  EXPECT_LT(stored.doubles[stored.schema->ColumnIndex("high")][4], 4900);
  ASSERT_OK_AND_ASSIGN(states, lake->DerivedStates());
  EXPECT_TRUE(states[0].stale);
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok());
}

TEST_F(DerivedTableTest, VerifyFindsATamperedTableFile) {
  auto lake = OpenLake();
  ASSERT_OK(lake->DeclareTable(Table(kSessionStatsTable)).status());
  const std::string file = vault_ + "/tables/table=session_stats/symbol=ES/period=2024/data.parquet";
  // Rewrite the file with one value changed, through DuckDB (valid Parquet, wrong rows).
  ASSERT_OK_AND_ASSIGN(storage::DuckConn * duck, lake->TEST_Duck());
  const std::string copy = dir_.Sub("tampered.parquet");
  ASSERT_OK(duck->Execute("COPY (SELECT * REPLACE (high + 1 AS high) FROM read_parquet('" + file +
                          "', hive_partitioning=false)) TO '" + copy +
                          "' (FORMAT parquet)"));
  std::filesystem::copy_file(copy, file, std::filesystem::copy_options::overwrite_existing);
  std::ofstream(vault_ + "/tables/table=session_stats/symbol=ES/stray.parquet") << "x";
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  std::string all;
  for (const auto& p : v.problems) all += p.path + ": " + p.what + "\n";
  EXPECT_NE(all.find("period=2024/data.parquet: content hash differs"), std::string::npos) << all;
  EXPECT_NE(all.find("stray.parquet: is a stray file"), std::string::npos) << all;
}

TEST_F(DerivedTableTest, BadDeclarationsAreRefusedAndDeclareNothing) {
  auto lake = OpenLake();
  TableRequest stats_with_day_start = Table(kSessionStatsTable);
  stats_with_day_start.day_start = "09:30";
  EXPECT_EQ(lake->DeclareTable(stats_with_day_start).status().code(), ErrorCode::kInvalidArgument);
  TableRequest bad_day_start = Table(kLevelTouchesTable);
  bad_day_start.day_start = "25:00";
  auto r = lake->DeclareTable(bad_day_start);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--day-start"), std::string::npos) << r.status().message();
  TableRequest unknown = Table("weekly_stats");
  EXPECT_EQ(lake->DeclareTable(unknown).status().code(), ErrorCode::kInvalidArgument);
  TableRequest missing = Table(kSessionStatsTable);
  missing.symbol = "NQ";
  EXPECT_EQ(lake->DeclareTable(missing).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(lake->registry().datasets().size(), 1u);

  // A dataset without a calendar has no sessions: the message says how to give it one.
  {
    ImportRequest nq = Req(WriteSource("nq.txt", NtMinutes("20240102 150100", 30, 17000)), "NQ");
    ASSERT_OK(lake->Import(nq).status());
  }
  TableRequest no_calendar = Table(kSessionStatsTable);
  no_calendar.symbol = "NQ";
  r = lake->DeclareTable(no_calendar);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("dataset set NQ 1m --calendar NAME"), std::string::npos) << r.status().message();

  // Declared once with 09:30, it cannot silently change to 08:30.
  TableRequest touches = Table(kLevelTouchesTable);
  touches.day_start = "09:30";
  ASSERT_OK(lake->DeclareTable(touches).status());
  touches.day_start = "08:30";
  EXPECT_EQ(lake->DeclareTable(touches).status().code(), ErrorCode::kConflict);
}

// A table declared by hand over a daily input passes the registry (it cannot see the
// input's bars) but not the build: the regenerate job fails with the reason, and no job is
// left running.
TEST_F(DerivedTableTest, ATableOverDailyBarsFailsItsJobWithTheReason) {
  auto lake = OpenLake();
  {
    ImportRequest daily = Req(WriteSource("daily.txt", "20240102;4800;4810;4790;4805;1000\n"
                                                       "20240103;4805;4820;4800;4815;1100\n"));
    daily.timeframe = "1d";
    ASSERT_OK(lake->Import(daily).status());
  }
  registry::DatasetSpec spec;
  spec.kind = "table";
  spec.symbol = "ES_D";
  spec.timeframe = spec.method = kSessionStatsTable;
  spec.inputs = {"ES 1d"};
  spec.calendar = "CME_Globex";
  ASSERT_OK(registry::Registry::AppendDataset(Env::Default(), vault_ + "/barlake.toml", spec).status());
  lake = OpenLake();
  RegenerateRequest rr;
  rr.datasets = {"ES_D session_stats"};
  auto r = lake->Regenerate(rr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(r.status().message().find("session_stats are built from intraday bars, not ES 1d"), std::string::npos)
      << r.status().message();
  ASSERT_OK_AND_ASSIGN(auto running, lake->TEST_journal()->JobsWithStatus("running"));
  EXPECT_TRUE(running.empty());
  ASSERT_OK_AND_ASSIGN(auto failed, lake->TEST_journal()->JobsWithStatus("failed"));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].kind, "regenerate");
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/tables"));
}

TEST(DerivedTableRegistryTest, TableEntriesAreCheckedWithFileAndKey) {
  const std::string head = "[vault]\nname = \"v\"\n\n";
  auto parse = [&](const std::string& body) { return registry::Registry::Parse(head + body, "barlake.toml"); };
  const std::string good =
      "[[dataset]]\nkind = \"table\"\nsymbol = \"ES\"\ntimeframe = \"level_touches\"\nmethod = \"level_touches\"\n"
      "inputs = [\"ES 1m\"]\ncalendar = \"CME_Globex\"\nday_start = \"08:30\"\n";
  ASSERT_OK_AND_ASSIGN(auto reg, parse(good));
  ASSERT_NE(reg.Find("ES", "level_touches"), nullptr);
  EXPECT_EQ(reg.Find("ES", "level_touches")->day_start, "08:30");
  EXPECT_TRUE(reg.Find("ES", "level_touches")->is_table());
  // Serialised and parsed again, it is the same entry.
  ASSERT_OK_AND_ASSIGN(auto again, registry::Registry::Parse(reg.Serialize(), "barlake.toml"));
  EXPECT_EQ(again.Find("ES", "level_touches")->day_start, "08:30");

  struct Case {
    std::string body, message;
  };
  const std::vector<Case> cases = {
      {"[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"session_stats\"\nmethod = \"session_stats\"\ninputs = [\"ES 1m\"]\n"
       "calendar = \"CME_Globex\"\n",
       "add kind = \"table\""},
      {"[[dataset]]\nkind = \"table\"\nsymbol = \"ES\"\ntimeframe = \"session_stats\"\nmethod = \"session_stats\"\n"
       "inputs = [\"ES 1m\"]\n",
       "needs calendar"},
      {"[[dataset]]\nkind = \"table\"\nsymbol = \"ES\"\ntimeframe = \"stats\"\nmethod = \"session_stats\"\n"
       "inputs = [\"ES 1m\"]\ncalendar = \"CME_Globex\"\n",
       "method and timeframe both"},
      {"[[dataset]]\nkind = \"table\"\nsymbol = \"ES\"\ntimeframe = \"session_stats\"\nmethod = \"session_stats\"\n"
       "inputs = [\"ES 1m\"]\ncalendar = \"CME_Globex\"\nday_start = \"09:30\"\n",
       "'day_start' is for method level_touches"},
      {"[[dataset]]\nkind = \"table\"\nsymbol = \"ES\"\ntimeframe = \"level_touches\"\nmethod = \"level_touches\"\n"
       "inputs = [\"ES 1m\"]\ncalendar = \"CME_Globex\"\nday_start = \"9h\"\n",
       "day_start '9h' must be HH:MM"},
      {"[[dataset]]\nkind = \"table\"\nsymbol = \"ES\"\ntimeframe = \"session_stats\"\nmethod = \"session_stats\"\n"
       "inputs = [\"ES 1m\", \"NQ 1m\"]\ncalendar = \"CME_Globex\"\n",
       "takes exactly one input"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidInput);
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("barlake.toml:"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace barlake::lake
