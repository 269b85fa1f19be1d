// Subcommands of the calendar area (registered from Run() in commands.cc):
//   barlake calendars [--json]                         the calendars a vault knows
//   barlake calendars show NAME [--from --to --tz --json]  sessions, closures, early closes
//   barlake dataset set SYMBOL TF --calendar NAME [--outside-session keep|quarantine]
// See docs/calendars.md and docs/cli.md.
#include <cstdio>

#include "calendar/calendar.h"
#include "cli/cli_common.h"
#include "cli/output.h"
#include "core/json_text.h"
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
  bool as_json = false;
};

int CmdDatasetSet(const Globals& g, const SetArgs& a) {
  if (a.calendar.empty() && a.outside_session.empty()) {
    return Fail(Status::InvalidArgument("nothing to set; pass --calendar NAME and/or --outside-session keep|quarantine"));
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
  const std::string old_calendar = old->calendar, old_rule = old->outside_session;
  std::vector<std::pair<std::string, std::string>> values;
  if (!a.calendar.empty()) values.push_back({"calendar", a.calendar});
  if (!a.outside_session.empty()) values.push_back({"outside_session", a.outside_session});
  auto after = registry::Registry::SetDatasetValues(env, paths.registry, a.symbol, a.timeframe, values);
  if (!after.ok()) return Fail(after.status());
  const registry::DatasetSpec* now = after->Find(a.symbol, a.timeframe);
  if (a.as_json) {
    nlohmann::json o = {{"symbol", a.symbol},           {"timeframe", a.timeframe},
                        {"calendar", now->calendar},    {"previous_calendar", old_calendar},
                        {"outside_session", now->outside_session}, {"previous_outside_session", old_rule}};
    std::printf("%s\n", ToJsonText(o).c_str());
    return 0;
  }
  std::printf("%s %s: calendar %s (was %s), outside_session %s (was %s); %s updated\n", a.symbol.c_str(),
              a.timeframe.c_str(), now->calendar.c_str(), old_calendar.empty() ? "none" : old_calendar.c_str(),
              now->outside_session.c_str(), old_rule.c_str(), paths.registry.c_str());
  std::printf("Stored bars are not changed; the calendar applies to the next imports.\n");
  return 0;
}

}  // namespace

void AddCalendarCommands(CLI::App& app, Globals& g, int& rc) {
  auto* cals = app.add_subcommand("calendars", "List the session calendars (built-in and from barlake.toml)");
  static bool list_json = false;
  cals->add_flag("--json", list_json, "Print JSON");
  cals->require_subcommand(0, 1);
  auto* show = cals->add_subcommand("show", "List a calendar's sessions, closures and early closes");
  static ShowArgs sa;
  show->add_option("NAME", sa.name, "Calendar name, e.g. NYSE")->required();
  show->add_option("--from", sa.from, "First date, ISO 8601 (default today, UTC)");
  show->add_option("--to", sa.to, "End, exclusive (default --from plus 14 days)");
  show->add_option("--tz", sa.tz, "Show times in this zone (default the vault's display_tz, else the calendar's)");
  show->add_flag("--json", sa.as_json, "Print JSON");
  show->callback([&] { rc = CmdCalendarShow(g, sa); });
  cals->callback([&, show] {
    if (show->parsed()) return;
    rc = CmdCalendars(g, list_json);
  });

  auto* ds = app.add_subcommand("dataset", "Change a dataset's registry settings");
  ds->require_subcommand(1);
  auto* set = ds->add_subcommand("set", "Set a dataset's calendar or outside-session rule in barlake.toml (in place)");
  static SetArgs st;
  set->add_option("SYMBOL", st.symbol, "Dataset symbol")->required();
  set->add_option("TIMEFRAME", st.timeframe, "Dataset timeframe, e.g. 1m")->required();
  set->add_option("--calendar", st.calendar, "Session calendar (see `barlake calendars`)");
  set->add_option("--outside-session", st.outside_session,
                  "Bars outside the calendar's sessions: keep (count and report) or quarantine");
  set->add_flag("--json", st.as_json, "Print JSON");
  set->callback([&] { rc = CmdDatasetSet(g, st); });
}

}  // namespace barlake::cli
