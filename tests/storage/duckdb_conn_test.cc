#include "storage/duckdb_conn.h"

#include <gtest/gtest.h>

#include "testutil/status_matchers.h"

namespace barlake::storage {

TEST(DuckConnTest, TheFirstSqlKeywordSkipsSpacesCommentsAndParentheses) {
  EXPECT_EQ(FirstSqlKeyword("select 1"), "SELECT");
  EXPECT_EQ(FirstSqlKeyword("  -- clean up\n\t/* old rows */ (Delete from bars)"), "DELETE");
  EXPECT_EQ(FirstSqlKeyword("-- only a comment"), "");
  EXPECT_EQ(FirstSqlKeyword("/* never closed"), "");
  EXPECT_EQ(FirstSqlKeyword("\xFF\xFE select"), "");
  EXPECT_EQ(WritingStatementName("insert into bars values (1)"), "this is an INSERT statement");
  EXPECT_EQ(WritingStatementName("COPY bars TO 'x'"), "this is a COPY statement");
  EXPECT_EQ(WritingStatementName("WITH d AS (SELECT 1) SELECT * FROM d"), "");
}

TEST(DuckConnTest, ValidateSelectRunsNothingAndNamesAnyOtherStatement) {
  ASSERT_OK_AND_ASSIGN(auto conn, DuckConn::OpenInMemory(1));
  ASSERT_OK(conn->Execute("CREATE TABLE t AS SELECT 1 AS n"));
  ASSERT_OK(conn->Execute("CREATE VIEW v AS SELECT n FROM t"));
  ASSERT_OK(conn->ValidateSelect("SELECT n FROM v"));
  ASSERT_OK(conn->ValidateSelect("FROM t"));
  // Prepared fine but not a query; refused over a view at bind time; EXPLAIN reads nothing.
  for (const auto& [sql, named] : std::vector<std::pair<std::string, std::string>>{
           {"DELETE FROM t", "this is a DELETE statement"},
           {"DELETE FROM v", "this is a DELETE statement"},
           {"CREATE TABLE u AS SELECT 2", "this is a CREATE statement"},
           {"EXPLAIN SELECT 1", "this is an EXPLAIN statement"}}) {
    Status s = conn->ValidateSelect(sql);
    ASSERT_RAISES(kInvalidArgument, s) << sql;
    EXPECT_EQ(s.message().rfind(named + ", and only a query (SELECT) runs here", 0), 0u) << s.message();
  }
  // Nothing ran: t still has its one row and u does not exist.
  ASSERT_OK_AND_ASSIGN(auto r, conn->Query("SELECT count(*) FROM t"));
  EXPECT_EQ(r->Text(0, 0), "1");
  EXPECT_FALSE(conn->Execute("SELECT * FROM u").ok());
  // A plain mistake keeps DuckDB's own message.
  EXPECT_NE(conn->ValidateSelect("SELEC 1").message().find("syntax error"), std::string::npos);
}

}  // namespace barlake::storage
