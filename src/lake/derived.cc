// Derived datasets: lineage, staleness and regenerate jobs (lake/derived.h).
#include "lake/derived.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "derive/resampler.h"
#include "derive/session_stats.h"
#include "lake/lake.h"
#include "lake/writer_lock.h"
#include "storage/partition_layout.h"

namespace barlake::lake {

using journal::JobRecord;
using journal::LineageEntry;
using journal::PartitionEntry;

namespace {

constexpr Micros kDay = 86400LL * 1000000;
constexpr Micros kMinTs = std::numeric_limits<Micros>::min() / 2;
constexpr Micros kMaxTs = std::numeric_limits<Micros>::max() / 2;

struct DatasetKey {
  std::string symbol, timeframe;
  std::string text() const { return symbol + " " + timeframe; }
};

Result<DatasetKey> SplitKey(const std::string& text) {
  const auto space = text.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 == text.size()) {
    return Status::InvalidArgument("'" + text + "' must name a dataset as \"SYMBOL TF\", e.g. \"ES 1m\"");
  }
  return DatasetKey{text.substr(0, space), text.substr(space + 1)};
}

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
      auto k = SplitKey(in);
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

Status Lake::CreateBarsView(storage::DuckConn* duck) {
  ASSIGN_OR_RETURN(auto parts, journal_->AllPartitions());
  RETURN_IF_ERROR(duck->Execute("SET TimeZone='UTC'"));
  // Snapshot partitions live under snapshots/, not lake/ (lake/snapshot_import.h).
  if (std::all_of(parts.begin(), parts.end(), [](const auto& p) { return storage::IsSnapshotRelPath(p.rel_path); })) {
    return duck->Execute(
        "CREATE OR REPLACE TEMP VIEW bars AS SELECT NULL::VARCHAR AS symbol, NULL::VARCHAR AS timeframe, "
        "NULL::TIMESTAMPTZ AS ts, NULL::DOUBLE AS open, NULL::DOUBLE AS high, NULL::DOUBLE AS low, "
        "NULL::DOUBLE AS close, NULL::DOUBLE AS volume, NULL::UTINYINT AS flags WHERE false");
  }
  return duck->Execute(
      "CREATE OR REPLACE TEMP VIEW bars AS SELECT symbol, timeframe, ts, open, high, low, close, volume, flags "
      "FROM read_parquet(" + storage::SqlQuote(paths_.lake + "/**/*.parquet") +
      ", hive_partitioning=true, hive_types={'symbol': VARCHAR, 'timeframe': VARCHAR, 'period': VARCHAR})");
}

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
    ASSIGN_OR_RETURN(DatasetKey k, SplitKey(in));
    ASSIGN_OR_RETURN(auto parts, journal_->PartitionsInRange(k.symbol, k.timeframe, kMinTs, kMaxTs));
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
  ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(spec.timeframe));
  const bool yearly = tf.is_daily_or_longer();
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());

  // What the inputs are now: that is what the job reads and records as its lineage.
  std::vector<LineageEntry> lineage;
  std::map<std::string, PartitionEntry> input_parts;
  Micros input_first = kMaxTs, input_last = kMinTs;
  for (const auto& in : spec.inputs) {
    ASSIGN_OR_RETURN(DatasetKey k, SplitKey(in));
    ASSIGN_OR_RETURN(auto parts, journal_->PartitionsInRange(k.symbol, k.timeframe, kMinTs, kMaxTs));
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
  job.status = "running";
  job.symbol = spec.symbol;
  job.timeframe = spec.timeframe;
  job.format = spec.method;
  job.command = options_.command;
  ASSIGN_OR_RETURN(job.id, journal_->CreateJob(job));
  // Recorded before the commit, counted only once the job is completed (journal.h).
  if (Status s = journal_->AddLineage(job.id, spec.symbol, spec.timeframe, lineage); !s.ok()) return FailJob(&job, s);

  // The derived periods to rebuild, and for each a function producing its rows.
  std::set<std::string> periods;
  std::function<Result<BarColumns>(const std::string& period, Micros from, Micros to)> build;
  Micros reach = 0;  // how far before an input partition a derived bar can start
  if (spec.method == "resample") {
    ASSIGN_OR_RETURN(DatasetKey in, SplitKey(spec.inputs.at(0)));
    ASSIGN_OR_RETURN(Timeframe in_tf, Timeframe::Parse(in.timeframe));
    if (tf.seconds() <= in_tf.seconds() || tf.seconds() % in_tf.seconds() != 0) {
      return FailJob(&job, Status::InvalidInput(spec.symbol + " " + spec.timeframe + ": " + spec.timeframe +
                                                " is not a multiple of its input's " + in.timeframe));
    }
    const calendar::Calendar* cal = nullptr;
    if (!spec.calendar.empty()) {
      cal = registry_.calendars().Find(spec.calendar);
      if (!cal) return FailJob(&job, Status::InvalidInput("unknown calendar '" + spec.calendar + "'"));
    }
    if (yearly && !cal) {
      return FailJob(&job, Status::InvalidInput(
                               spec.symbol + " " + spec.timeframe + ": daily bars from minutes are one bar per "
                               "session, so the dataset needs a calendar; set one with `barlake dataset set " +
                               spec.symbol + " " + spec.timeframe + " --calendar NAME`"));
    }
    if (tf.seconds() > 86400) {
      return FailJob(&job, Status::InvalidInput("weekly bars are not built from minutes; import them as their own dataset"));
    }
    reach = yearly ? 2 * kDay : tf.micros();
    const int64_t source_seconds = in_tf.seconds(), target_seconds = tf.seconds();
    build = [=, this](const std::string&, Micros from, Micros to) -> Result<BarColumns> {
      // A bucket starting in [from, to) holds bars up to one bucket later; daily bars
      // are sessions, which start up to a day before their trade date.
      const Micros read_from = yearly ? from - 2 * kDay : from;
      const Micros read_to = yearly ? to + 2 * kDay : to + tf.micros();
      ASSIGN_OR_RETURN(BarColumns input, Read(in.symbol, in.timeframe, read_from, read_to));
      calendar::SessionList sessions;
      if (cal) {
        ASSIGN_OR_RETURN(sessions, cal->SessionsBetween(read_from - kDay, read_to + kDay));
      }
      BarColumns out;
      if (yearly) {
        ASSIGN_OR_RETURN(derive::SessionStats stats, derive::ComputeSessionStats(input, sessions));
        for (const auto& s : stats.sessions) {
          const Micros ts = static_cast<Micros>(s.trade_date) * kDay;
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
      return FailJob(&job, s.WithContext("the sql of " + spec.symbol + " " + spec.timeframe + " in " +
                                         paths_.registry + " failed"));
    }
    auto all = store->ReadFile(scratch);
    (void)env_->RemoveFile(scratch);
    if (!all.ok()) return FailJob(&job, all.status());
    auto rows = std::make_shared<BarColumns>(std::move(all).value());
    for (size_t i = 1; i < rows->size(); ++i) {
      if (rows->ts[i] == rows->ts[i - 1]) {
        return FailJob(&job, Status::InvalidInput("the sql of " + spec.symbol + " " + spec.timeframe +
                                                  " returns two rows at " + FormatIsoUtc(rows->ts[i]) +
                                                  "; a dataset has one bar per time (GROUP BY ts)"));
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
    return FailJob(&job, Status::InvalidInput("unknown method '" + spec.method + "'"));
  }

  // Which derived periods: all of them for a full build, else those reachable from the
  // input partitions that changed. Periods that hold derived data now are included so a
  // bucket that disappears is removed.
  ASSIGN_OR_RETURN(auto existing, journal_->PartitionsInRange(spec.symbol, spec.timeframe, kMinTs, kMaxTs));
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
  if (spec.method == "resample") {
    if (full || !state.built) {
      if (input_first <= input_last) add_range(input_first - reach, input_last + 1);
      for (const auto& e : existing) periods.insert(e.period);
      item.incremental = false;
    } else {
      item.incremental = true;
      std::set<std::string> changed_periods;
      for (const auto& rel : state.changed_inputs) changed_periods.insert(PeriodOfRelPath(rel));
      if (state.changed_input_count > static_cast<int64_t>(state.changed_inputs.size())) {
        // More changed than listed: take every input partition whose SHA-256 moved.
        std::map<std::string, std::string> recorded;
        for (const auto& e : previous) recorded[e.input_rel_path] = e.input_sha256;
        for (const auto& [rel, p] : input_parts) {
          auto it = recorded.find(rel);
          if (it == recorded.end() || it->second != p.sha256) changed_periods.insert(p.period);
        }
        for (const auto& [rel, sha] : recorded) {
          if (!sha.empty() && !input_parts.count(rel)) changed_periods.insert(PeriodOfRelPath(rel));
        }
      }
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
      ASSIGN_OR_RETURN(BarColumns rows, build(period, range.first, range.second));
      const std::string rel = storage::PartitionRelPath(spec.symbol, spec.timeframe, period);
      auto it = existing_by_period.find(period);
      PartitionWrite w;
      journal::PartitionChange& c = w.change;
      c.symbol = spec.symbol;
      c.timeframe = spec.timeframe;
      c.period = period;
      c.rel_path = rel;
      c.after_version = job.id;
      if (it != existing_by_period.end()) {
        c.before_sha256 = it->second.sha256;
        c.before_rows = it->second.rows;
        c.before_version = it->second.version;
        ASSIGN_OR_RETURN(BarColumns stored, store->ReadFile(paths_.LakeFile(rel)));
        if (SameRows(stored, rows)) {
          ++item.partitions_unchanged;
          continue;
        }
      }
      if (rows.empty()) {
        if (it == existing_by_period.end()) continue;
        w.remove = true;
        ++item.partitions_removed;
      } else {
        rows.job.assign(rows.size(), job.id);
        for (size_t i = 0; i < rows.size(); ++i) item.truncated_bars += (rows.FlagAt(i) & kBarTruncated) ? 1 : 0;
        item.rows_written += static_cast<int64_t>(rows.size());
        ++item.partitions_written;
        w.rows = std::move(rows);
      }
      job.partitions = item.partitions_written + item.partitions_removed;
      job.rows_written = item.rows_written;
      return std::optional<PartitionWrite>(std::move(w));
    }
    return std::optional<PartitionWrite>();
  };
  const int workers = todo.size() >= 4 ? 2 : 0;
  Status committed = Protocol(store).Commit(&job, source, workers, static_cast<int64_t>(todo.size()));
  if (!committed.ok()) {
    if (job.phase == "staged") return committed;
    return FailJob(&job, committed);
  }
  ASSIGN_OR_RETURN(item.job, journal_->GetJob(job.id));
  return item;
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
      ASSIGN_OR_RETURN(DatasetKey k, SplitKey(text));
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
