// Subcommands of the calendar area (registered from Run() in commands.cc):
//   barlake calendars [--json]                         the calendars a vault knows
//   barlake calendars show NAME [--from --to --tz --json]  sessions, closures, early closes
//   barlake dataset set SYMBOL TF [--calendar NAME] [--outside-session keep|quarantine]
//                       [--format F|auto] [--source-tz Z] [--max-reject-share X] [...]
// See docs/calendars.md and docs/cli.md.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "calendar/calendar.h"
#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "cli/output.h"
#include "core/json_text.h"
#include "ingest/format.h"
#include "lake/vault.h"
#include "lake/writer_lock.h"
#include "registry/registry.h"

namespace barlake::cli {
namespace {

// The vault's registry when there is a vault (its [[calendar]] additions count), else
// the built-ins: listing calendars must work before `init`.
struct CalendarContext {
  calendar::CalendarSet calendars = calendar::CalendarSet::BuiltIn();
  std::string display_tz;  // the vault's, empty without a vault
  bool have_vault = false;
};

Result<CalendarContext> LoadCalendars(const Globals& g) {
  CalendarContext ctx;
  const std::string dir = VaultDir(g);
  Env* env = Env::Default();
  if (!lake::CheckIsVault(env, dir).ok()) {
    if (!g.vault.empty()) RETURN_IF_ERROR(lake::CheckIsVault(env, dir));  // asked for this one
    return ctx;
  }
  ASSIGN_OR_RETURN(registry::Registry reg, registry::Registry::Load(env, lake::VaultPaths(dir).registry));
  ctx.calendars = reg.calendars();
  ctx.display_tz = reg.settings().display_tz;
  ctx.have_vault = true;
  return ctx;
}

int CmdCalendars(const Globals& g, bool as_json) {
  auto ctx = LoadCalendars(g);
  if (!ctx.ok()) return Fail(ctx.status());
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : ctx->calendars.all()) {
      out.push_back({{"name", c.name},
                     {"zone", c.zone},
                     {"hours", c.HoursText()},
                     {"open", calendar::FormatMinutes(c.week.open_minutes)},
                     {"close", calendar::FormatMinutes(c.week.close_minutes)},
                     {"opens_day_before", c.week.open_day_offset == -1},
                     {"description", c.description},
                     {"source", c.source}});
    }
    std::printf("%s\n", ToJsonText(out, 2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : ctx->calendars.all()) rows.push_back({c.name, c.HoursText(), c.source});
  std::printf("%s", FormatTable({"calendar", "hours", "source"}, rows).c_str());
  for (const auto& c : ctx->calendars.all()) std::printf("  %-14s %s\n", c.name.c_str(), c.description.c_str());
  std::printf("Sessions and holidays: %s calendars show NAME --from 2024-11-01 --to 2025-01-01\n", g.program.c_str());
  return 0;
}

struct ShowArgs {
  std::string name, from, to, tz;
  bool as_json = false;
};

int CmdCalendarShow(const Globals& g, const ShowArgs& a) {
  auto ctx = LoadCalendars(g);
  if (!ctx.ok()) return Fail(ctx.status());
  const calendar::Calendar* cal = ctx->calendars.Find(a.name);
  if (!cal) {
    return Fail(Status::InvalidArgument("unknown calendar '" + a.name + "'; known: " + ctx->calendars.NamesText()));
  }
  // Default: the two weeks from today.
  const Micros today = Env::Default()->NowMicros() / kMicrosPerDay * kMicrosPerDay;
  Micros from = today, to = today + 14 * kMicrosPerDay;
  if (!a.from.empty()) {
    auto f = ParseIsoUtc(a.from);
    if (!f.ok()) return Fail(f.status().WithContext("--from"));
    from = *f;
    if (a.to.empty()) to = from + 14 * kMicrosPerDay;
  }
  if (!a.to.empty()) {
    auto t = ParseIsoUtc(a.to);
    if (!t.ok()) return Fail(t.status().WithContext("--to"));
    to = *t;
  }
  if (to <= from) return Fail(Status::InvalidArgument("--to must be after --from"));
  const std::string tz_name = !a.tz.empty() ? a.tz : !ctx->display_tz.empty() ? ctx->display_tz : cal->zone;
  auto tz = TimeZone::Locate(tz_name);
  if (!tz.ok()) return Fail(tz.status());
  auto sessions = cal->SessionsBetween(from, to);
  if (!sessions.ok()) return Fail(sessions.status());
  const int32_t first_date = static_cast<int32_t>(from / kMicrosPerDay);
  const int32_t last_date = static_cast<int32_t>((to - 1) / kMicrosPerDay);
  std::map<int32_t, calendar::SpecialDay> special;
  for (const auto& s : cal->SpecialDaysBetween(first_date - 1, last_date + 1)) special[s.date] = s;
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  // Full closures on trade weekdays are listed with the sessions, so holidays show up.
  struct Row {
    int32_t date;
    const calendar::Session* session;
    std::string note;
  };
  std::vector<Row> rows;
  for (const auto& s : *sessions) {
    auto it = special.find(s.trade_date);
    rows.push_back({s.trade_date, &s, it != special.end() ? it->second.name : ""});
  }
  for (const auto& [date, sd] : special) {
    if (sd.close_minutes >= 0 || date < first_date || date > last_date) continue;
    if (!(cal->week.trade_weekdays & (1 << calendar::WeekdayOf(date)))) continue;
    rows.push_back({date, nullptr, sd.name});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.date < y.date; });
  if (a.as_json) {
    nlohmann::json out = {{"calendar", cal->name}, {"zone", cal->zone}, {"display_tz", tz->name()},
                          {"from", FormatIsoUtc(from)}, {"to", FormatIsoUtc(to)}};
    nlohmann::json list = nlohmann::json::array();
    for (const Row& r : rows) {
      nlohmann::json o = {{"trade_date", calendar::FormatDate(r.date)}, {"closed", r.session == nullptr}};
      if (r.session) {
        o["open"] = FormatIsoUtc(r.session->open);
        o["close"] = FormatIsoUtc(r.session->close);
        o["open_local"] = tz->FormatLocal(r.session->open);
        o["close_local"] = tz->FormatLocal(r.session->close);
        o["early_close"] = r.session->early_close;
        o["late_open"] = r.session->late_open;
      }
      if (!r.note.empty()) o["note"] = r.note;
      list.push_back(o);
    }
    out["days"] = list;
    std::printf("%s\n", ToJsonText(out, 2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> table;
  for (const Row& r : rows) {
    std::vector<std::string> line = {calendar::FormatDate(r.date), kDays[calendar::WeekdayOf(r.date)]};
    if (r.session) {
      std::string flags = r.session->early_close ? "early close" : "";
      if (r.session->late_open) flags += std::string(flags.empty() ? "" : ", ") + "late open";
      if (!r.note.empty()) flags += (flags.empty() ? "" : ": ") + r.note;
      char hours[16];
      std::snprintf(hours, sizeof hours, "%.2f", static_cast<double>(r.session->close - r.session->open) / 3.6e9);
      line.insert(line.end(), {LocalText(*tz, r.session->open), LocalText(*tz, r.session->close), hours, flags});
    } else {
      line.insert(line.end(), {"closed", "", "", r.note});
    }
    table.push_back(line);
  }
  std::printf("%s sessions, %s to %s (times in %s)\n", cal->name.c_str(), FormatIsoUtc(from).c_str(),
              FormatIsoUtc(to).c_str(), tz->name().c_str());
  std::printf("%s", FormatTable({"trade date", "day", "open", "close", "hours", "note"}, table).c_str());
  return 0;
}

struct SetArgs {
  std::string symbol, timeframe, calendar, outside_session;
  // Every other per-dataset setting (empty: unchanged); see SettingsToWrite.
  std::string format, source_tz, max_reject_share, check_alignment, check_spikes, allow_non_positive,
      spike_scale_multiple, description, owner, end_date;
  bool as_json = false;
};

// The keys the command line asks to change, checked and rendered for barlake.toml.
Result<std::vector<registry::Registry::DatasetSetting>> SettingsToWrite(const SetArgs& a) {
  std::vector<registry::Registry::DatasetSetting> out;
  auto text = [&](const char* key, const std::string& v) {
    if (!v.empty()) out.push_back({key, v, true});
  };
  if (!a.format.empty() && a.format != "auto") {
    auto f = ingest::FindFormat(a.format);
    if (!f.ok()) return f.status();
  }
  // "auto": no stored format, every file is detected.
  if (!a.format.empty()) out.push_back({"format", a.format == "auto" ? "" : a.format, true});
  text("source_tz", a.source_tz);
  text("calendar", a.calendar);
  text("outside_session", a.outside_session);
  text("description", a.description);
  text("owner", a.owner);
  if (!a.end_date.empty()) {
    if (a.end_date != "none" && !calendar::ParseDate(a.end_date).ok()) {
      return Status::InvalidArgument("--end-date '" + a.end_date + "' must be YYYY-MM-DD, or none");
    }
    out.push_back({"end_date", a.end_date == "none" ? "" : a.end_date, true});
  }
  for (const auto& [key, v] : {std::pair<const char*, const std::string&>{"check_alignment", a.check_alignment},
                               {"check_spikes", a.check_spikes},
                               {"allow_non_positive", a.allow_non_positive}}) {
    if (v.empty()) continue;
    if (v != "true" && v != "false") {
      return Status::InvalidArgument(std::string("--") + key + " '" + v + "' must be true or false");
    }
    out.push_back({key, v, false});
  }
  for (const auto& [key, v] : {std::pair<const char*, const std::string&>{"max_reject_share", a.max_reject_share},
                               {"spike_scale_multiple", a.spike_scale_multiple}}) {
    if (v.empty()) continue;
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0' || !std::isfinite(x)) {
      return Status::InvalidArgument(std::string("--") + key + " '" + v + "' is not a number");
    }
    out.push_back({key, v, false});
  }
  return out;
}

int CmdDatasetSet(const Globals& g, const SetArgs& a) {
  auto settings = SettingsToWrite(a);
  if (!settings.ok()) return Fail(settings.status());
  if (settings->empty()) {
    return Fail(Status::InvalidArgument(
        "nothing to set; pass one or more of --format, --source-tz, --calendar, --outside-session, "
        "--max-reject-share, --check-alignment, --check-spikes, --allow-non-positive, "
        "--spike-scale-multiple, --description, --owner, --end-date"));
  }
  const std::string dir = VaultDir(g);
  Env* env = Env::Default();
  if (Status s = lake::CheckIsVault(env, dir); !s.ok()) return Fail(s);
  lake::VaultPaths paths(dir);
  // Imports append to barlake.toml under the writer lock; so does this edit.
  auto lock = lake::WriterLock::Acquire(env, paths.lock, g.wait_seconds, g.command_line);
  if (!lock.ok()) return Fail(lock.status());
  auto before = registry::Registry::Load(env, paths.registry);
  if (!before.ok()) return Fail(before.status());
  const registry::DatasetSpec* old = before->Find(a.symbol, a.timeframe);
  if (!old) {
    return Fail(Status::NotFound("dataset " + a.symbol + " " + a.timeframe + " is not declared in " + paths.registry +
                                 "; import it first (`import ... --calendar NAME` sets it at once)"));
  }
  if (!a.calendar.empty() && !before->calendars().Find(a.calendar)) {
    return Fail(Status::InvalidArgument("unknown calendar '" + a.calendar + "'; known: " +
                                        before->calendars().NamesText()));
  }
  if (!a.outside_session.empty() && a.outside_session != "keep" && a.outside_session != "quarantine") {
    return Fail(Status::InvalidArgument("--outside-session '" + a.outside_session + "' must be keep or quarantine"));
  }
  const registry::DatasetSpec was = *old;
  auto after = registry::Registry::SetDatasetSettings(env, paths.registry, a.symbol, a.timeframe, *settings);
  if (!after.ok()) return Fail(after.status());
  const registry::DatasetSpec* now = after->Find(a.symbol, a.timeframe);
  auto describe = [](const registry::DatasetSpec& d) {
    auto num = [](double x) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", x);
      return std::string(buf);
    };
    return std::vector<std::pair<std::string, std::string>>{
        {"format", d.format.empty() ? "auto" : d.format},
        {"source_tz", d.source_tz.empty() ? "(vault default)" : d.source_tz},
        {"calendar", d.calendar.empty() ? "none" : d.calendar},
        {"outside_session", d.outside_session},
        {"max_reject_share", num(d.max_reject_share)},
        {"check_alignment", d.check_alignment ? "true" : "false"},
        {"check_spikes", d.check_spikes ? "true" : "false"},
        {"allow_non_positive", d.allow_non_positive ? "true" : "false"},
        {"spike_scale_multiple", num(d.spike_scale_multiple)},
        {"description", d.description},
        {"owner", d.owner},
        {"end_date", d.end_date.empty() ? "none" : d.end_date}};
  };
  const auto before_values = describe(was), after_values = describe(*now);
  if (a.as_json) {
    nlohmann::json o = {{"symbol", a.symbol},           {"timeframe", a.timeframe},
                        {"calendar", now->calendar},    {"previous_calendar", was.calendar},
                        {"outside_session", now->outside_session}, {"previous_outside_session", was.outside_session}};
    nlohmann::json changed = nlohmann::json::object();
    for (size_t k = 0; k < after_values.size(); ++k) {
      if (after_values[k].second != before_values[k].second) {
        changed[after_values[k].first] = {{"value", after_values[k].second}, {"previous", before_values[k].second}};
      }
    }
    o["changed"] = changed;
    std::printf("%s\n", ToJsonText(o).c_str());
    return 0;
  }
  std::printf("%s %s: %s updated\n", a.symbol.c_str(), a.timeframe.c_str(), paths.registry.c_str());
  for (size_t k = 0; k < after_values.size(); ++k) {
    if (after_values[k].second == before_values[k].second) continue;
    std::printf("  %s %s (was %s)\n", after_values[k].first.c_str(), after_values[k].second.c_str(),
                before_values[k].second.c_str());
  }
  std::printf("Stored bars are not changed; the settings apply to the next imports.\n");
  return 0;
}

}  // namespace

void AddCalendarCommands(CLI::App& app, Globals& g, int& rc) {
  auto* cals = app.add_subcommand("calendars", "List the session calendars (built-in and from barlake.toml)");
  static bool list_json = false;
  cals->add_flag("--json", list_json, "Print JSON");
  cals->require_subcommand(0, 1);
  static ShowArgs sa;
  auto* show = AddCommand(*cals, "show", "List a calendar's sessions, closures and early closes", rc,
                          [&] { return CmdCalendarShow(g, sa); });
  show->add_option("NAME", sa.name, "Calendar name, e.g. NYSE")->required();
  show->add_option("--from", sa.from, "First date, ISO 8601 (default today, UTC)");
  show->add_option("--to", sa.to, "End, exclusive (default --from plus 14 days)");
  show->add_option("--tz", sa.tz, "Show times in this zone (default the vault's display_tz, else the calendar's)");
  show->add_flag("--json", sa.as_json, "Print JSON");
  cals->callback([&, show] {
    if (show->parsed()) return;
    rc = CmdCalendars(g, list_json);
  });

  auto* ds = app.add_subcommand("dataset", "Change a dataset's registry settings");
  ds->require_subcommand(1);
  static SetArgs st;
  auto* set = AddCommand(*ds, "set", "Change a dataset's settings in barlake.toml (in place)", rc,
                         [&] { return CmdDatasetSet(g, st); });
  set->add_option("SYMBOL", st.symbol, "Dataset symbol")->required();
  set->add_option("TIMEFRAME", st.timeframe, "Dataset timeframe, e.g. 1m")->required();
  set->add_option("--calendar", st.calendar, "Session calendar (see `barlake calendars`)");
  set->add_option("--outside-session", st.outside_session,
                  "Bars outside the calendar's sessions: keep (count and report) or quarantine");
  set->add_option("--format", st.format, "Input format of later imports, or auto (detect each file)");
  set->add_option("--source-tz", st.source_tz, "Zone of the dataset's naive stamps, e.g. UTC");
  set->add_option("--max-reject-share", st.max_reject_share, "Share of rejected rows that fails an import (0..1)");
  set->add_option("--check-alignment", st.check_alignment, "true or false: apply the misaligned rule");
  set->add_option("--check-spikes", st.check_spikes, "true or false: apply bad_tick and unit_error");
  set->add_option("--allow-non-positive", st.allow_non_positive, "true or false: accept prices <= 0");
  set->add_option("--spike-scale-multiple", st.spike_scale_multiple, "Local scales a bad tick must be away (> 0)");
  set->add_option("--description", st.description, "Free text shown by status");
  set->add_option("--owner", st.owner, "Who looks after the dataset");
  set->add_option("--end-date", st.end_date,
                  "Last trade date, YYYY-MM-DD (an expired contract), or none: health judges staleness up to it");
  set->add_flag("--json", st.as_json, "Print JSON");
}

}  // namespace barlake::cli
