// Registry: the vault's declarative barlake.toml (docs/formats/registry.md).
//
//   [vault]
//   display_tz = "America/New_York"      # how times are shown
//   default_source_tz = "America/Los_Angeles"  # zone of naive stamps (NinjaTrader PCs)
//
//   [[dataset]]
//   symbol = "ES"  timeframe = "1m"  category = "published"  source_tz = "America/Chicago"
//   format = "ninjatrader"  description = "..."  owner = "..."
//   calendar = "CME_Globex"  outside_session = "keep"
//
//   [[calendar]]                      # extend a built-in calendar, or derive a new one
//   name = "CME_Globex"  extra_holidays = ["2031-01-02"]
//   extra_early_closes = { "2031-11-28" = "13:00" }
//
// Users edit this file by hand. barlake only appends a [[dataset]] table (atomically) when
// an import creates a new dataset, so comments and formatting survive. Unknown keys are
// errors, so a misspelt key never silently falls back to a default.
#pragma once

#include <string>
#include <vector>

#include "calendar/calendar.h"
#include "core/result.h"
#include "env/env.h"
#include "registry/schedule_config.h"

namespace barlake::registry {

constexpr const char* kRegistryFileName = "barlake.toml";

struct DatasetSpec {
  /// "bars" (OHLCV under lake/), "snapshot" (GEX option snapshots under snapshots/,
  /// docs/formats/gex-snapshots.md; symbol = ticker, timeframe = "gex") or "table" (a
  /// derived table under tables/, one row per session; timeframe = method =
  /// "session_stats" | "level_touches", docs/derived.md).
  std::string kind = "bars";
  std::string symbol;
  std::string timeframe;
  std::string category = "published";  // published | pipeline | raw
  std::string source_tz;               // empty: the vault's default_source_tz
  std::string format;                  // importer used by default (ninjatrader, ...)
  std::string description;
  std::string owner;
  // Validation (validate/validator.h); every rule and threshold per dataset.
  bool allow_non_positive = false;  // crude futures traded below zero in April 2020
  bool check_alignment = true;
  bool check_spikes = true;
  double spike_scale_multiple = 25;
  double max_reject_share = 0.01;  // an import rejecting more fails, unless --force
  // Sessions (calendar/calendar.h): empty calendar means no session checks.
  std::string calendar;
  std::string outside_session = "keep";  // keep (count and report) | quarantine
  /// "YYYY-MM-DD": the last trade date the dataset can have (a futures contract's expiry,
  /// a delisted stock); staleness is judged up to it, not up to now. Empty: none.
  std::string end_date;
  // Derived datasets (docs/derived.md): built by barlake from other datasets, never imported.
  std::string method;               // empty: imported | resample | sql | session_stats | level_touches
  std::vector<std::string> inputs;  // "SYMBOL TF" of each input dataset
  std::string sql;                  // method sql: a query over the `bars` view
  bool auto_regenerate = true;      // rebuilt when an import changes an input
  // Online providers (docs/providers.md).
  std::string asset_class;  // crypto | stock | future | fx; empty: classified from the symbol
  /// The symbol each provider knows this dataset by, e.g. { yahoo = "ES=F" } (file order).
  std::vector<std::pair<std::string, std::string>> provider_symbols;
  std::string day_start;            // level_touches: "HH:MM" in the calendar's zone, "none"; empty = 09:30
  bool live = false;                // `barlake serve` polls its provider after each bar (docs/live.md)
  bool is_derived() const { return !method.empty(); }
  /// A derived table (kind "table"), not bars.
  bool is_table() const { return kind == "table"; }
  /// Whether `method` builds a derived table (session_stats, level_touches) rather than
  /// bars: such a dataset must say kind = "table".
  static bool IsTableMethod(const std::string& method) {
    return method == "session_stats" || method == "level_touches";
  }
};

/// A dataset named as "SYMBOL TF" (registry `inputs`, `barlake regenerate ES 4h`).
struct DatasetName {
  std::string symbol, timeframe;
  std::string text() const { return symbol + " " + timeframe; }
};
/// Split "ES 1m"; kInvalidArgument for anything but two words separated by one space.
Result<DatasetName> ParseDatasetName(const std::string& text);

/// A [[provider]] table: settings of one online provider (docs/providers.md). The API key
/// is never in the file: `api_key_env` names the environment variable that holds it.
struct ProviderSpec {
  std::string name;
  std::string api_key_env;         // empty: the provider's default (ALPHAVANTAGE_API_KEY)
  std::string url;                 // empty: the public origin (BARLAKE_<NAME>_URL wins over both)
  double requests_per_minute = 0;  // 0: the provider's default
  double timeout_seconds = 30;
  std::string source;  // "file:line", for messages
};

/// A [[rule]] table: which providers serve an asset class at some timeframes, in order.
struct RuleSpec {
  std::string asset_class;              // crypto | stock | future | fx
  std::vector<std::string> timeframes;  // empty: every timeframe
  std::vector<std::string> providers;   // tried in this order (failover)
  std::string source;
};

/// The asset classes rules and datasets name.
bool IsAssetClass(const std::string& name);

struct VaultSettings {
  std::string name = "barlake vault";
  std::string display_tz = "America/New_York";
  std::string default_source_tz = "America/Los_Angeles";
};

class Registry {
 public:
  /// Parse barlake.toml text. Errors name the file, line and key.
  static Result<Registry> Parse(const std::string& text, const std::string& path);
  static Result<Registry> Load(Env* env, const std::string& path);
  /// Write atomically (temp file, fsync, rename, fsync folder).
  Status Save(Env* env, const std::string& path) const;
  std::string Serialize() const;
  /// Declare a new dataset by appending its [[dataset]] table to the file as it is on disk,
  /// so the user's comments, order and formatting are kept. Returns the new registry.
  static Result<Registry> AppendDataset(Env* env, const std::string& path, const DatasetSpec& spec);
  static std::string DatasetBlock(const DatasetSpec& spec);
  /// `text` (a barlake.toml at `path`) with `spec`'s [[dataset]] table appended, or
  /// unchanged when the dataset is declared already. The result is validated.
  static Result<std::string> WithDatasetAppended(const std::string& text, const std::string& path,
                                                 const DatasetSpec& spec);
  /// `text` without the [[dataset]] table of symbol/timeframe (and the blank line before
  /// it), or unchanged when it is not declared. The result is validated.
  static Result<std::string> WithoutDataset(const std::string& text, const std::string& path,
                                            const std::string& symbol, const std::string& timeframe);
  /// Set string keys of one dataset's [[dataset]] table in the file as it is on disk: a
  /// key already there has its value replaced on its line (a trailing comment stays), a
  /// new key is added after the table's last key. The result is validated before the
  /// atomic write. kNotFound if the dataset is not declared.
  static Result<Registry> SetDatasetValues(Env* env, const std::string& path, const std::string& symbol,
                                           const std::string& timeframe,
                                           const std::vector<std::pair<std::string, std::string>>& values);

  /// One key of a dataset's table for SetDatasetSettings: a string (quoted when written)
  /// or a bool/number already written as TOML ("true", "0.05").
  struct DatasetSetting {
    std::string key, value;
    bool is_string = true;
  };
  /// SetDatasetValues for keys of any type: every per-dataset setting (format, source_tz,
  /// calendar, outside_session, max_reject_share, check_alignment, ...). The new text is
  /// validated as a whole (an unknown zone, a share outside 0..1) before the atomic write.
  static Result<Registry> SetDatasetSettings(Env* env, const std::string& path, const std::string& symbol,
                                             const std::string& timeframe,
                                             const std::vector<DatasetSetting>& settings);

  VaultSettings& settings() { return settings_; }
  const VaultSettings& settings() const { return settings_; }
  const std::vector<DatasetSpec>& datasets() const { return datasets_; }
  const DatasetSpec* Find(const std::string& symbol, const std::string& timeframe) const;
  /// The built-in calendars with this file's [[calendar]] additions.
  const calendar::CalendarSet& calendars() const { return calendars_; }
  /// Add or replace the dataset with the same symbol and timeframe.
  void Upsert(const DatasetSpec& spec);
  /// The zone naive stamps of this dataset are in.
  std::string SourceTzFor(const std::string& symbol, const std::string& timeframe) const;
  /// [[provider]] and [[rule]] tables, in file order (docs/providers.md).
  const std::vector<ProviderSpec>& providers() const { return providers_; }
  const std::vector<RuleSpec>& rules() const { return rules_; }
  /// [[schedule]] and [[alert]] tables, in file order (registry/schedule_config.h).
  const std::vector<ScheduleSpec>& schedules() const { return schedules_; }
  const std::vector<AlertSpec>& alerts() const { return alerts_; }

 private:
  VaultSettings settings_;
  std::vector<DatasetSpec> datasets_;
  calendar::CalendarSet calendars_ = calendar::CalendarSet::BuiltIn();
  std::vector<ProviderSpec> providers_;
  std::vector<RuleSpec> rules_;
  std::vector<ScheduleSpec> schedules_;
  std::vector<AlertSpec> alerts_;
  friend struct ProviderTables;
};

}  // namespace barlake::registry
