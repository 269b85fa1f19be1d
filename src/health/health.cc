#include "health/health.h"

#include <date/tz.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace barlake::health {

namespace {

using calendar::Session;
using calendar::SessionList;

constexpr int64_t kSecondsPerDay = 86400;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

/// Bar slots in [a, b): a bar that would only partly fit still counts (a short session).
int64_t Slots(Micros a, Micros b, Micros bar) { return b > a ? CeilDiv(b - a, bar) : 0; }

/// Daily bars are stamped 00:00 UTC of their trade date: one expected slot per trade date.
SessionList DailySlots(const SessionList& sessions, Micros bar) {
  SessionList out;
  out.reserve(sessions.size());
  for (const Session& s : sessions) {
    const Micros day = static_cast<Micros>(s.trade_date) * kMicrosPerDay;
    if (!out.empty() && out.back().open >= day) continue;  // one slot per trade date
    Session d = s;
    d.open = day;
    d.close = day + std::min<Micros>(bar, kMicrosPerDay);
    out.push_back(d);
  }
  return out;
}

/// UTC offset lookups with a cache of the current offset period: a 20-year minute
/// dataset asks for millions of offsets, and a tz lookup is a binary search.
class OffsetCache {
 public:
  explicit OffsetCache(const std::string& zone_name) {
    if (zone_name.empty() || zone_name == "UTC") return;
    try {
      zone_ = date::locate_zone(zone_name);
    } catch (const std::exception&) {
      zone_ = nullptr;  // the caller validated the name; fall back to UTC
    }
  }
  /// Offset in micros at a UTC instant.
  Micros At(Micros utc) {
    if (!zone_) return 0;
    if (utc >= begin_ && utc < end_) return offset_;
    using namespace std::chrono;
    const date::sys_info info = zone_->get_info(date::sys_time<microseconds>(microseconds(utc)));
    begin_ = duration_cast<microseconds>(info.begin.time_since_epoch()).count();
    end_ = duration_cast<microseconds>(info.end.time_since_epoch()).count();
    offset_ = info.offset.count() * kMicrosPerSecond;
    return offset_;
  }

 private:
  const date::time_zone* zone_ = nullptr;
  Micros begin_ = 1, end_ = 0, offset_ = 0;
};

std::string ClockText(int seconds_of_day) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", seconds_of_day / 3600 % 24, seconds_of_day / 60 % 60);
  return buf;
}

/// The walk shared by Analyze and FindGaps: one pass over sessions and bars together.
struct Walk {
  // inputs
  std::span<const Micros> ts;
  Micros bar = 0;
  Micros lo = 0, hi = 0;  // clip: expected bars only in [lo, hi)
  int64_t gap_min_seconds = 0;
  size_t max_examples = 10;
  bool keep_coverage = true;
  // outputs
  int64_t expected = 0, present = 0, stray = 0;
  std::vector<Micros> stray_examples;
  std::vector<PeriodCoverage> by_month;
  std::vector<Gap> gaps;
  int64_t gap_missing = 0;
  // the run of missing bars in progress
  Micros run_start = 0;
  int64_t run_missing = 0;

  void AddMissing(Micros a, Micros b) {
    const int64_t m = Slots(a, b, bar);
    if (m <= 0) return;
    if (run_missing == 0) run_start = a;
    run_missing += m;
  }
  void CloseRun(Micros end) {
    if (run_missing > 0 && run_missing * (bar / kMicrosPerSecond) >= gap_min_seconds) {
      gaps.push_back(Gap{run_start, end, run_missing, run_missing * (bar / kMicrosPerSecond)});
      gap_missing += run_missing;
    }
    run_missing = 0;
  }
  void Stray(Micros t) {
    ++stray;
    if (stray_examples.size() < max_examples) stray_examples.push_back(t);
  }

  void Run(const SessionList& sessions) {
    size_t i = 0;
    const size_t n = ts.size();
    for (const Session& s : sessions) {
      if (s.close <= lo) continue;
      if (s.open >= hi) break;
      while (i < n && ts[i] < s.open) Stray(ts[i++]);
      const Micros a = std::max(s.open, lo), b = std::min(s.close, hi);
      Micros cursor = a;
      int64_t in_session = 0;
      while (i < n && ts[i] < s.close) {
        const Micros t = ts[i++];
        if (t >= hi) {  // beyond the clip (FindGaps over a range): not ours to judge
          continue;
        }
        if (t > cursor) AddMissing(cursor, t);
        CloseRun(t);
        ++in_session;
        cursor = std::max(cursor, t + bar);
      }
      if (cursor < b) AddMissing(cursor, b);
      const int64_t exp = Slots(a, b, bar);
      expected += exp;
      present += in_session;
      if (keep_coverage) {
        int y;
        unsigned m, d;
        CivilFromDays(s.trade_date, &y, &m, &d);
        if (by_month.empty() || by_month.back().year != y || by_month.back().month != static_cast<int>(m)) {
          by_month.push_back(PeriodCoverage{y, static_cast<int>(m), 0, 0});
        }
        by_month.back().expected += exp;
        by_month.back().present += in_session;
      }
    }
    while (i < n) Stray(ts[i++]);
    CloseRun(hi);
  }
};

/// The longest cyclic run of true in `closed`: [start, start+len) in bins.
std::pair<int, int> LongestRun(const std::vector<char>& closed) {
  const int n = static_cast<int>(closed.size());
  int best_start = 0, best_len = 0;
  for (int start = 0; start < n; ++start) {
    if (!closed[start] || closed[(start + n - 1) % n]) continue;  // only run starts
    int len = 0;
    while (len < n && closed[(start + len) % n]) ++len;
    if (len > best_len) best_len = len, best_start = start;
  }
  return {best_start, best_len};
}

/// Suspicious weeks: per week (Sunday to Saturday in the pattern zone), the bins of the
/// day the calendar never trades in (its daily break) must be quiet in the data too. A
/// week that trades through them while the same-length window elsewhere in the day is
/// quiet has its pattern shifted (docs/health.md, "Suspicious weeks").
std::vector<SuspiciousWeek> FindSuspiciousWeeks(std::span<const Micros> ts, Micros bar,
                                                const SessionList& sessions, Micros lo, Micros hi,
                                                const std::string& zone, int64_t* weeks_checked) {
  std::vector<SuspiciousWeek> out;
  *weeks_checked = 0;
  const int64_t bin_s = std::max<int64_t>(60, bar / kMicrosPerSecond);
  if (bin_s > 3600 || kSecondsPerDay % bin_s != 0) return out;
  const int nbins = static_cast<int>(kSecondsPerDay / bin_s);
  const Micros bin = bin_s * kMicrosPerSecond;
  OffsetCache bar_off(zone), session_off(zone);
  const std::string zone_label = zone.empty() ? "UTC" : zone;

  auto week_of = [](Micros local) { return FloorDiv(FloorDiv(local, kMicrosPerDay) - 3, 7); };  // 1970-01-04 was a Sunday
  auto bin_of = [&](Micros local) {
    return static_cast<int>(FloorDiv(local - FloorDiv(local, kMicrosPerDay) * kMicrosPerDay, bin));
  };

  std::vector<int64_t> observed(nbins), expected(nbins + 1);
  size_t i = 0, si = 0;
  const size_t n = ts.size();
  // Weeks are walked in order of the bars; sessions are attributed by their local open.
  while (i < n) {
    const int64_t week = week_of(ts[i] + bar_off.At(ts[i]));
    std::fill(observed.begin(), observed.end(), 0);
    std::fill(expected.begin(), expected.end(), 0);
    int64_t bars_in_week = 0;
    while (i < n) {
      const Micros local = ts[i] + bar_off.At(ts[i]);
      if (week_of(local) != week) break;
      ++observed[bin_of(local)];
      ++bars_in_week;
      ++i;
    }
    // Expected bars of the sessions opening in this week, clipped to [lo, hi), as a
    // difference array over the bins (a session may wrap past midnight, several times).
    std::vector<int64_t> diff(nbins + 1, 0);
    int64_t total_expected = 0;
    while (si < sessions.size()) {
      const Session& s = sessions[si];
      const Micros off = session_off.At(s.open);
      const int64_t sw = week_of(s.open + off);
      if (sw < week) {
        ++si;
        continue;
      }
      if (sw > week) break;
      ++si;
      const Micros a = std::max(s.open, lo), b = std::min(s.close, hi);
      if (b <= a) continue;
      int64_t nb = Slots(a, b, bin);
      total_expected += nb;
      int start = bin_of(a + off);
      if (nb >= nbins) {  // whole days: every bin
        const int64_t full = nb / nbins;
        diff[0] += full;
        diff[nbins] -= full;
        nb %= nbins;
      }
      if (nb == 0) continue;
      if (start + nb <= nbins) {
        diff[start] += 1;
        diff[start + nb] -= 1;
      } else {
        diff[start] += 1;
        diff[nbins] -= 1;
        diff[0] += 1;
        diff[start + nb - nbins] -= 1;
      }
    }
    int64_t run = 0;
    std::vector<char> closed(nbins);
    int closed_count = 0;
    std::vector<int64_t> open_counts;
    for (int b = 0; b < nbins; ++b) {
      run += diff[b];
      closed[b] = run == 0;
      closed_count += closed[b];
      if (run > 0) open_counts.push_back(observed[b]);
    }
    // Too little to judge: no calendar break, no trading, or a sliver of a week.
    if (closed_count == 0 || closed_count == nbins || total_expected == 0) continue;
    if (bars_in_week * 4 < total_expected) continue;
    ++*weeks_checked;
    std::nth_element(open_counts.begin(), open_counts.begin() + open_counts.size() / 2, open_counts.end());
    const int64_t typical = open_counts[open_counts.size() / 2];
    // A bin is quiet when it holds at most a stray print or two against a typical bin.
    const int64_t quiet = std::max<int64_t>(1, typical / 5);
    auto quiet_share = [&](int shift) {
      int q = 0;
      for (int b = 0; b < nbins; ++b) {
        if (closed[b] && observed[(b + shift) % nbins] <= quiet) ++q;
      }
      return static_cast<double>(q) / closed_count;
    };
    if (quiet_share(0) >= 0.5) continue;  // the calendar's break is quiet: a normal week
    int best = 0;
    double best_share = 0;
    for (int s = 1; s < nbins; ++s) {
      const double q = quiet_share(s);
      const int signed_s = s > nbins / 2 ? s - nbins : s;
      const int best_signed = best > nbins / 2 ? best - nbins : best;
      if (q > best_share || (q == best_share && std::abs(signed_s) < std::abs(best_signed))) {
        best_share = q;
        best = s;
      }
    }
    if (best_share < 0.9) continue;  // trades through the break but no shifted one: not a shift
    const int signed_best = best > nbins / 2 ? best - nbins : best;
    const int64_t shift_s = signed_best * bin_s;
    if (std::llabs(shift_s) < 1800) continue;
    const auto [run_start, run_len] = LongestRun(closed);
    SuspiciousWeek w;
    w.week_start = static_cast<int32_t>(week * 7 + 3);
    w.shift_seconds = shift_s;
    w.shift_hours = static_cast<int64_t>(std::llround(static_cast<double>(shift_s) / 3600));
    w.calendar_break_start = static_cast<int>(run_start * bin_s);
    w.calendar_break_end = static_cast<int>(((run_start + run_len) % nbins) * bin_s);
    w.observed_break_start = static_cast<int>(((run_start + best) % nbins) * bin_s);
    w.observed_break_end = static_cast<int>(((run_start + run_len + best) % nbins) * bin_s);
    w.bars = bars_in_week;
    const int64_t h = std::llabs(w.shift_hours);
    w.description = "daily break at " + ClockText(w.observed_break_start) + "-" + ClockText(w.observed_break_end) +
                    " " + zone_label + " instead of " + ClockText(w.calendar_break_start) + "-" +
                    ClockText(w.calendar_break_end) + ": the week runs ~" +
                    (h == 0 ? DurationText(std::llabs(shift_s)) : std::to_string(h) + " h") +
                    (shift_s < 0 ? " early" : " late");
    out.push_back(std::move(w));
  }
  return out;
}

SessionList SessionsForBars(const SessionList& sessions, Micros bar) {
  return bar >= kMicrosPerDay ? DailySlots(sessions, bar) : sessions;
}

}  // namespace

const char* StatusName(HealthStatus s) {
  switch (s) {
    case HealthStatus::kOk: return "ok";
    case HealthStatus::kWarn: return "warn";
    case HealthStatus::kFail: return "fail";
    case HealthStatus::kUnchecked: return "unchecked";
  }
  return "?";
}

std::string DurationText(int64_t seconds) {
  const int64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60;
  std::string s;
  if (d) s += std::to_string(d) + "d";
  if (h) s += (s.empty() ? "" : " ") + std::to_string(h) + "h";
  if (m || s.empty()) s += (s.empty() ? "" : " ") + std::to_string(m) + "m";
  return s;
}

Result<int64_t> ParseDuration(const std::string& text) {
  auto bad = [&] {
    return Status::InvalidArgument("duration '" + text + "' is not a number with a unit s, m, h or d (e.g. 30m, 48h)");
  };
  if (text.size() < 2) return bad();
  int64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || n > 1000000000) return bad();
    n = n * 10 + (text[i] - '0');
  }
  switch (text.back()) {
    case 's': return n;
    case 'm': return n * 60;
    case 'h': return n * 3600;
    case 'd': return n * 86400;
    default: return bad();
  }
}

HealthReport Analyze(std::span<const Micros> ts, int64_t bar_seconds, const calendar::SessionList& sessions_in,
                     Micros now, const HealthOptions& options) {
  HealthReport r;
  r.bar_seconds = bar_seconds;
  r.rows = static_cast<int64_t>(ts.size());
  r.calendar_checked = true;
  if (ts.empty() || bar_seconds <= 0) {
    r.notes.push_back("no bars");
    r.coverage_pct = 100;
    Score(&r);
    return r;
  }
  const Micros bar = bar_seconds * kMicrosPerSecond;
  r.first_ts = ts.front();
  r.last_ts = ts.back();
  const SessionList daily = bar >= kMicrosPerDay ? DailySlots(sessions_in, bar) : SessionList{};
  const SessionList& sessions = bar >= kMicrosPerDay ? daily : sessions_in;

  Walk w;
  w.ts = ts;
  w.bar = bar;
  w.lo = r.first_ts;
  w.hi = r.last_ts + bar;
  w.gap_min_seconds = options.gap_min_seconds;
  w.max_examples = options.max_examples;
  w.Run(sessions);
  r.expected = w.expected;
  r.present = w.present;
  r.coverage_pct = w.expected > 0 ? 100.0 * static_cast<double>(w.present) / static_cast<double>(w.expected) : 100;
  r.by_month = std::move(w.by_month);
  r.gaps = std::move(w.gaps);
  r.gap_missing_bars = w.gap_missing;
  r.stray_count = w.stray;
  r.stray_examples = std::move(w.stray_examples);

  if (bar < kMicrosPerDay) {
    r.suspicious_weeks =
        FindSuspiciousWeeks(ts, bar, sessions, w.lo, w.hi, options.pattern_tz, &r.weeks_checked);
    if (r.weeks_checked >= 4 && r.suspicious_weeks.size() * 2 > static_cast<size_t>(r.weeks_checked)) {
      r.notes.push_back("most weeks look shifted against the calendar: the dataset's calendar (or its source "
                        "zone) probably does not fit");
    }
  } else {
    r.notes.push_back("suspicious weeks are not checked for daily or longer bars");
  }

  // Staleness: expected bars after the last bar, up to the last session closed by now.
  Staleness& st = r.staleness;
  st.last_bar_end = w.hi;
  st.age_seconds = std::max<Micros>(0, now - st.last_bar_end) / kMicrosPerSecond;
  for (auto it = sessions.rbegin(); it != sessions.rend(); ++it) {
    if (it->close <= now) {
      st.last_closed_close = it->close;
      break;
    }
  }
  for (const Session& s : sessions) {
    if (s.close <= st.last_bar_end) continue;
    if (s.close > now) break;
    st.missing_bars_at_end += Slots(std::max(s.open, st.last_bar_end), s.close, bar);
  }
  st.stale = st.missing_bars_at_end > 0 && st.missing_bars_at_end * bar_seconds >= options.gap_min_seconds;
  Score(&r);
  return r;
}

std::vector<Gap> FindGaps(std::span<const Micros> ts, int64_t bar_seconds, const calendar::SessionList& sessions_in,
                          int64_t min_seconds, Micros from, Micros to) {
  if (bar_seconds <= 0) return {};
  const Micros bar = bar_seconds * kMicrosPerSecond;
  const SessionList sessions = SessionsForBars(sessions_in, bar);
  Walk w;
  w.ts = ts;
  w.bar = bar;
  w.lo = from;
  w.hi = to;
  w.gap_min_seconds = min_seconds;
  w.max_examples = 0;
  w.keep_coverage = false;
  if (w.hi <= w.lo) return {};
  w.Run(sessions);
  return std::move(w.gaps);
}

// Score (docs/health.md): 100 minus penalties, each capped, so one kind of problem cannot
// hide the others and the score stays readable:
//   coverage   2 points per missing percent, at most 40
//   gaps       2 points per gap, at most 20
//   stray      1 point plus 1 per mille of rows outside sessions, at most 10
//   suspicious 15 points per week, at most 30
//   stale      10 points
//   schema     30 points when any partition's schema differs
//   derived    5 points when derived data is stale
void Score(HealthReport* r) {
  double penalty = 0;
  if (r->calendar_checked) {
    penalty += std::min(40.0, 2.0 * std::max(0.0, 100.0 - r->coverage_pct));
    penalty += std::min<double>(20, 2.0 * static_cast<double>(r->gaps.size()));
    if (r->stray_count > 0 && r->rows > 0) {
      penalty += std::min(10.0, 1.0 + 1000.0 * static_cast<double>(r->stray_count) / static_cast<double>(r->rows));
    }
    penalty += std::min<double>(30, 15.0 * static_cast<double>(r->suspicious_weeks.size()));
    if (r->staleness.stale) penalty += 10;
  }
  if (!r->schema_drift.empty()) penalty += 30;
  if (!r->stale_derived.empty()) penalty += 5;
  r->score = std::max(0, static_cast<int>(std::lround(100.0 - penalty)));
  const bool findings = !r->gaps.empty() || r->stray_count > 0 || r->staleness.stale || !r->stale_derived.empty();
  if (r->score < 60 || !r->suspicious_weeks.empty() || !r->schema_drift.empty()) {
    r->status = HealthStatus::kFail;
  } else if (!r->calendar_checked) {
    r->status = HealthStatus::kUnchecked;
  } else if (r->score < 90 || findings) {
    r->status = HealthStatus::kWarn;
  } else {
    r->status = HealthStatus::kOk;
  }
}

}  // namespace barlake::health
