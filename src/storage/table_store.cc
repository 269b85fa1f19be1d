#include "storage/table_store.h"

#include <cmath>
#include <cstring>

#include "core/checksum.h"

namespace barlake::storage {
namespace {

duckdb_type DuckType(TableColumnType t) {
  switch (t) {
    case TableColumnType::kDate: return DUCKDB_TYPE_DATE;
    case TableColumnType::kTimestamp: return DUCKDB_TYPE_TIMESTAMP_TZ;
    case TableColumnType::kDouble: return DUCKDB_TYPE_DOUBLE;
    case TableColumnType::kBigint: return DUCKDB_TYPE_BIGINT;
    case TableColumnType::kBoolean: return DUCKDB_TYPE_BOOLEAN;
  }
  return DUCKDB_TYPE_INVALID;
}

}  // namespace

std::string SqlTypeName(TableColumnType t) {
  switch (t) {
    case TableColumnType::kDate: return "DATE";
    case TableColumnType::kTimestamp: return "TIMESTAMP WITH TIME ZONE";
    case TableColumnType::kDouble: return "DOUBLE";
    case TableColumnType::kBigint: return "BIGINT";
    case TableColumnType::kBoolean: return "BOOLEAN";
  }
  return "?";
}

namespace {

std::string Ident(const std::string& name) { return "\"" + name + "\""; }

}  // namespace

std::string TableSchema::DescribeText() const {
  std::string s;
  for (const auto& c : columns) s += c.name + ":" + SqlTypeName(c.type) + ",";
  return s + "job:BIGINT";
}

std::string TableSchema::SelectList() const {
  std::string s;
  for (const auto& c : columns) s += Ident(c.name) + ", ";
  return s + "job";
}

int TableSchema::ColumnIndex(const std::string& column) const {
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].name == column) return static_cast<int>(c);
  }
  return -1;
}

TableRows::TableRows(const TableSchema* s) : schema(s), ints(s->columns.size()), doubles(s->columns.size()) {}

void TableRows::AddRow() {
  for (size_t c = 0; c < schema->columns.size(); ++c) {
    if (schema->columns[c].type == TableColumnType::kDouble) doubles[c].push_back(0);
    else ints[c].push_back(0);
  }
  job.push_back(0);
}

void TableRows::Append(const TableRows& src, size_t i) {
  for (size_t c = 0; c < schema->columns.size(); ++c) {
    if (schema->columns[c].type == TableColumnType::kDouble) doubles[c].push_back(src.doubles[c][i]);
    else ints[c].push_back(src.ints[c][i]);
  }
  job.push_back(src.job[i]);
}

bool TableRows::SameValues(const TableRows& a, size_t i, const TableRows& b, size_t j) {
  for (size_t c = 0; c < a.schema->columns.size(); ++c) {
    if (a.schema->columns[c].type == TableColumnType::kDouble) {
      const double x = a.doubles[c][i], y = b.doubles[c][j];
      if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
    } else if (a.ints[c][i] != b.ints[c][j]) {
      return false;
    }
  }
  return true;
}

bool TableRows::SameRows(const TableRows& a, const TableRows& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SameValues(a, i, b, i)) return false;
  }
  return true;
}

std::string TableContentHash(const TableRows& rows) {
  uint64_t h = 0x1f83d9abfb41bd6bULL ^ rows.size();
  const size_t columns = rows.schema ? rows.schema->columns.size() : 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    uint64_t r = 0;
    for (size_t c = 0; c < columns; ++c) {
      if (rows.schema->columns[c].type == TableColumnType::kDouble) {
        const double d = rows.doubles[c][i];
        r = HashMix(r ^ (std::isnan(d) ? 0x7ff8dead00000000ULL : HashBits(d)));  // every NULL alike
      } else {
        r = HashMix(r ^ static_cast<uint64_t>(rows.ints[c][i]));
      }
    }
    r = HashMix(r ^ static_cast<uint64_t>(rows.job[i]));
    h = HashMix(h * 31 + r);
  }
  return HashHex(h);
}

Status TableStore::Write(const TableRows& rows, const std::string& path) {
  const TableSchema& schema = *rows.schema;
  std::vector<ParquetColumn> columns;
  for (const auto& c : schema.columns) columns.push_back({c.name, DuckType(c.type)});
  columns.push_back({"job", DUCKDB_TYPE_BIGINT});
  // Rows come in key order. NaN doubles and kNullInt cells are written as NULL.
  return WriteParquetInOrder(
      conn_, columns, rows.size(),
      [&](duckdb_data_chunk chunk, size_t off, size_t n) {
        for (size_t c = 0; c < schema.columns.size(); ++c) {
          duckdb_vector vec = duckdb_data_chunk_get_vector(chunk, c);
          void* data = duckdb_vector_get_data(vec);
          auto set_null = [&](size_t i) {
            duckdb_vector_ensure_validity_writable(vec);
            duckdb_validity_set_row_invalid(duckdb_vector_get_validity(vec), i);
          };
          const TableColumnType type = schema.columns[c].type;
          for (size_t i = 0; i < n; ++i) {
            if (type == TableColumnType::kDouble) {
              const double v = rows.doubles[c][off + i];
              if (std::isnan(v)) set_null(i);
              static_cast<double*>(data)[i] = std::isnan(v) ? 0 : v;
              continue;
            }
            const int64_t v = rows.ints[c][off + i];
            if (v == kNullInt) set_null(i);
            const int64_t stored = v == kNullInt ? 0 : v;
            switch (type) {
              case TableColumnType::kDate: static_cast<int32_t*>(data)[i] = static_cast<int32_t>(stored); break;
              case TableColumnType::kBoolean: static_cast<bool*>(data)[i] = stored != 0; break;
              default: static_cast<int64_t*>(data)[i] = stored; break;
            }
          }
        }
        std::memcpy(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, schema.columns.size())),
                    rows.job.data() + off, n * sizeof(int64_t));
      },
      path);
}

Result<TableRows> TableStore::ReadFile(const TableSchema& schema, const std::string& path) {
  const std::string what = "reading '" + path + "'";
  QueryResult r;
  const std::string sql =
      "SELECT " + schema.SelectList() + " FROM read_parquet(" + SqlQuote(path) + ", hive_partitioning=false)";
  const size_t ncols = schema.columns.size() + 1;
  std::vector<duckdb_type> types;
  for (const auto& c : schema.columns) types.push_back(DuckType(c.type));
  types.push_back(DUCKDB_TYPE_BIGINT);  // job
  RETURN_IF_ERROR(QueryTyped(conn_, sql, types, schema.name, what, &r));
  TableRows out(&schema);
  // Values may be NULL (stored as kNullInt / NaN); the key and the job may not.
  const Status walked = ForEachChunk(&r, /*no_nulls=*/false, what, [&](duckdb_data_chunk chunk, idx_t n) {
    for (idx_t c = 0; c < ncols; ++c) {
      duckdb_vector vec = duckdb_data_chunk_get_vector(chunk, c);
      const void* data = duckdb_vector_get_data(vec);
      uint64_t* validity = duckdb_vector_get_validity(vec);
      auto is_null = [&](idx_t i) { return validity && !duckdb_validity_row_is_valid(validity, i); };
      if (c + 1 == ncols || schema.columns[c].type == TableColumnType::kBigint ||
          schema.columns[c].type == TableColumnType::kTimestamp) {
        std::vector<int64_t>& dst = c + 1 == ncols ? out.job : out.ints[c];
        for (idx_t i = 0; i < n; ++i) dst.push_back(is_null(i) ? kNullInt : static_cast<const int64_t*>(data)[i]);
        if (c + 1 == ncols && validity) {
          for (idx_t i = 0; i < n; ++i) {
            if (is_null(i)) return Status::Corruption(what + ": a NULL job");
          }
        }
        continue;
      }
      switch (schema.columns[c].type) {
        case TableColumnType::kDouble:
          for (idx_t i = 0; i < n; ++i) out.doubles[c].push_back(is_null(i) ? NAN : static_cast<const double*>(data)[i]);
          break;
        case TableColumnType::kDate:
          for (idx_t i = 0; i < n; ++i) out.ints[c].push_back(is_null(i) ? kNullInt : static_cast<const int32_t*>(data)[i]);
          break;
        case TableColumnType::kBoolean:
          for (idx_t i = 0; i < n; ++i) out.ints[c].push_back(is_null(i) ? kNullInt : (static_cast<const bool*>(data)[i] ? 1 : 0));
          break;
        default: break;
      }
    }
    return Status::OK();
  });
  if (!walked.ok()) return walked;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out.Key(i) == kNullInt) return Status::Corruption(what + ": a NULL " + schema.columns[0].name);
  }
  return out;
}

Status TableStore::CheckSchema(const TableSchema& schema, const std::string& path) {
  return CheckParquetSchema(conn_, path, schema.DescribeText(), schema.name);
}

}  // namespace barlake::storage
