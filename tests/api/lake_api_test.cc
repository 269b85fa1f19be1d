// The public API (include/barlake/lake.h) end to end on a real vault: this file is compiled
// with include/ as its only project include path, so it also proves the headers need
// nothing else.
#include <barlake/lake.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// Five 1-minute bars, NinjaTrader 8 export (close stamps, America/New_York given below).
const std::string kBars =
    "20240115 093100;100;100.5;99.5;100.25;10\n"
    "20240115 093200;100.25;101;100;100.75;11\n"
    "20240115 093300;100.75;101.25;100.5;101;12\n"
    "20240115 093400;101;101.5;100.75;101.25;13\n"
    "20240115 093500;101.25;101.75;101;101.5;14\n";
constexpr barlake::Micros kJan2024 = 1704067200000000, kJan2025 = 1735689600000000;
// 2024-01-15 14:30 UTC: the open of the first bar (09:31 close stamp in New York).
constexpr barlake::Micros kFirstOpen = 1705329000000000;

class LakeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("barlake_api_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    ASSERT_TRUE(barlake::Lake::Init(dir_.string(), {.name = "api test"}).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<barlake::Lake> Open(barlake::EventListener* listener = nullptr) {
    barlake::Options o;
    o.listener = listener;
    auto lake = barlake::Lake::Open(dir_.string(), o);
    EXPECT_TRUE(lake.ok()) << lake.status().ToString();
    return lake.ok() ? std::move(lake).value() : nullptr;
  }
  static barlake::ImportOptions EsMinutes() {
    barlake::ImportOptions o;
    o.symbol = "ES";
    o.timeframe = "1m";
    o.tz = "America/New_York";
    return o;
  }

  fs::path dir_;
};

TEST_F(LakeApiTest, ImportsBytesAndReadsThemBack) {
  auto lake = Open();
  ASSERT_TRUE(lake);
  auto report = lake->Import(barlake::Source::Bytes("ES.Last.txt", kBars, kJan2025), EsMinutes());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GT(report->job.id, 0);
  EXPECT_EQ(report->job.status, "completed");
  EXPECT_EQ(report->format, "ninjatrader");
  EXPECT_EQ(report->rows_added, 5);
  EXPECT_FALSE(report->report_json.empty());

  auto bars = lake->Read("ES", "1m", kJan2024, kJan2025);
  ASSERT_TRUE(bars.ok()) << bars.status().ToString();
  ASSERT_EQ(bars->size(), 5u);
  ASSERT_EQ(bars->job.size(), 5u);
  ASSERT_EQ(bars->flags.size(), 5u);
  EXPECT_EQ(bars->ts[0], kFirstOpen);
  EXPECT_EQ(bars->ts[4], kFirstOpen + 4 * 60000000LL);
  EXPECT_DOUBLE_EQ(bars->open[0], 100);
  EXPECT_DOUBLE_EQ(bars->high[1], 101);
  EXPECT_DOUBLE_EQ(bars->low[2], 100.5);
  EXPECT_DOUBLE_EQ(bars->close[3], 101.25);
  EXPECT_DOUBLE_EQ(bars->volume[4], 14);
  EXPECT_EQ(bars->job[0], report->job.id);

  // The spooled copy of the bytes is gone; the vault keeps its own copy of the source.
  const fs::path uploads = dir_ / ".barlake" / "uploads";
  if (fs::exists(uploads)) {
    EXPECT_TRUE(fs::is_empty(uploads));
  }
}

TEST_F(LakeApiTest, ListsDatasetsJobsAndChanges) {
  auto lake = Open();
  ASSERT_TRUE(lake);
  auto report = lake->Import(barlake::Source::Bytes("ES.Last.txt", kBars, kJan2025), EsMinutes());
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  auto datasets = lake->Datasets();
  ASSERT_TRUE(datasets.ok());
  ASSERT_EQ(datasets->size(), 1u);
  EXPECT_EQ((*datasets)[0].symbol, "ES");
  EXPECT_EQ((*datasets)[0].timeframe, "1m");
  EXPECT_EQ((*datasets)[0].kind, "bars");
  EXPECT_EQ((*datasets)[0].rows, 5);
  EXPECT_EQ((*datasets)[0].first_ts, kFirstOpen);
  EXPECT_EQ((*datasets)[0].last_job, report->job.id);

  auto jobs = lake->Jobs(10);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].id, report->job.id);
  EXPECT_EQ((*jobs)[0].kind, "import");
  EXPECT_EQ((*jobs)[0].rows_read, 5);

  auto detail = lake->GetJob(report->job.id);
  ASSERT_TRUE(detail.ok());
  ASSERT_EQ(detail->changes.size(), 1u);
  EXPECT_EQ(detail->changes[0].after_rows, 5);
  EXPECT_TRUE(detail->changes[0].before_sha256.empty());
  EXPECT_EQ(detail->changes[0].after_sha256.size(), 64u);
  EXPECT_NE(detail->changes[0].path.find("symbol=ES"), std::string::npos);

  auto verify = lake->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok());
  EXPECT_EQ(verify->files_checked, 1);
  EXPECT_EQ(verify->rows_checked, 5);
}

TEST_F(LakeApiTest, SameBytesTwiceAreSkippedAndRollbackRestores) {
  auto lake = Open();
  ASSERT_TRUE(lake);
  auto first = lake->Import(barlake::Source::Bytes("ES.Last.txt", kBars, kJan2025), EsMinutes());
  ASSERT_TRUE(first.ok());
  auto again = lake->Import(barlake::Source::Bytes("other name.txt", kBars, kJan2025), EsMinutes());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->skipped_because.empty());

  auto rollback = lake->Rollback(first->job.id);
  ASSERT_TRUE(rollback.ok()) << rollback.status().ToString();
  EXPECT_EQ(rollback->kind, "rollback");
  EXPECT_EQ(rollback->target_job, first->job.id);
  EXPECT_EQ(lake->Rollback(first->job.id).status().code(), barlake::ErrorCode::kConflict);
  auto detail = lake->GetJob(first->job.id);
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(detail->job.status, "rolled_back");
  auto datasets = lake->Datasets();
  ASSERT_TRUE(datasets.ok());
  for (const auto& d : *datasets) EXPECT_EQ(d.rows, 0) << d.symbol << " " << d.timeframe;
}

struct RecordingListener : barlake::EventListener {
  void OnJobStarted(const barlake::JobEvent& j) override { events.push_back("started " + std::to_string(j.job_id)); }
  void OnJobStaged(const barlake::JobEvent& j) override { events.push_back("staged " + std::to_string(j.job_id)); }
  void OnJobCommitted(const barlake::JobEvent& j) override {
    events.push_back("committed " + std::to_string(j.job_id));
  }
  void OnJobFailed(const barlake::JobEvent& j, const barlake::Status& why) override {
    events.push_back("failed " + std::to_string(j.job_id) + " " + std::string(barlake::ErrorCodeName(why.code())));
  }
  void OnProgress(const std::string& phase, int64_t, int64_t) override { phases.push_back(phase); }
  std::vector<std::string> events, phases;
};

TEST_F(LakeApiTest, ListenerHearsEachStepOfAJobInOrder) {
  RecordingListener listener;
  auto lake = Open(&listener);
  ASSERT_TRUE(lake);
  auto report = lake->Import(barlake::Source::Bytes("ES.Last.txt", kBars, kJan2025), EsMinutes());
  ASSERT_TRUE(report.ok());
  const std::string id = std::to_string(report->job.id);
  EXPECT_EQ(listener.events, (std::vector<std::string>{"started " + id, "staged " + id, "committed " + id}));
  EXPECT_NE(std::find(listener.phases.begin(), listener.phases.end(), "writing"), listener.phases.end());
}

TEST_F(LakeApiTest, AFailedJobIsNamedToTheListener) {
  RecordingListener listener;
  auto lake = Open(&listener);
  ASSERT_TRUE(lake);
  auto report = lake->Import(barlake::Source::Bytes("ES.Last.txt", "20240115 093100;abc;x;y;z;1\n", kJan2025),
                             EsMinutes());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), barlake::ErrorCode::kInvalidInput);
  auto jobs = lake->Jobs(1);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].status, "failed");
  const std::string id = std::to_string((*jobs)[0].id);
  EXPECT_EQ(listener.events, (std::vector<std::string>{"started " + id, "failed " + id + " InvalidInput"}));
}

TEST_F(LakeApiTest, ErrorsCarryTheDocumentedCodes) {
  auto missing = barlake::Lake::Open((dir_ / "no-such-vault").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), barlake::ErrorCode::kNotFound);
  EXPECT_EQ(barlake::Lake::Init(dir_.string()).code(), barlake::ErrorCode::kAlreadyExists);

  auto lake = Open();
  ASSERT_TRUE(lake);
  EXPECT_EQ(lake->GetJob(999).status().code(), barlake::ErrorCode::kNotFound);
  EXPECT_EQ(lake->Jobs(0).status().code(), barlake::ErrorCode::kInvalidArgument);
  EXPECT_EQ(lake->Read("NOPE", "1m", kJan2024, kJan2025).status().code(), barlake::ErrorCode::kNotFound);
  EXPECT_EQ(lake->Quarantine({.status = "lost"}).status().code(), barlake::ErrorCode::kInvalidArgument);
  EXPECT_EQ(lake->Import(barlake::Source::File((dir_ / "missing.txt").string()), EsMinutes()).status().code(),
            barlake::ErrorCode::kNotFound);
  EXPECT_EQ(lake->Rollback(999).status().code(), barlake::ErrorCode::kNotFound);
  EXPECT_EQ(lake->Regenerate({}).status().code(), barlake::ErrorCode::kInvalidArgument);
  EXPECT_EQ(lake->Regenerate({.datasets = {"ES 5m"}}).status().code(), barlake::ErrorCode::kNotFound);
}

TEST_F(LakeApiTest, NothingThrowsAcrossTheApiOnHostileBytes) {
  auto lake = Open();
  ASSERT_TRUE(lake);
  // Invalid UTF-8 in a price field and a NUL byte in the name: the import may succeed or
  // fail, but it returns, with a Status, and the vault still verifies.
  barlake::ImportOptions o = EsMinutes();
  o.force = true;
  const std::string hostile = kBars + "20240115 093600;\xFF\xFE;101;100;100.5;15\n";
  barlake::Result<barlake::ImportReport> report = barlake::Status::Internal("not run");
  EXPECT_NO_THROW(report = lake->Import(barlake::Source::Bytes(std::string("ES\0x.Last.txt", 13), hostile,
                                                               kJan2025), o));
  if (!report.ok()) {
    EXPECT_NE(report.status().message(), "not run");
  }
  auto verify = lake->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok());
}

TEST_F(LakeApiTest, QuarantineAndHealthAreReadable) {
  auto lake = Open();
  ASSERT_TRUE(lake);
  // One row with high < low: rejected into quarantine; --force keeps the import going.
  barlake::ImportOptions o = EsMinutes();
  o.force = true;
  auto report = lake->Import(
      barlake::Source::Bytes("ES.Last.txt", kBars + "20240115 093600;101.5;99;101;100;15\n", kJan2025), o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  auto rows = lake->Quarantine();
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].job, report->job.id);
  EXPECT_EQ((*rows)[0].line, 6u);
  EXPECT_EQ((*rows)[0].status, "held");
  auto one = lake->GetQuarantined((*rows)[0].id);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->rule, (*rows)[0].rule);
  EXPECT_DOUBLE_EQ(one->high, 99);
  EXPECT_EQ(lake->GetQuarantined(9999).status().code(), barlake::ErrorCode::kNotFound);
  auto recovered = lake->Recover();
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(*recovered, 0);  // nothing was interrupted

  auto health = lake->Health({.symbol = "ES", .timeframe = "1m"});
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  ASSERT_EQ(health->size(), 1u);
  EXPECT_EQ((*health)[0].symbol, "ES");
  EXPECT_EQ((*health)[0].status, "unchecked");  // the dataset has no calendar
  EXPECT_NE((*health)[0].report_json.find("\"status\""), std::string::npos);
}

TEST_F(LakeApiTest, BytesAreImportedFromMemoryUnderTheirName) {
  auto lake = Open();
  ASSERT_TRUE(lake);
  auto report = lake->Import(barlake::Source::Bytes("ES.Last.txt", kBars, kJan2025, "upload by test"), EsMinutes());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->job.source_path, "ES.Last.txt");  // nothing spooled to a file of ours
  EXPECT_FALSE(fs::exists(dir_ / ".barlake" / "uploads"));
}

TEST_F(LakeApiTest, CheckAlignmentComparesAndWritesNothing) {
  auto lake = Open();
  ASSERT_TRUE(lake);
  // Two hours of minutes, then the first hour and a half again (other bytes: the same
  // bytes would be skipped as already imported).
  auto minutes = [](int n) {
    std::string text;
    for (int i = 1; i <= n; ++i) {
      const int h = 9 + (30 + i) / 60, m = (30 + i) % 60;
      const double p = 100 + (i % 7) * 0.25;
      text += "20240116 " + std::string(h < 10 ? "0" : "") + std::to_string(h) + (m < 10 ? "0" : "") +
              std::to_string(m) + "00;" + std::to_string(p) + ";" + std::to_string(p + 1) + ";" +
              std::to_string(p - 1) + ";" + std::to_string(p + 0.5) + ";" + std::to_string(10 + i) + "\n";
    }
    return text;
  };
  ASSERT_TRUE(lake->Import(barlake::Source::Bytes("ES.Last.txt", minutes(120), kJan2025), EsMinutes()).ok());
  auto same = lake->CheckAlignment(barlake::Source::Bytes("again.txt", minutes(90), kJan2025), EsMinutes());
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_TRUE(same->alignment_checked);
  EXPECT_EQ(same->job.id, 0);
  // Five bars of the day before do not overlap the stored ones: nothing to compare.
  auto apart = lake->CheckAlignment(barlake::Source::Bytes("before.txt", kBars, kJan2025), EsMinutes());
  ASSERT_TRUE(apart.ok()) << apart.status().ToString();
  EXPECT_FALSE(apart->alignment_checked);
  barlake::ImportOptions bad_zone = EsMinutes();
  bad_zone.tz = "Mars/Olympus";
  EXPECT_EQ(lake->CheckAlignment(barlake::Source::Bytes("x.txt", kBars, kJan2025), bad_zone).status().code(),
            barlake::ErrorCode::kInvalidArgument);
  auto jobs = lake->Jobs();
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->size(), 1u);  // only the import: checks create no job
}

TEST_F(LakeApiTest, QueryAndWriteParquet) {
  auto lake = Open();
  ASSERT_TRUE(lake);
  ASSERT_TRUE(lake->Import(barlake::Source::Bytes("ES.Last.txt", kBars, kJan2025), EsMinutes()).ok());
  auto count = lake->Query("SELECT count(*) AS n, max(high) AS top FROM bars;", 1);
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  ASSERT_EQ(count->columns, (std::vector<std::string>{"n", "top"}));
  ASSERT_EQ(count->rows.size(), 1u);
  EXPECT_EQ(count->rows[0][0], "5");
  EXPECT_EQ(count->rows[0][1], "101.75");
  auto bad = lake->Query("SELECT 'x'::INTEGER FROM bars");
  EXPECT_EQ(bad.status().code(), barlake::ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("in your query: ", 0), 0u) << bad.status().message();
  EXPECT_EQ(bad.status().message().find("COLUMNS(*)"), std::string::npos) << bad.status().message();

  auto bars = lake->Read("ES", "1m", kJan2024, kJan2025);
  ASSERT_TRUE(bars.ok());
  const std::string out = (dir_ / "out.parquet").string();
  ASSERT_TRUE(lake->WriteParquet(*bars, out).ok());
  auto back = lake->Query("SELECT sum(volume) FROM read_parquet('" + out + "')");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->rows[0][0], "60.0");
  barlake::Bars unsorted = *bars;
  std::swap(unsorted.ts[0], unsorted.ts[1]);
  EXPECT_EQ(lake->WriteParquet(unsorted, out).code(), barlake::ErrorCode::kInvalidArgument);
  unsorted = *bars;
  unsorted.close.pop_back();
  EXPECT_EQ(lake->WriteParquet(unsorted, out).code(), barlake::ErrorCode::kInvalidArgument);
}

TEST_F(LakeApiTest, QuarantinedRowsAreReleasedOrDropped) {
  auto lake = Open();
  ASSERT_TRUE(lake);
  barlake::ImportOptions o = EsMinutes();
  o.force = true;
  // Two rows with high < low, rejected into quarantine.
  auto report = lake->Import(barlake::Source::Bytes("ES.Last.txt",
                                                    kBars + "20240115 093600;101.5;99;101;100;15\n"
                                                            "20240115 093700;101.5;99;101;100;16\n",
                                                    kJan2025),
                             o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  auto held = lake->Quarantine();
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 2u);
  ASSERT_TRUE(lake->DropQuarantined({(*held)[1].id}).ok());
  EXPECT_EQ(lake->DropQuarantined({(*held)[1].id}).code(), barlake::ErrorCode::kConflict);
  auto released = lake->ReleaseQuarantined({(*held)[0].id});
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  EXPECT_EQ(released->job.kind, "release");
  EXPECT_EQ(released->rows_added, 1);
  EXPECT_EQ(lake->ReleaseQuarantined({}).status().code(), barlake::ErrorCode::kInvalidArgument);
  auto bars = lake->Read("ES", "1m", kJan2024, kJan2025);
  ASSERT_TRUE(bars.ok());
  EXPECT_EQ(bars->size(), 6u);
}

TEST_F(LakeApiTest, DerivedDataSessionsGapsAndToken) {
  auto lake = Open();
  ASSERT_TRUE(lake);
  barlake::ImportOptions o = EsMinutes();
  o.calendar = "CME_Globex";
  ASSERT_TRUE(lake->Import(barlake::Source::Bytes("ES.Last.txt", kBars, kJan2025), o).ok());

  auto sessions = lake->Sessions("ES", "1m", kFirstOpen, kFirstOpen + 1);
  ASSERT_TRUE(sessions.ok()) << sessions.status().ToString();
  EXPECT_EQ(sessions->calendar, "CME_Globex");
  EXPECT_EQ(sessions->zone, "America/New_York");
  ASSERT_EQ(sessions->sessions.size(), 1u);
  EXPECT_LE(sessions->sessions[0].open, kFirstOpen);
  EXPECT_GT(sessions->sessions[0].close, kFirstOpen);
  EXPECT_EQ(lake->Sessions("NQ", "1m", 0, 1).status().code(), barlake::ErrorCode::kNotFound);

  // Five bars of a long session: the rest of it is one gap after them.
  auto gaps = lake->Gaps("ES", "1m", kJan2024, kJan2025, 60);
  ASSERT_TRUE(gaps.ok()) << gaps.status().ToString();
  EXPECT_EQ(gaps->calendar, "CME_Globex");
  EXPECT_EQ(lake->Gaps("NQ", "1m", kJan2024, kJan2025).status().code(), barlake::ErrorCode::kNotFound);

  auto resampled = lake->Resample({.symbol = "ES", .to = {"5m"}});
  ASSERT_TRUE(resampled.ok()) << resampled.status().ToString();
  ASSERT_EQ(resampled->size(), 1u);
  EXPECT_EQ((*resampled)[0].timeframe, "5m");
  EXPECT_GT((*resampled)[0].job.id, 0);
  auto table = lake->DeclareTable({.symbol = "ES", .table = "session_stats"});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->rows_written, 1);  // one session
  auto derived = lake->DerivedDatasets();
  ASSERT_TRUE(derived.ok());
  ASSERT_EQ(derived->size(), 2u);
  for (const auto& d : *derived) {
    EXPECT_FALSE(d.method.empty()) << d.symbol << " " << d.timeframe;
    EXPECT_FALSE(d.stale) << d.symbol << " " << d.timeframe;
  }

  auto token = barlake::Lake::ApiToken(dir_.string());
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_FALSE(token->empty());
  EXPECT_EQ(*barlake::Lake::ApiToken(dir_.string()), *token);  // kept
  EXPECT_TRUE(fs::exists(barlake::Lake::ApiTokenPath(dir_.string())));
  EXPECT_EQ(barlake::Lake::ApiToken((dir_ / "nothing").string()).status().code(), barlake::ErrorCode::kNotFound);
}

}  // namespace
