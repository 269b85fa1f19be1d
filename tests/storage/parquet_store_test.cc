#include "storage/parquet_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/checksum.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

namespace barlake::storage {
namespace {

BarColumns MakeBars(int n, Micros start) {
  BarColumns b;
  for (int i = 0; i < n; ++i) {
    b.ts.push_back(start + i * 60 * kMicrosPerSecond);
    b.open.push_back(100 + i * 0.25);
    b.high.push_back(101 + i * 0.25);
    b.low.push_back(99 + i * 0.25);
    b.close.push_back(100.5 + i * 0.25);
    b.volume.push_back(i);
    b.job.push_back(3);
  }
  return b;
}

}  // namespace

class ParquetStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = DuckConn::OpenInMemory();
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(c).value();
    store_ = std::make_unique<ParquetStore>(conn_.get());
  }
  testutil::TempDir dir_;
  std::unique_ptr<DuckConn> conn_;
  std::unique_ptr<ParquetStore> store_;
};

TEST_F(ParquetStoreTest, WriteThenReadReturnsIdenticalRowsInOrder) {
  const BarColumns bars = MakeBars(5000, ParseIsoUtc("2024-01-02T00:00:00Z").value());
  const std::string path = dir_.Sub("symbol=ES/data.parquet");  // a hive-looking folder
  std::filesystem::create_directories(dir_.Sub("symbol=ES"));
  ASSERT_OK(store_->WriteBars(bars, path));
  ASSERT_OK(store_->CheckSchema(path));
  ASSERT_OK_AND_ASSIGN(BarColumns back, store_->ReadFile(path));
  ASSERT_EQ(back.size(), bars.size());
  EXPECT_EQ(ContentHash(back), ContentHash(bars));
}

TEST_F(ParquetStoreTest, ReadRangeFiltersAndOrdersAcrossFiles) {
  const Micros jan = ParseIsoUtc("2024-01-31T23:00:00Z").value();
  const BarColumns a = MakeBars(60, jan);                       // 23:00..23:59 Jan 31
  const BarColumns b = MakeBars(60, jan + 3600 * kMicrosPerSecond);  // 00:00..00:59 Feb 1
  ASSERT_OK(store_->WriteBars(a, dir_.Sub("a.parquet")));
  ASSERT_OK(store_->WriteBars(b, dir_.Sub("b.parquet")));
  ASSERT_OK_AND_ASSIGN(BarColumns r, store_->ReadRange({dir_.Sub("b.parquet"), dir_.Sub("a.parquet")},
                                                       jan + 30 * 60 * kMicrosPerSecond,
                                                       jan + 90 * 60 * kMicrosPerSecond));
  ASSERT_EQ(r.size(), 60u);
  EXPECT_EQ(FormatIsoUtc(r.ts.front()), "2024-01-31T23:30:00Z");
  EXPECT_EQ(FormatIsoUtc(r.ts.back()), "2024-02-01T00:29:00Z");
  for (size_t i = 1; i < r.size(); ++i) EXPECT_LT(r.ts[i - 1], r.ts[i]);
}

TEST_F(ParquetStoreTest, ForeignSchemaIsReportedAsCorruption) {
  const std::string path = dir_.Sub("other.parquet");
  ASSERT_OK(conn_->Execute("COPY (SELECT 1 AS x) TO " + SqlQuote(path) + " (FORMAT parquet)"));
  auto s = store_->CheckSchema(path);
  ASSERT_RAISES(kCorruption, s);
  EXPECT_NE(s.message().find("x:INTEGER"), std::string::npos) << s.message();
}

TEST_F(ParquetStoreTest, UnreadableFileIsAnError) {
  std::FILE* f = std::fopen(dir_.Sub("junk.parquet").c_str(), "w");
  std::fputs("not parquet", f);
  std::fclose(f);
  auto r = store_->ReadFile(dir_.Sub("junk.parquet"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("junk.parquet"), std::string::npos) << r.status().message();
}

}  // namespace barlake::storage

namespace barlake::storage {

// Files are written by one COPY that scans the rows from memory (barlake_rows): many
// vector-sized chunks, from two connections of one database at once, keep every row in
// order; the table function cannot be pointed at rows that are not registered.
TEST_F(ParquetStoreTest, RowsScannedFromMemoryKeepTheirOrderAcrossChunksAndConnections) {
  const BarColumns big = MakeBars(10000, 1700000000LL * kMicrosPerSecond);  // ~5 chunks
  BarColumns other = MakeBars(7000, 1600000000LL * kMicrosPerSecond);
  other.flags.assign(other.size(), 2);
  ASSERT_OK_AND_ASSIGN(auto second, conn_->Connect());
  ParquetStore store2(second.get());
  Status a, b;
  std::thread t([&] { a = store_->WriteBars(big, dir_.Sub("a.parquet")); });
  b = store2.WriteBars(other, dir_.Sub("b.parquet"));
  t.join();
  ASSERT_OK(a);
  ASSERT_OK(b);
  ASSERT_OK_AND_ASSIGN(BarColumns back_a, store_->ReadFile(dir_.Sub("a.parquet")));
  ASSERT_OK_AND_ASSIGN(BarColumns back_b, store_->ReadFile(dir_.Sub("b.parquet")));
  EXPECT_EQ(back_a.ts, big.ts);
  EXPECT_EQ(back_a.volume, big.volume);
  EXPECT_EQ(ContentHash(back_a), ContentHash(big));
  EXPECT_EQ(back_a.flags, std::vector<uint8_t>(big.size(), 0));
  EXPECT_EQ(back_b.ts, other.ts);
  EXPECT_EQ(back_b.flags, other.flags);
  EXPECT_EQ(ContentHash(back_b), ContentHash(other));
}

TEST_F(ParquetStoreTest, RowSourceWithAnUnknownTokenIsAnErrorNotACrash) {
  auto r = conn_->Query("SELECT count(*) FROM barlake_rows(123456789::UBIGINT)");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no rows are registered"), std::string::npos) << r.status().ToString();
  // An empty file is still a valid Parquet file with the schema.
  ASSERT_OK(store_->WriteBars(BarColumns{}, dir_.Sub("empty.parquet")));
  ASSERT_OK(store_->CheckSchema(dir_.Sub("empty.parquet")));
  ASSERT_OK_AND_ASSIGN(BarColumns none, store_->ReadFile(dir_.Sub("empty.parquet")));
  EXPECT_EQ(none.size(), 0u);
}

}  // namespace barlake::storage

namespace barlake::storage {

// Staging reads a batch of files back with one query: each file's rows must come back
// whole, in file order, under its own index, whatever the order of the list and however
// many DuckDB vectors a file spans.
TEST_F(ParquetStoreTest, ReadFilesReturnsEachFilesRowsInFileOrder) {
  const Micros t0 = ParseIsoUtc("2024-01-02T00:00:00Z").value();
  std::vector<BarColumns> written;
  std::vector<std::string> paths;
  const int sizes[] = {1, 5000, 3, 2049, 1, 700};
  for (size_t i = 0; i < std::size(sizes); ++i) {
    written.push_back(MakeBars(sizes[i], t0 + static_cast<Micros>(i) * 86400 * kMicrosPerSecond));
    paths.push_back(dir_.Sub(std::to_string(i) + ".parquet"));
    ASSERT_OK(store_->WriteBars(written.back(), paths.back()));
  }
  // Asked in another order than written: the answer follows the question.
  std::vector<std::string> asked = {paths[3], paths[0], paths[5], paths[1], paths[4], paths[2]};
  std::vector<size_t> which = {3, 0, 5, 1, 4, 2};
  ASSERT_OK_AND_ASSIGN(std::vector<BarColumns> back, store_->ReadFiles(asked));
  ASSERT_EQ(back.size(), asked.size());
  for (size_t k = 0; k < asked.size(); ++k) {
    const BarColumns& want = written[which[k]];
    ASSERT_EQ(back[k].size(), want.size()) << asked[k];
    EXPECT_EQ(back[k].ts, want.ts) << asked[k];
    EXPECT_EQ(ContentHash(back[k]), ContentHash(want)) << asked[k];
  }
  ASSERT_OK_AND_ASSIGN(std::vector<BarColumns> none, store_->ReadFiles({}));
  EXPECT_TRUE(none.empty());
}

TEST_F(ParquetStoreTest, ReadFilesRefusesAForeignOrMissingFile) {
  const BarColumns bars = MakeBars(10, ParseIsoUtc("2024-01-02T00:00:00Z").value());
  ASSERT_OK(store_->WriteBars(bars, dir_.Sub("a.parquet")));
  ASSERT_OK(conn_->Execute("COPY (SELECT 1 AS x) TO " + SqlQuote(dir_.Sub("foreign.parquet")) + " (FORMAT parquet)"));
  EXPECT_FALSE(store_->ReadFiles({dir_.Sub("a.parquet"), dir_.Sub("foreign.parquet")}).ok());
  EXPECT_FALSE(store_->ReadFiles({dir_.Sub("a.parquet"), dir_.Sub("missing.parquet")}).ok());
}

}  // namespace barlake::storage
