// The derived builders (lake/derived_builder.h): one class per method.
#include <algorithm>

#include "calendar/calendar.h"
#include "core/timeframe.h"
#include "derive/level_touches.h"
#include "derive/resampler.h"
#include "derive/session_stats.h"
#include "lake/derived_builder.h"
#include "lake/derived_tables.h"
#include "storage/partition_layout.h"

namespace barlake::lake {

DerivedInputFiles::DerivedInputFiles(storage::ParquetStore* store, const VaultPaths* paths,
                                     std::vector<journal::PartitionEntry> parts)
    : store_(store), paths_(paths), parts_(std::move(parts)) {
  std::sort(parts_.begin(), parts_.end(),
            [](const auto& a, const auto& b) { return a.min_ts < b.min_ts; });
}

Result<std::shared_ptr<const BarColumns>> DerivedInputFiles::Read(Micros from, Micros to) {
  if (!last_ || from != last_from_ || to != last_to_) {
    last_.reset();
    ASSIGN_OR_RETURN(BarColumns rows, ReadFiles(from, to));
    last_ = std::make_shared<const BarColumns>(std::move(rows));
    last_from_ = from;
    last_to_ = to;
  }
  return last_;
}

Result<BarColumns> DerivedInputFiles::ReadFiles(Micros from, Micros to) {
  // The rows of the files overlapping [from, to), as [lo, hi) row ranges.
  struct Slice {
    std::shared_ptr<const BarColumns> rows;
    size_t lo, hi;
    const std::string* rel_path;
  };
  std::vector<Slice> slices;
  size_t total = 0;
  for (const auto& p : parts_) {
    if (p.max_ts < from || p.min_ts >= to) continue;
    std::shared_ptr<const BarColumns> rows;
    for (const auto& [rel, r] : recent_) {
      if (rel == p.rel_path) rows = r;
    }
    if (!rows) {
      ASSIGN_OR_RETURN(BarColumns r, store_->ReadFile(paths_->LakeFile(p.rel_path)));
      rows = std::make_shared<const BarColumns>(std::move(r));
      recent_.emplace_back(p.rel_path, rows);
      if (recent_.size() > 3) recent_.pop_front();
    }
    const auto lo = std::lower_bound(rows->ts.begin(), rows->ts.end(), from) - rows->ts.begin();
    const auto hi = std::lower_bound(rows->ts.begin(), rows->ts.end(), to) - rows->ts.begin();
    if (lo >= hi) continue;
    if (!slices.empty()) {
      const Slice& prev = slices.back();
      if (rows->ts[static_cast<size_t>(lo)] <= prev.rows->ts[prev.hi - 1]) {
        return Status::Corruption("input partition '" + p.rel_path +
                                  "' overlaps the one before it");
      }
    }
    slices.push_back({rows, static_cast<size_t>(lo), static_cast<size_t>(hi), &p.rel_path});
    total += static_cast<size_t>(hi - lo);
  }
  // One copy into columns sized once.
  BarColumns out;
  out.ts.reserve(total);
  out.open.reserve(total);
  out.high.reserve(total);
  out.low.reserve(total);
  out.close.reserve(total);
  out.volume.reserve(total);
  for (const Slice& s : slices) {
    const BarColumns& r = *s.rows;
    auto take = [&](auto& dst, const auto& src) {
      if (src.size() == r.ts.size()) dst.insert(dst.end(), src.begin() + s.lo, src.begin() + s.hi);
    };
    take(out.ts, r.ts);
    take(out.open, r.open);
    take(out.high, r.high);
    take(out.low, r.low);
    take(out.close, r.close);
    take(out.volume, r.volume);
  }
  for (size_t i = 1; i < out.ts.size(); ++i) {
    if (out.ts[i] <= out.ts[i - 1]) {
      return Status::Corruption("input rows of " + FormatIsoUtc(from) + " are out of order");
    }
  }
  return out;
}

namespace {

std::string NameOf(const registry::DatasetSpec& spec) { return spec.symbol + " " + spec.timeframe; }

// Bars of `spec` resampled from one finer bar dataset, anchored to its calendar's session
// opens (or the UTC grid); daily bars are one bar per session.
class ResampleBuilder final : public DerivedBuilder {
 public:
  static Result<std::unique_ptr<DerivedBuilder>> Make(const registry::DatasetSpec& spec,
                                                      const DerivedInputs& inputs,
                                                      const DerivedContext& ctx) {
    ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(spec.timeframe));
    auto b = std::unique_ptr<ResampleBuilder>(new ResampleBuilder(spec, ctx, tf));
    ASSIGN_OR_RETURN(registry::DatasetName in, registry::ParseDatasetName(spec.inputs.at(0)));
    ASSIGN_OR_RETURN(Timeframe in_tf, Timeframe::Parse(in.timeframe));
    if (tf.seconds() <= in_tf.seconds() || tf.seconds() % in_tf.seconds() != 0) {
      return Status::InvalidInput(NameOf(spec) + ": " + spec.timeframe +
                                  " is not a multiple of its input's " + in.timeframe);
    }
    if (!spec.calendar.empty()) {
      b->cal_ = ctx.registry->calendars().Find(spec.calendar);
      if (!b->cal_) return Status::InvalidInput("unknown calendar '" + spec.calendar + "'");
    }
    if (tf.is_daily_or_longer() && !b->cal_) {
      return Status::InvalidInput(
          NameOf(spec) +
          ": daily bars from minutes are one bar per session, so the dataset needs a "
          "calendar; set one with `barlake dataset set " +
          NameOf(spec) + " --calendar NAME`");
    }
    if (tf.seconds() > 86400) {
      return Status::InvalidInput(
          "weekly bars are not built from minutes; import them as their own dataset");
    }
    b->source_seconds_ = in_tf.seconds();
    // One reader per input dataset, shared by the job's builders.
    auto& files = (*ctx.input_files)[in.text()];
    if (!files) {
      std::vector<journal::PartitionEntry> parts;
      for (const auto& [rel, p] : inputs.parts) {
        if (p.symbol == in.symbol && p.timeframe == in.timeframe) parts.push_back(p);
      }
      files = std::make_shared<DerivedInputFiles>(ctx.store, ctx.paths, std::move(parts));
    }
    b->input_ = files;
    return std::unique_ptr<DerivedBuilder>(std::move(b));
  }

  const DataKind& kind() const override { return BarsKind(); }
  bool yearly() const override { return tf_.is_daily_or_longer(); }
  std::string RelPath(const std::string& period) const override {
    return storage::PartitionRelPath(spec_.symbol, spec_.timeframe, period);
  }
  // A bucket starts up to one bucket before an input bar; a session (a daily bar) up to
  // two days before its trade date.
  std::pair<Micros, Micros> Reach(Micros from, Micros to) const override {
    return {from - (yearly() ? 2 * kMicrosPerDay : tf_.micros()), to};
  }

  Result<BuiltPartition> Build(const std::string&, Micros from, Micros to,
                               const journal::PartitionEntry* stored) override {
    // A bucket starting in [from, to) holds bars up to one bucket (at most a day) later;
    // daily bars are sessions, which start up to a day before their trade date. Every
    // intraday target reads the same window, so the targets of one job share one copy
    // of it (the buckets after `to` are dropped below).
    const Micros read_from = yearly() ? from - 2 * kMicrosPerDay : from;
    const Micros read_to = to + (yearly() ? 2 : 1) * kMicrosPerDay;
    ASSIGN_OR_RETURN(std::shared_ptr<const BarColumns> input_rows,
                     input_->Read(read_from, read_to));
    const BarColumns& input = *input_rows;
    calendar::SessionList sessions;
    if (cal_) {
      ASSIGN_OR_RETURN(sessions,
                       cal_->SessionsBetween(read_from - kMicrosPerDay, read_to + kMicrosPerDay));
    }
    BarColumns out;
    if (yearly()) {
      ASSIGN_OR_RETURN(derive::SessionStats stats, derive::ComputeSessionStats(input, sessions));
      for (const auto& s : stats.sessions) {
        const Micros ts = static_cast<Micros>(s.trade_date) * kMicrosPerDay;
        if (s.bars == 0 || ts < from || ts >= to) continue;
        out.ts.push_back(ts);
        out.open.push_back(s.open);
        out.high.push_back(s.high);
        out.low.push_back(s.low);
        out.close.push_back(s.close);
        out.volume.push_back(s.volume);
        out.flags.push_back(static_cast<uint8_t>((s.early_close ? kBarEarlyClose : 0) |
                                                 (s.late_open ? kBarLateOpen : 0)));
      }
    } else {
      ASSIGN_OR_RETURN(derive::DerivedBars r,
                       derive::Resample(input, source_seconds_, tf_.seconds(), sessions));
      // The buckets starting in [from, to), without copying: they are one run of the
      // sorted result.
      out = std::move(r.bars);
      out.flags = std::move(r.flags);
      const size_t lo = static_cast<size_t>(std::lower_bound(out.ts.begin(), out.ts.end(), from) -
                                            out.ts.begin());
      const size_t hi =
          static_cast<size_t>(std::lower_bound(out.ts.begin(), out.ts.end(), to) - out.ts.begin());
      auto keep = [&](auto& v) {
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(hi), v.end());
        v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo));
      };
      keep(out.ts);
      keep(out.open);
      keep(out.high);
      keep(out.low);
      keep(out.close);
      keep(out.volume);
      keep(out.flags);
      out.job.clear();
    }
    int64_t truncated = 0;
    for (size_t i = 0; i < out.size(); ++i) truncated += (out.FlagAt(i) & kBarTruncated) ? 1 : 0;
    BuiltPartition built = Built(std::move(out), stored, job_id_);
    built.truncated_bars = truncated;
    return built;
  }

 private:
  ResampleBuilder(const registry::DatasetSpec& spec, const DerivedContext& ctx, Timeframe tf)
      : spec_(spec), job_id_(ctx.job_id), tf_(std::move(tf)) {}

  registry::DatasetSpec spec_;
  int64_t job_id_;
  Timeframe tf_;
  const calendar::Calendar* cal_ = nullptr;
  int64_t source_seconds_ = 0;
  std::shared_ptr<DerivedInputFiles> input_;
};

// Bars of `spec` from its SQL query over the `bars` view, rebuilt whole every time.
class SqlBuilder final : public DerivedBuilder {
 public:
  static Result<std::unique_ptr<DerivedBuilder>> Make(const registry::DatasetSpec& spec,
                                                      const DerivedContext& ctx) {
    ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(spec.timeframe));
    auto b = std::unique_ptr<SqlBuilder>(new SqlBuilder(spec, ctx.job_id, std::move(tf)));
    // The query's whole result, written to a scratch Parquet file with the bar types and
    // read back: DuckDB checks the types, the store checks the schema.
    const std::string scratch =
        ctx.paths->staging + "/sql-" + std::to_string(ctx.job_id) + ".parquet";
    Status s = ctx.create_bars_view(ctx.duck);
    if (s.ok()) {
      s = ctx.duck->Execute(
          "COPY (SELECT ts::TIMESTAMPTZ AS ts, open::DOUBLE AS open, high::DOUBLE AS high, "
          "low::DOUBLE AS low, close::DOUBLE AS close, volume::DOUBLE AS volume, 0::BIGINT AS job, "
          "0::UTINYINT AS flags FROM (" +
          spec.sql + ") ORDER BY 1) TO " + storage::SqlQuote(scratch) + " (FORMAT parquet)");
    }
    if (!s.ok()) {
      (void)ctx.env->RemoveFile(scratch);
      return s.WithContext("the sql of " + NameOf(spec) + " in " + ctx.paths->registry + " failed");
    }
    auto all = ctx.store->ReadFile(scratch);
    (void)ctx.env->RemoveFile(scratch);
    if (!all.ok()) return all.status();
    b->rows_ = std::move(all).value();
    const BarColumns& rows = b->rows_;
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows.ts[i] == rows.ts[i - 1]) {
        return Status::InvalidInput("the sql of " + NameOf(spec) + " returns two rows at " +
                                    FormatIsoUtc(rows.ts[i]) +
                                    "; a dataset has one bar per time (GROUP BY ts)");
      }
    }
    for (size_t i = 0; i < rows.size(); ++i)
      b->periods_.insert(storage::PeriodOf(rows.ts[i], b->yearly()));
    return std::unique_ptr<DerivedBuilder>(std::move(b));
  }

  const DataKind& kind() const override { return BarsKind(); }
  bool yearly() const override { return tf_.is_daily_or_longer(); }
  std::string RelPath(const std::string& period) const override {
    return storage::PartitionRelPath(spec_.symbol, spec_.timeframe, period);
  }
  std::pair<Micros, Micros> Reach(Micros, Micros) const override { return {0, 0}; }
  bool always_full() const override { return true; }
  std::set<std::string> KnownPeriods() const override { return periods_; }

  Result<BuiltPartition> Build(const std::string&, Micros from, Micros to,
                               const journal::PartitionEntry* stored) override {
    BarColumns out;
    const auto lo = std::lower_bound(rows_.ts.begin(), rows_.ts.end(), from) - rows_.ts.begin();
    const auto hi = std::lower_bound(rows_.ts.begin(), rows_.ts.end(), to) - rows_.ts.begin();
    for (auto i = lo; i < hi; ++i) out.Append(rows_, static_cast<size_t>(i));
    out.flags.assign(out.ts.size(), 0);
    return Built(std::move(out), stored, job_id_);
  }

 private:
  SqlBuilder(const registry::DatasetSpec& spec, int64_t job_id, Timeframe tf)
      : spec_(spec), job_id_(job_id), tf_(std::move(tf)) {}

  registry::DatasetSpec spec_;
  int64_t job_id_;
  Timeframe tf_;
  BarColumns rows_;  // the whole result, by ts
  std::set<std::string> periods_;
};

// A derived table (one row per session, a file per year) from one intraday bar dataset
// and its calendar: the part session_stats and level_touches share.
class TableBuilder : public DerivedBuilder {
 public:
  const DataKind& kind() const override { return DerivedTableKind(); }
  bool yearly() const override { return true; }
  std::string RelPath(const std::string& period) const override {
    return storage::TableRelPath(spec_.method, spec_.symbol, period);
  }
  // A session's row reads the bars of its session, which may open the day before its
  // trade date: a changed input range reaches the trade dates two days around it.
  std::pair<Micros, Micros> Reach(Micros from, Micros to) const override {
    return {from - 2 * kMicrosPerDay, to + 2 * kMicrosPerDay};
  }

  Result<BuiltPartition> Build(const std::string&, Micros from, Micros to,
                               const journal::PartitionEntry* stored) override {
    ASSIGN_OR_RETURN(storage::TableRows rows, Rows(from, to));
    return Built(std::move(rows), stored, job_id_);
  }

  /// A table builder of class B (a friend of TableBuilder's), checked and set up.
  template <typename B>
  static Result<std::unique_ptr<DerivedBuilder>> Make(const registry::DatasetSpec& spec, const DerivedInputs& inputs,
                                                      const DerivedContext& ctx) {
    std::unique_ptr<B> b(new B(spec, inputs, ctx));
    RETURN_IF_ERROR(b->Init());
    RETURN_IF_ERROR(b->SetUp());
    return std::unique_ptr<DerivedBuilder>(std::move(b));
  }

 protected:
  TableBuilder(const registry::DatasetSpec& spec, const DerivedInputs& inputs,
               const DerivedContext& ctx)
      : spec_(spec), inputs_(inputs), ctx_(ctx) {}
  /// Check the spec and find its input and calendar.
  Status Init() {
    ASSIGN_OR_RETURN(in_, registry::ParseDatasetName(spec_.inputs.at(0)));
    const registry::DatasetSpec* input = ctx_.registry->Find(in_.symbol, in_.timeframe);
    if (input && input->kind != "bars") {
      return Status::InvalidInput(NameOf(spec_) + ": its input " + in_.text() +
                                  " is not a bar dataset");
    }
    ASSIGN_OR_RETURN(Timeframe in_tf, Timeframe::Parse(in_.timeframe));
    if (in_tf.is_daily_or_longer()) {
      return Status::InvalidInput(NameOf(spec_) + ": " + spec_.method +
                                  " are built from intraday bars, not " + in_.text());
    }
    cal_ = ctx_.registry->calendars().Find(spec_.calendar);
    if (!cal_)
      return Status::InvalidInput(NameOf(spec_) + ": unknown calendar '" + spec_.calendar + "'");
    job_id_ = ctx_.job_id;
    return Status::OK();
  }
  /// What a kind of table needs after Init (its options).
  virtual Status SetUp() { return Status::OK(); }
  /// The rows of the trade dates in [from, to) (UTC midnights).
  virtual Result<storage::TableRows> Rows(Micros from, Micros to) = 0;

  Result<BarColumns> ReadInput(Micros from, Micros to) {
    return ctx_.read_bars(in_.symbol, in_.timeframe, from, to);
  }
  // Only sessions wholly inside the bars read: a session cut by the read window would get
  // the statistics of part of its bars.
  Result<calendar::SessionList> SessionsWithin(Micros from, Micros to) const {
    ASSIGN_OR_RETURN(calendar::SessionList all,
                     cal_->SessionsBetween(from - kMicrosPerDay, to + kMicrosPerDay));
    calendar::SessionList out;
    for (const auto& s : all) {
      if (s.open >= from && s.close <= to) out.push_back(s);
    }
    return out;
  }

  registry::DatasetSpec spec_;
  DerivedInputs inputs_;
  DerivedContext ctx_;
  registry::DatasetName in_;
  const calendar::Calendar* cal_ = nullptr;
  int64_t job_id_ = 0;
};

class SessionStatsBuilder final : public TableBuilder {
 private:
  friend class TableBuilder;
  using TableBuilder::TableBuilder;
  // A session's trade date is within a day of its bars, so two days around [from, to)
  // hold every bar of the sessions dated inside it.
  Result<storage::TableRows> Rows(Micros from, Micros to) override {
    const Micros read_from = from - 2 * kMicrosPerDay, read_to = to + 2 * kMicrosPerDay;
    ASSIGN_OR_RETURN(BarColumns bars, ReadInput(read_from, read_to));
    ASSIGN_OR_RETURN(calendar::SessionList sessions, SessionsWithin(read_from, read_to));
    ASSIGN_OR_RETURN(derive::SessionStats stats, derive::ComputeSessionStats(bars, sessions));
    return SessionStatsRows(stats.sessions, from / kMicrosPerDay, to / kMicrosPerDay);
  }
};

class LevelTouchesBuilder final : public TableBuilder {
 public:

  // A session's levels come from the previous session that has bars, however far back: a
  // changed input range also reaches the trade dates up to the first input bar after it.
  std::pair<Micros, Micros> Reach(Micros from, Micros to) const override {
    auto [a, end] = TableBuilder::Reach(from, to);
    Micros next = kOpenRangeEnd;
    for (const auto& [rel, p] : inputs_.parts) {
      if (p.min_ts >= to) next = std::min(next, p.min_ts);
    }
    if (next != kOpenRangeEnd) end = std::max(end, next + 2 * kMicrosPerDay);
    return {a, end};
  }

 private:
  friend class TableBuilder;
  using TableBuilder::TableBuilder;
  Status SetUp() override {
    ASSIGN_OR_RETURN(options_, LevelOptionsOf(spec_, cal_->zone));
    return Status::OK();
  }
  // The first session of the range needs the previous session that has bars, however far
  // back (a gap in the data): look back further until it is found or the input begins.
  Result<storage::TableRows> Rows(Micros from, Micros to) override {
    const Micros read_to = to + 2 * kMicrosPerDay;
    for (Micros lookback = 10 * kMicrosPerDay;; lookback *= 8) {
      const Micros read_from = from - lookback;
      ASSIGN_OR_RETURN(BarColumns bars, ReadInput(read_from, read_to));
      ASSIGN_OR_RETURN(calendar::SessionList sessions, SessionsWithin(read_from, read_to));
      ASSIGN_OR_RETURN(auto levels, derive::ComputeLevelTouches(bars, sessions, options_));
      auto first = std::find_if(levels.begin(), levels.end(), [&](const derive::SessionLevels& l) {
        return l.trade_date >= from / kMicrosPerDay;
      });
      if (first != levels.begin() || first == levels.end() || read_from <= inputs_.first) {
        return LevelTouchesRows(levels, from / kMicrosPerDay, to / kMicrosPerDay);
      }
    }
  }

  derive::LevelOptions options_;
};

}  // namespace

Result<std::unique_ptr<DerivedBuilder>> MakeDerivedBuilder(const registry::DatasetSpec& spec,
                                                           const DerivedInputs& inputs,
                                                           const DerivedContext& ctx) {
  if (spec.inputs.empty()) return Status::InvalidInput(NameOf(spec) + " has no inputs");
  if (spec.method == "resample") return ResampleBuilder::Make(spec, inputs, ctx);
  if (spec.method == "sql") return SqlBuilder::Make(spec, ctx);
  if (spec.method == kSessionStatsTable) return TableBuilder::Make<SessionStatsBuilder>(spec, inputs, ctx);
  if (spec.method == kLevelTouchesTable) return TableBuilder::Make<LevelTouchesBuilder>(spec, inputs, ctx);
  return Status::InvalidInput("unknown method '" + spec.method + "'");
}

}  // namespace barlake::lake
