#include "schedule/live.h"

#include <algorithm>
#include <array>
#include <map>

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

// The start of the trailing run of provisional (still forming) bars of `bars`: those are
// read again on the next poll, so a follower sends a forming bar's finished values too.
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

// Rows of `bars` to send: each one not sent before with the same values. Then the trailing
// provisional rows are remembered (to be read again) and `after_` stops before them.
BarColumns BarFollower::Unsent(const BarColumns& bars, size_t first) {
  const size_t end = FinalEnd(bars);
  BarColumns out;
  out.Reserve(bars.size() - first);
  std::map<Micros, SentValues> pending;
  for (size_t i = first; i < bars.size(); ++i) {
    const SentValues v = {bars.open[i], bars.high[i], bars.low[i], bars.close[i], bars.volume[i],
                          static_cast<double>(bars.FlagAt(i))};
    auto sent = sent_forming_.find(bars.ts[i]);
    if (sent == sent_forming_.end() || sent->second != v) out.Append(bars, i);
    if (i >= end) pending[bars.ts[i]] = v;
  }
  sent_forming_ = std::move(pending);
  if (end > 0) after_ = std::max(after_, bars.ts[end - 1]);
  return out;
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
  after_ = last - span;
  return Unsent(bars, bars.size() > count ? bars.size() - count : 0);
}

Result<BarColumns> BarFollower::Poll() {
  ASSIGN_OR_RETURN(Micros last, LastStored());
  if (last == kOpenRangeStart || last <= after_) return BarColumns();
  ASSIGN_OR_RETURN(BarColumns bars, lake_->Read(symbol_, timeframe_, after_ + 1, last + 1));
  return Unsent(bars, 0);
}

}  // namespace barlake::schedule
