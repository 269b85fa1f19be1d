#include "schedule/live.h"

#include "core/timeframe.h"

namespace barlake::schedule {

namespace {
constexpr const char* kLivePrefix = "live ";
}  // namespace

std::vector<registry::ScheduleSpec> LiveSchedules(const registry::Registry& reg) {
  std::vector<registry::ScheduleSpec> out;
  for (const auto& d : reg.datasets()) {
    if (!d.live || d.kind != "bars" || d.is_derived()) continue;
    auto tf = Timeframe::Parse(d.timeframe);
    if (!tf.ok()) continue;
    registry::ScheduleSpec s;
    s.name = kLivePrefix + d.symbol + " " + d.timeframe;
    s.action = "update";
    s.datasets = {d.symbol + " " + d.timeframe};
    s.every_seconds = tf->seconds();
    s.source = "live = true";
    out.push_back(std::move(s));
  }
  return out;
}

bool IsLiveSchedule(const registry::ScheduleSpec& spec) {
  return spec.source == "live = true" && spec.name.rfind(kLivePrefix, 0) == 0;
}

// The end of the final bars of `bars`: a still-forming (provisional) last bar is held
// back until an update completes it, so a follower never sends a bar's partial values
// and then misses the finished bar (docs/live.md).
static size_t FinalEnd(const BarColumns& bars) {
  size_t end = bars.size();
  while (end > 0 && (bars.FlagAt(end - 1) & kBarProvisional)) --end;
  return end;
}

Result<std::unique_ptr<BarFollower>> BarFollower::Open(const std::string& vault, const std::string& symbol,
                                                       const std::string& timeframe, Micros after) {
  RETURN_IF_ERROR(Timeframe::Parse(timeframe).status());
  std::unique_ptr<BarFollower> f(new BarFollower());
  lake::LakeOptions o;
  o.command = "barlake tail " + symbol + " " + timeframe;
  ASSIGN_OR_RETURN(f->lake_, lake::Lake::Open(vault, o));
  f->symbol_ = symbol;
  f->timeframe_ = timeframe;
  f->after_ = after;
  return f;
}

Result<Micros> BarFollower::LastStored() {
  ASSIGN_OR_RETURN(auto datasets, lake_->Datasets());
  for (const auto& d : datasets) {
    if (d.symbol == symbol_ && d.timeframe == timeframe_) return d.rows > 0 ? d.last_ts : kOpenRangeStart;
  }
  return kOpenRangeStart;  // not stored yet: it may appear
}

Result<BarColumns> BarFollower::Newest(size_t count) {
  ASSIGN_OR_RETURN(Micros last, LastStored());
  BarColumns out;
  if (last == kOpenRangeStart || count == 0) {
    if (last != kOpenRangeStart) after_ = last;
    return out;
  }
  ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(timeframe_));
  // Far enough back for `count` bars across a long weekend or a holiday break.
  const Micros span = static_cast<Micros>(count) * tf.micros() + 5 * kMicrosPerDay;
  ASSIGN_OR_RETURN(BarColumns bars, lake_->Read(symbol_, timeframe_, last - span, last + 1));
  const size_t end = FinalEnd(bars);
  const size_t first = end > count ? end - count : 0;
  out.Reserve(end - first);
  for (size_t i = first; i < end; ++i) out.Append(bars, i);
  after_ = end > 0 ? bars.ts[end - 1] : last - span;
  return out;
}

Result<BarColumns> BarFollower::Poll() {
  ASSIGN_OR_RETURN(Micros last, LastStored());
  if (last == kOpenRangeStart || last <= after_) return BarColumns();
  ASSIGN_OR_RETURN(BarColumns bars, lake_->Read(symbol_, timeframe_, after_ + 1, last + 1));
  const size_t end = FinalEnd(bars);
  if (end == bars.size()) {
    if (!bars.empty()) after_ = bars.ts.back();
    return bars;
  }
  BarColumns final_bars;
  final_bars.Reserve(end);
  for (size_t i = 0; i < end; ++i) final_bars.Append(bars, i);
  if (end > 0) after_ = bars.ts[end - 1];
  return final_bars;
}

}  // namespace barlake::schedule
