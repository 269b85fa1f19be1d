// Derived datasets: lineage, staleness and regenerate jobs (lake/derived.h).
#include "lake/derived.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "derive/level_touches.h"
#include "derive/resampler.h"
#include "derive/session_stats.h"
#include "lake/derived_tables.h"
#include "lake/job_scope.h"
#include "lake/lake.h"
#include "lake/writer_lock.h"
#include "storage/partition_layout.h"

namespace barlake::lake {

using journal::JobRecord;
using journal::LineageEntry;
using journal::PartitionEntry;

namespace {

// "symbol=ES/timeframe=1m/period=2024-03/data.parquet" -> "2024-03".
std::string PeriodOfRelPath(const std::string& rel) {
  const auto at = rel.find("period=");
  if (at == std::string::npos) return "";
  const auto end = rel.find('/', at);
  return rel.substr(at + 7, end == std::string::npos ? std::string::npos : end - at - 7);
}

bool SameRows(const BarColumns& a, const BarColumns& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a.ts[i] != b.ts[i] || a.FlagAt(i) != b.FlagAt(i) || !BarColumns::SameValues(a, i, b, i)) return false;
  }
  return true;
}

// Every input partition that changed since the last build: the state lists the first 20;
// when there are more, compare each input partition's SHA-256 with the recorded one.
std::set<std::string> ChangedInputs(const DerivedState& state, const std::vector<LineageEntry>& previous,
                                    const std::map<std::string, PartitionEntry>& input_parts) {
  std::set<std::string> changed(state.changed_inputs.begin(), state.changed_inputs.end());
  if (state.changed_input_count <= static_cast<int64_t>(state.changed_inputs.size())) return changed;
  std::map<std::string, std::string> recorded;
  for (const auto& e : previous) recorded[e.input_rel_path] = e.input_sha256;
  for (const auto& [rel, p] : input_parts) {
    auto it = recorded.find(rel);
    if (it == recorded.end() || it->second != p.sha256) changed.insert(rel);
  }
  for (const auto& [rel, sha] : recorded) {
    if (!sha.empty() && !input_parts.count(rel)) changed.insert(rel);
  }
  return changed;
}

// Derived datasets of `registry` in dependency order (inputs before the datasets built
// from them). kInvalidInput on a cycle.
Result<std::vector<registry::DatasetSpec>> DependencyOrder(const registry::Registry& registry) {
  std::vector<registry::DatasetSpec> out;
  std::map<std::string, int> state;  // 1 visiting, 2 done
  std::function<Status(const registry::DatasetSpec&)> visit = [&](const registry::DatasetSpec& d) -> Status {
    const std::string key = d.symbol + " " + d.timeframe;
    if (state[key] == 2) return Status::OK();
    if (state[key] == 1) return Status::InvalidInput("derived datasets form a cycle through " + key + "; fix " + registry::kRegistryFileName);
    state[key] = 1;
    for (const auto& in : d.inputs) {
      auto k = registry::ParseDatasetName(in);
      if (!k.ok()) continue;
      const registry::DatasetSpec* s = registry.Find(k->symbol, k->timeframe);
      if (s && s->is_derived()) RETURN_IF_ERROR(visit(*s));
    }
    state[key] = 2;
    out.push_back(d);
    return Status::OK();
  };
  for (const auto& d : registry.datasets()) {
    if (d.is_derived()) RETURN_IF_ERROR(visit(d));
  }
  return out;
}

}  // namespace

Result<DerivedState> Lake::StateOf(const registry::DatasetSpec& spec) {
  DerivedState st;
  st.symbol = spec.symbol;
  st.timeframe = spec.timeframe;
  st.method = spec.method;
  st.inputs = spec.inputs;
  ASSIGN_OR_RETURN(auto lineage, journal_->CurrentLineage(spec.symbol, spec.timeframe));
  std::map<std::string, std::string> recorded;
  for (const auto& e : lineage) recorded[e.input_rel_path] = e.input_sha256;
  std::map<std::string, std::string> current;
  for (const auto& in : spec.inputs) {
    ASSIGN_OR_RETURN(registry::DatasetName k, registry::ParseDatasetName(in));
    ASSIGN_OR_RETURN(auto parts, journal_->PartitionsInRange(k.symbol, k.timeframe, kOpenRangeStart, kOpenRangeEnd));
    for (const auto& p : parts) current[p.rel_path] = p.sha256;
  }
  st.built = !lineage.empty();
  auto changed = [&](const std::string& rel) {
    if (st.changed_inputs.size() < 20) st.changed_inputs.push_back(rel);
    ++st.changed_input_count;
  };
  for (const auto& [rel, sha] : current) {
    auto it = recorded.find(rel);
    if (it == recorded.end() || it->second != sha) changed(rel);
  }
  for (const auto& [rel, sha] : recorded) {
    if (!sha.empty() && !current.count(rel)) changed(rel);
  }
  if (!st.built && current.empty()) {
    st.why = "its inputs hold no bars yet";
  } else if (!st.built) {
    st.stale = true;
    st.why = "never built";
  } else if (st.changed_input_count > 0) {
    st.stale = true;
    st.why = std::to_string(st.changed_input_count) + " input partition" +
             (st.changed_input_count > 1 ? "s" : "") + " changed since the last build";
  } else {
    st.why = "up to date";
  }
  return st;
}

Result<std::vector<DerivedState>> Lake::DerivedStates() {
  std::vector<DerivedState> out;
  for (const auto& d : registry_.datasets()) {
    if (!d.is_derived()) continue;
    ASSIGN_OR_RETURN(DerivedState st, StateOf(d));
    out.push_back(std::move(st));
  }
  return out;
}

Result<RegenerateItem> Lake::RegenerateOne(const registry::DatasetSpec& spec, bool full) {
  RegenerateItem item;
  item.symbol = spec.symbol;
  item.timeframe = spec.timeframe;
  ASSIGN_OR_RETURN(DerivedState state, StateOf(spec));
  if (!full && !state.stale) {
    item.skipped_because = state.why;
    return item;
  }
  // A table has a row per trade date, so it is laid out like daily bars: a file per year.
  const bool table = spec.is_table();
  ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(table ? "1d" : spec.timeframe));
  const bool yearly = tf.is_daily_or_longer();
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());

  // What the inputs are now: that is what the job reads and records as its lineage.
  std::vector<LineageEntry> lineage;
  std::map<std::string, PartitionEntry> input_parts;
  Micros input_first = kOpenRangeEnd, input_last = kOpenRangeStart;
  for (const auto& in : spec.inputs) {
    ASSIGN_OR_RETURN(registry::DatasetName k, registry::ParseDatasetName(in));
    ASSIGN_OR_RETURN(auto parts, journal_->PartitionsInRange(k.symbol, k.timeframe, kOpenRangeStart, kOpenRangeEnd));
    for (const auto& p : parts) {
      input_parts[p.rel_path] = p;
      lineage.push_back({p.rel_path, p.sha256, 0});
      input_first = std::min(input_first, p.min_ts);
      input_last = std::max(input_last, p.max_ts);
    }
  }
  ASSIGN_OR_RETURN(auto previous, journal_->CurrentLineage(spec.symbol, spec.timeframe));
  for (const auto& e : previous) {
    if (!e.input_sha256.empty() && !input_parts.count(e.input_rel_path)) lineage.push_back({e.input_rel_path, "", 0});
  }

  JobRecord job;
  job.kind = "regenerate";
  job.symbol = spec.symbol;
  job.timeframe = spec.timeframe;
  job.format = spec.method;
  job.command = options_.command;
  ASSIGN_OR_RETURN(auto scope, JobScope::Begin(journal_.get(), env_, &job, false, ScopeEvents()));
  // Every error from here on fails the job with that error (JobScope).
  Status done = [&]() -> Status {
  // Recorded before the commit, counted only once the job is completed (journal.h).
  RETURN_IF_ERROR(journal_->AddLineage(job.id, spec.symbol, spec.timeframe, lineage));

  // The derived periods to rebuild, and for each a function producing its rows.
  std::set<std::string> periods;
  std::function<Result<BarColumns>(const std::string& period, Micros from, Micros to)> build;
  std::function<Result<storage::TableRows>(Micros from, Micros to)> build_table;
  Micros reach = 0;  // how far before an input partition a derived bar can start
  if (table) {
    auto builder = TableBuilder(spec, input_first);
    if (!builder.ok()) return builder.status();
    build_table = std::move(builder).value();
  } else if (spec.method == "resample") {
    ASSIGN_OR_RETURN(registry::DatasetName in, registry::ParseDatasetName(spec.inputs.at(0)));
    ASSIGN_OR_RETURN(Timeframe in_tf, Timeframe::Parse(in.timeframe));
    if (tf.seconds() <= in_tf.seconds() || tf.seconds() % in_tf.seconds() != 0) {
      return Status::InvalidInput(spec.symbol + " " + spec.timeframe + ": " + spec.timeframe +
                                                " is not a multiple of its input's " + in.timeframe);
    }
    const calendar::Calendar* cal = nullptr;
    if (!spec.calendar.empty()) {
      cal = registry_.calendars().Find(spec.calendar);
      if (!cal) return Status::InvalidInput("unknown calendar '" + spec.calendar + "'");
    }
    if (yearly && !cal) {
      return Status::InvalidInput(
                               spec.symbol + " " + spec.timeframe + ": daily bars from minutes are one bar per "
                               "session, so the dataset needs a calendar; set one with `barlake dataset set " +
                               spec.symbol + " " + spec.timeframe + " --calendar NAME`");
    }
    if (tf.seconds() > 86400) {
      return Status::InvalidInput("weekly bars are not built from minutes; import them as their own dataset");
    }
    reach = yearly ? 2 * kMicrosPerDay : tf.micros();
    const int64_t source_seconds = in_tf.seconds(), target_seconds = tf.seconds();
    // The input's rows in [from, to), from its partition files in time order. A derived
    // period reads its input period and the start of the next, which the next derived
    // period reads again, so the last few files read are kept: each is decompressed once
    // per job. Their rows are in time order (checked when they were written), so they
    // need no sort; the result is checked anyway.
    std::vector<PartitionEntry> in_parts;
    for (const auto& [rel, p] : input_parts) {
      if (p.symbol == in.symbol && p.timeframe == in.timeframe) in_parts.push_back(p);
    }
    std::sort(in_parts.begin(), in_parts.end(), [](const auto& a, const auto& b) { return a.min_ts < b.min_ts; });
    using CachedFile = std::pair<std::string, std::shared_ptr<const BarColumns>>;
    auto recent = std::make_shared<std::deque<CachedFile>>();
    auto read_input = [this, store, in_parts = std::move(in_parts), recent](Micros from, Micros to) -> Result<BarColumns> {
      BarColumns out;
      for (const auto& p : in_parts) {
        if (p.max_ts < from || p.min_ts >= to) continue;
        std::shared_ptr<const BarColumns> rows;
        for (const auto& [rel, r] : *recent) {
          if (rel == p.rel_path) rows = r;
        }
        if (!rows) {
          ASSIGN_OR_RETURN(BarColumns r, store->ReadFile(paths_.LakeFile(p.rel_path)));
          rows = std::make_shared<const BarColumns>(std::move(r));
          recent->emplace_back(p.rel_path, rows);
          if (recent->size() > 3) recent->pop_front();
        }
        const size_t lo = static_cast<size_t>(std::lower_bound(rows->ts.begin(), rows->ts.end(), from) - rows->ts.begin());
        const size_t hi = static_cast<size_t>(std::lower_bound(rows->ts.begin(), rows->ts.end(), to) - rows->ts.begin());
        auto take = [&](auto& dst, const auto& src) {
          if (src.size() == rows->ts.size()) dst.insert(dst.end(), src.begin() + lo, src.begin() + hi);
        };
        if (!out.ts.empty() && lo < hi && rows->ts[lo] <= out.ts.back()) {
          return Status::Corruption("input partition '" + p.rel_path + "' overlaps the one before it");
        }
        take(out.ts, rows->ts);
        take(out.open, rows->open);
        take(out.high, rows->high);
        take(out.low, rows->low);
        take(out.close, rows->close);
        take(out.volume, rows->volume);
        take(out.job, rows->job);
        take(out.flags, rows->flags);
      }
      for (size_t i = 1; i < out.ts.size(); ++i) {
        if (out.ts[i] <= out.ts[i - 1]) return Status::Corruption("input rows of " + FormatIsoUtc(from) + " are out of order");
      }
      return out;
    };
    build = [=, this](const std::string&, Micros from, Micros to) -> Result<BarColumns> {
      // A bucket starting in [from, to) holds bars up to one bucket later; daily bars
      // are sessions, which start up to a day before their trade date.
      const Micros read_from = yearly ? from - 2 * kMicrosPerDay : from;
      const Micros read_to = yearly ? to + 2 * kMicrosPerDay : to + tf.micros();
      ASSIGN_OR_RETURN(BarColumns input, read_input(read_from, read_to));
      calendar::SessionList sessions;
      if (cal) {
        ASSIGN_OR_RETURN(sessions, cal->SessionsBetween(read_from - kMicrosPerDay, read_to + kMicrosPerDay));
      }
      BarColumns out;
      if (yearly) {
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
          out.flags.push_back(static_cast<uint8_t>((s.early_close ? kBarEarlyClose : 0) | (s.late_open ? kBarLateOpen : 0)));
        }
      } else {
        ASSIGN_OR_RETURN(derive::DerivedBars r, derive::Resample(input, source_seconds, target_seconds, sessions));
        for (size_t i = 0; i < r.bars.size(); ++i) {
          if (r.bars.ts[i] < from || r.bars.ts[i] >= to) continue;
          out.ts.push_back(r.bars.ts[i]);
          out.open.push_back(r.bars.open[i]);
          out.high.push_back(r.bars.high[i]);
          out.low.push_back(r.bars.low[i]);
          out.close.push_back(r.bars.close[i]);
          out.volume.push_back(r.bars.volume[i]);
          out.flags.push_back(r.flags[i]);
        }
      }
      return out;
    };
  } else if (spec.method == "sql") {
    // The query's whole result, written to a scratch Parquet file with the bar types and
    // read back: DuckDB checks the types, the store checks the schema.
    const std::string scratch = paths_.staging + "/sql-" + std::to_string(job.id) + ".parquet";
    Status s = CreateBarsView(duck);
    if (s.ok()) {
      s = duck->Execute("COPY (SELECT ts::TIMESTAMPTZ AS ts, open::DOUBLE AS open, high::DOUBLE AS high, "
                        "low::DOUBLE AS low, close::DOUBLE AS close, volume::DOUBLE AS volume, 0::BIGINT AS job, "
                        "0::UTINYINT AS flags FROM (" + spec.sql + ") ORDER BY 1) TO " + storage::SqlQuote(scratch) +
                        " (FORMAT parquet)");
    }
    if (!s.ok()) {
      (void)env_->RemoveFile(scratch);
      return s.WithContext("the sql of " + spec.symbol + " " + spec.timeframe + " in " +
                                         paths_.registry + " failed");
    }
    auto all = store->ReadFile(scratch);
    (void)env_->RemoveFile(scratch);
    if (!all.ok()) return all.status();
    auto rows = std::make_shared<BarColumns>(std::move(all).value());
    for (size_t i = 1; i < rows->size(); ++i) {
      if (rows->ts[i] == rows->ts[i - 1]) {
        return Status::InvalidInput("the sql of " + spec.symbol + " " + spec.timeframe +
                                                  " returns two rows at " + FormatIsoUtc(rows->ts[i]) +
                                                  "; a dataset has one bar per time (GROUP BY ts)");
      }
    }
    for (size_t i = 0; i < rows->size(); ++i) periods.insert(storage::PeriodOf(rows->ts[i], yearly));
    full = true;  // a query's result is rebuilt whole
    build = [rows](const std::string&, Micros from, Micros to) -> Result<BarColumns> {
      BarColumns out;
      auto lo = std::lower_bound(rows->ts.begin(), rows->ts.end(), from) - rows->ts.begin();
      auto hi = std::lower_bound(rows->ts.begin(), rows->ts.end(), to) - rows->ts.begin();
      for (auto i = lo; i < hi; ++i) out.Append(*rows, static_cast<size_t>(i));
      out.job.clear();
      out.flags.assign(out.ts.size(), 0);
      return out;
    };
  } else {
    return Status::InvalidInput("unknown method '" + spec.method + "'");
  }

  // Which derived periods: all of them for a full build, else those reachable from the
  // input partitions that changed. Periods that hold derived data now are included so a
  // bucket that disappears is removed.
  ASSIGN_OR_RETURN(auto existing, journal_->PartitionsInRange(spec.symbol, spec.timeframe, kOpenRangeStart, kOpenRangeEnd));
  auto add_range = [&](Micros a, Micros b) {  // derived periods overlapping [a, b)
    if (a >= b) return;
    Micros t = a;
    for (int guard = 0; guard < 100000; ++guard) {
      const std::string p = storage::PeriodOf(t, yearly);
      periods.insert(p);
      auto r = storage::PeriodRange(p);
      if (!r.ok() || r->second >= b) break;
      t = r->second;
    }
  };
  if (table) {
    // A session's row reads the bars of its session (which may open the day before its
    // trade date) and, for level touches, of the previous session that has bars, however
    // far back. So a changed input month reaches the trade dates two days around it and,
    // for touches, up to the first session with bars after it.
    auto next_input_start = [&](Micros after) {
      Micros next = kOpenRangeEnd;
      for (const auto& [rel, p] : input_parts) {
        if (p.min_ts >= after) next = std::min(next, p.min_ts);
      }
      return next;
    };
    auto add_input_range = [&](Micros a, Micros b) {
      Micros end = b + 2 * kMicrosPerDay;
      if (spec.method == kLevelTouchesTable) {
        const Micros next = next_input_start(b);
        if (next != kOpenRangeEnd) end = std::max(end, next + 2 * kMicrosPerDay);
      }
      add_range(a - 2 * kMicrosPerDay, end);
    };
    item.incremental = !(full || !state.built);
    if (!item.incremental) {
      if (input_first <= input_last) add_input_range(input_first, input_last + 1);
      for (const auto& e : existing) periods.insert(e.period);
    } else {
      for (const auto& rel : ChangedInputs(state, previous, input_parts)) {
        auto r = storage::PeriodRange(PeriodOfRelPath(rel));
        if (r.ok()) add_input_range(r->first, r->second);
      }
    }
  } else if (spec.method == "resample") {
    if (full || !state.built) {
      if (input_first <= input_last) add_range(input_first - reach, input_last + 1);
      for (const auto& e : existing) periods.insert(e.period);
      item.incremental = false;
    } else {
      item.incremental = true;
      std::set<std::string> changed_periods;
      for (const auto& rel : ChangedInputs(state, previous, input_parts)) changed_periods.insert(PeriodOfRelPath(rel));
      for (const auto& p : changed_periods) {
        auto r = storage::PeriodRange(p);
        if (r.ok()) add_range(r->first - reach, r->second);
      }
    }
  } else {
    for (const auto& e : existing) periods.insert(e.period);
  }
  std::map<std::string, PartitionEntry> existing_by_period;
  for (const auto& e : existing) existing_by_period[e.period] = e;

  std::vector<std::string> todo(periods.begin(), periods.end());
  std::sort(todo.begin(), todo.end());
  size_t next_index = 0;
  Status build_error;
  WriteProtocol::PartitionSource source = [&]() -> Result<std::optional<PartitionWrite>> {
    while (next_index < todo.size()) {
      const std::string period = todo[next_index++];
      ASSIGN_OR_RETURN(auto range, storage::PeriodRange(period));
      const std::string rel = table ? storage::TableRelPath(spec.method, spec.symbol, period)
                                    : storage::PartitionRelPath(spec.symbol, spec.timeframe, period);
      auto it = existing_by_period.find(period);
      const bool exists = it != existing_by_period.end();
      PartitionWrite w;
      bool same = false;  // the rows equal the stored file's: nothing to write
      size_t row_count = 0;
      BarColumns bar_rows;
      storage::TableRows table_rows;
      if (table) {
        ASSIGN_OR_RETURN(table_rows, build_table(range.first, range.second));
        if (exists) {
          ASSIGN_OR_RETURN(auto stored, storage::TableStore(duck).ReadFile(*table_rows.schema, paths_.LakeFile(rel)));
          same = storage::TableRows::SameRows(stored, table_rows);
        }
        row_count = table_rows.size();
      } else {
        ASSIGN_OR_RETURN(bar_rows, build(period, range.first, range.second));
        if (exists) {
          ASSIGN_OR_RETURN(BarColumns stored, store->ReadFile(paths_.LakeFile(rel)));
          same = SameRows(stored, bar_rows);
        }
        row_count = bar_rows.size();
      }
      if (same) {
        ++item.partitions_unchanged;
        continue;
      }
      if (row_count == 0 && !exists) continue;
      journal::PartitionChange& c = w.change;
      c.symbol = spec.symbol;
      c.timeframe = spec.timeframe;
      c.period = period;
      c.rel_path = rel;
      c.after_version = job.id;
      if (exists) {
        c.before_sha256 = it->second.sha256;
        c.before_rows = it->second.rows;
        c.before_version = it->second.version;
      }
      if (row_count == 0) {
        w.remove = true;
        ++item.partitions_removed;
      } else {
        if (table) {
          table_rows.job.assign(row_count, job.id);
          w.rows = MakePayload(std::move(table_rows));
        } else {
          bar_rows.job.assign(row_count, job.id);
          for (size_t i = 0; i < row_count; ++i) item.truncated_bars += (bar_rows.FlagAt(i) & kBarTruncated) ? 1 : 0;
          w.rows = MakePayload(std::move(bar_rows));
        }
        item.rows_written += static_cast<int64_t>(row_count);
        ++item.partitions_written;
      }
      job.partitions = item.partitions_written + item.partitions_removed;
      job.rows_written = item.rows_written;
      return std::optional<PartitionWrite>(std::move(w));
    }
    return std::optional<PartitionWrite>();
  };
  const int workers = todo.size() >= 4 ? 2 : 0;
  return Protocol(store).Commit(&job, source, workers, static_cast<int64_t>(todo.size()));
  }();
  RETURN_IF_ERROR(scope->Finish(done));
  ASSIGN_OR_RETURN(item.job, journal_->GetJob(job.id));
  return item;
}

Result<Lake::TableBuild> Lake::TableBuilder(const registry::DatasetSpec& spec, Micros input_first) {
  const std::string what = spec.symbol + " " + spec.timeframe;
  ASSIGN_OR_RETURN(registry::DatasetName in, registry::ParseDatasetName(spec.inputs.at(0)));
  const registry::DatasetSpec* input = registry_.Find(in.symbol, in.timeframe);
  if (input && input->kind != "bars") {
    return Status::InvalidInput(what + ": its input " + in.text() + " is not a bar dataset");
  }
  ASSIGN_OR_RETURN(Timeframe in_tf, Timeframe::Parse(in.timeframe));
  if (in_tf.is_daily_or_longer()) {
    return Status::InvalidInput(what + ": " + spec.method + " are built from intraday bars, not " + in.text());
  }
  const calendar::Calendar* cal = registry_.calendars().Find(spec.calendar);
  if (!cal) return Status::InvalidInput(what + ": unknown calendar '" + spec.calendar + "'");
  // Only sessions wholly inside the bars read: a session cut by the read window would get
  // the statistics of part of its bars.
  auto sessions_within = [cal](Micros from, Micros to) -> Result<calendar::SessionList> {
    ASSIGN_OR_RETURN(calendar::SessionList all, cal->SessionsBetween(from - kMicrosPerDay, to + kMicrosPerDay));
    calendar::SessionList out;
    for (const auto& s : all) {
      if (s.open >= from && s.close <= to) out.push_back(s);
    }
    return out;
  };
  // A session's trade date is within a day of its bars, so two days around [from, to)
  // hold every bar of the sessions dated inside it.
  if (spec.method == kSessionStatsTable) {
    return TableBuild([=, this](Micros from, Micros to) -> Result<storage::TableRows> {
      const Micros read_from = from - 2 * kMicrosPerDay, read_to = to + 2 * kMicrosPerDay;
      ASSIGN_OR_RETURN(BarColumns bars, Read(in.symbol, in.timeframe, read_from, read_to));
      ASSIGN_OR_RETURN(calendar::SessionList sessions, sessions_within(read_from, read_to));
      ASSIGN_OR_RETURN(derive::SessionStats stats, derive::ComputeSessionStats(bars, sessions));
      return SessionStatsRows(stats.sessions, from / kMicrosPerDay, to / kMicrosPerDay);
    });
  }
  ASSIGN_OR_RETURN(derive::LevelOptions options, LevelOptionsOf(spec, cal->zone));
  // The first session of the range needs the previous session that has bars, however far
  // back (a gap in the data): look back further until it is found or the input begins.
  return TableBuild([=, this](Micros from, Micros to) -> Result<storage::TableRows> {
    const Micros read_to = to + 2 * kMicrosPerDay;
    for (Micros lookback = 10 * kMicrosPerDay;; lookback *= 8) {
      const Micros read_from = from - lookback;
      ASSIGN_OR_RETURN(BarColumns bars, Read(in.symbol, in.timeframe, read_from, read_to));
      ASSIGN_OR_RETURN(calendar::SessionList sessions, sessions_within(read_from, read_to));
      ASSIGN_OR_RETURN(auto levels, derive::ComputeLevelTouches(bars, sessions, options));
      auto first = std::find_if(levels.begin(), levels.end(),
                                [&](const derive::SessionLevels& l) { return l.trade_date >= from / kMicrosPerDay; });
      if (first != levels.begin() || first == levels.end() || read_from <= input_first) {
        return LevelTouchesRows(levels, from / kMicrosPerDay, to / kMicrosPerDay);
      }
    }
  });
}

Result<RegenerateItem> Lake::DeclareTable(const TableRequest& request) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  const storage::TableSchema* schema = FindTableSchema(request.table);
  if (!schema) return Status::InvalidArgument("'" + request.table + "' is not a derived table (session_stats, level_touches)");
  RETURN_IF_ERROR(storage::ValidateSymbol(request.symbol));
  const std::string input_name = request.symbol + " " + request.from;
  const registry::DatasetSpec* found = registry_.Find(request.symbol, request.from);
  if (!found) {
    return Status::NotFound("there is no dataset " + input_name + "; import it first (`barlake status` lists the datasets)");
  }
  // A copy: appending to the registry below replaces registry_.
  const registry::DatasetSpec input = *found;
  if (input.kind != "bars") return Status::InvalidArgument(input_name + " is not a bar dataset");
  ASSIGN_OR_RETURN(Timeframe from_tf, Timeframe::Parse(request.from));
  if (from_tf.is_daily_or_longer()) {
    return Status::InvalidArgument(request.table + " are built from intraday bars; " + input_name +
                                   " already has one bar per day");
  }
  const std::string out_symbol = request.name.empty() ? request.symbol : request.name;
  RETURN_IF_ERROR(storage::ValidateSymbol(out_symbol));
  const std::string cal = request.calendar.empty() ? input.calendar : request.calendar;
  if (cal.empty()) {
    return Status::InvalidArgument(request.table + " are per session, and " + input_name +
                                   " has no calendar: set one with `barlake dataset set " + input_name +
                                   " --calendar NAME` or pass --calendar NAME (`barlake calendars` lists them)");
  }
  const calendar::Calendar* calendar = registry_.calendars().Find(cal);
  if (!calendar) return Status::InvalidArgument("unknown calendar '" + cal + "'; known: " + registry_.calendars().NamesText());
  registry::DatasetSpec d;
  d.kind = "table";
  d.symbol = out_symbol;
  d.timeframe = request.table;
  d.method = request.table;
  d.category = input.category;
  d.calendar = cal;
  d.inputs = {input_name};
  d.auto_regenerate = request.auto_regenerate;
  d.day_start = request.day_start;
  if (!d.day_start.empty() && d.method != kLevelTouchesTable) {
    return Status::InvalidArgument("--day-start is for level touches only");
  }
  if (d.method == kLevelTouchesTable) {
    auto options = LevelOptionsOf(d, calendar->zone);
    if (!options.ok()) return Status::InvalidArgument("--day-start: " + options.status().message());
  }
  d.description = std::string(d.method == kSessionStatsTable ? "daily session statistics" : "level touches") + " of " +
                  input_name + " (" + cal + " sessions)";
  if (const registry::DatasetSpec* existing = registry_.Find(d.symbol, d.timeframe)) {
    if (existing->inputs != d.inputs || existing->calendar != d.calendar || existing->day_start != d.day_start) {
      return Status::Conflict("dataset " + d.symbol + " " + d.timeframe + " is already declared (inputs " +
                              existing->inputs.at(0) + ", calendar " + existing->calendar +
                              (existing->day_start.empty() ? "" : ", day_start " + existing->day_start) +
                              "); edit it in " + paths_.registry + " or choose another --name");
    }
    d = *existing;
  } else {
    ASSIGN_OR_RETURN(registry_, registry::Registry::AppendDataset(env_, paths_.registry, d));
  }
  ASSIGN_OR_RETURN(auto items, RegenerateLocked({d}, false, false));
  return items.at(0);
}

Result<std::vector<RegenerateItem>> Lake::RegenerateLocked(const std::vector<registry::DatasetSpec>& specs,
                                                          bool full, bool keep_going) {
  std::vector<RegenerateItem> out;
  for (const auto& spec : specs) {
    auto r = RegenerateOne(spec, full);
    if (!r.ok()) {
      if (!keep_going) return r.status().WithContext("regenerating " + spec.symbol + " " + spec.timeframe);
      RegenerateItem failed;
      failed.symbol = spec.symbol;
      failed.timeframe = spec.timeframe;
      failed.error = r.status().message();
      out.push_back(std::move(failed));
      continue;
    }
    out.push_back(std::move(r).value());
  }
  return out;
}

Result<std::vector<RegenerateItem>> Lake::Regenerate(const RegenerateRequest& request) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  ASSIGN_OR_RETURN(auto order, DependencyOrder(registry_));
  std::vector<registry::DatasetSpec> chosen;
  if (request.all || request.stale_only) {
    chosen = order;  // RegenerateOne skips what is up to date unless full
  } else {
    if (request.datasets.empty()) return Status::InvalidArgument("name a derived dataset, or pass --stale or --all");
    std::set<std::string> wanted;
    for (const auto& text : request.datasets) {
      ASSIGN_OR_RETURN(registry::DatasetName k, registry::ParseDatasetName(text));
      const registry::DatasetSpec* s = registry_.Find(k.symbol, k.timeframe);
      if (!s) return Status::NotFound("there is no dataset " + k.text() + " in " + paths_.registry);
      if (!s->is_derived()) {
        return Status::InvalidArgument(k.text() + " is imported, not derived; only derived datasets are regenerated");
      }
      wanted.insert(k.text());
    }
    for (const auto& d : order) {
      if (wanted.count(d.symbol + " " + d.timeframe)) chosen.push_back(d);
    }
  }
  return RegenerateLocked(chosen, request.full || request.all, false);
}

Result<std::vector<RegenerateItem>> Lake::DeclareResample(const ResampleRequest& request) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  RETURN_IF_ERROR(storage::ValidateSymbol(request.symbol));
  // A copy: appending to the registry below replaces registry_.
  const registry::DatasetSpec* found = registry_.Find(request.symbol, request.from);
  if (!found) {
    return Status::NotFound("there is no dataset " + request.symbol + " " + request.from +
                            " to resample; import it first (`barlake status` lists the datasets)");
  }
  const registry::DatasetSpec input_spec = *found;
  const registry::DatasetSpec* input = &input_spec;
  ASSIGN_OR_RETURN(Timeframe from_tf, Timeframe::Parse(request.from));
  if (request.to.empty()) return Status::InvalidArgument("name the timeframes to build, e.g. --to 5m,15m,1h,4h");
  const std::string out_symbol = request.name.empty() ? request.symbol : request.name;
  RETURN_IF_ERROR(storage::ValidateSymbol(out_symbol));
  const std::string cal = request.calendar.empty() ? input->calendar : request.calendar;
  if (!cal.empty() && !registry_.calendars().Find(cal)) {
    return Status::InvalidArgument("unknown calendar '" + cal + "'; known: " + registry_.calendars().NamesText());
  }
  std::vector<registry::DatasetSpec> specs;
  for (const auto& to : request.to) {
    ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(to));
    if (tf.seconds() <= from_tf.seconds() || tf.seconds() % from_tf.seconds() != 0) {
      return Status::InvalidArgument(to + " is not a multiple of " + request.from + "; pick coarser timeframes");
    }
    if (tf.seconds() > 86400) {
      return Status::InvalidArgument("weekly bars are not built from minutes; import them as their own dataset");
    }
    if (tf.is_daily_or_longer() && request.name.empty()) {
      return Status::InvalidArgument(
          "daily bars come from their own dataset (the official settlement), not from minutes. To build daily "
          "bars from " + request.symbol + " " + request.from + " anyway, give the derived dataset its own name, "
          "e.g. --to 1d --name " + request.symbol + "_FROM_" + request.from);
    }
    if (tf.is_daily_or_longer() && cal.empty()) {
      return Status::InvalidArgument("daily bars from minutes are one bar per session: give " + request.symbol +
                                     " " + request.from + " a calendar (--calendar NAME)");
    }
    registry::DatasetSpec d;
    d.symbol = out_symbol;
    d.timeframe = tf.name();
    d.category = input->category;
    d.calendar = cal;
    d.method = "resample";
    d.inputs = {request.symbol + " " + request.from};
    d.auto_regenerate = request.auto_regenerate;
    d.description = out_symbol + " " + tf.name() + " bars resampled from " + request.symbol + " " + request.from +
                    (cal.empty() ? " (UTC grid)" : " (anchored to the " + cal + " session open)");
    if (const registry::DatasetSpec* existing = registry_.Find(d.symbol, d.timeframe)) {
      if (existing->method != "resample" || existing->inputs != d.inputs) {
        return Status::Conflict("dataset " + d.symbol + " " + d.timeframe + " already exists and is not resampled from " +
                                d.inputs[0] + "; choose another --name");
      }
      specs.push_back(*existing);
      continue;
    }
    specs.push_back(d);
  }
  // Every target was checked before the first is declared, so a bad one declares nothing.
  for (const auto& d : specs) {
    if (registry_.Find(d.symbol, d.timeframe)) continue;
    ASSIGN_OR_RETURN(registry_, registry::Registry::AppendDataset(env_, paths_.registry, d));
  }
  return RegenerateLocked(specs, false, false);
}

Result<ImportResult> Lake::WithDependents(Result<ImportResult> merged) {
  if (!merged.ok() || merged->dry_run || merged->job.status != "completed" || merged->job.rows_written == 0) {
    return merged;
  }
  // Derived datasets built (transitively) from the changed dataset, inputs first. The
  // import already stands: a failure here is reported, and `regenerate --stale` retries.
  auto order = DependencyOrder(registry_);
  if (!order.ok()) return merged;
  std::set<std::string> changed = {merged->job.symbol + " " + merged->job.timeframe};
  std::vector<registry::DatasetSpec> dependents;
  for (const auto& d : *order) {
    const bool reached = std::any_of(d.inputs.begin(), d.inputs.end(), [&](const std::string& in) { return changed.count(in) > 0; });
    if (!reached || !d.auto_regenerate) continue;
    dependents.push_back(d);
    changed.insert(d.symbol + " " + d.timeframe);
  }
  if (dependents.empty()) return merged;
  auto items = RegenerateLocked(dependents, false, true);
  if (items.ok()) {
    merged->regenerated = std::move(items).value();
    merged->job.report_json = merged->ReportJson();
    (void)journal_->UpdateJob(merged->job);
  }
  return merged;
}

}  // namespace barlake::lake
