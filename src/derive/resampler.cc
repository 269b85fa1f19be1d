#include "derive/resampler.h"

#include <algorithm>
#include <limits>
#include <string>

namespace barlake::derive {
namespace {

constexpr Micros kMin = std::numeric_limits<Micros>::min();
constexpr Micros kMax = std::numeric_limits<Micros>::max();

Micros FloorTo(Micros ts, Micros step) {
  Micros q = ts / step;
  if (ts % step != 0 && ts < 0) --q;
  return q * step;
}

}  // namespace

Status CheckSessions(const calendar::SessionList& sessions) {
  for (size_t i = 0; i < sessions.size(); ++i) {
    const auto& s = sessions[i];
    if (s.open >= s.close) {
      return Status::InvalidArgument("session " + std::to_string(i) + " (" + FormatIsoUtc(s.open) +
                                     ") does not open before it closes (" + FormatIsoUtc(s.close) + ")");
    }
    if (i > 0 && sessions[i - 1].close > s.open) {
      return Status::InvalidArgument("sessions must be sorted and must not overlap: session " +
                                     std::to_string(i - 1) + " closes at " + FormatIsoUtc(sessions[i - 1].close) +
                                     ", after session " + std::to_string(i) + " opens at " + FormatIsoUtc(s.open));
    }
  }
  return Status::OK();
}

Status CheckBars(const BarColumns& bars) {
  const size_t n = bars.ts.size();
  if (bars.open.size() != n || bars.high.size() != n || bars.low.size() != n || bars.close.size() != n ||
      bars.volume.size() != n) {
    return Status::InvalidInput("bar columns have different lengths (ts " + std::to_string(n) + ", open " +
                                std::to_string(bars.open.size()) + ", volume " + std::to_string(bars.volume.size()) +
                                ")");
  }
  const Micros* ts = bars.ts.data();
  for (size_t i = 1; i < n; ++i) {
    if (ts[i] <= ts[i - 1]) {
      return Status::InvalidInput("input bars must be sorted by time without duplicates: row " + std::to_string(i) +
                                  " (" + FormatIsoUtc(ts[i]) + ") does not come after row " + std::to_string(i - 1) +
                                  " (" + FormatIsoUtc(ts[i - 1]) + ")");
    }
  }
  return Status::OK();
}

Result<DerivedBars> Resample(const BarColumns& input, int64_t source_seconds, int64_t target_seconds,
                             const calendar::SessionList& sessions) {
  if (source_seconds <= 0 || target_seconds <= 0) {
    return Status::InvalidArgument("source and target intervals must be positive (got " +
                                   std::to_string(source_seconds) + " s and " + std::to_string(target_seconds) + " s)");
  }
  if (target_seconds % source_seconds != 0) {
    return Status::InvalidArgument("target interval (" + std::to_string(target_seconds) +
                                   " s) is not a multiple of the source interval (" + std::to_string(source_seconds) +
                                   " s): every target bar must be made of whole source bars");
  }
  RETURN_IF_ERROR(CheckSessions(sessions));
  RETURN_IF_ERROR(CheckBars(input));

  const Micros target = target_seconds * kMicrosPerSecond;
  const size_t n = input.size();
  const size_t num_sessions = sessions.size();
  DerivedBars out;
  out.input_rows = static_cast<int64_t>(n);
  {
    // Full buckets plus at most one cut bucket per session; outside buckets grow the vectors.
    const size_t estimate = n / static_cast<size_t>(target_seconds / source_seconds) + 2 * num_sessions + 16;
    const size_t cap = std::min(n, estimate);
    BarColumns& b = out.bars;
    b.ts.reserve(cap), b.open.reserve(cap), b.high.reserve(cap), b.low.reserve(cap), b.close.reserve(cap),
        b.volume.reserve(cap);
    out.flags.reserve(cap);
  }

  const Micros* ts = input.ts.data();
  const double* op = input.open.data();
  const double* hi = input.high.data();
  const double* lo = input.low.data();
  const double* cl = input.close.data();
  const double* vo = input.volume.data();

  // The open bucket: [start, end), its running aggregates and flags.
  Micros start = 0, end = kMin;
  double o = 0, h = 0, l = 0, c = 0, v = 0;
  uint8_t flags = 0;
  int64_t in_outside = 0;  // 1 while the open bucket is an outside-session one
  size_t cursor = 0;       // first session whose close is after the current bar

  auto emit = [&] {
    BarColumns& b = out.bars;
    b.ts.push_back(start);
    b.open.push_back(o);
    b.high.push_back(h);
    b.low.push_back(l);
    b.close.push_back(c);
    b.volume.push_back(v);
    out.flags.push_back(flags);
    out.truncated_bars += (flags & kTruncated) != 0;
    out.outside_session_bars += in_outside;
  };

  for (size_t i = 0; i < n; ++i) {
    const Micros t = ts[i];
    if (t < end) {  // same bucket (t >= start holds: input is sorted)
      h = std::max(h, hi[i]);
      l = std::min(l, lo[i]);
      c = cl[i];
      v += vo[i];
      out.outside_session_rows += in_outside;
      continue;
    }
    if (end != kMin) emit();

    // Locate the bucket of bar i. The cursor only moves forward: one walk over sessions.
    while (cursor < num_sessions && sessions[cursor].close <= t) ++cursor;
    flags = 0;
    in_outside = 0;
    if (num_sessions == 0) {
      start = FloorTo(t, target);
      end = start + target;
    } else if (cursor < num_sessions && sessions[cursor].open <= t) {
      const calendar::Session& s = sessions[cursor];
      const Micros k = (t - s.open) / target;
      start = s.open + k * target;
      end = std::min(start + target, s.close);
      if (end - start < target) flags |= kTruncated;
      if (end == s.close && s.early_close) flags |= kEarlyClose;
      if (k == 0 && s.late_open) flags |= kLateOpen;
    } else {
      // Between sessions (or before the first / after the last): the UTC-day grid, cut at
      // midnight and clipped to the gap so it never overlaps a session's buckets.
      const Micros day = FloorTo(t, kMicrosPerDay);
      const Micros cell = day + (t - day) / target * target;
      const Micros gap_begin = cursor > 0 ? sessions[cursor - 1].close : kMin;
      const Micros gap_end = cursor < num_sessions ? sessions[cursor].open : kMax;
      start = std::max(cell, gap_begin);
      end = std::min({cell + target, day + kMicrosPerDay, gap_end});
      flags = kOutsideSession;
      if (end - start < target) flags |= kTruncated;
      in_outside = 1;
    }
    o = op[i];
    h = hi[i];
    l = lo[i];
    c = cl[i];
    v = vo[i];
    out.outside_session_rows += in_outside;
  }
  if (end != kMin) emit();
  return out;
}

}  // namespace barlake::derive
