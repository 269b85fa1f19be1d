#include "lake/derived_tables.h"

#include "calendar/calendar.h"

namespace barlake::lake {

using storage::kNullInt;
using storage::TableColumnType;
using storage::TableRows;
using storage::TableSchema;

namespace {

TableSchema MakeSessionStatsSchema() {
  using T = TableColumnType;
  return {kSessionStatsTable,
          {{"trade_date", T::kDate},     {"session_open", T::kTimestamp}, {"session_close", T::kTimestamp},
           {"open", T::kDouble},         {"high", T::kDouble},            {"low", T::kDouble},
           {"close", T::kDouble},        {"high_time", T::kTimestamp},    {"low_time", T::kTimestamp},
           {"first_bar", T::kTimestamp}, {"last_bar", T::kTimestamp},     {"range", T::kDouble},
           {"volume", T::kDouble},       {"bars", T::kBigint},            {"early_close", T::kBoolean},
           {"late_open", T::kBoolean}}};
}

// Per level: its price (NULL when absent), whether the day session touched it and when
// first (NULL when not).
TableSchema MakeLevelTouchesSchema() {
  using T = TableColumnType;
  TableSchema s{kLevelTouchesTable,
                {{"trade_date", T::kDate},
                 {"session_open", T::kTimestamp},
                 {"day_start", T::kTimestamp},
                 {"session_close", T::kTimestamp},
                 {"overnight_bars", T::kBigint},
                 {"day_bars", T::kBigint}}};
  for (int k = 0; k < derive::kNumLevels; ++k) {
    const std::string name = derive::LevelName(static_cast<derive::LevelKind>(k));
    s.columns.push_back({name, T::kDouble});
    s.columns.push_back({name + "_touched", T::kBoolean});
    s.columns.push_back({name + "_first_touch", T::kTimestamp});
  }
  return s;
}

const TableSchema& SessionStatsSchema() {
  static const TableSchema schema = MakeSessionStatsSchema();
  return schema;
}

const TableSchema& LevelTouchesSchema() {
  static const TableSchema schema = MakeLevelTouchesSchema();
  return schema;
}

}  // namespace

const TableSchema* FindTableSchema(const std::string& name) {
  if (name == kSessionStatsTable) return &SessionStatsSchema();
  if (name == kLevelTouchesTable) return &LevelTouchesSchema();
  return nullptr;
}

std::vector<const TableSchema*> AllTableSchemas() { return {&SessionStatsSchema(), &LevelTouchesSchema()}; }

TableRows SessionStatsRows(const std::vector<derive::SessionStat>& sessions, int64_t from_day, int64_t to_day) {
  TableRows rows(&SessionStatsSchema());
  for (const auto& s : sessions) {
    if (s.bars == 0 || s.trade_date < from_day || s.trade_date >= to_day) continue;
    rows.AddRow();
    rows.SetFrom(0, s.trade_date, s.session_open, s.session_close, s.open, s.high, s.low, s.close, s.high_time,
                 s.low_time, s.first_bar, s.last_bar, s.range, s.volume, s.bars, s.early_close, s.late_open);
  }
  return rows;
}

TableRows LevelTouchesRows(const std::vector<derive::SessionLevels>& sessions, int64_t from_day, int64_t to_day) {
  TableRows rows(&LevelTouchesSchema());
  for (const auto& s : sessions) {
    if (s.trade_date < from_day || s.trade_date >= to_day) continue;
    rows.AddRow();
    size_t c = rows.SetFrom(0, s.trade_date, s.session_open, s.day_start, s.session_close, s.overnight_bars,
                            s.day_bars);
    for (const derive::LevelTouch& lv : s.levels) {
      // A NaN price (absent) is stored as NULL.
      c = rows.SetFrom(c, lv.price, lv.touched, lv.touched ? lv.first_touch : kNullInt);
    }
  }
  return rows;
}

Result<derive::LevelOptions> LevelOptionsOf(const registry::DatasetSpec& spec, const std::string& calendar_zone) {
  derive::LevelOptions options;
  options.zone = calendar_zone;
  if (spec.day_start == "none") {
    options.day_start_minutes.reset();
  } else if (!spec.day_start.empty()) {
    ASSIGN_OR_RETURN(int minutes, calendar::ParseMinutes(spec.day_start));
    if (minutes >= 24 * 60) return Status::InvalidInput("day_start " + spec.day_start + " must be before 24:00");
    options.day_start_minutes = minutes;
  }
  return options;
}

}  // namespace barlake::lake
