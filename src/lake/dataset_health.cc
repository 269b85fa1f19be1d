#include "lake/dataset_health.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <thread>

#include "calendar/calendar.h"
#include "core/timeframe.h"
#include "lake/derived_tables.h"
#include "lake/derived.h"
#include "storage/duckdb_conn.h"

namespace barlake::lake {

namespace {

std::string FileList(Lake* lake, const std::vector<journal::PartitionEntry>& parts) {
  std::string list;
  for (const auto& p : parts) {
    if (!list.empty()) list += ",";
    list += storage::SqlQuote(lake->paths().LakeFile(p.rel_path));
  }
  return list;
}

Result<std::vector<journal::PartitionEntry>> DatasetPartitions(Lake* lake, const std::string& symbol,
                                                               const std::string& timeframe, Micros from,
                                                               Micros to) {
  return lake->PartitionsInRange(symbol, timeframe, from, to);
}

}  // namespace

namespace {

/// The ts column of `files` (in order) into `out`, on connection `conn`.
Status ReadTsColumn(storage::DuckConn* conn, const std::string& file_list, const std::string& where,
                    const std::string& what, std::vector<Micros>* out) {
  // Partitions are disjoint month (or year) files written in ts order and listed by
  // min_ts, so with one thread per connection and insertion order kept the rows arrive
  // sorted: no ORDER BY (a sort of millions of rows); the caller checks.
  const std::string sql = "SELECT ts FROM read_parquet([" + file_list + "], hive_partitioning=false)" + where;
  storage::QueryResult r;
  if (duckdb_query(conn->raw(), sql.c_str(), r.raw()) == DuckDBError) {
    return storage::StatusFromDuckResult(r.raw(), "reading the bar times of " + what);
  }
  if (duckdb_column_count(r.raw()) != 1 || duckdb_column_type(r.raw(), 0) != DUCKDB_TYPE_TIMESTAMP_TZ) {
    return Status::Corruption("the ts column of " + what + " is not a TIMESTAMP WITH TIME ZONE; run `barlake verify`");
  }
  for (;;) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(*r.raw());
    if (!chunk) break;
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    duckdb_vector v = duckdb_data_chunk_get_vector(chunk, 0);
    const auto* data = static_cast<const int64_t*>(duckdb_vector_get_data(v));
    uint64_t* validity = duckdb_vector_get_validity(v);
    if (!validity) {
      out->insert(out->end(), data, data + n);
    } else {
      for (idx_t i = 0; i < n; ++i) {
        if (duckdb_validity_row_is_valid(validity, i)) out->push_back(data[i]);  // verify reports NULLs
      }
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<Micros>> ReadBarTimes(Lake* lake, const std::string& symbol, const std::string& timeframe,
                                         Micros from, Micros to, int64_t split_rows) {
  ASSIGN_OR_RETURN(auto parts, DatasetPartitions(lake, symbol, timeframe, from, to));
  std::vector<Micros> ts;
  if (parts.empty()) return ts;
  int64_t rows = 0;
  for (const auto& p : parts) rows += p.rows;
  ASSIGN_OR_RETURN(storage::DuckConn * conn, LakeModuleAccess::Duck(lake));
  std::string where;
  const bool ranged = from > kOpenRangeStart || to < kOpenRangeEnd;
  if (ranged) {
    where = " WHERE ts >= " + storage::SqlQuote(FormatIsoUtc(from)) + "::TIMESTAMPTZ AND ts < " +
            storage::SqlQuote(FormatIsoUtc(to)) + "::TIMESTAMPTZ";
  }
  const std::string what = symbol + " " + timeframe;
  // A long dataset is read in two halves on two connections at once (the lake's DuckDB
  // runs one thread per connection); the halves are contiguous in time, so appending the
  // second to the first keeps the order.
  const size_t split = rows >= split_rows && parts.size() >= 4 ? parts.size() / 2 : parts.size();
  std::vector<journal::PartitionEntry> first(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(split));
  std::vector<journal::PartitionEntry> second(parts.begin() + static_cast<std::ptrdiff_t>(split), parts.end());
  std::vector<Micros> tail;
  Status tail_status;
  std::thread worker;
  if (!second.empty()) {
    ASSIGN_OR_RETURN(std::unique_ptr<storage::DuckConn> conn2, conn->Connect());
    worker = std::thread([&, c = std::move(conn2)] {
      tail_status = ReadTsColumn(c.get(), FileList(lake, second), where, what, &tail);
    });
  }
  ts.reserve(static_cast<size_t>(rows));
  Status head_status = ReadTsColumn(conn, FileList(lake, first), where, what, &ts);
  if (worker.joinable()) worker.join();
  RETURN_IF_ERROR(head_status);
  RETURN_IF_ERROR(tail_status);
  ts.insert(ts.end(), tail.begin(), tail.end());
  if (!std::is_sorted(ts.begin(), ts.end())) std::sort(ts.begin(), ts.end());
  return ts;
}

Result<std::vector<std::string>> SchemaDrift(Lake* lake, const std::string& symbol, const std::string& timeframe) {
  ASSIGN_OR_RETURN(auto parts, DatasetPartitions(lake, symbol, timeframe, kOpenRangeStart,
                                                 kOpenRangeEnd));
  std::vector<std::string> drift;
  if (parts.size() < 2) return drift;
  ASSIGN_OR_RETURN(storage::DuckConn * conn, LakeModuleAccess::Duck(lake));
  // One query over every footer; the rows of one file come in schema order.
  ASSIGN_OR_RETURN(auto r, conn->Query("SELECT file_name, name, type, coalesce(CAST(logical_type AS VARCHAR), "
                                       "converted_type, '') FROM parquet_schema([" +
                                       FileList(lake, parts) + "]) WHERE name <> 'duckdb_schema'"));
  std::map<std::string, std::string> schema_of;  // absolute path -> "name:type(logical),..."
  for (idx_t i = 0; i < r->RowCount(); ++i) {
    std::string& s = schema_of[r->Text(0, i)];
    if (!s.empty()) s += ",";
    s += r->Text(1, i) + ":" + r->Text(2, i);
    const std::string logical = r->Text(3, i);
    if (!logical.empty()) s += "(" + logical + ")";
  }
  std::map<std::string, int> count;
  for (const auto& [path, s] : schema_of) ++count[s];
  const std::string common =
      std::max_element(count.begin(), count.end(), [](const auto& a, const auto& b) { return a.second < b.second; })
          ->first;
  for (const auto& p : parts) {
    auto it = schema_of.find(lake->paths().LakeFile(p.rel_path));
    if (it == schema_of.end()) continue;
    if (it->second != common) drift.push_back(p.rel_path + ": [" + it->second + "], most partitions: [" + common + "]");
  }
  return drift;
}

Result<std::vector<DatasetHealth>> CheckHealth(Lake* lake, const HealthRequest& request) {
  ASSIGN_OR_RETURN(auto datasets, lake->Datasets());
  const Micros now = request.now ? request.now : lake->env()->NowMicros();
  // Derived datasets whose inputs changed since they were built (journal only).
  ASSIGN_OR_RETURN(std::vector<DerivedState> derived, lake->DerivedStates());
  std::vector<DatasetHealth> out;
  for (const auto& d : datasets) {
    if (!request.symbol.empty() && d.symbol != request.symbol) continue;
    if (!request.timeframe.empty() && d.timeframe != request.timeframe) continue;
    // Health is about bars against their sessions; snapshots and derived tables have
    // neither bar times nor a bar length.
    if (DatasetKindOf(d.timeframe) != "bars") {
      if (!request.timeframe.empty()) {
        return Status::InvalidArgument(d.symbol + " " + d.timeframe + " is a " + DatasetKindOf(d.timeframe) +
                                       " dataset; health checks bar datasets (`barlake verify` checks every file)");
      }
      continue;
    }
    DatasetHealth h;
    h.symbol = d.symbol;
    h.timeframe = d.timeframe;
    ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(d.timeframe));
    std::optional<SessionSource> source;
    if (request.calendar) {
      ASSIGN_OR_RETURN(source, request.calendar(d.symbol, d.timeframe));
    }
    if (source && tf.seconds() > 86400) {
      h.report.notes.push_back(std::string(tf.is_monthly() ? "monthly" : "weekly") +
                               " bars are not checked against the calendar");
      source.reset();
    }
    if (source) {
      h.calendar = source->name;
      h.zone = source->zone;
      ASSIGN_OR_RETURN(std::vector<Micros> ts,
                       ReadBarTimes(lake, d.symbol, d.timeframe, kOpenRangeStart,
                                    kOpenRangeEnd));
      // Sessions from a day before the first bar (a session that opened the evening
      // before) to the clock, for staleness.
      const Micros from = (ts.empty() ? d.first_ts : ts.front()) - 2 * kMicrosPerDay;
      const Micros to = std::max(now, d.last_ts) + kMicrosPerDay;
      ASSIGN_OR_RETURN(calendar::SessionList sessions, source->sessions(from, to));
      health::HealthOptions options = request.options;
      options.pattern_tz = source->zone;
      // A dataset with an end (a contract that expired) is judged up to its last trade
      // date's sessions, not up to the clock: it is not stale forever.
      Micros stale_now = now;
      if (const registry::DatasetSpec* spec = lake->registry().Find(d.symbol, d.timeframe);
          spec && !spec->end_date.empty()) {
        if (auto end = calendar::ParseDate(spec->end_date); end.ok()) {
          Micros last_close = 0;
          for (const auto& s : sessions) {
            if (s.trade_date <= *end) last_close = std::max(last_close, s.close);
          }
          if (last_close > 0) stale_now = std::min(now, last_close);
          h.report.notes.push_back("staleness judged up to the dataset's end_date " + spec->end_date);
        }
      }
      auto notes = std::move(h.report.notes);
      h.report = health::Analyze(ts, tf.seconds(), sessions, stale_now, options);
      h.report.notes.insert(h.report.notes.begin(), notes.begin(), notes.end());
    } else {
      h.report.calendar_checked = false;
      h.report.rows = d.rows;
      h.report.first_ts = d.first_ts;
      h.report.last_ts = d.last_ts;
      h.report.bar_seconds = tf.seconds();
      h.report.notes.push_back(
          "no calendar: coverage, gaps, stray bars, suspicious weeks and staleness need the dataset's "
          "session calendar (set `calendar` for it in barlake.toml)");
    }
    if (request.check_schema) {
      ASSIGN_OR_RETURN(h.report.schema_drift, SchemaDrift(lake, d.symbol, d.timeframe));
    }
    for (const DerivedState& s : derived) {
      if (s.stale && s.symbol == d.symbol && s.timeframe == d.timeframe) {
        h.report.stale_derived.push_back(s.symbol + " " + s.timeframe + " is stale (" + s.why +
                                         "); run `barlake regenerate " + s.symbol + " " + s.timeframe + "`");
      }
    }
    health::Score(&h.report);
    out.push_back(std::move(h));
  }
  if (out.empty() && !request.symbol.empty()) {
    return Status::NotFound("there is no dataset " + request.symbol +
                            (request.timeframe.empty() ? "" : " " + request.timeframe) +
                            "; `barlake status` lists the datasets");
  }
  return out;
}

/// The session calendar of a dataset, by its registry `calendar` name (the built-in
/// calendars plus the vault's [[calendar]] tables). A dataset without one is `unchecked`.
CalendarLookup RegistryCalendars(Lake* lk) {
  return [lk](const std::string& symbol, const std::string& timeframe) -> Result<std::optional<SessionSource>> {
    const registry::DatasetSpec* spec = lk->registry().Find(symbol, timeframe);
    if (!spec || spec->calendar.empty()) return std::optional<SessionSource>{};
    const calendar::Calendar* cal = lk->registry().calendars().Find(spec->calendar);
    if (!cal) {
      return Status::InvalidInput("dataset " + symbol + " " + timeframe + " names calendar '" + spec->calendar +
                                  "', which barlake.toml does not define; known: " +
                                  lk->registry().calendars().NamesText());
    }
    SessionSource source;
    source.name = cal->name;
    source.zone = cal->zone;
    source.sessions = [cal](Micros from, Micros to) { return cal->SessionsBetween(from, to); };
    return std::optional<SessionSource>(std::move(source));
  };
}

nlohmann::json GapJson(const health::Gap& g) {
  return nlohmann::json{{"start", FormatIsoUtc(g.start)},
          {"end", FormatIsoUtc(g.end)},
          {"missing_bars", g.missing_bars},
          {"session_seconds", g.session_seconds}};
}

/// Gaps to show: all when few, else the longest (in time order).
std::vector<health::Gap> LongestGaps(std::vector<health::Gap> gaps, size_t n) {
  if (gaps.size() <= n) return gaps;
  std::stable_sort(gaps.begin(), gaps.end(),
                   [](const auto& a, const auto& b) { return a.missing_bars > b.missing_bars; });
  gaps.resize(n);
  std::sort(gaps.begin(), gaps.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
  return gaps;
}

nlohmann::json HealthJson(const DatasetHealth& h, size_t max_gaps) {
  const health::HealthReport& r = h.report;
  nlohmann::json j = {{"symbol", h.symbol},
            {"timeframe", h.timeframe},
            {"calendar", h.calendar.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.calendar)},
            {"rows", r.rows},
            {"score", r.score},
            {"status", health::StatusName(r.status)},
            {"schema_drift", r.schema_drift},
            {"stale_derived", r.stale_derived},
            {"notes", r.notes}};
  if (r.rows > 0) {
    j["first_bar"] = FormatIsoUtc(r.first_ts);
    j["last_bar"] = FormatIsoUtc(r.last_ts);
  }
  if (!r.calendar_checked) return j;
  j["zone"] = h.zone;
  j["expected_bars"] = r.expected;
  j["present_bars"] = r.present;
  j["coverage_pct"] = r.coverage_pct;
  nlohmann::json months = nlohmann::json::array();
  for (const auto& m : r.by_month) {
    months.push_back({{"year", m.year}, {"month", m.month}, {"expected", m.expected}, {"present", m.present}});
  }
  j["coverage_by_month"] = months;
  j["gap_count"] = r.gaps.size();
  j["gap_missing_bars"] = r.gap_missing_bars;
  nlohmann::json gaps = nlohmann::json::array();
  for (const auto& g : LongestGaps(r.gaps, max_gaps)) gaps.push_back(GapJson(g));
  j["gaps"] = gaps;  // the longest (in time order) when there are more; see gap_count
  j["stray_count"] = r.stray_count;
  nlohmann::json stray = nlohmann::json::array();
  for (Micros t : r.stray_examples) stray.push_back(FormatIsoUtc(t));
  j["stray_examples"] = stray;
  nlohmann::json weeks = nlohmann::json::array();
  for (const auto& w : r.suspicious_weeks) {
    weeks.push_back({{"week_start", FormatIsoUtc(static_cast<Micros>(w.week_start) * kMicrosPerDay).substr(0, 10)},
                     {"shift_seconds", w.shift_seconds},
                     {"shift_hours", w.shift_hours},
                     {"bars", w.bars},
                     {"description", w.description}});
  }
  j["suspicious_weeks"] = weeks;
  j["weeks_checked"] = r.weeks_checked;
  const auto& st = r.staleness;
  j["staleness"] = {{"stale", st.stale},
                    {"last_bar_end", FormatIsoUtc(st.last_bar_end)},
                    {"last_closed_session_close", st.last_closed_close ? nlohmann::json(FormatIsoUtc(st.last_closed_close)) : nlohmann::json(nullptr)},
                    {"missing_bars_at_end", st.missing_bars_at_end},
                    {"age_seconds", st.age_seconds}};
  return j;
}

}  // namespace barlake::lake
