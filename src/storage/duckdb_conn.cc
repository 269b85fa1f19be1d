#include "storage/duckdb_conn.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <mutex>
#include <unordered_map>

namespace barlake::storage {

std::string QueryResult::Text(idx_t col, idx_t row) {
  char* v = duckdb_value_varchar(&result_, col, row);
  if (!v) return "";
  std::string s(v);
  duckdb_free(v);
  return s;
}

Result<std::unique_ptr<DuckConn>> DuckConn::OpenInMemory(int threads) {
  std::unique_ptr<DuckConn> c(new DuckConn());
  c->db_ = std::make_shared<Database>();
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) == DuckDBError) return Status::Internal("duckdb config");
  if (threads > 0) duckdb_set_config(config, "threads", std::to_string(threads).c_str());
  // barlake never wants DuckDB to download extensions at run time.
  duckdb_set_config(config, "autoinstall_known_extensions", "false");
  char* err = nullptr;
  if (duckdb_open_ext(nullptr, &c->db_->db, config, &err) == DuckDBError) {
    std::string msg = err ? err : "unknown error";
    duckdb_free(err);
    duckdb_destroy_config(&config);
    return Status::Internal("cannot open DuckDB: " + msg);
  }
  duckdb_destroy_config(&config);
  if (duckdb_connect(c->db_->db, &c->conn_) == DuckDBError) {
    return Status::Internal("cannot connect to DuckDB");
  }
  RETURN_IF_ERROR(RegisterRowSource(c.get()));
  return c;
}

Result<std::unique_ptr<DuckConn>> DuckConn::Connect() {
  std::unique_ptr<DuckConn> c(new DuckConn());
  c->db_ = db_;
  if (duckdb_connect(c->db_->db, &c->conn_) == DuckDBError) {
    return Status::Internal("cannot open another DuckDB connection");
  }
  return c;
}

DuckConn::~DuckConn() {
  if (conn_) duckdb_disconnect(&conn_);
}

Status DuckConn::Execute(const std::string& sql) {
  QueryResult r;
  if (duckdb_query(conn_, sql.c_str(), r.raw()) == DuckDBError) {
    return StatusFromDuckResult(r.raw(), "DuckDB query failed");
  }
  return Status::OK();
}

namespace {
/// "this is an EXPLAIN statement".
std::string StatementName(const std::string& keyword) {
  if (keyword.empty()) return "this is not a query";
  const bool vowel = keyword != "USE" && std::string_view("AEIOU").find(keyword[0]) != std::string_view::npos;
  return std::string("this is ") + (vowel ? "an " : "a ") + keyword + " statement";
}
}  // namespace

Status DuckConn::ValidateSelect(const std::string& sql) {
  auto read_only = [](const std::string& what) {
    return Status::InvalidArgument(what + ", and only a query (SELECT) runs here: nothing can be created, changed, "
                                   "copied, attached or set");
  };
  duckdb_prepared_statement stmt = nullptr;
  Status s;
  if (duckdb_prepare(conn_, sql.c_str(), &stmt) == DuckDBError) {
    const std::string statement = WritingStatementName(sql);
    const char* e = duckdb_prepare_error(stmt);
    s = statement.empty() ? Status::InvalidArgument(e ? e : "invalid SQL") : read_only(statement);
  } else if (duckdb_prepared_statement_type(stmt) != DUCKDB_STATEMENT_TYPE_SELECT) {
    s = read_only(StatementName(FirstSqlKeyword(sql)));
  }
  duckdb_destroy_prepare(&stmt);
  return s;
}

Result<std::unique_ptr<QueryResult>> DuckConn::Query(const std::string& sql) {
  auto r = std::make_unique<QueryResult>();
  if (duckdb_query(conn_, sql.c_str(), r->raw()) == DuckDBError) {
    return StatusFromDuckResult(r->raw(), "DuckDB query failed");
  }
  return r;
}

std::string FirstSqlKeyword(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    const unsigned char c = static_cast<unsigned char>(sql[i]);
    if (std::isspace(c) || c == '(') {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      const size_t nl = sql.find('\n', i);
      i = nl == std::string_view::npos ? sql.size() : nl + 1;
    } else if (sql.compare(i, 2, "/*") == 0) {
      const size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  std::string word;
  for (; i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])); ++i) {
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i])));
  }
  return word;
}

std::string WritingStatementName(std::string_view sql) {
  static const std::set<std::string, std::less<>> kWriting = {
      "INSERT", "UPDATE", "DELETE", "CREATE", "DROP",    "ALTER", "COPY",     "EXPORT",     "IMPORT",
      "ATTACH", "DETACH", "INSTALL", "LOAD",  "SET",     "RESET", "PRAGMA",   "CALL",       "USE",
      "TRUNCATE", "VACUUM", "CHECKPOINT", "BEGIN", "COMMIT", "ROLLBACK", "MERGE", "UPSERT"};
  const std::string word = FirstSqlKeyword(sql);
  return kWriting.count(word) ? StatementName(word) : "";
}

std::string SqlQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

Status StatusFromDuckResult(duckdb_result* result, const std::string& what) {
  const char* e = duckdb_result_error(result);
  std::string msg = what + ": " + (e ? e : "unknown DuckDB error");
  switch (duckdb_result_error_type(result)) {
    case DUCKDB_ERROR_IO:
      if (msg.find("No space left") != std::string::npos) return Status::NoSpace(msg);
      return Status::IOError(msg);
    case DUCKDB_ERROR_INVALID_INPUT:
    case DUCKDB_ERROR_SERIALIZATION:
      return Status::Corruption(msg);
    case DUCKDB_ERROR_PARSER:
    case DUCKDB_ERROR_BINDER:
    case DUCKDB_ERROR_CATALOG:
    case DUCKDB_ERROR_CONVERSION:
    case DUCKDB_ERROR_INVALID_TYPE:
    case DUCKDB_ERROR_MISMATCH_TYPE:
      return Status::InvalidArgument(msg);
    case DUCKDB_ERROR_INTERRUPT:
      return Status::Cancelled(msg);
    default:
      if (msg.find("No space left") != std::string::npos) return Status::NoSpace(msg);
      return Status::Internal(msg);
  }
}

namespace {

const char* ParquetSqlType(duckdb_type t) {
  switch (t) {
    case DUCKDB_TYPE_DATE: return "DATE";
    case DUCKDB_TYPE_TIMESTAMP_TZ: return "TIMESTAMPTZ";
    case DUCKDB_TYPE_DOUBLE: return "DOUBLE";
    case DUCKDB_TYPE_BIGINT: return "BIGINT";
    case DUCKDB_TYPE_UTINYINT: return "UTINYINT";
    case DUCKDB_TYPE_BOOLEAN: return "BOOLEAN";
    default: return nullptr;
  }
}

}  // namespace

namespace {

// Rows handed to DuckDB by a table function, `barlake_rows(token)`: COPY scans them
// straight from the caller's memory, so a file costs one statement (no temporary table
// to create, fill and drop). The token names a registered source; an unknown token (say,
// typed into `barlake query`) is a bind error, never a stray pointer.
struct RowSource {
  const std::vector<ParquetColumn>* columns;
  size_t rows;
  const ChunkFiller* fill;
};

struct RowSources {
  std::mutex mu;
  uint64_t next = 1;
  std::unordered_map<uint64_t, const RowSource*> by_token;
};

RowSources& Sources() {
  static RowSources* sources = new RowSources();  // never destroyed: DuckDB may outlive statics
  return *sources;
}

struct RowScan {
  size_t offset = 0;
};

void RowsBind(duckdb_bind_info info) {
  duckdb_value v = duckdb_bind_get_parameter(info, 0);
  const uint64_t token = duckdb_get_uint64(v);
  duckdb_destroy_value(&v);
  const RowSource* source = nullptr;
  {
    RowSources& all = Sources();
    std::lock_guard<std::mutex> l(all.mu);
    auto it = all.by_token.find(token);
    if (it != all.by_token.end()) source = it->second;
  }
  if (!source) {
    duckdb_bind_set_error(info, "barlake_rows: no rows are registered under this token");
    return;
  }
  for (const auto& c : *source->columns) {
    duckdb_logical_type t = duckdb_create_logical_type(c.type);
    duckdb_bind_add_result_column(info, c.name.c_str(), t);
    duckdb_destroy_logical_type(&t);
  }
  duckdb_bind_set_bind_data(info, const_cast<RowSource*>(source), nullptr);
}

void RowsInit(duckdb_init_info info) {
  duckdb_init_set_init_data(info, new RowScan(), [](void* p) { delete static_cast<RowScan*>(p); });
  duckdb_init_set_max_threads(info, 1);  // one scan, in order
}

void RowsScan(duckdb_function_info info, duckdb_data_chunk output) {
  const auto* source = static_cast<const RowSource*>(duckdb_function_get_bind_data(info));
  auto* scan = static_cast<RowScan*>(duckdb_function_get_init_data(info));
  const size_t n = std::min<size_t>(duckdb_vector_size(), source->rows - scan->offset);
  if (n > 0) (*source->fill)(output, scan->offset, n);
  duckdb_data_chunk_set_size(output, n);
  scan->offset += n;
}

}  // namespace

Status RegisterRowSource(DuckConn* conn) {
  duckdb_table_function f = duckdb_create_table_function();
  duckdb_table_function_set_name(f, "barlake_rows");
  duckdb_logical_type token = duckdb_create_logical_type(DUCKDB_TYPE_UBIGINT);
  duckdb_table_function_add_parameter(f, token);
  duckdb_destroy_logical_type(&token);
  duckdb_table_function_set_bind(f, RowsBind);
  duckdb_table_function_set_init(f, RowsInit);
  duckdb_table_function_set_function(f, RowsScan);
  const duckdb_state st = duckdb_register_table_function(conn->raw(), f);
  duckdb_destroy_table_function(&f);
  if (st == DuckDBError) return Status::Internal("cannot register the barlake_rows table function");
  return Status::OK();
}

Status WriteParquetInOrder(DuckConn* conn, const std::vector<ParquetColumn>& columns, size_t rows,
                           const ChunkFiller& fill, const std::string& path) {
  for (const auto& c : columns) {
    if (!ParquetSqlType(c.type)) {
      return Status::Internal("column '" + c.name + "' has a type the Parquet writer does not take");
    }
  }
  const RowSource source{&columns, rows, &fill};
  RowSources& all = Sources();
  uint64_t token;
  {
    std::lock_guard<std::mutex> l(all.mu);
    token = all.next++;
    all.by_token[token] = &source;
  }
  // A plain scan of one single-threaded source keeps the rows in order (the write
  // protocol reads every file back and refuses one out of order).
  Status s = conn->Execute("COPY (FROM barlake_rows(" + std::to_string(token) + "::UBIGINT)) TO " + SqlQuote(path) +
                           " (FORMAT parquet, COMPRESSION zstd)");
  {
    std::lock_guard<std::mutex> l(all.mu);
    all.by_token.erase(token);
  }
  return s.WithContext("writing Parquet file '" + path + "'");
}

Status QueryTyped(DuckConn* conn, const std::string& sql, const std::vector<duckdb_type>& types,
                  const std::string& schema, const std::string& what, QueryResult* r) {
  if (duckdb_query(conn->raw(), sql.c_str(), r->raw()) == DuckDBError) return StatusFromDuckResult(r->raw(), what);
  // The raw vectors the stores read are only valid for exactly these types.
  if (duckdb_column_count(r->raw()) != types.size()) {
    return Status::Corruption(what + ": expected the " + std::to_string(types.size()) + " columns of the " + schema +
                              " schema");
  }
  for (idx_t c = 0; c < types.size(); ++c) {
    if (duckdb_column_type(r->raw(), c) != types[c]) {
      return Status::Corruption(what + ": column '" + duckdb_column_name(r->raw(), c) + "' does not have the " +
                                schema + " schema's type");
    }
  }
  return Status::OK();
}

Status ForEachChunk(QueryResult* r, bool no_nulls, const std::string& what,
                    const std::function<Status(duckdb_data_chunk chunk, idx_t rows)>& each) {
  const idx_t columns = duckdb_column_count(r->raw());
  for (;;) {
    DataChunk chunk(duckdb_fetch_chunk(*r->raw()));
    if (!chunk.get()) break;
    const idx_t n = duckdb_data_chunk_get_size(chunk.get());
    if (n == 0) break;
    for (idx_t c = 0; no_nulls && c < columns; ++c) {
      if (uint64_t* validity = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(chunk.get(), c))) {
        for (idx_t i = 0; i < n; ++i) {
          if (!duckdb_validity_row_is_valid(validity, i)) {
            return Status::Corruption(what + ": a NULL value in column '" + duckdb_column_name(r->raw(), c) + "'");
          }
        }
      }
    }
    RETURN_IF_ERROR(each(chunk.get(), n));
  }
  return Status::OK();
}

Status CheckParquetSchema(DuckConn* conn, const std::string& path, const std::string& expected,
                          const std::string& schema) {
  ASSIGN_OR_RETURN(auto r, conn->Query("SELECT string_agg(column_name || ':' || column_type, ',') "
                                       "FROM (DESCRIBE SELECT * FROM read_parquet(" +
                                       SqlQuote(path) + ", hive_partitioning=false))"));
  const std::string actual = r->Text(0, 0);
  if (actual != expected) {
    return Status::Corruption("'" + path + "' has schema [" + actual + "], expected the " + schema + " schema [" +
                              expected + "]");
  }
  return Status::OK();
}

}  // namespace barlake::storage
