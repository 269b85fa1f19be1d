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

Result<BarColumns> SharedBarReads::Read(const std::string& dataset, const std::string& version, Micros from,
                                        Micros to, const std::function<Result<BarColumns>()>& read) {
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& s = slots_[dataset];
    if (!s) s = std::make_shared<Slot>();
    slot = s;
  }
  // Followers of the dataset wait for the one reading, then take its bars.
  std::lock_guard<std::mutex> lock(slot->mu);
  if (slot->valid && slot->version == version && slot->from == from && slot->to == to) return slot->bars;
  ASSIGN_OR_RETURN(BarColumns bars, read());
  {
    std::lock_guard<std::mutex> count(mu_);
    ++reads_;
  }
  slot->valid = true;
  slot->version = version;
  slot->from = from;
  slot->to = to;
  slot->bars = bars;
  return bars;
}

int64_t SharedBarReads::reads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reads_;
}

Result<std::unique_ptr<BarFollower>> BarFollower::Open(const std::string& vault, const std::string& symbol,
                                                       const std::string& timeframe, Micros after,
                                                       std::shared_ptr<SharedBarReads> shared) {
  RETURN_IF_ERROR(Timeframe::Parse(timeframe).status());
  std::unique_ptr<BarFollower> f(new BarFollower());
  lake::LakeOptions o;
  o.command = "barlake tail " + symbol + " " + timeframe;
  ASSIGN_OR_RETURN(f->lake_, lake::Lake::Open(vault, o));
  f->symbol_ = symbol;
  f->timeframe_ = timeframe;
  f->after_ = after;
  f->shared_ = std::move(shared);
  return f;
}

Result<BarFollower::Stored> BarFollower::LastStored() {
  ASSIGN_OR_RETURN(auto datasets, lake_->Datasets());
  Stored s;
  for (const auto& d : datasets) {
    if (d.symbol != symbol_ || d.timeframe != timeframe_) continue;
    if (d.rows > 0) s.last = d.last_ts;
    s.version = std::to_string(d.last_job) + "/" + std::to_string(d.last_update) + "/" + std::to_string(d.rows) +
                "/" + std::to_string(d.bytes) + "/" + std::to_string(d.last_ts);
  }
  return s;  // kOpenRangeStart when not stored yet: it may appear
}

Result<BarColumns> BarFollower::ReadBars(Micros from, Micros to, const std::string& version) {
  auto read = [&] { return lake_->Read(symbol_, timeframe_, from, to); };
  ASSIGN_OR_RETURN(BarColumns bars, shared_ ? shared_->Read(symbol_ + " " + timeframe_, version, from, to, read)
                                            : read());
  read_version_ = version;
  return bars;
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
  ASSIGN_OR_RETURN(Stored stored, LastStored());
  const Micros last = stored.last;
  BarColumns out;
  if (last == kOpenRangeStart || count == 0) {
    if (last != kOpenRangeStart) after_ = last;
    return out;
  }
  ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(timeframe_));
  // Far enough back for `count` bars across a long weekend or a holiday break.
  const Micros span = static_cast<Micros>(count) * tf.micros() + 5 * kMicrosPerDay;
  ASSIGN_OR_RETURN(BarColumns bars, ReadBars(last - span, last + 1, stored.version));
  after_ = last - span;
  return Unsent(bars, bars.size() > count ? bars.size() - count : 0);
}

Result<BarColumns> BarFollower::Poll() {
  ASSIGN_OR_RETURN(Stored stored, LastStored());
  if (stored.last == kOpenRangeStart || stored.last <= after_) return BarColumns();
  // Unchanged since the last read: what lies after `after_` is the trailing provisional
  // bars, as sent (the stream polls twice a second; each read checks the file's SHA-256).
  if (stored.version == read_version_) return BarColumns();
  ASSIGN_OR_RETURN(BarColumns bars, ReadBars(after_ + 1, stored.last + 1, stored.version));
  return Unsent(bars, 0);
}

}  // namespace barlake::schedule
