#include "storage/parquet_store.h"

#include "core/time_util.h"

#include <cstring>

namespace barlake::storage {
namespace {

constexpr const char* kSelectColumns = "ts, open, high, low, close, volume, job, flags";
constexpr const char* kExpectedSchema =
    "ts:TIMESTAMP WITH TIME ZONE,open:DOUBLE,high:DOUBLE,low:DOUBLE,close:DOUBLE,"
    "volume:DOUBLE,job:BIGINT,flags:UTINYINT";

template <typename T>
void CopyColumn(duckdb_data_chunk chunk, idx_t col, const std::vector<T>& src, size_t offset,
                size_t n) {
  duckdb_vector v = duckdb_data_chunk_get_vector(chunk, col);
  std::memcpy(duckdb_vector_get_data(v), src.data() + offset, n * sizeof(T));
}

}  // namespace

Status ParquetStore::WriteBars(const BarColumns& bars, const std::string& path) {
  RETURN_IF_ERROR(conn_->Execute(
      "CREATE OR REPLACE TEMP TABLE barlake_write (ts TIMESTAMPTZ, open DOUBLE, high DOUBLE, "
      "low DOUBLE, close DOUBLE, volume DOUBLE, job BIGINT, flags UTINYINT)"));
  {
    Appender app;
    if (duckdb_appender_create(conn_->raw(), nullptr, "barlake_write", app.out()) == DuckDBError) {
      return Status::Internal("cannot create DuckDB appender");
    }
    duckdb_logical_type types[8];
    types[0] = duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP_TZ);
    for (int i = 1; i <= 5; ++i) types[i] = duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE);
    types[6] = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
    types[7] = duckdb_create_logical_type(DUCKDB_TYPE_UTINYINT);
    if (!bars.flags.empty() && bars.flags.size() != bars.size()) {
      for (auto& t : types) duckdb_destroy_logical_type(&t);
      return Status::Internal("bar flags are not parallel to the rows");
    }
    const std::vector<uint8_t> no_flags(bars.flags.empty() ? std::min<size_t>(bars.size(), duckdb_vector_size()) : 0, 0);
    const idx_t cap = duckdb_vector_size();
    Status st;
    for (size_t off = 0; off < bars.size() && st.ok(); off += cap) {
      const size_t n = std::min<size_t>(cap, bars.size() - off);
      DataChunk chunk(duckdb_create_data_chunk(types, 8));
      CopyColumn(chunk.get(), 0, bars.ts, off, n);
      CopyColumn(chunk.get(), 1, bars.open, off, n);
      CopyColumn(chunk.get(), 2, bars.high, off, n);
      CopyColumn(chunk.get(), 3, bars.low, off, n);
      CopyColumn(chunk.get(), 4, bars.close, off, n);
      CopyColumn(chunk.get(), 5, bars.volume, off, n);
      CopyColumn(chunk.get(), 6, bars.job, off, n);
      if (bars.flags.empty()) {
        CopyColumn(chunk.get(), 7, no_flags, 0, n);
      } else {
        CopyColumn(chunk.get(), 7, bars.flags, off, n);
      }
      duckdb_data_chunk_set_size(chunk.get(), n);
      if (duckdb_append_data_chunk(app.get(), chunk.get()) == DuckDBError) {
        st = Status::Internal(std::string("DuckDB append failed: ") +
                              duckdb_appender_error(app.get()));
      }
    }
    for (auto& t : types) duckdb_destroy_logical_type(&t);
    RETURN_IF_ERROR(st);
    if (duckdb_appender_close(app.get()) == DuckDBError) {
      return Status::Internal(std::string("DuckDB appender close failed: ") +
                              duckdb_appender_error(app.get()));
    }
  }
  // No ORDER BY: the rows are appended sorted and a plain table scan keeps insertion
  // order; the write protocol reads every file back and refuses one out of order.
  Status s = conn_->Execute("COPY barlake_write TO " + SqlQuote(path) +
                            " (FORMAT parquet, COMPRESSION zstd)");
  (void)conn_->Execute("DROP TABLE IF EXISTS barlake_write");
  return s.WithContext("writing Parquet file '" + path + "'");
}

Result<BarColumns> ParquetStore::Collect(const std::string& sql, const std::string& what) {
  QueryResult r;
  if (duckdb_query(conn_->raw(), sql.c_str(), r.raw()) == DuckDBError) {
    return StatusFromDuckResult(r.raw(), what);
  }
  // The raw vectors below are only valid for exactly these types.
  static const duckdb_type kTypes[8] = {DUCKDB_TYPE_TIMESTAMP_TZ, DUCKDB_TYPE_DOUBLE, DUCKDB_TYPE_DOUBLE,
                                        DUCKDB_TYPE_DOUBLE,       DUCKDB_TYPE_DOUBLE, DUCKDB_TYPE_DOUBLE,
                                        DUCKDB_TYPE_BIGINT,       DUCKDB_TYPE_UTINYINT};
  if (duckdb_column_count(r.raw()) != 8) {
    return Status::Corruption(what + ": expected the 8 bar columns");
  }
  for (idx_t c = 0; c < 8; ++c) {
    if (duckdb_column_type(r.raw(), c) != kTypes[c]) {
      return Status::Corruption(what + ": column '" + duckdb_column_name(r.raw(), c) +
                                "' does not have the bar schema's type");
    }
  }
  BarColumns out;
  out.Reserve(duckdb_row_count(r.raw()));
  for (;;) {
    DataChunk chunk(duckdb_fetch_chunk(*r.raw()));
    if (!chunk.get()) break;
    const idx_t n = duckdb_data_chunk_get_size(chunk.get());
    if (n == 0) break;
    auto col = [&](idx_t i) { return duckdb_data_chunk_get_vector(chunk.get(), i); };
    for (idx_t c = 0; c < 8; ++c) {
      if (duckdb_vector_get_validity(col(c)) != nullptr) {
        uint64_t* validity = duckdb_vector_get_validity(col(c));
        for (idx_t i = 0; i < n; ++i) {
          if (!duckdb_validity_row_is_valid(validity, i)) {
            return Status::Corruption(what + ": a NULL value in column " + std::to_string(c));
          }
        }
      }
    }
    auto* ts = static_cast<int64_t*>(duckdb_vector_get_data(col(0)));
    auto* o = static_cast<double*>(duckdb_vector_get_data(col(1)));
    auto* h = static_cast<double*>(duckdb_vector_get_data(col(2)));
    auto* l = static_cast<double*>(duckdb_vector_get_data(col(3)));
    auto* c = static_cast<double*>(duckdb_vector_get_data(col(4)));
    auto* v = static_cast<double*>(duckdb_vector_get_data(col(5)));
    auto* j = static_cast<int64_t*>(duckdb_vector_get_data(col(6)));
    auto* f = static_cast<uint8_t*>(duckdb_vector_get_data(col(7)));
    out.ts.insert(out.ts.end(), ts, ts + n);
    out.open.insert(out.open.end(), o, o + n);
    out.high.insert(out.high.end(), h, h + n);
    out.low.insert(out.low.end(), l, l + n);
    out.close.insert(out.close.end(), c, c + n);
    out.volume.insert(out.volume.end(), v, v + n);
    out.job.insert(out.job.end(), j, j + n);
    out.flags.insert(out.flags.end(), f, f + n);
  }
  return out;
}

Result<BarColumns> ParquetStore::ReadFile(const std::string& path) {
  return Collect(std::string("SELECT ") + kSelectColumns + " FROM read_parquet(" + SqlQuote(path) +
                     ", hive_partitioning=false)",
                 "reading '" + path + "'");
}

Result<BarColumns> ParquetStore::ReadRange(const std::vector<std::string>& paths, Micros from,
                                           Micros to) {
  if (paths.empty()) return BarColumns{};
  std::string list;
  for (const auto& p : paths) {
    if (!list.empty()) list += ",";
    list += SqlQuote(p);
  }
  return Collect(std::string("SELECT ") + kSelectColumns + " FROM read_parquet([" + list +
                     "], hive_partitioning=false) WHERE ts >= " + SqlQuote(FormatIsoUtc(from)) + "::TIMESTAMPTZ AND ts < " +
                     SqlQuote(FormatIsoUtc(to)) + "::TIMESTAMPTZ ORDER BY ts",
                 "reading bars");
}

Status ParquetStore::CheckSchema(const std::string& path) {
  ASSIGN_OR_RETURN(auto r, conn_->Query("SELECT string_agg(column_name || ':' || column_type, ',') "
                                        "FROM (DESCRIBE SELECT * FROM read_parquet(" +
                                        SqlQuote(path) + ", hive_partitioning=false))"));
  std::string schema = r->Text(0, 0);
  if (schema != kExpectedSchema) {
    return Status::Corruption("'" + path + "' has schema [" + schema + "], expected [" +
                              kExpectedSchema + "]");
  }
  return Status::OK();
}

}  // namespace barlake::storage
