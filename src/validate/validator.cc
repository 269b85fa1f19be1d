#include "validate/validator.h"

#include "core/timeframe.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace barlake::validate {
namespace {

std::string Num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

void Move(const ingest::ParsedBars& from, size_t i, ingest::ParsedBars* to) {
  to->bars.AppendPrices(from.bars, i);
  to->line.push_back(from.line[i]);
}

// outside_session: rows are sorted, sessions too, so one sweep. An intraday bar's interval
// [ts, ts + timeframe) must overlap a session; a daily bar (stamped at its date) must fall
// on a trade date.
template <typename SetFn>
void CheckSessions(const ingest::ParsedBars& parsed, const Timeframe& tf, const ValidationOptions& opt,
                   ValidationReport* report, SetFn& set) {
  const calendar::SessionList& sessions = *opt.sessions;
  const BarColumns& b = parsed.bars;
  const bool daily = tf.is_daily_or_longer();
  std::vector<int32_t> dates;
  if (daily) {
    for (const auto& s : sessions) dates.push_back(s.trade_date);
  }
  size_t k = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    bool inside = false;
    std::string reason;
    if (daily) {
      const int32_t date = static_cast<int32_t>(b.ts[i] >= 0 ? b.ts[i] / kMicrosPerDay
                                                             : -((-b.ts[i] - 1) / kMicrosPerDay) - 1);
      while (k < dates.size() && dates[k] < date) ++k;
      inside = k < dates.size() && dates[k] == date;
      if (!inside) reason = FormatIsoUtc(b.ts[i]).substr(0, 10) + " is not a trade date of " + opt.calendar_name;
    } else {
      // A bar counts as inside when its interval touches a session: a 1h bar from 09:00
      // holds the 09:30 NYSE open.
      while (k < sessions.size() && sessions[k].close <= b.ts[i]) ++k;
      inside = k < sessions.size() && sessions[k].open < b.ts[i] + tf.micros();
      if (!inside) {
        reason = "bar at " + FormatIsoUtc(b.ts[i]) + " is outside the " + opt.calendar_name + " sessions";
        if (k < sessions.size()) reason += " (next opens " + FormatIsoUtc(sessions[k].open) + ")";
      }
    }
    if (inside) continue;
    if (opt.quarantine_outside_session) {
      set(i, "outside_session", "timestamp", reason);
    } else {
      ++report->kept_counts["outside_session"];
      if (report->kept_examples.size() < 20) {
        report->kept_examples.push_back({parsed.line[i], "outside_session", "timestamp", reason});
      }
    }
  }
}

// A bar anchored to its session's open (a 1h bar at 09:30 New York, as barlake's own
// resample of NYSE minutes writes): aligned to the dataset's session anchor.
bool OnSessionGrid(Micros ts, const Timeframe& tf, const calendar::SessionList* sessions) {
  if (!sessions || sessions->empty()) return false;
  auto it = std::upper_bound(sessions->begin(), sessions->end(), ts,
                             [](Micros t, const calendar::Session& s) { return t < s.open; });
  if (it == sessions->begin()) return false;
  --it;
  return ts < it->close && (ts - it->open) % tf.micros() == 0;
}

}  // namespace

std::string ValidationReport::Summary(const std::string& file_label, size_t examples) const {
  std::string s = std::to_string(rejected_rows()) + " of " + std::to_string(rows_checked) + " rows rejected:";
  bool first = true;
  for (const auto& [rule, n] : counts) {
    s += std::string(first ? " " : ", ") + std::to_string(n) + " " + rule;
    first = false;
  }
  for (size_t k = 0; k < reasons.size() && k < examples; ++k) {
    const Rejection& r = reasons[k];
    s += "\n  " + file_label + ":" + std::to_string(r.line) + ": field '" + r.field + "': " + r.reason + " (" +
         r.rule + ")";
  }
  if (reasons.size() > examples) s += "\n  ... and " + std::to_string(reasons.size() - examples) + " more";
  return s;
}

ValidationReport Validate(ingest::ParsedBars* parsed, const Timeframe& tf, const ValidationOptions& opt) {
  ValidationReport report;
  BarColumns& b = parsed->bars;
  const size_t n = b.size();
  report.rows_checked = static_cast<int64_t>(n);
  // Sparse: a multi-million-row file has a handful of rejections, so rows only carry an
  // index into `entries` (-1: kept).
  std::vector<int32_t> slot(n, -1);
  std::vector<Rejection> entries;
  std::vector<bool> drop(n, false);  // identical duplicates
  const Micros now = opt.now != 0 ? opt.now
                                  : std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count();
  const Micros latest_plausible = now + kMicrosPerDay;
  auto set = [&](size_t i, const char* rule, const std::string& field, const std::string& reason) {
    if (slot[i] < 0) {
      slot[i] = static_cast<int32_t>(entries.size());
      entries.push_back({parsed->line[i], rule, field, reason});
    }
  };
  for (size_t i = 0; i < n; ++i) {
    const double v[4] = {b.open[i], b.high[i], b.low[i], b.close[i]};
    static const char* kNames[] = {"open", "high", "low", "close"};
    bool finite = true;
    for (int f = 0; f < 4; ++f) {
      if (!std::isfinite(v[f])) {
        set(i, "non_finite", kNames[f], "is not a finite number");
        finite = false;
      }
    }
    if (!std::isfinite(b.volume[i])) set(i, "non_finite", "volume", "is not a finite number");
    if (std::isfinite(b.volume[i]) && b.volume[i] < 0) {
      set(i, "negative_volume", "volume", "is negative (" + Num(b.volume[i]) + ")");
    }
    if (b.ts[i] < 0 || b.ts[i] > latest_plausible) {
      set(i, "implausible", "timestamp",
          FormatIsoUtc(b.ts[i]) + (b.ts[i] < 0 ? " is before 1970" : " is more than a day in the future") +
              "; check the date order, the epoch unit and --timeframe");
    } else if (std::isfinite(b.volume[i]) && b.volume[i] > kMaxPlausibleVolume) {
      set(i, "implausible", "volume", Num(b.volume[i]) + " is above 1e15, not a real volume");
    }
    if (finite && !opt.allow_non_positive) {
      for (int f = 0; f < 4; ++f) {
        if (v[f] <= 0) {
          set(i, "non_positive_price", kNames[f], Num(v[f]) + " is not a positive price (set allow_non_positive for the dataset if it is real)");
          break;
        }
      }
    }
    if (finite) {
      if (b.high[i] < b.low[i]) {
        set(i, "ohlc_inconsistent", "high", "high " + Num(b.high[i]) + " is below low " + Num(b.low[i]));
      } else if (b.high[i] < b.open[i] || b.high[i] < b.close[i]) {
        set(i, "ohlc_inconsistent", "high", "high " + Num(b.high[i]) + " is below open or close");
      } else if (b.low[i] > b.open[i] || b.low[i] > b.close[i]) {
        set(i, "ohlc_inconsistent", "low", "low " + Num(b.low[i]) + " is above open or close");
      }
    }
    if (opt.check_alignment && tf.is_monthly() && !IsMonthStart(b.ts[i])) {
      set(i, "misaligned", "timestamp",
          FormatIsoUtc(b.ts[i]) + " is not the first day of a month; 1mo bars are stamped with the 1st of "
                                  "their month (a vendor stamping the month's last trading day: check --timeframe)");
    }
    if (opt.check_alignment && !tf.is_daily_or_longer() && b.ts[i] % tf.micros() != 0 &&
        !OnSessionGrid(b.ts[i], tf, opt.sessions)) {
      set(i, "misaligned", "timestamp",
          FormatIsoUtc(b.ts[i]) + " is not on the " + tf.name() + " grid (counted from 00:00 UTC" +
              (opt.sessions ? " or from the open of its " + opt.calendar_name + " session" : std::string()) +
              "); check --timeframe and --stamp" +
              (opt.sessions ? std::string()
                            : ", or give the dataset a calendar (bars anchored to its session open are aligned)") +
              ", or turn the rule off with `barlake dataset set SYMBOL TF --check-alignment false` "
              "(check_alignment)");
    }
  }
  if (opt.sessions && (!tf.is_daily_or_longer() || tf.micros() == kMicrosPerDay)) {
    CheckSessions(*parsed, tf, opt, &report, set);
  }
  // Duplicates (input is sorted): identical copies are dropped, conflicting groups rejected.
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && b.ts[j] == b.ts[i]) ++j;
    if (j - i > 1) {
      bool conflict = false;
      for (size_t k = i + 1; k < j; ++k) conflict = conflict || !BarColumns::SameValues(b, i, b, k);
      for (size_t k = i + 1; k < j; ++k) drop[k] = !conflict;
      if (conflict) {
        for (size_t k = i; k < j; ++k) {
          set(k, "duplicate_conflict", "timestamp",
              "line " + std::to_string(parsed->line[i]) + " and line " + std::to_string(parsed->line[i + 1]) +
                  " both give bar " + FormatIsoUtc(b.ts[i]) + " with different values");
        }
      }
    }
    i = j;
  }
  // Spikes, judged on the rows that passed everything else.
  auto any_flagged = [&] {
    for (size_t i = 0; i < n; ++i) {
      if (drop[i] || slot[i] >= 0) return true;
    }
    return false;
  };
  if (opt.check_spikes && !any_flagged()) {
    // The common case: judge the rows in place, no copy of a multi-million-row file.
    for (const SpikeFinding& f : FindSpikes(b, opt.spikes)) {
      set(f.row, f.kind == SpikeKind::kUnitError ? "unit_error" : "bad_tick", f.field, f.reason);
    }
  } else if (opt.check_spikes) {
    std::vector<size_t> idx;
    BarColumns clean;
    for (size_t i = 0; i < n; ++i) {
      if (slot[i] < 0 && !drop[i]) {
        idx.push_back(i);
        clean.AppendPrices(b, i);
      }
    }
    for (const SpikeFinding& f : FindSpikes(clean, opt.spikes)) {
      set(idx[f.row], f.kind == SpikeKind::kUnitError ? "unit_error" : "bad_tick", f.field, f.reason);
    }
  }
  // Split in place: kept rows are compacted to the front, rejected ones move to the report.
  if (!any_flagged()) return report;
  size_t w = 0;
  for (size_t i = 0; i < n; ++i) {
    if (drop[i]) {
      ++report.identical_duplicates;
    } else if (slot[i] >= 0) {
      Rejection& r = entries[static_cast<size_t>(slot[i])];
      Move(*parsed, i, &report.rejected);
      ++report.counts[r.rule];
      report.reasons.push_back(std::move(r));
    } else {
      b.ts[w] = b.ts[i];
      b.open[w] = b.open[i];
      b.high[w] = b.high[i];
      b.low[w] = b.low[i];
      b.close[w] = b.close[i];
      b.volume[w] = b.volume[i];
      parsed->line[w] = parsed->line[i];
      ++w;
    }
  }
  for (auto* col : {&b.open, &b.high, &b.low, &b.close, &b.volume}) col->resize(w);
  b.ts.resize(w);
  parsed->line.resize(w);
  return report;
}

}  // namespace barlake::validate
