#include "storage/duckdb_conn.h"

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

Status DuckConn::Validate(const std::string& sql) {
  duckdb_prepared_statement stmt = nullptr;
  Status s;
  if (duckdb_prepare(conn_, sql.c_str(), &stmt) == DuckDBError) {
    const char* e = duckdb_prepare_error(stmt);
    s = Status::InvalidArgument(e ? e : "invalid SQL");
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

Status WriteParquetInOrder(DuckConn* conn, const std::string& scratch, const std::vector<ParquetColumn>& columns,
                           size_t rows, const ChunkFiller& fill, const std::string& path) {
  std::string create = "CREATE OR REPLACE TEMP TABLE " + scratch + " (";
  for (size_t c = 0; c < columns.size(); ++c) {
    const char* type = ParquetSqlType(columns[c].type);
    if (!type) return Status::Internal("column '" + columns[c].name + "' has a type the Parquet writer does not take");
    create += (c ? ", \"" : "\"") + columns[c].name + "\" " + type;
  }
  RETURN_IF_ERROR(conn->Execute(create + ")"));
  {
    Appender app;
    if (duckdb_appender_create(conn->raw(), nullptr, scratch.c_str(), app.out()) == DuckDBError) {
      return Status::Internal("cannot create DuckDB appender");
    }
    std::vector<duckdb_logical_type> types;
    for (const auto& c : columns) types.push_back(duckdb_create_logical_type(c.type));
    const idx_t cap = duckdb_vector_size();
    Status st;
    for (size_t off = 0; off < rows && st.ok(); off += cap) {
      const size_t n = std::min<size_t>(cap, rows - off);
      DataChunk chunk(duckdb_create_data_chunk(types.data(), types.size()));
      fill(chunk.get(), off, n);
      duckdb_data_chunk_set_size(chunk.get(), n);
      if (duckdb_append_data_chunk(app.get(), chunk.get()) == DuckDBError) {
        st = Status::Internal(std::string("DuckDB append failed: ") + duckdb_appender_error(app.get()));
      }
    }
    for (auto& t : types) duckdb_destroy_logical_type(&t);
    RETURN_IF_ERROR(st);
    if (duckdb_appender_close(app.get()) == DuckDBError) {
      return Status::Internal(std::string("DuckDB appender close failed: ") + duckdb_appender_error(app.get()));
    }
  }
  Status s = conn->Execute("COPY " + scratch + " TO " + SqlQuote(path) + " (FORMAT parquet, COMPRESSION zstd)");
  (void)conn->Execute("DROP TABLE IF EXISTS " + scratch);
  return s.WithContext("writing Parquet file '" + path + "'");
}

}  // namespace barlake::storage
