// TableStore: schema-driven Parquet files for derived tables (storage/table_store.h),
// written and read back through DuckDB with every column type and NULLs.
#include "storage/table_store.h"

#include <gtest/gtest.h>

#include <cmath>

#include "storage/parquet_store.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

namespace barlake::storage {
namespace {

const TableSchema& Schema() {
  static const TableSchema s{"example",
                             {{"trade_date", TableColumnType::kDate},
                              {"at", TableColumnType::kTimestamp},
                              {"price", TableColumnType::kDouble},
                              {"count", TableColumnType::kBigint},
                              {"flag", TableColumnType::kBoolean}}};
  return s;
}

// Three rows: one plain, one with every nullable cell NULL, one with extreme values.
TableRows Rows() {
  TableRows r(&Schema());
  r.AddRow();
  r.Set(0, 19000);
  r.Set(1, 1700000000123456);
  r.SetDouble(2, 4800.25);
  r.Set(3, 1380);
  r.Set(4, 1);
  r.job.back() = 7;
  r.AddRow();
  r.Set(0, 19001);
  r.Set(1, kNullInt);
  r.SetDouble(2, NAN);
  r.Set(3, kNullInt);
  r.Set(4, 0);
  r.job.back() = 7;
  r.AddRow();
  r.Set(0, 19003);
  r.Set(1, -1);
  r.SetDouble(2, -0.0);
  r.Set(3, INT64_MAX);
  r.Set(4, 0);
  r.job.back() = 8;
  return r;
}

class TableStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = DuckConn::OpenInMemory(1);
    ASSERT_TRUE(c.ok());
    conn_ = std::move(c).value();
  }
  testutil::TempDir dir_;
  std::unique_ptr<DuckConn> conn_;
};

TEST_F(TableStoreTest, EveryTypeAndNullSurvivesAWriteAndARead) {
  const std::string path = dir_.Sub("t.parquet");
  TableStore store(conn_.get());
  const TableRows rows = Rows();
  ASSERT_OK(store.Write(rows, path));
  ASSERT_OK(store.CheckSchema(Schema(), path));
  ASSERT_OK_AND_ASSIGN(TableRows back, store.ReadFile(Schema(), path));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_TRUE(TableRows::SameRows(back, rows));
  EXPECT_EQ(TableContentHash(back), TableContentHash(rows));
  EXPECT_EQ(back.ints[1][1], kNullInt);
  EXPECT_TRUE(std::isnan(back.doubles[2][1]));
  EXPECT_EQ(back.ints[3][2], INT64_MAX);
  EXPECT_EQ(back.job, (std::vector<int64_t>{7, 7, 8}));
  // DuckDB sees real types and NULLs, not sentinels. ("at" is a keyword: the store quotes names.)
  ASSERT_OK_AND_ASSIGN(auto q, conn_->Query("SELECT count(*) FILTER (WHERE \"at\" IS NULL), count(*) FILTER (WHERE price IS "
                                            "NULL), count(*) FILTER (WHERE flag), min(trade_date)::VARCHAR FROM '" +
                                            path + "'"));
  EXPECT_EQ(q->Text(0, 0), "1");
  EXPECT_EQ(q->Text(1, 0), "1");
  EXPECT_EQ(q->Text(2, 0), "1");
  EXPECT_EQ(q->Text(3, 0), "2022-01-08");  // day 19000
}

TEST_F(TableStoreTest, TheHashSeesEveryColumnAndTheJob) {
  const TableRows rows = Rows();
  const std::string base = TableContentHash(rows);
  for (size_t c = 0; c < Schema().columns.size(); ++c) {
    TableRows changed = rows;
    if (Schema().columns[c].type == TableColumnType::kDouble) changed.doubles[c][0] += 0.25;
    else changed.ints[c][0] += 1;
    EXPECT_NE(TableContentHash(changed), base) << Schema().columns[c].name;
    EXPECT_FALSE(TableRows::SameRows(changed, rows)) << Schema().columns[c].name;
  }
  TableRows other_job = rows;
  other_job.job[0] = 9;
  EXPECT_NE(TableContentHash(other_job), base);
  EXPECT_TRUE(TableRows::SameRows(other_job, rows));  // the job is not a value
}

TEST_F(TableStoreTest, AFileOfAnotherSchemaIsCorruptionNamingWhatDiffers) {
  const std::string bars = dir_.Sub("bars.parquet");
  ParquetStore parquet(conn_.get());
  BarColumns b;
  b.ts = {1700000000000000};
  b.open = {1};
  b.high = {2};
  b.low = {0.5};
  b.close = {1.5};
  b.volume = {10};
  b.job = {1};
  ASSERT_OK(parquet.WriteBars(b, bars));
  TableStore store(conn_.get());
  Status s = store.CheckSchema(Schema(), bars);
  EXPECT_EQ(s.code(), ErrorCode::kCorruption);
  EXPECT_NE(s.message().find("expected the example schema [trade_date:DATE,at:TIMESTAMP WITH TIME ZONE"),
            std::string::npos)
      << s.message();
  auto r = store.ReadFile(Schema(), bars);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace barlake::storage
