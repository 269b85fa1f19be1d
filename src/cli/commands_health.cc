// Subcommands of the health area (registered from Run() in commands.cc):
//   barlake health [SYMBOL [TF]] [--json] [--gap-min 30m]
//   barlake gaps SYMBOL TF [--from T] [--to T] [--min 30m] [--json]
// See docs/health.md.
#include <cstdio>
#include <limits>
#include <map>
#include <memory>

#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "calendar/calendar.h"
#include "core/json_text.h"
#include "core/timeframe.h"
#include "health/health.h"
#include "lake/dataset_health.h"

namespace barlake::cli {

namespace {

using nlohmann::json;


struct HealthArgs {
  std::string symbol, timeframe, gap_min = "30m";
  bool as_json = false;
};

struct GapsArgs {
  std::string symbol, timeframe, from, to, min = "30m";
  bool as_json = false;
};

std::string Percent(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 99.995 && v < 100 ? "%.3f%%" : "%.2f%%", v);
  return buf;
}




/// A table indented under a heading.
std::string Indented(const std::string& table) {
  std::string out = "  ";
  for (size_t i = 0; i < table.size(); ++i) {
    out += table[i];
    if (table[i] == '\n' && i + 1 < table.size()) out += "  ";
  }
  return out;
}

std::string StalenessText(const health::HealthReport& r) {
  if (!r.calendar_checked) return "-";
  if (!r.staleness.stale) return "no";
  return health::DurationText(r.staleness.missing_bars_at_end * r.bar_seconds);
}

void PrintDetails(const barlake::DatasetHealth& h, TimeZone& tz) {
  const health::HealthReport& r = h.report;
  std::printf("\n%s %s: score %d, %s\n", h.symbol.c_str(), h.timeframe.c_str(), r.score,
              health::StatusName(r.status));
  for (const auto& n : r.notes) std::printf("  note: %s\n", n.c_str());
  if (r.calendar_checked) {
    std::printf("  calendar %s (daily pattern read in %s); times below in %s\n", h.calendar.c_str(),
                h.zone.c_str(), tz.name().c_str());
    std::printf("  coverage %s: %s of %s expected bars\n", Percent(r.coverage_pct).c_str(),
                WithThousands(r.present).c_str(), WithThousands(r.expected).c_str());
    std::map<int, std::pair<int64_t, int64_t>> years;
    for (const auto& m : r.by_month) {
      years[m.year].first += m.expected;
      years[m.year].second += m.present;
    }
    if (years.size() > 1) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& [y, ep] : years) {
        rows.push_back({std::to_string(y), WithThousands(ep.first), WithThousands(ep.second),
                        Percent(ep.first ? 100.0 * ep.second / ep.first : 100)});
      }
      std::printf("%s", Indented(FormatTable({"YEAR", "EXPECTED", "PRESENT", "COVERAGE"}, rows)).c_str());
    }
    std::printf("  gaps: %zu (%s missing bars)\n", r.gaps.size(), WithThousands(r.gap_missing_bars).c_str());
    const auto shown = lake::LongestGaps(r.gaps, 20);
    if (!shown.empty()) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& g : shown) {
        rows.push_back({LocalText(tz, g.start), LocalText(tz, g.end), WithThousands(g.missing_bars),
                        health::DurationText(g.session_seconds)});
      }
      std::printf("%s", Indented(FormatTable({"START", "END", "MISSING", "SESSION TIME"}, rows)).c_str());
      if (shown.size() < r.gaps.size()) {
        std::printf("  (the %zu longest; `barlake gaps %s %s` lists them all)\n", shown.size(), h.symbol.c_str(),
                    h.timeframe.c_str());
      }
    }
    std::printf("  stray bars (outside every session): %s\n", WithThousands(r.stray_count).c_str());
    for (Micros t : r.stray_examples) std::printf("    %s\n", LocalText(tz, t).c_str());
    std::printf("  suspicious weeks: %zu of %lld checked\n", r.suspicious_weeks.size(),
                static_cast<long long>(r.weeks_checked));
    for (const auto& w : r.suspicious_weeks) {
      std::printf("    week of %s: %s\n", FormatIsoUtc(static_cast<Micros>(w.week_start) * kMicrosPerDay).substr(0, 10).c_str(),
                  w.description.c_str());
    }
    const auto& st = r.staleness;
    std::printf("  last bar ends %s (%s ago)", LocalText(tz, st.last_bar_end).c_str(),
                health::DurationText(st.age_seconds).c_str());
    if (st.missing_bars_at_end > 0) {
      std::printf("; %s expected bars missing up to the session that closed %s%s",
                  WithThousands(st.missing_bars_at_end).c_str(), LocalText(tz, st.last_closed_close).c_str(),
                  st.stale ? " (stale)" : "");
    }
    std::printf("\n");
  }
  if (!r.schema_drift.empty()) {
    std::printf("  schema drift:\n");
    for (const auto& d : r.schema_drift) std::printf("    %s\n", d.c_str());
  }
  if (!r.stale_derived.empty()) {
    std::printf("  stale derived data:\n");
    for (const auto& d : r.stale_derived) std::printf("    %s\n", d.c_str());
  }
}

int CmdHealth(const Globals& g, const HealthArgs& a) {
  auto gap_min = health::ParseDuration(a.gap_min);
  if (!gap_min.ok()) return Fail(gap_min.status().WithContext("--gap-min"));
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto tz, TimeZone::Locate(lk->Settings().display_tz));
  ASSIGN_OR_FAIL(auto result, lk->Health({.symbol = a.symbol, .timeframe = a.timeframe, .gap_min_seconds = *gap_min}));
  bool any_fail = false;
  for (const auto& h : result) any_fail |= h.report.status == health::HealthStatus::kFail;
  const int code = any_fail ? static_cast<int>(ExitCode::kUnhealthy) : 0;
  const bool details = result.size() == 1 || !a.timeframe.empty();
  if (a.as_json) {
    json arr = json::array();
    for (const auto& h : result) arr.push_back(lake::HealthJson(h, details ? 1000 : 20));
    std::printf("%s\n", ToJsonText(json{{"vault", lk->vault()},
                                        {"display_tz", tz.name()},
                                        {"gap_min_seconds", *gap_min},
                                        {"datasets", arr},
                                        {"exit_code", code}},
                                   2)
                            .c_str());
    return code;
  }
  if (result.empty()) {
    std::printf("The vault is empty: nothing to check.\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& h : result) {
    const auto& r = h.report;
    const bool c = r.calendar_checked;
    rows.push_back({h.symbol, h.timeframe, h.calendar.empty() ? "-" : h.calendar,
                    c ? Percent(r.coverage_pct) : "-", c ? std::to_string(r.gaps.size()) : "-",
                    c ? WithThousands(r.stray_count) : "-", c ? std::to_string(r.suspicious_weeks.size()) : "-",
                    StalenessText(r), r.schema_drift.empty() ? "-" : std::to_string(r.schema_drift.size()),
                    std::to_string(r.score), health::StatusName(r.status)});
  }
  std::printf("%s", FormatTable({"SYMBOL", "TF", "CALENDAR", "COVERAGE", "GAPS", "STRAY", "SUSPICIOUS", "STALE",
                                 "DRIFT", "SCORE", "STATUS"},
                                rows)
                        .c_str());
  if (details) {
    for (const auto& h : result) PrintDetails(h, tz);
  } else {
    size_t unchecked = 0;
    for (const auto& h : result) unchecked += !h.report.calendar_checked;
    if (unchecked) {
      std::printf("%zu dataset(s) have no calendar and were only checked for schema drift (docs/health.md).\n",
                  unchecked);
    }
    std::printf("Details of one dataset: %s health SYMBOL TF\n", g.program.c_str());
  }
  if (any_fail) std::fprintf(stderr, "barlake: health: at least one dataset fails (exit %d)\n", code);
  return code;
}

int CmdGaps(const Globals& g, const GapsArgs& a) {
  auto min = health::ParseDuration(a.min);
  if (!min.ok()) return Fail(min.status().WithContext("--min"));
  ASSIGN_OR_FAIL(auto range, ParseTimeRange(a.from, a.to));
  const auto [from, to] = range;
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto tz, TimeZone::Locate(lk->Settings().display_tz));
  ASSIGN_OR_FAIL(auto found, lk->Gaps(a.symbol, a.timeframe, from, to, *min));
  const std::vector<barlake::HealthGap>& gaps = found.gaps;
  const int64_t missing = found.missing_bars;
  if (a.as_json) {
    json arr = json::array();
    for (const auto& gp : gaps) arr.push_back(lake::GapJson(gp));
    std::printf("%s\n", ToJsonText(json{{"symbol", a.symbol},
                                        {"timeframe", a.timeframe},
                                        {"calendar", found.calendar},
                                        {"min_seconds", *min},
                                        {"from", a.from.empty() ? json(nullptr) : json(FormatIsoUtc(from))},
                                        {"to", a.to.empty() ? json(nullptr) : json(FormatIsoUtc(to))},
                                        {"missing_bars", missing},
                                        {"gaps", arr}},
                                   2)
                            .c_str());
    return 0;
  }
  if (gaps.empty()) {
    std::printf("No gaps of %s or more in %s %s (calendar %s).\n", health::DurationText(*min).c_str(),
                a.symbol.c_str(), a.timeframe.c_str(), found.calendar.c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& gp : gaps) {
    rows.push_back({LocalText(tz, gp.start), LocalText(tz, gp.end), WithThousands(gp.missing_bars),
                    health::DurationText(gp.session_seconds)});
  }
  std::printf("%s", FormatTable({"START (" + tz.name() + ")", "END", "MISSING", "SESSION TIME"}, rows).c_str());
  std::printf("%zu gap(s) of %s or more, %s missing bars (calendar %s).\n", gaps.size(),
              health::DurationText(*min).c_str(), WithThousands(missing).c_str(), found.calendar.c_str());
  return 0;
}

}  // namespace

void AddHealthCommands(CLI::App& app, Globals& g, int& rc) {
  // The options write into these; the callbacks own them, so they live as long as `app`.
  auto ha_ptr = std::make_shared<HealthArgs>();
  HealthArgs& ha = *ha_ptr;
  auto* hc = AddCommand(app, "health", "Coverage, gaps, stray bars, suspicious weeks, staleness and a score per dataset",
                        rc, [&g, ha_ptr] { return CmdHealth(g, *ha_ptr); });
  hc->add_option("SYMBOL", ha.symbol, "Only this symbol");
  hc->add_option("TF", ha.timeframe, "Only this timeframe (with SYMBOL: the details of one dataset)");
  hc->add_option("--gap-min", ha.gap_min, "Shortest gap to report, in session time (default 30m)");
  hc->add_flag("--json", ha.as_json, "Print a JSON array, one report per dataset");

  auto ga_ptr = std::make_shared<GapsArgs>();
  GapsArgs& ga = *ga_ptr;
  auto* gc = AddCommand(app, "gaps", "Gaps of a dataset: missing bars its calendar expected", rc,
                        [&g, ga_ptr] { return CmdGaps(g, *ga_ptr); });
  AddDatasetRangeOptions(gc, ga.symbol, ga.timeframe, ga.from, ga.to);
  gc->add_option("--min", ga.min, "Shortest gap, in session time (default 30m; e.g. 48h)");
  gc->add_flag("--json", ga.as_json, "Print one JSON object");
}

}  // namespace barlake::cli
