// Resample: a single pass from fine bars (1m) to coarser ones (5m, 15m, 1h, 4h, any N
// minutes), anchored to the session open. Rules and flags: docs/derived.md.
//
//  * A bar belongs to the session with open <= ts < close (bar OPEN time, UTC). Its bucket
//    starts at session.open + k * target and ends at min(start + target, session.close).
//    The grid is elapsed time from the open, so CME 4h bars start at 18:00, 22:00, 02:00,
//    ... New York time in winter and in summer alike.
//  * Bars outside every session are never dropped: they are bucketed on a grid anchored
//    at their UTC day (00:00 UTC + k * target, cut at the next midnight), clipped to the
//    gap between the sessions around them, and flagged kOutsideSession.
//  * An empty SessionList means "no calendar": buckets on the UTC epoch grid
//    (floor(ts / target) * target), no flags.
//  * Only buckets holding at least one input bar are produced: gaps stay gaps.
//  * open = first, high = max, low = min, close = last, volume = sum. `job` stays empty
//    (the writer assigns provenance).
//
// Resampling a sub-range: the output for a bucket depends only on the bars of that
// bucket and the session (or inter-session gap) it lies in. Given the bars in
// [sessions.front().open, sessions.back().close) and those sessions, the result equals
// the same slice of a run over everything, so a caller can regenerate only the sessions
// whose inputs changed.
#pragma once

#include <cstdint>
#include <vector>

#include "calendar/session.h"
#include "core/bars.h"
#include "core/result.h"

namespace barlake::derive {

/// Bit values of DerivedBars::flags (stable: they are stored with derived datasets).
enum BarFlag : uint8_t {
  /// The bucket is shorter than the target: a session close, an early close or a holiday
  /// halt cut it (or, for an outside-session bucket, midnight UTC or the next open).
  kTruncated = 1,
  /// The bucket is the last one of a session marked early_close (set even when the early
  /// close falls on the grid and the bucket is full length).
  kEarlyClose = 2,
  /// The bucket holds bars that lie outside every session (UTC-day grid, see above).
  kOutsideSession = 4,
  /// The bucket is the first one of a session marked late_open.
  kLateOpen = 8,
};

struct DerivedBars {
  BarColumns bars;             // ts = bucket start (UTC); `job` empty
  std::vector<uint8_t> flags;  // one per bar, BarFlag bits
  int64_t input_rows = 0;
  int64_t truncated_bars = 0;        // bars with kTruncated
  int64_t outside_session_rows = 0;  // input bars outside every session
  int64_t outside_session_bars = 0;  // output bars with kOutsideSession

  size_t size() const { return bars.size(); }
};

/// Resample `input` (bars of `source_seconds`, ts strictly increasing) to
/// `target_seconds`, a positive multiple of `source_seconds`. `sessions` sorted by open,
/// non-overlapping, open < close (may be empty). kInvalidArgument on bad arguments or
/// sessions, kInvalidInput on unsorted input or columns of different lengths.
Result<DerivedBars> Resample(const BarColumns& input, int64_t source_seconds, int64_t target_seconds,
                             const calendar::SessionList& sessions);

/// Checks Resample applies to its sessions (also used by SessionStats and LevelTouches).
Status CheckSessions(const calendar::SessionList& sessions);
/// Checks Resample applies to its input bars.
Status CheckBars(const BarColumns& bars);

}  // namespace barlake::derive
