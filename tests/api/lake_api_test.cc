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

}  // namespace
