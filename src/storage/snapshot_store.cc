#include "storage/snapshot_store.h"

#include <cstdio>
#include <cstring>

#include "core/checksum.h"

namespace barlake::storage {
namespace {

constexpr size_t kColumns = 2 + kSnapshotValueCount + 1;  // ts, strike, values, job

std::string ExpectedSchema() {
  std::string s = "ts:TIMESTAMP WITH TIME ZONE,strike:DOUBLE";
  for (const char* c : kSnapshotValueColumns) s += std::string(",") + c + ":DOUBLE";
  return s + ",job:BIGINT";
}

duckdb_type TypeOf(size_t col) {
  if (col == 0) return DUCKDB_TYPE_TIMESTAMP_TZ;
  if (col == kColumns - 1) return DUCKDB_TYPE_BIGINT;
  return DUCKDB_TYPE_DOUBLE;
}

}  // namespace

int SnapshotColumnIndex(const std::string& name) {
  for (size_t k = 0; k < kSnapshotValueCount; ++k) {
    if (name == kSnapshotValueColumns[k]) return static_cast<int>(k);
  }
  return -1;
}

std::string SnapshotSelectList() {
  std::string s = "ts, strike";
  for (const char* c : kSnapshotValueColumns) s += std::string(", ") + c;
  return s + ", job";
}

void SnapshotRows::Append(const SnapshotRows& src, size_t i) {
  ts.push_back(src.ts[i]);
  strike.push_back(src.strike[i]);
  values.push_back(src.values[i]);
  job.push_back(src.job[i]);
}

bool SnapshotRows::SameValues(const SnapshotRows& a, size_t i, const SnapshotRows& b, size_t j) {
  return a.values[i] == b.values[j];  // numeric equality: -0 == 0 (values are never NaN)
}

std::string SnapshotContentHash(const SnapshotRows& rows) {
  uint64_t h = 0x510e527fade682d1ULL ^ rows.size();
  for (size_t i = 0; i < rows.size(); ++i) {
    uint64_t r = HashMix(static_cast<uint64_t>(rows.ts[i]));
    r = HashMix(r ^ HashBits(rows.strike[i]));
    for (double v : rows.values[i]) r = HashMix(r ^ HashBits(v));
    r = HashMix(r ^ static_cast<uint64_t>(rows.job[i]));
    h = HashMix(h * 31 + r);
  }
  return HashHex(h);
}

Status SnapshotStore::Write(const SnapshotRows& rows, const std::string& path) {
  std::vector<ParquetColumn> columns = {{"ts", DUCKDB_TYPE_TIMESTAMP_TZ}, {"strike", DUCKDB_TYPE_DOUBLE}};
  for (const char* c : kSnapshotValueColumns) columns.push_back({c, DUCKDB_TYPE_DOUBLE});
  columns.push_back({"job", DUCKDB_TYPE_BIGINT});
  // Rows come in (ts, strike) order.
  return WriteParquetInOrder(
      conn_, columns, rows.size(),
      [&](duckdb_data_chunk chunk, size_t off, size_t n) {
        auto data = [&](size_t c) { return duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, c)); };
        std::memcpy(data(0), rows.ts.data() + off, n * sizeof(int64_t));
        std::memcpy(data(1), rows.strike.data() + off, n * sizeof(double));
        for (size_t k = 0; k < kSnapshotValueCount; ++k) {
          auto* out = static_cast<double*>(data(2 + k));
          for (size_t i = 0; i < n; ++i) out[i] = rows.values[off + i][k];
        }
        std::memcpy(data(kColumns - 1), rows.job.data() + off, n * sizeof(int64_t));
      },
      path);
}

Result<SnapshotRows> SnapshotStore::Collect(const std::string& sql, const std::string& what) {
  QueryResult r;
  std::vector<duckdb_type> types;
  for (size_t c = 0; c < kColumns; ++c) types.push_back(TypeOf(c));
  RETURN_IF_ERROR(QueryTyped(conn_, sql, types, "snapshot", what, &r));
  SnapshotRows out;
  const idx_t total = duckdb_row_count(r.raw());
  out.ts.reserve(total);
  out.strike.reserve(total);
  out.values.reserve(total);
  out.job.reserve(total);
  const Status walked = ForEachChunk(&r, /*no_nulls=*/true, what, [&](duckdb_data_chunk chunk, idx_t n) {
    auto col = [&](idx_t i) { return duckdb_data_chunk_get_vector(chunk, i); };
    auto* ts = static_cast<int64_t*>(duckdb_vector_get_data(col(0)));
    auto* strike = static_cast<double*>(duckdb_vector_get_data(col(1)));
    auto* job = static_cast<int64_t*>(duckdb_vector_get_data(col(kColumns - 1)));
    out.ts.insert(out.ts.end(), ts, ts + n);
    out.strike.insert(out.strike.end(), strike, strike + n);
    out.job.insert(out.job.end(), job, job + n);
    const size_t base = out.values.size();
    out.values.resize(base + n);
    for (size_t k = 0; k < kSnapshotValueCount; ++k) {
      auto* v = static_cast<double*>(duckdb_vector_get_data(col(2 + k)));
      for (idx_t i = 0; i < n; ++i) out.values[base + i][k] = v[i];
    }
    return Status::OK();
  });
  if (!walked.ok()) return walked;
  return out;
}

Result<SnapshotRows> SnapshotStore::ReadFile(const std::string& path) {
  return Collect("SELECT " + SnapshotSelectList() + " FROM read_parquet(" + SqlQuote(path) + ", hive_partitioning=false)",
                 "reading '" + path + "'");
}

Result<SnapshotRows> SnapshotStore::ReadRange(const std::vector<std::string>& paths, Micros from, Micros to) {
  if (paths.empty()) return SnapshotRows{};
  std::string list;
  for (const auto& p : paths) list += (list.empty() ? "" : ",") + SqlQuote(p);
  return Collect("SELECT " + SnapshotSelectList() + " FROM read_parquet([" + list +
                     "], hive_partitioning=false) WHERE ts >= " + SqlQuote(FormatIsoUtc(from)) +
                     "::TIMESTAMPTZ AND ts < " + SqlQuote(FormatIsoUtc(to)) + "::TIMESTAMPTZ ORDER BY ts, strike",
                 "reading snapshots");
}

Status SnapshotStore::CheckSchema(const std::string& path) {
  return CheckParquetSchema(conn_, path, ExpectedSchema(), "snapshot");
}

}  // namespace barlake::storage
