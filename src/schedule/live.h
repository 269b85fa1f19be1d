// Live bars (docs/live.md): datasets marked `live = true` are polled by `barlake serve`
// once per bar, shortly after each bar closes, and the bars that land are followed by
// `GET /api/stream` (server-sent events) and `barlake tail`.
//
// A live dataset is run as an implicit schedule named "live SYMBOL TF": action update,
// every bar interval, due kLiveDelaySeconds after each bar's close (providers publish a
// closed bar a moment after it closes; the still-forming bar is never stored). It shares
// the schedules' record and lease (schedule/run_store.h), so two servers on one vault do
// not both poll, and a poll missed while the server was down is made up once. Each poll
// that brings bars is one small import job (see docs/live.md for why not one job per
// session).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/bars.h"
#include "core/result.h"
#include "lake/lake.h"
#include "registry/registry.h"

namespace barlake::schedule {

constexpr int64_t kLiveDelaySeconds = 3;

/// The implicit schedules of the registry's live datasets.
std::vector<registry::ScheduleSpec> LiveSchedules(const registry::Registry& reg);
/// Whether a schedule is the implicit one of a live dataset.
bool IsLiveSchedule(const registry::ScheduleSpec& spec);

/// Follows one dataset as bars are committed, by any writer: each Poll reads the catalog
/// (one journal query) and, when the dataset's last bar moved, the new bars. A reader: it
/// never takes the writer lock.
class BarFollower {
 public:
  /// Follow bars after `after` (a bar open time; kOpenRangeStart: from the first bar).
  static Result<std::unique_ptr<BarFollower>> Open(const std::string& vault, const std::string& symbol,
                                                   const std::string& timeframe, Micros after);
  /// The newest `count` stored bars (their open times at most the current last bar), and
  /// from then on follow after the last of them.
  Result<BarColumns> Newest(size_t count);
  /// Bars committed with an open time after the last one returned, oldest first. A
  /// provisional (still forming) last bar is returned, and returned again once its values
  /// change (it was completed or grew): the caller replaces the bar of the same stamp.
  Result<BarColumns> Poll();
  /// The open time of the last bar returned (or the starting point).
  Micros after() const { return after_; }

 private:
  BarFollower() = default;
  Result<Micros> LastStored();
  using SentValues = std::array<double, 6>;  // open, high, low, close, volume, flags
  BarColumns Unsent(const BarColumns& bars, size_t first);
  std::unique_ptr<lake::Lake> lake_;
  std::string symbol_, timeframe_;
  Micros after_ = 0;
  std::map<Micros, SentValues> sent_forming_;  // the trailing provisional bars sent last time
};

}  // namespace barlake::schedule
