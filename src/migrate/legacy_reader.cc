// Reading legacy files: Parquet through DuckDB (read_parquet) into the CSV text the import
// parses, text files as they are (migration.h).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <mutex>

#include <sys/stat.h>

#include "core/checksum.h"
#include "core/text.h"
#include "core/time_zone.h"
#include "core/timeframe.h"
#include "ingest/format.h"
#include "ingest/parsed_bars.h"
#include "migrate/migration.h"
#include "storage/duckdb_conn.h"

namespace barlake::migrate {

namespace {

// One in-memory DuckDB for every legacy read of the process (opening one costs more than
// reading a small file). Never closed: the process ends with _exit (cli/main.cc).
Result<storage::DuckConn*> Duck() {
  static std::mutex mu;
  static storage::DuckConn* conn = nullptr;
  std::lock_guard<std::mutex> lock(mu);
  if (!conn) {
    ASSIGN_OR_RETURN(auto c, storage::DuckConn::OpenInMemory(1));
    conn = c.release();
  }
  return conn;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string ReadParquetSql(const std::string& path) {
  return "read_parquet(" + storage::SqlQuote(path) + ", hive_partitioning=false)";
}

std::string QuoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

enum class TimeKind { kZoned, kNaive, kDate, kEpoch, kText };

struct ParquetColumns {
  std::string time, open, high, low, close, volume;
  TimeKind kind = TimeKind::kNaive;
};

/// The time and OHLCV columns of a legacy Parquet file, by their usual names (any case):
/// the time column is `datetime`, `date`, `timestamp`, `time`, `ts` or a pandas index, else
/// the first TIMESTAMP or DATE column.
Result<ParquetColumns> FindColumns(storage::DuckConn* duck, const std::string& path) {
  auto described = duck->Query("DESCRIBE SELECT * FROM " + ReadParquetSql(path));
  if (!described.ok()) {
    return Status::InvalidInput(QuotePath(path) + ": not a Parquet file DuckDB can read: " +
                                described.status().message());
  }
  auto& r = **described;
  std::vector<std::pair<std::string, std::string>> cols;  // name, type
  for (idx_t i = 0; i < r.RowCount(); ++i) cols.emplace_back(r.Text(0, i), r.Text(1, i));
  auto find = [&](std::initializer_list<const char*> names) -> const std::pair<std::string, std::string>* {
    for (const char* n : names) {
      for (const auto& c : cols) {
        if (Lower(c.first) == n) return &c;
      }
    }
    return nullptr;
  };
  std::string listed;
  for (const auto& c : cols) listed += (listed.empty() ? "" : ", ") + c.first + " " + c.second;
  ParquetColumns out;
  const auto* time = find({"datetime", "date", "timestamp", "time", "ts", "date_time", "open_time", "index",
                           "__index_level_0__"});
  if (!time) {
    for (const auto& c : cols) {
      if (c.second.rfind("TIMESTAMP", 0) == 0 || c.second == "DATE") {
        time = &c;
        break;
      }
    }
  }
  if (!time) {
    return Status::InvalidInput(QuotePath(path) + ": no time column (looked for datetime, date, timestamp, time, "
                                "ts, a pandas index, or any TIMESTAMP/DATE column); columns: " + listed);
  }
  const std::string& type = time->second;
  if (type == "TIMESTAMP WITH TIME ZONE") {
    out.kind = TimeKind::kZoned;
  } else if (type.rfind("TIMESTAMP", 0) == 0) {
    out.kind = TimeKind::kNaive;
  } else if (type == "DATE") {
    out.kind = TimeKind::kDate;
  } else if (type == "BIGINT" || type == "INTEGER" || type == "UBIGINT" || type == "HUGEINT" || type == "DOUBLE") {
    out.kind = TimeKind::kEpoch;
  } else if (type == "VARCHAR") {
    out.kind = TimeKind::kText;
  } else {
    return Status::InvalidInput(QuotePath(path) + ": the time column '" + time->first + "' has type " + type +
                                ", not a timestamp, date, epoch number or text");
  }
  out.time = time->first;
  struct Want {
    std::string* dst;
    std::initializer_list<const char*> names;
    const char* field;
  };
  for (const Want& w : {Want{&out.open, {"open", "o"}, "open"}, Want{&out.high, {"high", "h"}, "high"},
                        Want{&out.low, {"low", "l"}, "low"}, Want{&out.close, {"close", "c"}, "close"},
                        Want{&out.volume, {"volume", "vol", "v"}, "volume"}}) {
    const auto* c = find(w.names);
    if (!c) {
      return Status::InvalidInput(QuotePath(path) + ": no '" + std::string(w.field) + "' column; columns: " + listed);
    }
    *w.dst = c->first;
  }
  return out;
}

void AppendDouble(std::string* out, double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
  out->append(buf, ec == std::errc() ? end : buf);
}

void AppendDigits(std::string* out, int64_t v, int width) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(v));
  out->append(buf);
}

/// `micros` (since the epoch, of a UTC or naive clock) as "YYYY-MM-DD[ HH:MM:SS[.ffffff]]".
void AppendStamp(std::string* out, Micros micros, bool date_only) {
  int64_t days = micros / 86400000000LL;
  int64_t rem = micros % 86400000000LL;
  if (rem < 0) {
    rem += 86400000000LL;
    --days;
  }
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  AppendDigits(out, y, 4);
  out->push_back('-');
  AppendDigits(out, m, 2);
  out->push_back('-');
  AppendDigits(out, d, 2);
  if (date_only) return;
  out->push_back(' ');
  const int64_t secs = rem / 1000000, frac = rem % 1000000;
  AppendDigits(out, secs / 3600, 2);
  out->push_back(':');
  AppendDigits(out, secs / 60 % 60, 2);
  out->push_back(':');
  AppendDigits(out, secs % 60, 2);
  if (frac) {
    out->push_back('.');
    AppendDigits(out, frac, 6);
  }
}

/// A Parquet file's rows as CSV text with a header: time,open,high,low,close,volume.
Result<std::string> ParquetAsCsv(const std::string& path, const Timeframe& tf) {
  ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());
  ASSIGN_OR_RETURN(ParquetColumns c, FindColumns(duck, path));
  std::string time_sql;
  switch (c.kind) {
    case TimeKind::kZoned: time_sql = "epoch_us(" + QuoteIdent(c.time) + ")"; break;
    case TimeKind::kNaive:
    case TimeKind::kDate: time_sql = "epoch_us(CAST(" + QuoteIdent(c.time) + " AS TIMESTAMP))"; break;
    case TimeKind::kEpoch: time_sql = "CAST(" + QuoteIdent(c.time) + " AS BIGINT)"; break;
    case TimeKind::kText: time_sql = "CAST(" + QuoteIdent(c.time) + " AS VARCHAR)"; break;
  }
  std::string sql = "SELECT " + time_sql;
  for (const auto* col : {&c.open, &c.high, &c.low, &c.close, &c.volume}) {
    sql += ", CAST(" + QuoteIdent(*col) + " AS DOUBLE)";
  }
  sql += " FROM " + ReadParquetSql(path);
  auto queried = duck->Query(sql);
  if (!queried.ok()) return Status::InvalidInput(QuotePath(path) + ": " + queried.status().message());
  std::string out = "time,open,high,low,close,volume\n";
  const bool daily = tf.is_daily_or_longer();
  Status read = storage::ForEachChunk(
      queried->get(), /*no_nulls=*/true, QuotePath(path), [&](duckdb_data_chunk chunk, idx_t n) {
        duckdb_vector tv = duckdb_data_chunk_get_vector(chunk, 0);
        const double* cols[5];
        for (idx_t k = 0; k < 5; ++k) {
          cols[k] = static_cast<const double*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, k + 1)));
        }
        for (idx_t i = 0; i < n; ++i) {
          if (c.kind == TimeKind::kText) {
            auto* s = static_cast<duckdb_string_t*>(duckdb_vector_get_data(tv)) + i;
            out.append(duckdb_string_t_data(s), duckdb_string_t_length(*s));
          } else {
            const int64_t t = static_cast<const int64_t*>(duckdb_vector_get_data(tv))[i];
            if (c.kind == TimeKind::kEpoch) {
              out += std::to_string(t);
            } else {
              // Daily bars keep the date as written (UTC for zoned stamps); zoned intraday
              // stamps are instants (Z); naive ones are read in the plan's zone.
              AppendStamp(&out, t, daily);
              if (c.kind == TimeKind::kZoned && !daily) out += 'Z';
            }
          }
          for (int k = 0; k < 5; ++k) {
            out.push_back(',');
            AppendDouble(&out, cols[k][i]);
          }
          out.push_back('\n');
        }
        return Status::OK();
      });
  if (!read.ok()) return Status::InvalidInput("legacy file " + read.message());
  return out;
}

}  // namespace

Result<int64_t> ParquetRowCount(const std::string& path) {
  ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());
  auto r = duck->Query("SELECT count(*) FROM " + ReadParquetSql(path));
  if (!r.ok()) return Status::InvalidInput(QuotePath(path) + ": not a Parquet file DuckDB can read: " + r.status().message());
  return (*r)->Int(0, 0);
}

Result<lake::Source> LegacySource(const std::string& source_dir, const LegacyFile& file, const std::string& timeframe,
                                  const std::string& provenance) {
  const std::string path = JoinPath(source_dir, file.path);
  if (file.format != "parquet") {
    lake::Source s = lake::Source::FromPath(path);
    s.format = file.format;
    s.provenance = provenance;
    return s;
  }
  ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(timeframe));
  ASSIGN_OR_RETURN(std::string csv, ParquetAsCsv(path, tf));
  // The legacy file's modification time, so a last bar is judged as the file was written.
  Micros modified = 0;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    modified = static_cast<Micros>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
  }
  lake::Source s = lake::Source::FromBytes(file.path, std::move(csv), modified, provenance);
  s.format = "csv";
  return s;
}

Result<BarColumns> ReadLegacyRows(const Plan& plan, const PlannedDataset& dataset) {
  ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(dataset.timeframe));
  ASSIGN_OR_RETURN(TimeZone tz, TimeZone::Locate(plan.tz.empty() ? "UTC" : plan.tz));
  BarColumns all;
  for (const auto& f : dataset.files) {
    ASSIGN_OR_RETURN(lake::Source src, LegacySource(plan.source_dir, f, dataset.timeframe, ""));
    ASSIGN_OR_RETURN(auto opened, lake::OpenSource(src));
    ASSIGN_OR_RETURN(const ingest::BarFormat* format, ingest::FindFormat(src.format));
    ingest::ParseOptions popt{tf, &tz, JoinPath(plan.source_dir, f.path)};
    popt.keep_unparsed = true;
    ASSIGN_OR_RETURN(ingest::ParsedBars p, format->Parse(opened->data(), popt));
    for (size_t i = 0; i < p.bars.size(); ++i) all.AppendPrices(p.bars, i);
  }
  std::vector<size_t> order(all.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return all.ts[x] < all.ts[y]; });
  // Identical rows repeated (the same bar in two files) are stored once.
  BarColumns out;
  out.Reserve(all.size());
  for (size_t i : order) {
    if (!out.empty() && out.ts.back() == all.ts[i] && BarColumns::SameValues(out, out.size() - 1, all, i)) continue;
    out.AppendPrices(all, i);
  }
  return out;
}

std::string CanonicalHash(const BarColumns& bars) {
  Sha256 h;
  for (size_t i = 0; i < bars.size(); ++i) {
    uint64_t row[6] = {static_cast<uint64_t>(bars.ts[i]), HashBits(bars.open[i]), HashBits(bars.high[i]),
                       HashBits(bars.low[i]),          HashBits(bars.close[i]), HashBits(bars.volume[i])};
    h.Update(row, sizeof row);
  }
  return h.HexDigest();
}

}  // namespace barlake::migrate
