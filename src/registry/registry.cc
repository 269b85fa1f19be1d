#include "registry/registry.h"
#include "registry/backup_config.h"
#include "registry/deploy_config.h"
#include "registry/retention_config.h"
#include "registry/legacy_config.h"

#define TOML_EXCEPTIONS 1
#include <toml++/toml.h>

#include "registry/toml_fields.h"

#include <functional>
#include <sstream>

#include "core/lines.h"
#include "core/time_zone.h"
#include "core/timeframe.h"
#include "storage/partition_layout.h"

namespace barlake::registry {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

using internal::CheckKeys;
using internal::ReadStringList;
using internal::Where;

// Errors from shared validators (symbol, timeframe, zone) are the file's fault here.
Status AsInput(const Status& s, const std::string& where) {
  if (s.ok()) return s;
  return Status::InvalidInput(where + ": " + s.message());
}

Result<bool> GetBool(const toml::table& t, const char* key, const std::string& path, bool fallback) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  if (!n->is_boolean()) return Status::InvalidInput(Where(path, *n) + ": '" + key + "' must be true or false");
  return n->value<bool>().value_or(fallback);
}

Result<double> GetNumber(const toml::table& t, const char* key, const std::string& path, double fallback) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  if (!n->is_number()) return Status::InvalidInput(Where(path, *n) + ": '" + key + "' must be a number");
  return n->value<double>().value_or(fallback);
}

Result<std::string> GetString(const toml::table& t, const char* key, const std::string& path,
                              std::string fallback) {
  const toml::node* n = t.get(key);
  if (!n) return fallback;
  if (!n->is_string()) {
    return Status::InvalidInput(Where(path, *n) + ": '" + key + "' must be a quoted string");
  }
  return n->value<std::string>().value_or(fallback);
}

// Calls `each` for every table of the array of tables `name` ([[name]]) in `root`.
Status ForEachTable(const toml::table& root, const std::string& name, const std::string& path,
                    const std::function<Status(const toml::table& t, const toml::node& n)>& each) {
  const toml::node* all = root.get(name);
  if (!all) return Status::OK();
  const toml::array* arr = all->as_array();
  if (!arr) return Status::InvalidInput(Where(path, *all) + ": '" + name + "' must be [[" + name + "]] tables");
  for (const toml::node& n : *arr) {
    const toml::table* t = n.as_table();
    if (!t) return Status::InvalidInput(Where(path, n) + ": each [[" + name + "]] must be a table");
    RETURN_IF_ERROR(each(*t, n));
  }
  return Status::OK();
}

// A list of quoted strings under `key` (none: empty); `shape` ends the error message.
Result<std::vector<std::string>> StringList(const toml::table& t, const char* key, const std::string& path,
                                            const std::string& shape) {
  return ReadStringList(t, key, path, false, "'" + std::string(key) + "' must be " + shape);
}

// A [[calendar]] table: extends a calendar, or derives a new one from `base`.
Result<calendar::CalendarExtension> ParseCalendarTable(const toml::node& n, const std::string& path) {
  const toml::table* t = n.as_table();
  if (!t) return Status::InvalidInput(Where(path, n) + ": each [[calendar]] must be a table");
  RETURN_IF_ERROR(CheckKeys(*t, {"name", "base", "description", "open", "close", "extra_holidays",
                                 "extra_early_closes"},
                            path, "[[calendar]]"));
  calendar::CalendarExtension ext;
  ext.source = Where(path, n);
  ASSIGN_OR_RETURN(ext.name, GetString(*t, "name", path, ""));
  ASSIGN_OR_RETURN(ext.base, GetString(*t, "base", path, ""));
  ASSIGN_OR_RETURN(ext.description, GetString(*t, "description", path, ""));
  const std::string at = ext.source + " [[calendar]] " + ext.name;
  for (const char* key : {"open", "close"}) {
    ASSIGN_OR_RETURN(std::string text, GetString(*t, key, path, ""));
    if (text.empty()) continue;
    auto minutes = calendar::ParseMinutes(text);
    if (!minutes.ok()) return AsInput(minutes.status(), at + " '" + key + "'");
    (std::string(key) == "open" ? ext.open_minutes : ext.close_minutes) = *minutes;
  }
  if (const toml::node* h = t->get("extra_holidays")) {
    const toml::array* arr = h->as_array();
    if (!arr) return Status::InvalidInput(Where(path, *h) + ": 'extra_holidays' must be a list of \"YYYY-MM-DD\" dates");
    for (const toml::node& d : *arr) {
      auto date = d.is_string() ? calendar::ParseDate(*d.value<std::string>())
                                : Result<int32_t>(Status::InvalidArgument("a date must be a quoted \"YYYY-MM-DD\""));
      if (!date.ok()) return AsInput(date.status(), Where(path, d) + " [[calendar]] " + ext.name + " 'extra_holidays'");
      ext.extra_holidays.push_back(*date);
    }
  }
  if (const toml::node* e = t->get("extra_early_closes")) {
    const toml::table* closes = e->as_table();
    if (!closes) {
      return Status::InvalidInput(Where(path, *e) +
                                  ": 'extra_early_closes' must be a table of dates to closing times, "
                                  "e.g. { \"2031-11-28\" = \"13:00\" }");
    }
    for (const auto& [key, v] : *closes) {
      const std::string where = Where(path, v) + " [[calendar]] " + ext.name + " 'extra_early_closes'";
      auto date = calendar::ParseDate(std::string(key.str()));
      if (!date.ok()) return AsInput(date.status(), where);
      auto minutes = v.is_string() ? calendar::ParseMinutes(*v.value<std::string>())
                                   : Result<int>(Status::InvalidArgument("the closing time must be a quoted \"HH:MM\""));
      if (!minutes.ok()) return AsInput(minutes.status(), where);
      ext.extra_early_closes[*date] = *minutes;
    }
  }
  return ext;
}

}  // namespace

namespace {

// The keys of a derived dataset must describe something barlake can build.
Status CheckDerivedSpec(const DatasetSpec& d, const std::string& at) {
  if (d.method.empty()) {
    if (!d.inputs.empty() || !d.sql.empty()) {
      return Status::InvalidInput(at + ": 'inputs' and 'sql' belong to derived datasets; add method = \"resample\" or \"sql\"");
    }
    return Status::OK();
  }
  if (d.method != "resample" && d.method != "sql" && !DatasetSpec::IsTableMethod(d.method)) {
    return Status::InvalidInput(at + ": method '" + d.method + "' must be resample, sql, session_stats or level_touches");
  }
  if (DatasetSpec::IsTableMethod(d.method) && d.kind != "table") {
    return Status::InvalidInput(at + ": method " + d.method + " builds a table, not bars: add kind = \"table\"");
  }
  if (!d.day_start.empty() && d.method != "level_touches") {
    return Status::InvalidInput(at + ": 'day_start' is for method level_touches");
  }
  if (!d.day_start.empty() && d.day_start != "none") {
    auto m = calendar::ParseMinutes(d.day_start);
    if (!m.ok() || *m >= 24 * 60) {
      return Status::InvalidInput(at + ": day_start '" + d.day_start + "' must be HH:MM before 24:00, or \"none\"");
    }
  }
  if (d.inputs.empty()) return Status::InvalidInput(at + ": a derived dataset needs inputs = [\"SYMBOL TF\", ...]");
  for (const auto& in : d.inputs) {
    if (!ParseDatasetName(in).ok()) {
      return Status::InvalidInput(at + ": input '" + in + "' must be \"SYMBOL TF\", e.g. \"ES 1m\"");
    }
    if (in == d.symbol + " " + d.timeframe) return Status::InvalidInput(at + ": a dataset cannot be its own input");
  }
  if (d.method == "resample" || d.is_table()) {
    if (d.inputs.size() != 1) return Status::InvalidInput(at + ": method " + d.method + " takes exactly one input");
    if (!d.sql.empty()) return Status::InvalidInput(at + ": 'sql' is for method sql");
  }
  if (d.method == "sql" && d.sql.empty()) {
    return Status::InvalidInput(at + ": method sql needs sql = \"SELECT ts, open, high, low, close, volume FROM bars WHERE ...\"");
  }
  return Status::OK();
}

}  // namespace

Result<DatasetName> ParseDatasetName(const std::string& text) {
  const auto space = text.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 == text.size() ||
      text.find(' ', space + 1) != std::string::npos) {
    return Status::InvalidArgument("'" + text + "' must name a dataset as \"SYMBOL TF\", e.g. \"ES 1m\"");
  }
  return DatasetName{text.substr(0, space), text.substr(space + 1)};
}

bool IsAssetClass(const std::string& name) {
  return name == "crypto" || name == "stock" || name == "future" || name == "fx";
}

// The online-provider parts of the file: [[provider]], [[rule]] and the dataset keys
// asset_class and provider_symbols (docs/providers.md). Provider names are checked where
// they are used (providers/), which knows the providers; this module does not.
struct ProviderTables {
  static Status Parse(const toml::table& root, const std::string& path, Registry* r) {
    const Status walked = ForEachTable(root, "provider", path, [&](const toml::table& table, const toml::node& n) -> Status {
        const toml::table* t = &table;
        RETURN_IF_ERROR(CheckKeys(*t, {"name", "api_key_env", "url", "requests_per_minute", "timeout_seconds"},
                                  path, "[[provider]]"));
        ProviderSpec p;
        p.source = Where(path, n);
        ASSIGN_OR_RETURN(p.name, GetString(*t, "name", path, ""));
        ASSIGN_OR_RETURN(p.api_key_env, GetString(*t, "api_key_env", path, ""));
        ASSIGN_OR_RETURN(p.url, GetString(*t, "url", path, ""));
        ASSIGN_OR_RETURN(p.requests_per_minute, GetNumber(*t, "requests_per_minute", path, 0));
        ASSIGN_OR_RETURN(p.timeout_seconds, GetNumber(*t, "timeout_seconds", path, 30));
        if (p.name.empty()) return Status::InvalidInput(p.source + ": [[provider]] needs a name");
        if (p.requests_per_minute < 0 || p.timeout_seconds <= 0) {
          return Status::InvalidInput(p.source + ": [[provider]] " + p.name +
                                      ": requests_per_minute must be >= 0 and timeout_seconds above 0");
        }
        for (const auto& q : r->providers_) {
          if (q.name == p.name) return Status::InvalidInput(p.source + ": [[provider]] " + p.name + " is declared twice");
        }
        r->providers_.push_back(std::move(p));
        return Status::OK();
    });
    if (!walked.ok()) return walked;
    return ForEachTable(root, "rule", path, [&](const toml::table& table, const toml::node& n) -> Status {
        const toml::table* t = &table;
        RETURN_IF_ERROR(CheckKeys(*t, {"asset_class", "timeframes", "providers"}, path, "[[rule]]"));
        RuleSpec rule;
        rule.source = Where(path, n);
        ASSIGN_OR_RETURN(rule.asset_class, GetString(*t, "asset_class", path, ""));
        ASSIGN_OR_RETURN(rule.timeframes, StringList(*t, "timeframes", path, "a list of quoted strings"));
        ASSIGN_OR_RETURN(rule.providers, StringList(*t, "providers", path, "a list of quoted strings"));
        if (!IsAssetClass(rule.asset_class)) {
          return Status::InvalidInput(rule.source + ": [[rule]] asset_class '" + rule.asset_class +
                                      "' must be crypto, stock, future or fx");
        }
        for (const auto& tf : rule.timeframes) {
          auto parsed = Timeframe::Parse(tf);
          if (!parsed.ok()) return AsInput(parsed.status(), rule.source + " [[rule]] timeframes");
        }
        if (rule.providers.empty()) {
          return Status::InvalidInput(rule.source + ": [[rule]] needs providers = [\"...\"] (tried in order)");
        }
        r->rules_.push_back(std::move(rule));
        return Status::OK();
    });
  }

  static Status ParseDatasetKeys(const toml::table& t, const std::string& path, DatasetSpec* d) {
    ASSIGN_OR_RETURN(d->asset_class, GetString(t, "asset_class", path, ""));
    if (!d->asset_class.empty() && !IsAssetClass(d->asset_class)) {
      return Status::InvalidInput(Where(path, *t.get("asset_class")) + ": asset_class '" + d->asset_class +
                                  "' must be crypto, stock, future or fx");
    }
    if (const toml::node* n = t.get("provider_symbols")) {
      const toml::table* m = n->as_table();
      if (!m) {
        return Status::InvalidInput(Where(path, *n) +
                                    ": 'provider_symbols' must be a table like { yahoo = \"ES=F\" }");
      }
      for (const auto& [key, v] : *m) {
        if (!v.is_string()) {
          return Status::InvalidInput(Where(path, v) + ": provider_symbols." + std::string(key.str()) +
                                      " must be a quoted symbol");
        }
        d->provider_symbols.emplace_back(std::string(key.str()), *v.value<std::string>());
      }
    }
    return Status::OK();
  }
};

Result<Registry> Registry::Parse(const std::string& text, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidInput(path + ":" + std::to_string(e.source().begin.line) + ":" +
                                std::to_string(e.source().begin.column) + ": " +
                                std::string(e.description()) + "; fix the registry file");
  }
  Registry r;
  RETURN_IF_ERROR(CheckKeys(root, {"vault", "dataset", "calendar", "provider", "rule", "schedule", "alert", "backup",
                             "retention", "legacy"},
                            path, "the registry"));
  RETURN_IF_ERROR(ParseBackupTargets(text, path).status());  // [[backup]]: registry/backup_config.h
  RETURN_IF_ERROR(ParseRetention(text, path).status());      // [retention]: registry/retention_config.h
  RETURN_IF_ERROR(ParseDeployLimits(text, path).status());   // max_age, max_size: registry/deploy_config.h
  RETURN_IF_ERROR(ParseLegacySources(text, path).status());  // [[legacy]]: registry/legacy_config.h
  RETURN_IF_ERROR(ProviderTables::Parse(root, path, &r));
  if (const toml::table* v = root["vault"].as_table()) {
    RETURN_IF_ERROR(CheckKeys(*v, {"name", "display_tz", "default_source_tz"}, path, "[vault]"));
    ASSIGN_OR_RETURN(r.settings_.name, GetString(*v, "name", path, r.settings_.name));
    ASSIGN_OR_RETURN(r.settings_.display_tz, GetString(*v, "display_tz", path, r.settings_.display_tz));
    ASSIGN_OR_RETURN(r.settings_.default_source_tz,
                     GetString(*v, "default_source_tz", path, r.settings_.default_source_tz));
    for (const std::string* tz : {&r.settings_.display_tz, &r.settings_.default_source_tz}) {
      auto z = TimeZone::Locate(*tz);
      if (!z.ok()) return AsInput(z.status(), path + " [vault]");
    }
  }
  if (const toml::node* cals = root.get("calendar")) {
    const toml::array* arr = cals->as_array();
    if (!arr) return Status::InvalidInput(Where(path, *cals) + ": 'calendar' must be [[calendar]] tables");
    for (const toml::node& n : *arr) {
      ASSIGN_OR_RETURN(calendar::CalendarExtension ext, ParseCalendarTable(n, path));
      RETURN_IF_ERROR(AsInput(r.calendars_.Extend(ext), ext.source + " [[calendar]] " + ext.name));
    }
  }
  const Status walked = ForEachTable(root, "dataset", path, [&](const toml::table& table, const toml::node& n) -> Status {
        const toml::table* t = &table;
      RETURN_IF_ERROR(CheckKeys(*t, {"kind", "symbol", "timeframe", "category", "source_tz", "format",
                                     "description", "owner", "allow_non_positive", "check_alignment",
                                     "check_spikes", "spike_scale_multiple", "max_reject_share",
                                     "calendar", "outside_session", "method", "inputs", "sql",
                                     "auto_regenerate", "day_start", "asset_class", "provider_symbols", "live",
                                     "end_date", "max_age", "max_size"},
                                path, "[[dataset]]"));
      DatasetSpec d;
      ASSIGN_OR_RETURN(d.kind, GetString(*t, "kind", path, "bars"));
      ASSIGN_OR_RETURN(d.symbol, GetString(*t, "symbol", path, ""));
      ASSIGN_OR_RETURN(d.timeframe, GetString(*t, "timeframe", path, ""));
      ASSIGN_OR_RETURN(d.category, GetString(*t, "category", path, "published"));
      ASSIGN_OR_RETURN(d.source_tz, GetString(*t, "source_tz", path, ""));
      ASSIGN_OR_RETURN(d.format, GetString(*t, "format", path, ""));
      ASSIGN_OR_RETURN(d.description, GetString(*t, "description", path, ""));
      ASSIGN_OR_RETURN(d.owner, GetString(*t, "owner", path, ""));
      ASSIGN_OR_RETURN(d.allow_non_positive, GetBool(*t, "allow_non_positive", path, false));
      ASSIGN_OR_RETURN(d.check_alignment, GetBool(*t, "check_alignment", path, true));
      ASSIGN_OR_RETURN(d.check_spikes, GetBool(*t, "check_spikes", path, true));
      ASSIGN_OR_RETURN(d.spike_scale_multiple, GetNumber(*t, "spike_scale_multiple", path, 25));
      ASSIGN_OR_RETURN(d.max_reject_share, GetNumber(*t, "max_reject_share", path, 0.01));
      ASSIGN_OR_RETURN(d.calendar, GetString(*t, "calendar", path, ""));
      ASSIGN_OR_RETURN(d.outside_session, GetString(*t, "outside_session", path, "keep"));
      ASSIGN_OR_RETURN(d.method, GetString(*t, "method", path, ""));
      ASSIGN_OR_RETURN(d.sql, GetString(*t, "sql", path, ""));
      ASSIGN_OR_RETURN(d.auto_regenerate, GetBool(*t, "auto_regenerate", path, true));
      ASSIGN_OR_RETURN(d.day_start, GetString(*t, "day_start", path, ""));
      ASSIGN_OR_RETURN(d.live, GetBool(*t, "live", path, false));
      ASSIGN_OR_RETURN(d.end_date, GetString(*t, "end_date", path, ""));
      if (!d.end_date.empty() && !calendar::ParseDate(d.end_date).ok()) {
        return Status::InvalidInput(Where(path, n) + ": end_date '" + d.end_date + "' must be YYYY-MM-DD");
      }
      RETURN_IF_ERROR(ProviderTables::ParseDatasetKeys(*t, path, &d));
      ASSIGN_OR_RETURN(d.inputs, StringList(*t, "inputs", path, "a list like [\"ES 1m\"]"));
      if (d.max_reject_share < 0 || d.max_reject_share > 1 || d.spike_scale_multiple <= 0) {
        return Status::InvalidInput(Where(path, n) + ": max_reject_share must be in [0, 1] and "
                                    "spike_scale_multiple above 0");
      }
      const std::string at = Where(path, n) + " [[dataset]] " + d.symbol + " " + d.timeframe;
      RETURN_IF_ERROR(AsInput(storage::ValidateSymbol(d.symbol), at));
      if (d.kind == "snapshot") {
        if (d.timeframe != "gex") {
          return Status::InvalidInput(at + ": a snapshot dataset has timeframe = \"gex\" (the only snapshot kind)");
        }
        if (!d.method.empty()) return Status::InvalidInput(at + ": a snapshot dataset cannot be derived (method)");
      } else if (d.kind == "table") {
        if (d.method != d.timeframe || !DatasetSpec::IsTableMethod(d.method)) {
          return Status::InvalidInput(at + ": a table dataset has method and timeframe both \"session_stats\" or both "
                                      "\"level_touches\"");
        }
        if (d.calendar.empty()) {
          return Status::InvalidInput(at + ": " + d.method + " are per session, so the dataset needs calendar = \"NAME\"");
        }
      } else if (d.kind != "bars") {
        return Status::InvalidInput(at + ": kind '" + d.kind + "' must be bars, snapshot or table");
      } else {
        if (DatasetSpec::IsTableMethod(d.method)) {
          return Status::InvalidInput(at + ": method " + d.method + " builds a table, not bars: add kind = \"table\"");
        }
        auto tf = Timeframe::Parse(d.timeframe);
        if (!tf.ok()) return AsInput(tf.status(), at);
      }
      if (d.category != "published" && d.category != "pipeline" && d.category != "raw") {
        return Status::InvalidInput(at + ": category '" + d.category +
                                    "' must be published, pipeline or raw");
      }
      if (!d.source_tz.empty()) {
        auto z = TimeZone::Locate(d.source_tz);
        if (!z.ok()) return AsInput(z.status(), at);
      }
      if (!d.calendar.empty() && !r.calendars_.Find(d.calendar)) {
        return Status::InvalidInput(at + ": unknown calendar '" + d.calendar + "'; known: " +
                                    r.calendars_.NamesText() + " (or define it in a [[calendar]] table)");
      }
      if (d.outside_session != "keep" && d.outside_session != "quarantine") {
        return Status::InvalidInput(at + ": outside_session '" + d.outside_session + "' must be keep or quarantine");
      }
      RETURN_IF_ERROR(CheckDerivedSpec(d, at));
      if (r.Find(d.symbol, d.timeframe)) {
        return Status::InvalidInput(at + ": declared twice; keep one [[dataset]] entry");
      }
      r.datasets_.push_back(d);
      return Status::OK();
  });
  if (!walked.ok()) return walked;
  RETURN_IF_ERROR(ParseScheduleTables(text, path, r, &r.schedules_, &r.alerts_));
  return r;
}

Result<Registry> Registry::Load(Env* env, const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, env->ReadFile(path));
  return Parse(text, path);
}

std::string Registry::Serialize() const {
  std::ostringstream o;
  o << "# barlake registry: the vault's settings and every dataset it holds.\n"
       "# Edit by hand; barlake adds [[dataset]] entries when an import creates a dataset.\n"
       "# Reference: docs/formats/registry.md\n\n";
  o << "[vault]\n";
  o << "name = " << Quote(settings_.name) << "\n";
  o << "display_tz = " << Quote(settings_.display_tz) << "  # how times are shown\n";
  o << "default_source_tz = " << Quote(settings_.default_source_tz)
    << "  # zone of naive source stamps unless a dataset or --tz says otherwise\n";
  for (const auto& d : datasets_) o << "\n" << DatasetBlock(d);
  return o.str();
}

std::string Registry::DatasetBlock(const DatasetSpec& d) {
  std::ostringstream o;
  o << "[[dataset]]\n";
  if (d.kind != "bars") o << "kind = " << Quote(d.kind) << "  # bars | snapshot | table\n";
  o << "symbol = " << Quote(d.symbol) << "\n";
  o << "timeframe = " << Quote(d.timeframe) << "\n";
  o << "category = " << Quote(d.category) << "  # published | pipeline | raw\n";
  if (!d.source_tz.empty()) o << "source_tz = " << Quote(d.source_tz) << "\n";
  if (!d.format.empty()) o << "format = " << Quote(d.format) << "\n";
  if (!d.description.empty()) o << "description = " << Quote(d.description) << "\n";
  if (!d.owner.empty()) o << "owner = " << Quote(d.owner) << "\n";
  if (d.allow_non_positive) o << "allow_non_positive = true\n";
  if (!d.check_alignment) o << "check_alignment = false\n";
  if (!d.check_spikes) o << "check_spikes = false\n";
  if (d.spike_scale_multiple != 25) o << "spike_scale_multiple = " << d.spike_scale_multiple << "\n";
  if (d.max_reject_share != 0.01) o << "max_reject_share = " << d.max_reject_share << "\n";
  if (!d.calendar.empty()) o << "calendar = " << Quote(d.calendar) << "\n";
  if (d.outside_session != "keep") o << "outside_session = " << Quote(d.outside_session) << "\n";
  if (!d.end_date.empty()) o << "end_date = " << Quote(d.end_date) << "  # last trade date: not stale after it\n";
  if (!d.method.empty()) o << "method = " << Quote(d.method) << "\n";
  if (!d.inputs.empty()) {
    o << "inputs = [";
    for (size_t i = 0; i < d.inputs.size(); ++i) o << (i ? ", " : "") << Quote(d.inputs[i]);
    o << "]\n";
  }
  if (!d.sql.empty()) o << "sql = " << Quote(d.sql) << "\n";
  if (!d.day_start.empty()) o << "day_start = " << Quote(d.day_start) << "  # HH:MM in the calendar's zone, or none\n";
  if (!d.auto_regenerate) o << "auto_regenerate = false\n";
  return o.str();
}

Result<std::string> Registry::WithDatasetAppended(const std::string& text, const std::string& path,
                                                 const DatasetSpec& spec) {
  {
    // Someone (another import, or the user) may have declared it since we loaded the file.
    ASSIGN_OR_RETURN(Registry current, Parse(text, path));
    if (current.Find(spec.symbol, spec.timeframe)) return text;
  }
  std::string out = text;
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += "\n" + DatasetBlock(spec);
  RETURN_IF_ERROR(Parse(out, path).status());
  return out;
}

Result<std::string> Registry::WithoutDataset(const std::string& text, const std::string& path,
                                            const std::string& symbol, const std::string& timeframe) {
  ASSIGN_OR_RETURN(Registry current, Parse(text, path));
  if (!current.Find(symbol, timeframe)) return text;
  std::vector<std::string> lines = SplitLinesKeepingEnds(text);
  auto is_header = [&](size_t i) {
    const auto first = lines[i].find_first_not_of(" \t");
    return first != std::string::npos && lines[i][first] == '[';
  };
  // Each [[dataset]] table runs from its header to the next header; parse it alone to
  // tell whose it is.
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("[[dataset]]", 0) != 0) continue;
    size_t end = i + 1;
    while (end < lines.size() && !is_header(end)) ++end;
    std::string block;
    for (size_t k = i; k < end; ++k) block += lines[k];
    bool match = false;
    try {
      const toml::table t = toml::parse(block, path);
      const toml::table* d = t["dataset"][0].as_table();
      match = d && (*d)["symbol"].value_or(std::string()) == symbol &&
              (*d)["timeframe"].value_or(std::string()) == timeframe;
    } catch (const toml::parse_error&) {
    }
    if (!match) continue;
    size_t begin = i;
    if (begin > 0 && lines[begin - 1].find_first_not_of(" \t\r\n") == std::string::npos) --begin;
    std::string out;
    for (size_t k = 0; k < lines.size(); ++k) {
      if (k < begin || k >= end) out += lines[k];
    }
    RETURN_IF_ERROR(Parse(out, path).status());
    return out;
  }
  return Status::InvalidInput(path + ": dataset " + symbol + " " + timeframe +
                              " is not a [[dataset]] table of its own; remove it by hand");
}

Result<Registry> Registry::AppendDataset(Env* env, const std::string& path, const DatasetSpec& spec) {
  ASSIGN_OR_RETURN(std::string text, env->ReadFile(path));
  ASSIGN_OR_RETURN(std::string updated_text, WithDatasetAppended(text, path, spec));
  ASSIGN_OR_RETURN(Registry updated, Parse(updated_text, path));
  if (updated_text != text) RETURN_IF_ERROR(WriteFileAtomic(env, path, updated_text));
  return updated;
}

namespace {

// Replace or add one key in the [[dataset]] table of symbol/timeframe, editing only that
// line of `text` (or adding one), so everything else stays byte for byte. A string
// (`is_string`) replaces the quoted value; any other value (a bool or a number, `value`
// already rendered as TOML) replaces what follows '=' (a trailing comment stays).
Result<std::string> SetKeyInText(const std::string& text, const std::string& path, const std::string& symbol,
                                 const std::string& timeframe, const std::string& key, const std::string& value,
                                 bool is_string) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidInput(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                std::string(e.description()) + "; fix the registry file first");
  }
  const toml::table* found = nullptr;
  if (const toml::array* arr = root["dataset"].as_array()) {
    for (const toml::node& n : *arr) {
      const toml::table* t = n.as_table();
      if (t && t->get("symbol") && t->get("timeframe") &&
          t->get("symbol")->value<std::string>().value_or("") == symbol &&
          t->get("timeframe")->value<std::string>().value_or("") == timeframe) {
        found = t;
      }
    }
  }
  if (!found) {
    return Status::NotFound("dataset " + symbol + " " + timeframe + " is not declared in " + path +
                            "; import it first or add a [[dataset]] table for it");
  }
  if (found->is_inline()) {
    return Status::InvalidInput(path + ": dataset " + symbol + " " + timeframe +
                                " is an inline table; set '" + key + "' by hand");
  }
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size() - 1;
    lines.push_back(text.substr(pos, nl - pos + 1));
    pos = nl + 1;
  }
  const std::string rendered = is_string ? Quote(value) : value;
  if (const toml::node* existing = found->get(key)) {
    const size_t line = existing->source().begin.line;
    const auto by_hand = [&] {
      return Status::InvalidInput(path + ":" + std::to_string(line) + ": set '" + key + "' by hand");
    };
    // Only a one-line value of the same sort (a string for a string, a scalar for a
    // scalar) is edited in place.
    const bool same_sort = is_string ? existing->is_string()
                                     : !(existing->is_string() || existing->is_array() || existing->is_table());
    if (line < 1 || line > lines.size() || existing->source().end.line != line || !same_sort) return by_hand();
    std::string& l = lines[line - 1];
    const size_t eq = l.find('=');
    if (eq == std::string::npos) return by_hand();
    if (is_string) {
      const size_t open = l.find_first_of("\"'", eq);
      if (open == std::string::npos) return by_hand();
      size_t close = open + 1;
      while (close < l.size() && l[close] != l[open]) close += (l[open] == '"' && l[close] == '\\') ? 2 : 1;
      if (close >= l.size()) return by_hand();
      l = l.substr(0, open) + rendered + l.substr(close + 1);
    } else {
      size_t stop = l.find('#', eq);
      if (stop == std::string::npos) stop = l.find_last_not_of("\r\n") + 1;
      l = l.substr(0, eq + 1) + " " + rendered + (l[stop] == '#' ? "  " : "") + l.substr(stop);
    }
  } else {
    size_t last = 0;
    for (const auto& [k, v] : *found) last = std::max<size_t>(last, v.source().end.line);
    if (last < 1 || last > lines.size()) return Status::Internal(path + ": cannot place '" + key + "'");
    if (!lines[last - 1].empty() && lines[last - 1].back() != '\n') lines[last - 1] += '\n';
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(last), key + " = " + rendered + "\n");
  }
  std::string out;
  for (const auto& l : lines) out += l;
  return out;
}

}  // namespace

Result<Registry> Registry::SetDatasetValues(Env* env, const std::string& path, const std::string& symbol,
                                            const std::string& timeframe,
                                            const std::vector<std::pair<std::string, std::string>>& values) {
  ASSIGN_OR_RETURN(std::string text, env->ReadFile(path));
  for (const auto& [key, value] : values) {
    ASSIGN_OR_RETURN(text, SetKeyInText(text, path, symbol, timeframe, key, value, /*is_string=*/true));
  }
  ASSIGN_OR_RETURN(Registry updated, Parse(text, path));
  RETURN_IF_ERROR(WriteFileAtomic(env, path, text));
  return updated;
}

Result<Registry> Registry::SetDatasetSettings(Env* env, const std::string& path, const std::string& symbol,
                                              const std::string& timeframe,
                                              const std::vector<DatasetSetting>& settings) {
  ASSIGN_OR_RETURN(std::string text, env->ReadFile(path));
  for (const auto& setting : settings) {
    ASSIGN_OR_RETURN(text, SetKeyInText(text, path, symbol, timeframe, setting.key, setting.value, setting.is_string));
  }
  // Parse validates every value (zones, ranges, names) before anything is written.
  ASSIGN_OR_RETURN(Registry updated, Parse(text, path));
  RETURN_IF_ERROR(WriteFileAtomic(env, path, text));
  return updated;
}

Status Registry::Save(Env* env, const std::string& path) const {
  return WriteFileAtomic(env, path, Serialize());
}

const DatasetSpec* Registry::Find(const std::string& symbol, const std::string& timeframe) const {
  for (const auto& d : datasets_) {
    if (d.symbol == symbol && d.timeframe == timeframe) return &d;
  }
  return nullptr;
}

void Registry::Upsert(const DatasetSpec& spec) {
  for (auto& d : datasets_) {
    if (d.symbol == spec.symbol && d.timeframe == spec.timeframe) {
      d = spec;
      return;
    }
  }
  datasets_.push_back(spec);
}

std::string Registry::SourceTzFor(const std::string& symbol, const std::string& timeframe) const {
  const DatasetSpec* d = Find(symbol, timeframe);
  if (d && !d->source_tz.empty()) return d->source_tz;
  return settings_.default_source_tz;
}

}  // namespace barlake::registry
