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
  if (!bars.flags.empty() && bars.flags.size() != bars.size()) {
    return Status::Internal("bar flags are not parallel to the rows");
  }
  static const std::vector<ParquetColumn> kColumns = {
      {"ts", DUCKDB_TYPE_TIMESTAMP_TZ}, {"open", DUCKDB_TYPE_DOUBLE},  {"high", DUCKDB_TYPE_DOUBLE},
      {"low", DUCKDB_TYPE_DOUBLE},      {"close", DUCKDB_TYPE_DOUBLE}, {"volume", DUCKDB_TYPE_DOUBLE},
      {"job", DUCKDB_TYPE_BIGINT},      {"flags", DUCKDB_TYPE_UTINYINT}};
  // Imported bars have no flags column in memory: their flags are 0.
  const std::vector<uint8_t> no_flags(bars.flags.empty() ? std::min<size_t>(bars.size(), duckdb_vector_size()) : 0, 0);
  return WriteParquetInOrder(
      conn_, kColumns, bars.size(),
      [&](duckdb_data_chunk chunk, size_t off, size_t n) {
        CopyColumn(chunk, 0, bars.ts, off, n);
        CopyColumn(chunk, 1, bars.open, off, n);
        CopyColumn(chunk, 2, bars.high, off, n);
        CopyColumn(chunk, 3, bars.low, off, n);
        CopyColumn(chunk, 4, bars.close, off, n);
        CopyColumn(chunk, 5, bars.volume, off, n);
        CopyColumn(chunk, 6, bars.job, off, n);
        if (bars.flags.empty()) {
          CopyColumn(chunk, 7, no_flags, 0, n);
        } else {
          CopyColumn(chunk, 7, bars.flags, off, n);
        }
      },
      path);
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
