// Session statistics and level touches, computed on demand from the stored bars
// (derive/session_stats.h, derive/level_touches.h; docs/derived.md, docs/cli.md):
//   barlake stats   SYMBOL [TF=1m] [--from D] [--to D] [--tz ZONE] [--format table|csv|json]
//   barlake touches SYMBOL [TF=1m] [--from D] [--to D] [--day-start 09:30|none] [--tz ZONE] [--format ...]
//
// Sessions come from the dataset's calendar; only the bars of the chosen sessions are
// read (Lake::Read opens the overlapping partitions only). Times are bar open times shown
// in the display zone (the vault's display_tz, or --tz) with their UTC offset.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "calendar/calendar.h"
#include "cli/cli_common.h"
#include "cli/output.h"
#include "core/json_text.h"
#include "core/time_zone.h"
#include "core/timeframe.h"
#include "derive/level_touches.h"
#include "derive/session_stats.h"
#include "health/health.h"
#include "lake/derived_tables.h"
#include "lake/public_types.h"

namespace barlake::cli {
namespace {

using nlohmann::json;

constexpr int kDefaultSessions = 20;

struct StatsArgs {
  std::string symbol, timeframe = "1m", from, to, tz, format = "table", day_start = "09:30";
  bool as_json = false;
  // --save: declare and build the stored derived table instead of printing.
  bool save = false, no_auto_regenerate = false;
  std::string name, calendar;
};

// `stats --save` / `touches --save`: the table becomes a derived dataset, rebuilt with its
// input (lake/derived_tables.h).
int SaveTable(const Globals& g, const StatsArgs& a, const std::string& table) {
  if (!a.from.empty() || !a.to.empty() || !a.tz.empty()) {
    return Fail(Status::InvalidArgument("--save stores every session; --from, --to and --tz are for printing"));
  }
  barlake::TableOptions req;
  req.symbol = a.symbol;
  req.from = a.timeframe;
  req.table = table;
  req.name = a.name;
  req.calendar = a.calendar;
  if (table == lake::kLevelTouchesTable) req.day_start = a.day_start;
  req.auto_regenerate = !a.no_auto_regenerate;
  auto lk = OpenVault(g, true);
  if (!lk.ok()) return Fail(lk.status());
  auto item = (*lk)->DeclareTable(req);
  if (!item.ok()) return Fail(item.status());
  const int rc = PrintRegenerateItems({*item}, a.format == "json");
  if (a.format != "json") {
    std::printf("Stored as dataset %s %s; query it with `%s query \"SELECT * FROM %s WHERE symbol = '%s'\"`.\n",
                item->symbol.c_str(), item->timeframe.c_str(), g.program.c_str(), table.c_str(), item->symbol.c_str());
  }
  return rc;
}

// Everything both commands start from: the sessions asked for, the bars under them and
// how to show times.
struct SessionInput {
  std::unique_ptr<barlake::Lake> lake;
  std::string calendar, zone;  // the dataset's calendar and its zone
  std::optional<TimeZone> tz;
  calendar::SessionList all;  // every session over the dataset's stored span
  size_t first = 0, end = 0;  // all[first, end) are the sessions asked for
};

Result<int32_t> DateOption(const std::string& text, const char* option) {
  auto d = calendar::ParseDate(text);
  if (!d.ok()) return d.status().WithContext(option);
  return *d;
}

Result<SessionInput> LoadSessions(const Globals& g, const StatsArgs& a) {
  if (a.format != "table" && a.format != "csv" && a.format != "json") {
    return Status::InvalidArgument("--format '" + a.format + "' must be table, csv or json");
  }
  std::optional<int32_t> from_date, to_date;
  if (!a.from.empty()) {
    ASSIGN_OR_RETURN(from_date, DateOption(a.from, "--from"));
  }
  if (!a.to.empty()) {
    ASSIGN_OR_RETURN(to_date, DateOption(a.to, "--to"));
  }
  if (from_date && to_date && *to_date < *from_date) {
    return Status::InvalidArgument("--to " + a.to + " is before --from " + a.from);
  }
  SessionInput in;
  ASSIGN_OR_RETURN(in.lake, OpenVault(g, false));
  ASSIGN_OR_RETURN(TimeZone tz, TimeZone::Locate(a.tz.empty() ? in.lake->Settings().display_tz : a.tz));
  in.tz = tz;
  const std::string name = a.symbol + " " + a.timeframe;
  ASSIGN_OR_RETURN(auto datasets, in.lake->Datasets());
  auto it = std::find_if(datasets.begin(), datasets.end(),
                         [&](const auto& d) { return d.symbol == a.symbol && d.timeframe == a.timeframe; });
  // Declared without bars, or not at all: Sessions says which (and how to set a calendar).
  const Micros span_from = it == datasets.end() ? 0 : it->first_ts;
  const Micros span_to = it == datasets.end() ? 0 : it->last_ts + 1;
  // The sessions over the stored span: a few thousand even for decades, cheap to list, and
  // they let a range start anywhere while the touches still find the session before it.
  ASSIGN_OR_RETURN(barlake::DatasetSessions sessions, in.lake->Sessions(a.symbol, a.timeframe, span_from, span_to));
  if (it == datasets.end() || it->rows == 0) return Status::NotFound("dataset " + name + " has no stored bars");
  in.calendar = sessions.calendar;
  in.zone = sessions.zone;
  in.all = std::move(sessions.sessions);
  const auto& all = in.all;
  auto date_lower = [&](int32_t d) {
    return static_cast<size_t>(std::lower_bound(all.begin(), all.end(), d,
                                                [](const calendar::Session& s, int32_t v) { return s.trade_date < v; }) -
                               all.begin());
  };
  in.end = to_date ? date_lower(*to_date + 1) : all.size();
  in.first = from_date ? date_lower(*from_date) : in.end - std::min<size_t>(in.end, kDefaultSessions);
  in.first = std::min(in.first, in.end);
  return in;
}

// Bars of sessions all[first, end), i.e. [all[first].open, all[end-1].close).
Result<BarColumns> ReadBars(SessionInput& in, const StatsArgs& a, Micros from, Micros to) {
  ASSIGN_OR_RETURN(barlake::Bars bars, in.lake->Read(a.symbol, a.timeframe, from, to));
  return lake::FromPublic(bars);  // derive/ computes over the library's column buffers
}

Result<BarColumns> ReadSessions(SessionInput& in, const StatsArgs& a, size_t first, size_t end) {
  if (first == end) return BarColumns{};
  return ReadBars(in, a, in.all[first].open, in.all[end - 1].close);
}

std::string Num(double v) { return fmt::format("{}", v); }

// "2024-03-10 18:04-04:00": a table cell, minute resolution, offset kept so DST and the
// repeated fall-back hour stay unambiguous.
std::string TableTime(const TimeZone& tz, Micros t) {
  const std::string s = tz.FormatLocal(t);  // 2024-03-10T18:04:00-04:00
  return s.substr(0, 10) + " " + s.substr(11, 5) + s.substr(19);
}

std::string Marks(bool early_close, bool late_open) {
  std::string m = early_close ? "early close" : "";
  if (late_open) m += std::string(m.empty() ? "" : ", ") + "late open";
  return m;
}

std::string RangeText(const SessionInput& in) {
  if (in.first == in.end) return "no sessions";
  return calendar::FormatDate(in.all[in.first].trade_date) + " to " + calendar::FormatDate(in.all[in.end - 1].trade_date);
}

// Long ranges are computed a block of sessions at a time, so memory stays at one block's
// bars (20 years of 1m bars at once would hold ~7M bars, over 1 GB with the reader's copy).
constexpr size_t kSessionsPerBlock = 250;

// What `stats` marks per session (docs/cli.md): bars the session should have but lacks
// (coverage), and whether it lies in a week `health` finds shifted against the calendar.
struct SessionMarks {
  int64_t expected = 0;
  std::string suspicious;  // the week's description; empty: not suspicious
};

struct StatsWithMarks {
  derive::SessionStats stats;
  std::vector<SessionMarks> marks;  // parallel to stats.sessions
};

// A session of length L holds ceil(L / bar) bars (the last one cut short by the close);
// a daily (or longer) bar is one per session.
int64_t ExpectedBars(const calendar::Session& s, const Timeframe& tf) {
  if (tf.is_daily_or_longer()) return 1;
  return (s.close - s.open + tf.micros() - 1) / tf.micros();
}

Result<StatsWithMarks> StatsOf(SessionInput& in, const StatsArgs& a) {
  StatsWithMarks out;
  derive::SessionStats& all = out.stats;
  ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(a.timeframe));
  std::vector<SuspiciousWeek> weeks;
  for (size_t b = in.first; b < in.end; b += kSessionsPerBlock) {
    const size_t e = std::min(in.end, b + kSessionsPerBlock);
    // Up to the next block's first open, so the bars between two blocks' sessions are
    // counted (outside every session) exactly once.
    const Micros to = e < in.end ? in.all[e].open : in.all[e - 1].close;
    ASSIGN_OR_RETURN(BarColumns bars, ReadBars(in, a, in.all[b].open, to));
    const calendar::SessionList sessions(in.all.begin() + b, in.all.begin() + e);
    ASSIGN_OR_RETURN(derive::SessionStats block, derive::ComputeSessionStats(bars, sessions));
    all.sessions.insert(all.sessions.end(), block.sessions.begin(), block.sessions.end());
    all.bars_outside_sessions += block.bars_outside_sessions;
    // The same suspicious-week test as `barlake health`, over this block's bars.
    if (!tf.is_daily_or_longer() && !bars.empty()) {
      health::HealthOptions options;
      options.pattern_tz = in.zone;
      const HealthReport r = health::Analyze(bars.ts, tf.seconds(), sessions, sessions.back().close, options);
      weeks.insert(weeks.end(), r.suspicious_weeks.begin(), r.suspicious_weeks.end());
    }
  }
  std::optional<TimeZone> zone;
  if (auto z = TimeZone::Locate(in.zone.empty() ? "UTC" : in.zone); z.ok()) zone = *z;
  for (const auto& s : all.sessions) {
    SessionMarks m;
    const calendar::Session session{s.session_open, s.session_close, s.trade_date, s.early_close, s.late_open};
    m.expected = ExpectedBars(session, tf);
    // Weeks run Sunday to Saturday in the calendar's zone; a session belongs to the week
    // its open falls in.
    if (zone) {
      const Micros local = s.session_open + zone->OffsetAt(s.session_open) * kMicrosPerSecond;
      const int64_t day = local >= 0 ? local / kMicrosPerDay : (local - kMicrosPerDay + 1) / kMicrosPerDay;
      for (const auto& w : weeks) {
        if (day >= w.week_start && day < w.week_start + 7) m.suspicious = w.description;
      }
    }
    out.marks.push_back(std::move(m));
  }
  return out;
}

int CmdStats(const Globals& g, const StatsArgs& a) {
  if (a.save) return SaveTable(g, a, lake::kSessionStatsTable);
  auto in = LoadSessions(g, a);
  if (!in.ok()) return Fail(in.status());
  auto with_marks = StatsOf(*in, a);
  if (!with_marks.ok()) return Fail(with_marks.status());
  const derive::SessionStats* stats = &with_marks->stats;
  const std::vector<SessionMarks>& marks = with_marks->marks;
  int64_t short_sessions = 0, suspicious_sessions = 0;
  for (size_t k = 0; k < marks.size(); ++k) {
    short_sessions += stats->sessions[k].bars < marks[k].expected;
    suspicious_sessions += !marks[k].suspicious.empty();
  }
  const TimeZone& tz = *in->tz;
  if (a.format == "json") {
    json rows = json::array();
    for (size_t k = 0; k < stats->sessions.size(); ++k) {
      const auto& s = stats->sessions[k];
      const SessionMarks& m = marks[k];
      json row = {{"trade_date", calendar::FormatDate(s.trade_date)}, {"bars", s.bars},
                  {"expected_bars", m.expected}, {"missing_bars", std::max<int64_t>(0, m.expected - s.bars)},
                  {"suspicious_week", m.suspicious.empty() ? json(nullptr) : json(m.suspicious)},
                  {"early_close", s.early_close}, {"late_open", s.late_open}};
      // The session's instants in the display zone, its prices and volume as numbers.
      for (const auto& [key, t] : {std::pair{"session_open", s.session_open}, {"session_close", s.session_close},
                                   {"high_time", s.high_time}, {"low_time", s.low_time}}) {
        row[key] = tz.FormatLocal(t);
      }
      for (const auto& [key, v] : {std::pair{"open", s.open}, {"high", s.high}, {"low", s.low}, {"close", s.close},
                                   {"range", s.range}, {"volume", s.volume}}) {
        row[key] = v;
      }
      rows.push_back(std::move(row));
    }
    json out = {{"symbol", a.symbol},          {"timeframe", a.timeframe},
                {"calendar", in->calendar}, {"display_tz", tz.name()},
                {"sessions", rows},            {"bars_outside_sessions", stats->bars_outside_sessions},
                {"sessions_missing_bars", short_sessions}, {"sessions_in_suspicious_weeks", suspicious_sessions}};
    std::printf("%s\n", ToJsonText(out, 2).c_str());
    return 0;
  }
  if (a.format == "csv") {
    fmt::memory_buffer buf;
    fmt::format_to(std::back_inserter(buf),
                   "trade_date,open,high,low,close,high_time,low_time,range,volume,bars,early_close,late_open,"
                   "expected_bars,suspicious_week\n");
    for (size_t k = 0; k < stats->sessions.size(); ++k) {
      const auto& s = stats->sessions[k];
      fmt::format_to(std::back_inserter(buf), "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                     calendar::FormatDate(s.trade_date), s.open, s.high, s.low, s.close, tz.FormatLocal(s.high_time),
                     tz.FormatLocal(s.low_time), s.range, s.volume, s.bars, s.early_close, s.late_open,
                     marks[k].expected, !marks[k].suspicious.empty());
    }
    std::fwrite(buf.data(), 1, buf.size(), stdout);
    return 0;
  }
  std::vector<std::vector<std::string>> table;
  for (size_t k = 0; k < stats->sessions.size(); ++k) {
    const auto& s = stats->sessions[k];
    std::string note = Marks(s.early_close, s.late_open);
    if (s.bars < marks[k].expected) {
      note += std::string(note.empty() ? "" : ", ") + "missing " + WithThousands(marks[k].expected - s.bars) + " of " +
              WithThousands(marks[k].expected) + " bars";
    }
    if (!marks[k].suspicious.empty()) note += std::string(note.empty() ? "" : ", ") + "suspicious week";
    table.push_back({calendar::FormatDate(s.trade_date), Num(s.open), Num(s.high), Num(s.low), Num(s.close),
                     TableTime(tz, s.high_time), TableTime(tz, s.low_time), Num(s.range),
                     Num(s.volume), WithThousands(s.bars), note});
  }
  std::printf("%s %s sessions %s (calendar %s, times in %s)\n", a.symbol.c_str(), a.timeframe.c_str(),
              RangeText(*in).c_str(), in->calendar.c_str(), tz.name().c_str());
  if (table.empty()) {
    std::printf("No bars in these sessions.\n");
  } else {
    std::printf("%s", FormatTable({"DATE", "OPEN", "HIGH", "LOW", "CLOSE", "HIGH AT", "LOW AT", "RANGE", "VOLUME",
                                   "BARS", "NOTE"},
                                  table)
                          .c_str());
  }
  if (stats->bars_outside_sessions > 0) {
    std::printf("%s bars outside every session are in no row.\n", WithThousands(stats->bars_outside_sessions).c_str());
  }
  if (short_sessions > 0) {
    std::printf("%s session%s missing bars (coverage): its statistics cover only the bars stored; see `%s health "
                "%s %s`.\n",
                WithThousands(short_sessions).c_str(), short_sessions == 1 ? " is" : "s are", g.program.c_str(),
                a.symbol.c_str(), a.timeframe.c_str());
  }
  if (suspicious_sessions > 0) {
    std::printf("%s session%s in a suspicious week (its bars look shifted against the calendar; see `%s health`).\n",
                WithThousands(suspicious_sessions).c_str(), suspicious_sessions == 1 ? " is" : "s are",
                g.program.c_str());
  }
  return 0;
}

// Prior levels need the session with bars before the first one asked for. Read a few
// sessions more and, when none of them had bars (a gap in the data), look further back.
Result<std::vector<derive::SessionLevels>> LevelsWithPrior(SessionInput& in, const StatsArgs& a,
                                                           const derive::LevelOptions& options, size_t first,
                                                           size_t end) {
  size_t lookback = 5;
  while (true) {
    const size_t from = first - std::min(first, lookback);
    ASSIGN_OR_RETURN(BarColumns bars, ReadSessions(in, a, from, end));
    const calendar::SessionList sessions(in.all.begin() + from, in.all.begin() + end);
    ASSIGN_OR_RETURN(auto rows, derive::ComputeLevelTouches(bars, sessions, options));
    const int32_t first_date = in.all[first].trade_date;
    auto first_asked = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.trade_date >= first_date; });
    const bool prior_found = first_asked == rows.end() || first_asked != rows.begin();
    if (prior_found || from == 0) {
      rows.erase(rows.begin(), first_asked);
      return rows;
    }
    lookback *= 8;
  }
}

// Block by block as for the statistics; each block reads back to its prior session.
Result<std::vector<derive::SessionLevels>> LevelsOf(SessionInput& in, const StatsArgs& a,
                                                    const derive::LevelOptions& options) {
  std::vector<derive::SessionLevels> all;
  for (size_t b = in.first; b < in.end; b += kSessionsPerBlock) {
    ASSIGN_OR_RETURN(auto block, LevelsWithPrior(in, a, options, b, std::min(in.end, b + kSessionsPerBlock)));
    all.insert(all.end(), block.begin(), block.end());
  }
  return all;
}

std::string LevelName(int k) { return derive::LevelName(static_cast<derive::LevelKind>(k)); }

// A touch time for a table cell: "10:02", with the date when it is not the trade date
// in the display zone.
std::string TouchCell(const TimeZone& tz, const derive::LevelTouch& lv, int32_t trade_date) {
  if (std::isnan(lv.price)) return "n/a";
  std::string cell = Num(lv.price) + " ";
  if (!lv.touched) return cell + "-";
  const std::string local = tz.FormatLocal(lv.first_touch);
  return cell + (local.substr(0, 10) == calendar::FormatDate(trade_date) ? local.substr(11, 5)
                                                                           : local.substr(5, 5) + " " + local.substr(11, 5));
}

int CmdTouches(const Globals& g, const StatsArgs& a) {
  if (a.save) return SaveTable(g, a, lake::kLevelTouchesTable);
  derive::LevelOptions options;
  if (a.day_start == "none") {
    options.day_start_minutes.reset();
  } else {
    auto m = calendar::ParseMinutes(a.day_start);
    if (!m.ok()) return Fail(m.status().WithContext("--day-start (or `none`)"));
    if (*m >= 24 * 60) return Fail(Status::InvalidArgument("--day-start must be before 24:00"));
    options.day_start_minutes = *m;
  }
  auto in = LoadSessions(g, a);
  if (!in.ok()) return Fail(in.status());
  options.zone = in->zone;  // the day start is a wall-clock time of the market's zone
  auto rows = LevelsOf(*in, a, options);
  if (!rows.ok()) return Fail(rows.status());
  const TimeZone& tz = *in->tz;
  const std::string day_start_text = options.day_start_minutes ? a.day_start + " " + options.zone : "none";
  auto price_json = [](double p) { return std::isnan(p) ? json(nullptr) : json(p); };
  if (a.format == "json") {
    json list = json::array();
    for (const auto& r : *rows) {
      json levels = json::object();
      for (int k = 0; k < derive::kNumLevels; ++k) {
        const auto& lv = r.levels[k];
        levels[LevelName(k)] = {{"price", price_json(lv.price)},
                                {"touched", lv.touched},
                                {"first_touch", lv.touched ? json(tz.FormatLocal(lv.first_touch)) : json(nullptr)}};
      }
      list.push_back({{"trade_date", calendar::FormatDate(r.trade_date)},
                      {"session_open", tz.FormatLocal(r.session_open)},
                      {"day_start", tz.FormatLocal(r.day_start)},
                      {"session_close", tz.FormatLocal(r.session_close)},
                      {"overnight_bars", r.overnight_bars},
                      {"day_bars", r.day_bars},
                      {"levels", levels}});
    }
    json out = {{"symbol", a.symbol},
                {"timeframe", a.timeframe},
                {"calendar", in->calendar},
                {"display_tz", tz.name()},
                {"day_start", options.day_start_minutes ? json(a.day_start) : json(nullptr)},
                {"day_start_zone", options.day_start_minutes ? json(options.zone) : json(nullptr)},
                {"sessions", list}};
    std::printf("%s\n", ToJsonText(out, 2).c_str());
    return 0;
  }
  if (a.format == "csv") {
    fmt::memory_buffer buf;
    fmt::format_to(std::back_inserter(buf), "trade_date,day_start,overnight_bars,day_bars");
    for (int k = 0; k < derive::kNumLevels; ++k) {
      fmt::format_to(std::back_inserter(buf), ",{0},{0}_touched,{0}_first_touch", LevelName(k));
    }
    buf.push_back('\n');
    for (const auto& r : *rows) {
      fmt::format_to(std::back_inserter(buf), "{},{},{},{}", calendar::FormatDate(r.trade_date),
                     tz.FormatLocal(r.day_start), r.overnight_bars, r.day_bars);
      for (const auto& lv : r.levels) {
        fmt::format_to(std::back_inserter(buf), ",{},{},{}", std::isnan(lv.price) ? "" : Num(lv.price), lv.touched,
                       lv.touched ? tz.FormatLocal(lv.first_touch) : "");
      }
      buf.push_back('\n');
    }
    std::fwrite(buf.data(), 1, buf.size(), stdout);
    return 0;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& r : *rows) {
    std::vector<std::string> line = {calendar::FormatDate(r.trade_date)};
    for (const auto& lv : r.levels) line.push_back(TouchCell(tz, lv, r.trade_date));
    table.push_back(std::move(line));
  }
  std::printf("%s %s level touches %s (calendar %s, day session from %s, times in %s)\n", a.symbol.c_str(),
              a.timeframe.c_str(), RangeText(*in).c_str(), in->calendar.c_str(), day_start_text.c_str(),
              tz.name().c_str());
  if (table.empty()) {
    std::printf("No bars in these sessions.\n");
    return 0;
  }
  std::printf("%s", FormatTable({"DATE", "PRIOR HIGH", "PRIOR LOW", "PRIOR CLOSE", "ON HIGH", "ON LOW"}, table).c_str());
  std::printf("Each cell: level, then the first day-session touch time (- = not touched; n/a = no such level).\n");
  return 0;
}

void AddOptions(CLI::App* cmd, StatsArgs& a) {
  cmd->add_option("SYMBOL", a.symbol, "Dataset symbol, e.g. ES")->required();
  cmd->add_option("TIMEFRAME", a.timeframe, "Dataset timeframe (default 1m)");
  cmd->add_option("--from", a.from, "First trade date, YYYY-MM-DD (default: the last 20 sessions)");
  cmd->add_option("--to", a.to, "Last trade date, YYYY-MM-DD, inclusive (default: the last stored session)");
  cmd->add_option("--tz", a.tz, "Show times in this zone (default the vault's display_tz)");
  cmd->add_option("--format", a.format, "table (default), csv or json");
  cmd->add_flag("--json", a.as_json, "Same as --format json");
  cmd->add_flag("--save", a.save,
                "Store the table for every session as a derived dataset (SYMBOL " + std::string(cmd->get_name() == "stats" ? "session_stats" : "level_touches") +
                    "), rebuilt when the input changes");
  cmd->add_option("--name", a.name, "With --save: symbol of the stored table (default SYMBOL)");
  cmd->add_option("--calendar", a.calendar, "With --save: session calendar (default the input's)");
  cmd->add_flag("--no-auto-regenerate", a.no_auto_regenerate, "With --save: do not rebuild it when an import changes the input");
}

}  // namespace

void AddStatsCommands(CLI::App& app, Globals& g, int& rc) {
  auto* st = app.add_subcommand("stats", "Daily session statistics (OHLC, high/low times, range, volume) from stored bars");
  static StatsArgs sa;
  AddOptions(st, sa);
  st->callback([&] {
    if (sa.as_json) sa.format = "json";
    rc = CmdStats(g, sa);
  });

  auto* tc = app.add_subcommand("touches",
                                "Prior-session and overnight levels per session, and when the day session first touched them");
  static StatsArgs ta;
  AddOptions(tc, ta);
  tc->add_option("--day-start", ta.day_start,
                 "Day session start, HH:MM in the calendar's zone, or `none` (default 09:30)");
  tc->callback([&] {
    if (ta.as_json) ta.format = "json";
    rc = CmdTouches(g, ta);
  });
}

}  // namespace barlake::cli
