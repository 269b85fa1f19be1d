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

namespace {

Status CheckTarget(int64_t source_seconds, int64_t target_seconds) {
  if (source_seconds <= 0 || target_seconds <= 0) {
    return Status::InvalidArgument("source and target intervals must be positive (got " +
                                   std::to_string(source_seconds) + " s and " + std::to_string(target_seconds) + " s)");
  }
  if (target_seconds % source_seconds != 0) {
    return Status::InvalidArgument("target interval (" + std::to_string(target_seconds) +
                                   " s) is not a multiple of the source interval (" + std::to_string(source_seconds) +
                                   " s): every target bar must be made of whole source bars");
  }
  return Status::OK();
}

struct Bucket {
  Micros start, end;
  uint8_t flags;
};

/// The bucket of a bar at `t`, given the first session whose close is after `t`.
Bucket Locate(Micros t, Micros target, const calendar::SessionList& sessions, size_t cursor) {
  const size_t num_sessions = sessions.size();
  Bucket b{0, 0, 0};
  if (num_sessions == 0) {
    b.start = FloorTo(t, target);
    b.end = b.start + target;
  } else if (cursor < num_sessions && sessions[cursor].open <= t) {
    const calendar::Session& s = sessions[cursor];
    const Micros k = (t - s.open) / target;
    b.start = s.open + k * target;
    b.end = std::min(b.start + target, s.close);
    if (b.end - b.start < target) b.flags |= kTruncated;
    if (b.end == s.close && s.early_close) b.flags |= kEarlyClose;
    if (k == 0 && s.late_open) b.flags |= kLateOpen;
  } else {
    // Between sessions (or before the first / after the last): the UTC-day grid, cut at
    // midnight and clipped to the gap so it never overlaps a session's buckets.
    const Micros day = FloorTo(t, kMicrosPerDay);
    const Micros cell = day + (t - day) / target * target;
    const Micros gap_begin = cursor > 0 ? sessions[cursor - 1].close : kMin;
    const Micros gap_end = cursor < num_sessions ? sessions[cursor].open : kMax;
    b.start = std::max(cell, gap_begin);
    b.end = std::min({cell + target, day + kMicrosPerDay, gap_end});
    b.flags = kOutsideSession;
    if (b.end - b.start < target) b.flags |= kTruncated;
  }
  return b;
}

/// The first session whose close is after `t`, by binary search, so resampling one month
/// against a calendar of decades does not walk the decades.
size_t FirstCursor(const calendar::SessionList& sessions, Micros t) {
  return static_cast<size_t>(
      std::partition_point(sessions.begin(), sessions.end(), [&](const calendar::Session& s) { return s.close <= t; }) -
      sessions.begin());
}

void ReserveOutput(DerivedBars* out, size_t n, int64_t ratio, size_t num_sessions) {
  // Full buckets plus at most one cut bucket per session; outside buckets grow the vectors.
  const size_t cap = std::min(n, n / static_cast<size_t>(ratio) + 2 * num_sessions + 16);
  BarColumns& b = out->bars;
  b.ts.reserve(cap), b.open.reserve(cap), b.high.reserve(cap), b.low.reserve(cap), b.close.reserve(cap),
      b.volume.reserve(cap);
  out->flags.reserve(cap);
}

void Emit(DerivedBars* out, const Bucket& bucket, double o, double h, double l, double c, double v) {
  BarColumns& b = out->bars;
  b.ts.push_back(bucket.start);
  b.open.push_back(o);
  b.high.push_back(h);
  b.low.push_back(l);
  b.close.push_back(c);
  b.volume.push_back(v);
  out->flags.push_back(bucket.flags);
  out->truncated_bars += (bucket.flags & kTruncated) != 0;
  out->outside_session_bars += (bucket.flags & kOutsideSession) != 0;
}

}  // namespace

Result<DerivedBars> Resample(const BarColumns& input, int64_t source_seconds, int64_t target_seconds,
                             const calendar::SessionList& sessions) {
  RETURN_IF_ERROR(CheckTarget(source_seconds, target_seconds));
  RETURN_IF_ERROR(CheckSessions(sessions));
  RETURN_IF_ERROR(CheckBars(input));

  const Micros target = target_seconds * kMicrosPerSecond;
  const size_t n = input.size();
  const size_t num_sessions = sessions.size();
  DerivedBars out;
  out.input_rows = static_cast<int64_t>(n);
  ReserveOutput(&out, n, target_seconds / source_seconds, num_sessions);

  const Micros* ts = input.ts.data();
  const double* hi = input.high.data();
  const double* lo = input.low.data();
  const double* vo = input.volume.data();
  int64_t outside_rows = 0;
  size_t cursor = n == 0 ? 0 : FirstCursor(sessions, ts[0]);
  size_t i = 0;
  while (i < n) {
    // The cursor only moves forward: one walk over the sessions for the whole input.
    while (cursor < num_sessions && sessions[cursor].close <= ts[i]) ++cursor;
    const Bucket bucket = Locate(ts[i], target, sessions, cursor);
    // Aggregate the bars of the bucket in a tight loop (ts >= start holds: input sorted).
    double h = hi[i], l = lo[i], v = vo[i];
    size_t j = i + 1;
    for (; j < n && ts[j] < bucket.end; ++j) {
      h = std::max(h, hi[j]);
      l = std::min(l, lo[j]);
      v += vo[j];
    }
    Emit(&out, bucket, input.open[i], h, l, input.close[j - 1], v);
    if (bucket.flags & kOutsideSession) outside_rows += static_cast<int64_t>(j - i);
    i = j;
  }
  out.outside_session_rows = outside_rows;
  return out;
}

}  // namespace barlake::derive
