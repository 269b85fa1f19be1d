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
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
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

/// The last bars read of each followed dataset, shared by the followers of one process
/// (the server's streams): a follower that needs the same range of a dataset at the same
/// catalog version gets the bars another one read, instead of reading the partition (and
/// checking its SHA-256) again. Followers of one dataset are at the same point once they
/// caught up, so one read per dataset and change serves them all. Thread-safe; a read
/// holds only its dataset's slot, so followers of other datasets do not wait.
class SharedBarReads {
 public:
  /// The bars of `dataset` in [from, to) at catalog `version`: the ones kept from the last
  /// read when it was the same, else `read()`'s (then kept).
  Result<BarColumns> Read(const std::string& dataset, const std::string& version, Micros from, Micros to,
                          const std::function<Result<BarColumns>()>& read);
  /// Reads made (not served from the kept bars), for tests and benchmarks.
  int64_t reads() const;

 private:
  struct Slot {
    std::mutex mu;
    bool valid = false;
    std::string version;
    Micros from = 0, to = 0;
    BarColumns bars;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  int64_t reads_ = 0;
};

/// Follows one dataset as bars are committed, by any writer: each Poll reads the catalog
/// (one journal query) and, when the dataset changed since the last read, the new bars. A
/// reader: it never takes the writer lock.
class BarFollower {
 public:
  /// Follow bars after `after` (a bar open time; kOpenRangeStart: from the first bar).
  /// With `shared`, the reads go through it (one per dataset and change for all the
  /// followers that share it).
  static Result<std::unique_ptr<BarFollower>> Open(const std::string& vault, const std::string& symbol,
                                                   const std::string& timeframe, Micros after,
                                                   std::shared_ptr<SharedBarReads> shared = nullptr);
  /// The newest `count` stored bars (their open times at most the current last bar), and
  /// from then on follow after the last of them.
  Result<BarColumns> Newest(size_t count);
  /// Bars committed with an open time after the last one returned, oldest first. A
  /// provisional (still forming) last bar is returned, and returned again once its values
  /// change (it was completed or grew): the caller replaces the bar of the same stamp.
  /// Reads no bars while the dataset's catalog entry is as at the last read (the trailing
  /// provisional bars are then as sent).
  Result<BarColumns> Poll();
  /// The open time of the last bar returned (or the starting point).
  Micros after() const { return after_; }

 private:
  BarFollower() = default;
  /// The dataset's last bar in the catalog (kOpenRangeStart: none) and a text that changes
  /// with every commit to it (its last job, update time, rows and bytes).
  struct Stored {
    Micros last = kOpenRangeStart;
    std::string version;
  };
  Result<Stored> LastStored();
  Result<BarColumns> ReadBars(Micros from, Micros to, const std::string& version);
  using SentValues = std::array<double, 6>;  // open, high, low, close, volume, flags
  BarColumns Unsent(const BarColumns& bars, size_t first);
  std::unique_ptr<lake::Lake> lake_;
  std::string symbol_, timeframe_;
  Micros after_ = 0;
  std::map<Micros, SentValues> sent_forming_;  // the trailing provisional bars sent last time
  std::string read_version_;  // the catalog version of the last read: all up to its last bar is sent
  std::shared_ptr<SharedBarReads> shared_;
};

}  // namespace barlake::schedule
