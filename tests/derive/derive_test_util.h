// Helpers of the derive tests: CME-like sessions built by hand (the tests do not depend
// on calendar/), deterministic synthetic 1m bars, and DuckDB tables for SQL references.
#pragma once

#include <duckdb.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include "calendar/session.h"
#include "core/bars.h"
#include "core/time_zone.h"
#include "ingest/format.h"
#include "storage/duckdb_conn.h"
#include "testutil/status_matchers.h"

namespace barlake::derive::testing {

constexpr Micros kMinute = 60 * kMicrosPerSecond;
constexpr Micros kHour = 60 * kMinute;

inline int64_t Day(int y, unsigned m, unsigned d) { return DaysFromCivil(y, m, d); }
/// 0 = Sunday .. 6 = Saturday (1970-01-01 was a Thursday).
inline int Weekday(int64_t day) { return static_cast<int>(((day % 7) + 11) % 7); }

/// UTC instant of a New York wall-clock time (minutes after local midnight of `day`).
inline Micros NewYork(int64_t day, int minutes) {
  static TimeZone tz = TimeZone::Locate("America/New_York").value();
  TimeZone::LocalKind kind;
  return tz.LocalToUtc(day * kMicrosPerDay + minutes * kMinute, std::numeric_limits<Micros>::min(), &kind);
}
/// Minutes after local midnight in New York of a UTC instant.
inline int NewYorkMinuteOfDay(Micros utc) {
  static TimeZone tz = TimeZone::Locate("America/New_York").value();
  const Micros local = utc + tz.OffsetAt(utc) * kMicrosPerSecond;
  return static_cast<int>(((local % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay / kMinute);
}

/// CME-Globex-like sessions for the evenings of days [first, last]: Sunday to Thursday
/// 18:00 New York to the next day 17:00, trade date = the next day. `early_close` maps a
/// trade date to its close (New York minutes of that day), e.g. a holiday halt at 13:00.
inline calendar::SessionList CmeSessions(int64_t first, int64_t last, const std::map<int64_t, int>& early_close = {}) {
  calendar::SessionList out;
  for (int64_t d = first; d <= last; ++d) {
    if (Weekday(d) == 5 || Weekday(d) == 6) continue;  // no session opens Friday or Saturday
    calendar::Session s;
    s.open = NewYork(d, 18 * 60);
    s.trade_date = static_cast<int32_t>(d + 1);
    auto it = early_close.find(d + 1);
    s.close = NewYork(d + 1, it == early_close.end() ? 17 * 60 : it->second);
    s.early_close = it != early_close.end();
    out.push_back(s);
  }
  return out;
}

/// Deterministic 1m bars inside the sessions: every minute except a pseudo-random ~4%,
/// a 2-hour hole in every 5th session, plus stray bars between sessions (7 and 31
/// minutes after each close, and 20 hours after a Friday close) when they fit in the gap.
inline BarColumns SyntheticBars(const calendar::SessionList& sessions, uint64_t seed = 7) {
  BarColumns b;
  uint64_t state = seed * 2654435761u + 1;
  auto rnd = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53);
  };
  double price = 4000;
  auto add = [&](Micros t) {
    const double o = price;
    price = std::max(1.0, price + std::round((rnd() - 0.5) * 8) * 0.25);
    const double c = price;
    b.ts.push_back(t);
    b.open.push_back(o);
    b.high.push_back(std::max(o, c) + std::round(rnd() * 3) * 0.25);
    b.low.push_back(std::min(o, c) - std::round(rnd() * 3) * 0.25);
    b.close.push_back(c);
    b.volume.push_back(std::floor(rnd() * 500) + 1);
    b.job.push_back(1);
  };
  for (size_t i = 0; i < sessions.size(); ++i) {
    const auto& s = sessions[i];
    const Micros hole = s.open + 5 * kHour + 13 * kMinute;
    for (Micros t = s.open; t < s.close; t += kMinute) {
      if (i % 5 == 0 && t >= hole && t < hole + 2 * kHour) continue;
      if (rnd() < 0.04) continue;
      add(t);
    }
    const Micros next_open = i + 1 < sessions.size() ? sessions[i + 1].open : s.close + 2 * kMicrosPerDay;
    for (Micros gap : {7 * kMinute, 31 * kMinute, 20 * kHour}) {
      if (s.close + gap < next_open) add(s.close + gap);
    }
  }
  return b;
}

/// Parse one of the real NinjaTrader exports of ../shared/realdata with ingest's
/// "ninjatrader" format. SOURCES.md: those files are stamped in UTC (worked out from the
/// CME break), at the bar's close; the parser moves stamps to the bar open.
inline Result<BarColumns> ParseRealNinjaTrader(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  ASSIGN_OR_RETURN(const ingest::BarFormat* format, ingest::FindFormat("ninjatrader"));
  ASSIGN_OR_RETURN(TimeZone utc, TimeZone::Locate("UTC"));
  ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse("1m"));
  ingest::ParseOptions o{tf};
  o.source_tz = &utc;
  o.file_label = path;
  ASSIGN_OR_RETURN(ingest::ParsedBars parsed, format->Parse(ss.str(), o));
  return std::move(parsed.bars);
}

/// One bucket of a reference result.
struct RefBar {
  Micros ts;
  double open, high, low, close, volume;
  int flags;
};

/// A DuckDB database holding `bars` and `sessions` tables (ts/open/close as BIGINT micros).
class SqlReference {
 public:
  void SetUp(const BarColumns& bars, const calendar::SessionList& sessions) {
    duck_ = storage::DuckConn::OpenInMemory(1).value();
    ASSERT_OK(duck_->Execute(
        "CREATE TABLE bars(ts BIGINT, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE);"
        "CREATE TABLE sessions(open BIGINT, close BIGINT, trade_date INTEGER, early BOOLEAN, late BOOLEAN)"));
    duckdb_appender app;
    ASSERT_NE(duckdb_appender_create(duck_->raw(), nullptr, "bars", &app), DuckDBError);
    for (size_t i = 0; i < bars.size(); ++i) {
      duckdb_append_int64(app, bars.ts[i]);
      duckdb_append_double(app, bars.open[i]);
      duckdb_append_double(app, bars.high[i]);
      duckdb_append_double(app, bars.low[i]);
      duckdb_append_double(app, bars.close[i]);
      duckdb_append_double(app, bars.volume[i]);
      duckdb_appender_end_row(app);
    }
    ASSERT_NE(duckdb_appender_destroy(&app), DuckDBError);
    ASSERT_NE(duckdb_appender_create(duck_->raw(), nullptr, "sessions", &app), DuckDBError);
    for (const auto& s : sessions) {
      duckdb_append_int64(app, s.open);
      duckdb_append_int64(app, s.close);
      duckdb_append_int32(app, s.trade_date);
      duckdb_append_bool(app, s.early_close);
      duckdb_append_bool(app, s.late_open);
      duckdb_appender_end_row(app);
    }
    ASSERT_NE(duckdb_appender_destroy(&app), DuckDBError);
  }

  storage::DuckConn* duck() { return duck_.get(); }

  /// Resampled bars computed in SQL from the definitions in docs/derived.md: in-session
  /// bars bucket on session.open + k*T cut at the close; the others on the UTC-day grid
  /// clipped to the gap between the sessions around them. `epoch_grid`: no calendar.
  std::vector<RefBar> Resample(int64_t target_seconds, bool epoch_grid = false) {
    const std::string T = std::to_string(target_seconds * kMicrosPerSecond);
    const std::string D = std::to_string(kMicrosPerDay);
    std::string sql;
    if (epoch_grid) {
      sql = "SELECT ts // " + T + " * " + T + " AS bstart, arg_min(open, ts), max(high), min(low), "
            "arg_max(close, ts), sum(volume), 0 FROM bars GROUP BY bstart ORDER BY bstart";
    } else {
      sql =
          "WITH j AS ("
          "  SELECT b.*, s.open AS s_open, s.close AS s_close, s.early AS s_early, s.late AS s_late"
          "  FROM bars b LEFT JOIN sessions s ON b.ts >= s.open AND b.ts < s.close),"
          " g AS ("
          "  SELECT j.*, ts // " + D + " * " + D + " AS day,"
          "    (SELECT max(x.close) FROM sessions x WHERE x.close <= j.ts) AS prev_close,"
          "    (SELECT min(x.open) FROM sessions x WHERE x.open > j.ts) AS next_open"
          "  FROM j),"
          " c AS ("
          "  SELECT g.*, day + (ts - day) // " + T + " * " + T + " AS cell FROM g),"
          " k AS ("
          "  SELECT c.*,"
          "    CASE WHEN s_open IS NOT NULL THEN s_open + (ts - s_open) // " + T + " * " + T +
          "         ELSE greatest(cell, coalesce(prev_close, cell)) END AS bstart,"
          "    CASE WHEN s_open IS NOT NULL THEN least(s_open + (ts - s_open) // " + T + " * " + T + " + " + T +
          ", s_close)"
          "         ELSE least(cell + " + T + ", day + " + D + ", coalesce(next_open, cell + " + T + ")) END AS bend"
          "  FROM c)"
          " SELECT bstart, arg_min(open, ts), max(high), min(low), arg_max(close, ts), sum(volume),"
          "   (CASE WHEN max(bend) - bstart < " + T + " THEN 1 ELSE 0 END)"
          " + (CASE WHEN bool_or(s_early) AND max(bend) = max(s_close) THEN 2 ELSE 0 END)"
          " + (CASE WHEN bool_or(s_open IS NULL) THEN 4 ELSE 0 END)"
          " + (CASE WHEN bool_or(s_late) AND bstart = max(s_open) THEN 8 ELSE 0 END)"
          " FROM k GROUP BY bstart ORDER BY bstart";
    }
    std::vector<RefBar> out;
    auto r = duck_->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return out;
    duckdb_result* res = (*r)->raw();
    for (idx_t i = 0; i < (*r)->RowCount(); ++i) {
      out.push_back({duckdb_value_int64(res, 0, i), duckdb_value_double(res, 1, i), duckdb_value_double(res, 2, i),
                     duckdb_value_double(res, 3, i), duckdb_value_double(res, 4, i), duckdb_value_double(res, 5, i),
                     static_cast<int>(duckdb_value_int64(res, 6, i))});
    }
    return out;
  }

 private:
  std::unique_ptr<storage::DuckConn> duck_;
};

}  // namespace barlake::derive::testing
