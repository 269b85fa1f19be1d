// The data-kind descriptor: the built-in kinds answer for their paths and timeframes, and
// a kind defined here (one class plus RegisterDataKind, the test's stand-in for the list
// entry in data_kind.cc) is written, read back, verified and queried through the same
// write protocol as bars, with no other change to the lake.
#include "lake/data_kind.h"

#include <filesystem>

#include "core/checksum.h"
#include "lake/lake_test_util.h"
#include "lake/write_protocol.h"

namespace barlake::lake {
namespace {

// A tiny kind: (key, value) integer pairs under <vault>/notes/note=<S>/period=<P>/.
struct NoteRows {
  std::vector<int64_t> key, value;
  size_t size() const { return key.size(); }
};

std::string NoteHash(const NoteRows& rows) {
  std::string text;
  for (size_t i = 0; i < rows.size(); ++i)
    text += std::to_string(rows.key[i]) + ":" + std::to_string(rows.value[i]) + ",";
  return Sha256Hex(text).substr(0, 16);
}

class NotesKind final : public DataKind {
 public:
  NotesKind() : DataKind("note", "notes", "note=") {}
  bool OwnsTimeframe(const std::string& timeframe) const override { return timeframe == "note"; }
  std::vector<std::string_view> rollback_job_kinds() const override { return {"import-note"}; }
  std::string NotBarsAdvice(const std::string& symbol, const std::string&) const override {
    return symbol + " holds notes, not bars";
  }
  Status Write(const KindIo& io, const RowsPayload& payload,
               const std::string& path) const override {
    ASSIGN_OR_RETURN(const NoteRows* rows, RowsOf<NoteRows>(payload));
    std::string values;
    for (size_t i = 0; i < rows->size(); ++i) {
      values += (i ? ", (" : "(") + std::to_string(rows->key[i]) + ", " +
                std::to_string(rows->value[i]) + ")";
    }
    return io.conn->Execute("COPY (SELECT * FROM (VALUES " + values +
                            ") t(key, value) ORDER BY key) TO " + storage::SqlQuote(path) +
                            " (FORMAT parquet)");
  }
  Result<FileFacts> ReadFacts(const KindIo& io, const std::string&, const std::string& path,
                              bool) const override {
    ASSIGN_OR_RETURN(auto r, io.conn->Query("SELECT key::BIGINT, value::BIGINT FROM read_parquet(" +
                                            storage::SqlQuote(path) + ")"));
    NoteRows rows;
    for (idx_t i = 0; i < r->RowCount(); ++i) {
      rows.key.push_back(r->Int(0, i));
      rows.value.push_back(r->Int(1, i));
    }
    FileFacts f;
    f.key_order = "key";
    f.rows = static_cast<int64_t>(rows.size());
    if (!rows.key.empty()) f.min_ts = rows.key.front(), f.max_ts = rows.key.back();
    CheckKeyOrder(
        rows.size(), [&](size_t a, size_t b) { return rows.key[a] < rows.key[b]; }, &f);
    f.content_hash = NoteHash(rows);
    return f;
  }
  Result<FileFacts> Intended(const RowsPayload& payload) const override {
    ASSIGN_OR_RETURN(const NoteRows* rows, RowsOf<NoteRows>(payload));
    FileFacts f;
    f.rows = static_cast<int64_t>(rows->size());
    f.content_hash = NoteHash(*rows);
    return f;
  }
  std::vector<std::string> ViewSql(const VaultPaths& paths,
                                   const std::vector<std::string>& stored) const override {
    if (stored.empty())
      return {"CREATE OR REPLACE TEMP VIEW notes AS SELECT NULL::BIGINT AS key WHERE false"};
    return {"CREATE OR REPLACE TEMP VIEW notes AS SELECT * FROM read_parquet(" +
            storage::SqlQuote(Root(paths) + "/**/*.parquet") + ", hive_partitioning=true)"};
  }
};

// Registered for one test, removed after it.
class NotesKindTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    RegisterDataKind(&kind_);
  }
  void TearDown() override { UnregisterDataKind(&kind_); }
  NotesKind kind_;
};

TEST(DataKindTest, BuiltInKindsOwnTheirPathsRootsAndTimeframes) {
  EXPECT_EQ(KindOfRelPath("symbol=ES/timeframe=1m/period=2024-01/data.parquet").name(), "bars");
  EXPECT_EQ(KindOfRelPath("kind=gex/ticker=SPX/period=2024-01/data.parquet").name(), "snapshot");
  EXPECT_EQ(KindOfRelPath("table=session_stats/symbol=ES/period=2024/data.parquet").name(),
            "table");
  EXPECT_EQ(KindOfTimeframe("1m").name(), "bars");
  EXPECT_EQ(KindOfTimeframe("gex").name(), "snapshot");
  EXPECT_EQ(KindOfTimeframe("level_touches").name(), "table");
  EXPECT_EQ(DatasetKindOf("session_stats"), "table");
  VaultPaths paths("/v");
  EXPECT_EQ(paths.LakeFile("kind=gex/ticker=SPX/period=2024-01/data.parquet"),
            "/v/snapshots/kind=gex/ticker=SPX/period=2024-01/data.parquet");
  EXPECT_EQ(paths.LakeFile("symbol=ES/timeframe=1m/period=2024-01/data.parquet"),
            "/v/lake/symbol=ES/timeframe=1m/period=2024-01/data.parquet");
  // lake/ exists from init on; the other roots may be created by a job.
  EXPECT_EQ(BarsKind().SyncStop(paths), "/v/lake");
  EXPECT_EQ(FindDataKind("table")->SyncStop(paths), "/v");
  EXPECT_TRUE(IsRollbackJobKind("import"));
  EXPECT_TRUE(IsRollbackJobKind("import-snapshot"));
  EXPECT_TRUE(IsRollbackJobKind("regenerate"));
  EXPECT_FALSE(IsRollbackJobKind("rollback"));
}

TEST_F(NotesKindTest, AKindAddedByOneClassWritesVerifiesAndQueriesThroughTheProtocol) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(storage::DuckConn * duck, lake->TEST_Duck());
  storage::ParquetStore store(duck);
  journal::JobRecord job;
  job.kind = "import-note";
  job.status = "running";
  job.symbol = "N1";
  job.timeframe = "note";
  ASSERT_OK_AND_ASSIGN(job.id, lake->TEST_journal()->CreateJob(job));
  const Micros jan = ParseIsoUtc("2024-01-10T00:00:00Z").value();
  std::vector<PartitionWrite> writes(1);
  PartitionWrite& w = writes[0];
  w.change.symbol = "N1";
  w.change.timeframe = "note";
  w.change.period = "2024-01";
  w.change.rel_path = "note=N1/period=2024-01/data.parquet";
  w.change.after_version = job.id;
  w.rows = MakePayload(NoteRows{{jan, jan + 1, jan + 2}, {7, 8, 9}});
  WriteProtocol protocol(Env::Default(), &lake->paths(), lake->TEST_journal(), duck, &store, nullptr,
                         nullptr);
  ASSERT_OK(protocol.Commit(&job, &writes));
  EXPECT_EQ(job.status, "completed");
  // Under the kind's own root, catalogued with the facts its reader found.
  EXPECT_TRUE(std::filesystem::exists(vault_ + "/notes/note=N1/period=2024-01/data.parquet"));
  ASSERT_OK_AND_ASSIGN(auto entry,
                       lake->TEST_journal()->GetPartition("note=N1/period=2024-01/data.parquet"));
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->rows, 3);
  EXPECT_EQ(entry->min_ts, jan);
  EXPECT_EQ(entry->max_ts, jan + 2);
  // verify reads it back with the kind's reader and finds no stray file in its root.
  ASSERT_OK_AND_ASSIGN(VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok()) << (v.problems.empty() ? "" : v.problems[0].path + " " + v.problems[0].what);
  EXPECT_EQ(v.rows_checked, 3);
  // Its query view sits next to the built-in ones.
  ASSERT_OK(lake->CreateViews(duck));
  ASSERT_OK_AND_ASSIGN(auto sum, duck->Query("SELECT sum(value) FROM notes"));
  EXPECT_EQ(sum->Int(0, 0), 24);
  // Reading it as bars names the kind, and its job kind can be rolled back.
  auto as_bars = lake->Read("N1", "note", kOpenRangeStart, kOpenRangeEnd);
  ASSERT_RAISES(kInvalidArgument, as_bars);
  EXPECT_NE(as_bars.status().message().find("holds notes"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(journal::JobRecord undone, lake->Rollback(job.id));
  EXPECT_EQ(undone.status, "completed");
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/notes/note=N1/period=2024-01/data.parquet"));
}

TEST_F(NotesKindTest, StagingRefusesAFileThatReadsBackOtherRows) {
  auto lake = OpenLake();
  ASSERT_OK_AND_ASSIGN(storage::DuckConn * duck, lake->TEST_Duck());
  storage::ParquetStore store(duck);
  journal::JobRecord job;
  job.kind = "import-note";
  job.status = "running";
  ASSERT_OK_AND_ASSIGN(job.id, lake->TEST_journal()->CreateJob(job));
  // Keys out of order: the writer sorts them, so what is read back is not what was meant.
  std::vector<PartitionWrite> writes(1);
  writes[0].change.symbol = "N1";
  writes[0].change.timeframe = "note";
  writes[0].change.period = "2024-01";
  writes[0].change.rel_path = "note=N1/period=2024-01/data.parquet";
  writes[0].rows = MakePayload(NoteRows{{5, 3}, {1, 2}});
  WriteProtocol protocol(Env::Default(), &lake->paths(), lake->TEST_journal(), duck, &store, nullptr,
                         nullptr);
  ASSERT_RAISES(kCorruption, protocol.Commit(&job, &writes));
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/notes/note=N1/period=2024-01/data.parquet"));
}

}  // namespace
}  // namespace barlake::lake
