// The SQL console (GET /api/query) against a real server on 127.0.0.1: results and paging,
// CSV, errors inline, the time limit, and that no SQL can write anything or read outside
// the vault's data folders.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "demo/sample_data.h"
#include "lake/lake.h"
#include "server/lake_pool.h"
#include "server/sql_console.h"
#include "testutil/status_matchers.h"
#include "testutil/test_data.h"
#include "testutil/test_server.h"

namespace barlake::server {
namespace {

using nlohmann::json;

class SqlConsoleTest : public testutil::ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    demo::SampleSpec spec;
    spec.symbol = "ES";
    spec.start_year = 2023;
    spec.days = 3;
    auto text = demo::MakeNinjaTraderExport(spec, &rows_);
    ASSERT_OK(text.status());
    const std::string p = dir_.Sub("es.txt");
    ASSERT_OK(testutil::WriteText(p, *text));
    auto l = lake::Lake::Open(vault_, {});
    ASSERT_OK(l.status());
    lake::ImportRequest r;
    r.path = p;
    r.symbol = "ES";
    r.timeframe = "1m";
    ASSERT_OK((*l)->Import(r).status());
  }

  httplib::Result Query(const std::string& sql, const std::string& extra = "") {
    return client_->Get(("/api/query?sql=" + httplib::detail::encode_query_param(sql) + extra).c_str());
  }

  int64_t rows_ = 0;
};

TEST_F(SqlConsoleTest, RunsSelectsOverTheViewsWithPagingAndCsv) {
  Start();
  json count = Body(Query("SELECT count(*) AS n FROM bars WHERE symbol = 'ES'"));
  ASSERT_EQ(count["columns"].size(), 1u) << count.dump();
  EXPECT_EQ(count["columns"][0]["name"], "n");
  EXPECT_EQ(count["columns"][0]["kind"], "number");
  EXPECT_EQ(count["rows"][0][0], std::to_string(rows_));
  EXPECT_EQ(count["more"], false);

  // Two pages put together are one bigger page.
  const std::string sql = "SELECT ts, close FROM bars ORDER BY ts";
  json first = Body(Query(sql, "&limit=7"));
  json second = Body(Query(sql, "&limit=5&offset=7"));
  json both = Body(Query(sql, "&limit=12"));
  ASSERT_EQ(first["rows"].size(), 7u);
  EXPECT_EQ(first["more"], true);
  json joined = first["rows"];
  for (const auto& r : second["rows"]) joined.push_back(r);
  EXPECT_EQ(joined, both["rows"]);
  EXPECT_EQ(first["columns"][0]["kind"], "time");
  json last = Body(Query(sql, "&limit=10&offset=" + std::to_string(rows_ - 3)));
  EXPECT_EQ(last["rows"].size(), 3u);
  EXPECT_EQ(last["more"], false);
  EXPECT_TRUE(Body(Query("SELECT NULL AS nothing"))["rows"][0][0].is_null());

  auto csv = Query("SELECT 'a,b' AS text, 1.5 AS x", "&format=csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200);
  EXPECT_EQ(csv->body, "text,x\n\"a,b\",1.5\n");
  EXPECT_NE(csv->get_header_value("Content-Disposition").find("attachment"), std::string::npos);
}

TEST_F(SqlConsoleTest, ErrorsComeBackAsMessages) {
  Start();
  auto r = Query("SELECT no_such_column FROM bars");
  ExpectError(r, 400, "invalid_argument");
  EXPECT_NE(r->body.find("no_such_column"), std::string::npos) << r->body;
  ExpectError(Query(""), 400, "invalid_argument");
  ExpectError(Query("SELECT 1", "&limit=0"), 400, "invalid_argument");
  ExpectError(Query("SELECT 1", "&rows=5"), 400, "invalid_argument");
}

TEST_F(SqlConsoleTest, NoSqlCanWriteOrReadOutsideTheData) {
  Start();
  const std::string out = dir_.Sub("out");
  ASSERT_OK(Env::Default()->CreateDirs(out));
  const auto before = testutil::Snapshot(vault_);
  for (const std::string& sql : {
           std::string("CREATE TABLE t AS SELECT 1"),
           std::string("CREATE VIEW v AS SELECT 1"),
           std::string("INSERT INTO bars SELECT * FROM bars LIMIT 1"),
           std::string("DELETE FROM bars"),
           std::string("UPDATE bars SET close = 0"),
           std::string("DROP VIEW bars"),
           "COPY (SELECT * FROM bars) TO '" + out + "/leak.csv'",
           "COPY (SELECT * FROM bars) TO '" + vault_ + "/lake/leak.parquet'",
           "EXPORT DATABASE '" + out + "/export'",
           "ATTACH '" + out + "/x.duckdb' AS x",
           std::string("SET enable_external_access = true"),
           std::string("RESET lock_configuration"),
           std::string("PRAGMA enable_profiling"),
           std::string("CALL pragma_version()"),
           std::string("SELECT 1; DROP VIEW bars"),
           std::string("INSTALL httpfs"),
           "SELECT * FROM read_text('" + vault_ + "/.barlake/token')",
           "SELECT * FROM read_csv('" + vault_ + "/barlake.toml')",
           "SELECT * FROM sqlite_scan('" + vault_ + "/.barlake/journal.db', 'jobs')",
       }) {
    SCOPED_TRACE(sql);
    auto r = Query(sql);
    ExpectError(r, 400, "invalid_argument");
    EXPECT_EQ(r->body.find(token_), std::string::npos);
  }
  EXPECT_TRUE(std::filesystem::is_empty(out));
  // A DELETE over a view fails to bind in DuckDB; the answer still says why it cannot run.
  auto del = Query("DELETE FROM bars");
  EXPECT_NE(del->body.find("this is a DELETE statement: the console runs SELECT queries only"), std::string::npos)
      << del->body;
  const auto after = testutil::Snapshot(vault_);
  for (const auto& [path, hash] : before) {
    if (path.find(".barlake/") != std::string::npos) continue;  // the journal's SQLite files may be touched by reads
    EXPECT_EQ(after.count(path) ? after.at(path) : "", hash) << path;
  }
  for (const auto& [path, hash] : after) {
    EXPECT_TRUE(before.count(path) || path.find(".barlake/") != std::string::npos) << "new file " << path;
  }
  // The views are all still there, and reading the data folders directly works.
  EXPECT_EQ(Body(Query("SELECT count(*) FROM bars"))["rows"][0][0], std::to_string(rows_));
  auto direct = Query("SELECT count(*) FROM read_parquet('" + vault_ + "/lake/**/*.parquet')");
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->status, 200) << direct->body;
}

// Below the SELECT-only check: the console's database is opened READ_ONLY, so DuckDB
// itself refuses any statement that would change it, whatever the SQL.
TEST_F(SqlConsoleTest, TheConsoleDatabaseItselfRefusesWrites) {
  WriteWindow window;
  ReaderPool readers(vault_, 1, &window);
  SqlConsole console(lake::VaultPaths(vault_), &readers, 10, 1, 1);
  // The views are there and read.
  ASSERT_OK(console.ExecuteUncheckedForTest("SELECT count(*) FROM bars"));
  for (const std::string sql : {"CREATE TABLE t AS SELECT 1", "CREATE VIEW v AS SELECT 1", "DROP VIEW bars",
                                "CREATE OR REPLACE VIEW bars AS SELECT 1 AS x", "CREATE SEQUENCE s"}) {
    SCOPED_TRACE(sql);
    Status s = console.ExecuteUncheckedForTest(sql);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("read-only"), std::string::npos) << s.message();
  }
}

TEST_F(SqlConsoleTest, AQueryOverTheTimeLimitIsStopped) {
  server::ServerOptions o;
  o.query_seconds = 0.5;
  Start(o);
  const auto start = std::chrono::steady_clock::now();
  auto r = Query("SELECT sum(hash(a.range + b.range)) FROM range(1000000) a, range(1000000) b");
  const auto took = std::chrono::steady_clock::now() - start;
  ExpectError(r, 408, "timeout");
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_EQ(Body(Query("SELECT 1 AS one"))["rows"][0][0], "1");  // the console goes on
}

}  // namespace
}  // namespace barlake::server
