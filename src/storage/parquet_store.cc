#include "storage/parquet_store.h"

#include "core/time_util.h"

#include <cstring>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

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

namespace {

const std::vector<duckdb_type>& BarColumnTypes() {
  static const std::vector<duckdb_type> kTypes = {DUCKDB_TYPE_TIMESTAMP_TZ, DUCKDB_TYPE_DOUBLE, DUCKDB_TYPE_DOUBLE,
                                                  DUCKDB_TYPE_DOUBLE,       DUCKDB_TYPE_DOUBLE, DUCKDB_TYPE_DOUBLE,
                                                  DUCKDB_TYPE_BIGINT,       DUCKDB_TYPE_UTINYINT};
  return kTypes;
}

// Append rows [begin, end) of a chunk whose first eight columns are the bar schema's.
void AppendBarRows(duckdb_data_chunk chunk, idx_t begin, idx_t end, BarColumns* out) {
  auto append = [&](idx_t c, auto* dst) {
    using T = typename std::remove_pointer_t<decltype(dst)>::value_type;
    const T* src = static_cast<const T*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, c)));
    dst->insert(dst->end(), src + begin, src + end);
  };
  append(0, &out->ts);
  append(1, &out->open);
  append(2, &out->high);
  append(3, &out->low);
  append(4, &out->close);
  append(5, &out->volume);
  append(6, &out->job);
  append(7, &out->flags);
}

}  // namespace

Result<BarColumns> ParquetStore::Collect(const std::string& sql, const std::string& what) {
  QueryResult r;
  RETURN_IF_ERROR(QueryTyped(conn_, sql, BarColumnTypes(), "bar", what, &r));
  BarColumns out;
  out.Reserve(duckdb_row_count(r.raw()));
  RETURN_IF_ERROR(ForEachChunk(&r, /*no_nulls=*/true, what, [&](duckdb_data_chunk chunk, idx_t n) {
    AppendBarRows(chunk, 0, n, &out);
    return Status::OK();
  }));
  return out;
}

Result<std::vector<BarColumns>> ParquetStore::ReadFiles(const std::vector<std::string>& paths) {
  std::vector<BarColumns> out(paths.size());
  if (paths.empty()) return out;
  std::unordered_set<std::string_view> named;
  std::string list;
  for (const std::string& path : paths) {
    named.insert(path);
    if (!list.empty()) list += ",";
    list += SqlQuote(path);
  }
  if (named.size() != paths.size()) return Status::Internal("ReadFiles: a file is named twice");
  // DuckDB keeps the rows of a plain scan in file order (preserve_insertion_order), and
  // the virtual column `file_index` (the file's place in the list) tells whose they are:
  // an integer, where `filename` would build a string for every row. Reading back trusts
  // neither: the caller checks each file's order, count and content hash against what it
  // meant to write.
  std::vector<duckdb_type> types = BarColumnTypes();
  types.push_back(DUCKDB_TYPE_UBIGINT);
  const std::string what = "reading back " + std::to_string(paths.size()) + " bar files";
  QueryResult r;
  RETURN_IF_ERROR(QueryTyped(conn_,
                             std::string("SELECT ") + kSelectColumns + ", file_index FROM read_parquet([" + list +
                                 "], hive_partitioning=false)",
                             types, "bar", what, &r));
  RETURN_IF_ERROR(ForEachChunk(&r, /*no_nulls=*/true, what, [&](duckdb_data_chunk chunk, idx_t n) {
    auto* files = static_cast<const uint64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 8)));
    // Runs of rows from one file are appended together.
    idx_t run = 0;
    while (run < n) {
      const uint64_t file = files[run];
      idx_t end = run + 1;
      while (end < n && files[end] == file) ++end;
      if (file >= out.size()) {
        return Status::Internal(what + ": DuckDB returned rows of file #" + std::to_string(file) + " of " +
                                std::to_string(out.size()));
      }
      AppendBarRows(chunk, run, end, &out[file]);
      run = end;
    }
    return Status::OK();
  }));
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
  return CheckParquetSchema(conn_, path, kExpectedSchema, "bar");
}

}  // namespace barlake::storage
