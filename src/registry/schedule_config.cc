#include "registry/schedule_config.h"

#define TOML_EXCEPTIONS 1
#include <toml++/toml.h>

#include "registry/toml_fields.h"

#include "calendar/calendar.h"
#include "core/text.h"
#include "core/time_zone.h"
#include "registry/registry.h"

namespace barlake::registry {
namespace {


using internal::CheckKeys;
using internal::ReadStringList;
using internal::Where;

Result<std::string> GetString(const toml::table& t, const char* key, const std::string& path, const std::string& where) {
  const toml::node* n = t.get(key);
  if (!n) return std::string();
  if (!n->is_string()) return Status::InvalidInput(Where(path, *n) + ": " + where + " '" + key + "' must be a quoted string");
  return *n->value<std::string>();
}

// A list of strings; a single string is taken as a list of one (`on = "job_failed"`).
Result<std::vector<std::string>> GetList(const toml::table& t, const char* key, const std::string& path,
                                         const std::string& where) {
  return ReadStringList(t, key, path, true, where + " '" + key + "' must be a list of quoted strings");
}

bool OneOf(const std::string& s, const std::vector<std::string>& list) {
  for (const auto& x : list) {
    if (x == s) return true;
  }
  return false;
}

std::string Joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& x : list) out += (out.empty() ? "" : ", ") + x;
  return out;
}

const char* const kDayNames[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

Result<ScheduleSpec> ParseSchedule(const toml::node& n, const std::string& path, const Registry& reg) {
  const toml::table* t = n.as_table();
  if (!t) return Status::InvalidInput(Where(path, n) + ": each [[schedule]] must be a table");
  RETURN_IF_ERROR(CheckKeys(*t, {"name", "action", "datasets", "every", "at", "tz", "days", "calendar"}, path,
                            "[[schedule]]"));
  ScheduleSpec s;
  s.source = Where(path, n);
  ASSIGN_OR_RETURN(s.name, GetString(*t, "name", path, "[[schedule]]"));
  if (s.name.empty()) return Status::InvalidInput(s.source + ": [[schedule]] needs a name (name = \"nightly\")");
  if (!IsValidUtf8(s.name) || s.name.size() > 64 || s.name.find_first_of("\n\r\t") != std::string::npos) {
    return Status::InvalidInput(s.source + ": [[schedule]] name " + QuoteBytes(s.name) +
                                " must be one line of at most 64 characters");
  }
  const std::string at = s.source + " [[schedule]] " + s.name;
  ASSIGN_OR_RETURN(s.action, GetString(*t, "action", path, at));
  if (!OneOf(s.action, ScheduleActions())) {
    return Status::InvalidInput(at + ": action " + QuoteBytes(s.action) + " must be one of " +
                                Joined(ScheduleActions()));
  }
  ASSIGN_OR_RETURN(s.datasets, GetList(*t, "datasets", path, at));
  for (const auto& d : s.datasets) {
    auto name = ParseDatasetName(d);
    if (!name.ok()) return Status::InvalidInput(at + " 'datasets': " + name.status().message());
    if (!reg.Find(name->symbol, name->timeframe)) {
      return Status::InvalidInput(at + " 'datasets': " + QuoteBytes(d) +
                                  " is not a declared dataset; declare it with [[dataset]] or fix the name");
    }
  }
  ASSIGN_OR_RETURN(std::string every, GetString(*t, "every", path, at));
  ASSIGN_OR_RETURN(std::string at_text, GetString(*t, "at", path, at));
  if (every.empty() == at_text.empty()) {
    return Status::InvalidInput(at + ": give either every = \"5m\" or at = \"18:10\" (exactly one)");
  }
  if (!every.empty()) {
    auto secs = ParseScheduleDuration(every);
    if (!secs.ok()) return Status::InvalidInput(at + " 'every': " + secs.status().message());
    s.every_seconds = *secs;
    for (const char* key : {"tz", "days", "calendar"}) {
      if (t->get(key)) {
        return Status::InvalidInput(Where(path, *t->get(key)) + ": [[schedule]] " + s.name + ": '" + key +
                                    "' goes with at = \"HH:MM\", not with every");
      }
    }
    return s;
  }
  auto minutes = calendar::ParseMinutes(at_text);
  if (!minutes.ok() || *minutes >= 24 * 60) {
    return Status::InvalidInput(at + " 'at': " + QuoteBytes(at_text) + " must be a time of day \"HH:MM\" (00:00-23:59)");
  }
  s.at_minutes = *minutes;
  ASSIGN_OR_RETURN(std::string tz, GetString(*t, "tz", path, at));
  if (!tz.empty()) s.tz = tz;
  auto zone = TimeZone::Locate(s.tz);
  if (!zone.ok()) return Status::InvalidInput(at + " 'tz': " + zone.status().message());
  ASSIGN_OR_RETURN(auto days, GetList(*t, "days", path, at));
  if (!days.empty()) {
    s.days = 0;
    for (const auto& d : days) {
      int w = -1;
      for (int i = 0; i < 7; ++i) {
        if (d == kDayNames[i]) w = i;
      }
      if (w < 0) {
        return Status::InvalidInput(at + " 'days': " + QuoteBytes(d) + " must be one of sun, mon, tue, wed, thu, fri, sat");
      }
      s.days |= static_cast<uint8_t>(1u << w);
    }
  }
  ASSIGN_OR_RETURN(s.calendar, GetString(*t, "calendar", path, at));
  if (!s.calendar.empty() && !reg.calendars().Find(s.calendar)) {
    return Status::InvalidInput(at + " 'calendar': unknown calendar " + QuoteBytes(s.calendar) + "; known: " +
                                reg.calendars().NamesText());
  }
  return s;
}

Result<AlertSpec> ParseAlert(const toml::node& n, const std::string& path) {
  const toml::table* t = n.as_table();
  if (!t) return Status::InvalidInput(Where(path, n) + ": each [[alert]] must be a table");
  RETURN_IF_ERROR(CheckKeys(*t, {"on", "webhook", "min_interval"}, path, "[[alert]]"));
  AlertSpec a;
  a.source = Where(path, n);
  const std::string at = a.source + " [[alert]]";
  ASSIGN_OR_RETURN(a.on, GetList(*t, "on", path, at));
  if (a.on.empty()) {
    return Status::InvalidInput(at + ": needs on = [\"...\"], events among " + Joined(AlertEvents()));
  }
  for (const auto& e : a.on) {
    if (!OneOf(e, AlertEvents())) {
      return Status::InvalidInput(at + " 'on': event " + QuoteBytes(e) + " must be one of " + Joined(AlertEvents()));
    }
  }
  ASSIGN_OR_RETURN(a.webhook, GetString(*t, "webhook", path, at));
  if (a.webhook.rfind("http://", 0) != 0 && a.webhook.rfind("https://", 0) != 0) {
    return Status::InvalidInput(at + " 'webhook': " + (a.webhook.empty() ? std::string("missing") : "the URL") +
                                " must start with http:// or https://");
  }
  if (a.webhook.find_first_of(" \t\r\n") != std::string::npos || !IsValidUtf8(a.webhook)) {
    return Status::InvalidInput(at + " 'webhook': the URL may not contain spaces or control characters");
  }
  ASSIGN_OR_RETURN(std::string interval, GetString(*t, "min_interval", path, at));
  if (!interval.empty()) {
    auto secs = ParseScheduleDuration(interval);
    if (!secs.ok()) return Status::InvalidInput(at + " 'min_interval': " + secs.status().message());
    a.min_interval_seconds = *secs;
  }
  return a;
}

}  // namespace

const std::vector<std::string>& ScheduleActions() {
  static const std::vector<std::string> kActions = {"update", "regenerate", "health", "backup", "gc"};
  return kActions;
}

const std::vector<std::string>& AlertEvents() {
  static const std::vector<std::string> kEvents = {"job_failed", "health_failed", "stale", "quarantine",
                                                   "provider_down"};
  return kEvents;
}

Result<int64_t> ParseScheduleDuration(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  int64_t scale = 0;
  if (unit == "s") scale = 1;
  else if (unit == "m") scale = 60;
  else if (unit == "h") scale = 3600;
  else if (unit == "d") scale = 86400;
  if (digits == 0 || digits > 6 || scale == 0) {
    return Status::InvalidArgument("duration " + QuoteBytes(text) +
                                   " must be a whole number and one unit: 30s, 5m, 1h or 2d");
  }
  const int64_t n = std::stoll(text.substr(0, digits));
  if (n <= 0) return Status::InvalidArgument("duration " + QuoteBytes(text) + " must be above zero");
  return n * scale;
}

std::string ScheduleSpec::WhenText() const {
  auto unit = [](int64_t s) {
    if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
    if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
    if (s % 60 == 0) return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
  };
  if (every_seconds > 0) return "every " + unit(every_seconds);
  std::string out = "at " + calendar::FormatMinutes(at_minutes) + " " + tz;
  if (days != 0x7f) {
    std::string list;
    for (int w = 0; w < 7; ++w) {
      if (days & (1u << w)) list += (list.empty() ? "" : ",") + std::string(kDayNames[w]);
    }
    out += " " + list;
  }
  if (!calendar.empty()) out += " on " + calendar + " trade dates";
  return out;
}

Status ParseScheduleTables(const std::string& text, const std::string& path, const Registry& reg,
                           std::vector<ScheduleSpec>* schedules, std::vector<AlertSpec>* alerts) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    // Registry::Parse has parsed the same text already; this is only reached if it did not.
    return Status::InvalidInput(path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
  for (const auto& d : reg.datasets()) {
    if (d.live && (d.kind != "bars" || d.is_derived())) {
      return Status::InvalidInput(path + " [[dataset]] " + d.symbol + " " + d.timeframe +
                                  ": live = true is for bars downloaded from a provider; a " +
                                  (d.is_derived() ? "derived dataset is rebuilt from its inputs" : d.kind + " dataset is not polled") +
                                  " (remove the key)");
    }
  }
  if (const toml::node* ss = root.get("schedule")) {
    const toml::array* arr = ss->as_array();
    if (!arr) return Status::InvalidInput(Where(path, *ss) + ": 'schedule' must be [[schedule]] tables");
    for (const toml::node& n : *arr) {
      ASSIGN_OR_RETURN(ScheduleSpec s, ParseSchedule(n, path, reg));
      for (const auto& other : *schedules) {
        if (other.name == s.name) {
          return Status::InvalidInput(s.source + ": [[schedule]] " + s.name + " is declared twice (also at " +
                                      other.source + "); names must be unique");
        }
      }
      schedules->push_back(std::move(s));
    }
  }
  if (const toml::node* as = root.get("alert")) {
    const toml::array* arr = as->as_array();
    if (!arr) return Status::InvalidInput(Where(path, *as) + ": 'alert' must be [[alert]] tables");
    for (const toml::node& n : *arr) {
      ASSIGN_OR_RETURN(AlertSpec a, ParseAlert(n, path));
      alerts->push_back(std::move(a));
    }
  }
  return Status::OK();
}

}  // namespace barlake::registry
