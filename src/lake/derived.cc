// Derived datasets: lineage, staleness and regenerate jobs (lake/derived.h).
#include "lake/derived.h"

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/json_text.h"
#include "lake/derived_builder.h"
#include "lake/derived_tables.h"
#include "lake/job_scope.h"
#include "lake/lake.h"
#include "lake/lake_json.h"
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

// Every input partition that changed since the last build: the state lists the first 20;
// when there are more, compare each input partition's SHA-256 with the recorded one.
std::set<std::string> ChangedInputs(const DerivedState& state,
                                    const std::vector<LineageEntry>& previous,
                                    const std::map<std::string, PartitionEntry>& input_parts) {
  std::set<std::string> changed(state.changed_inputs.begin(), state.changed_inputs.end());
  if (state.changed_input_count <= static_cast<int64_t>(state.changed_inputs.size()))
    return changed;
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
  std::function<Status(const registry::DatasetSpec&)> visit =
      [&](const registry::DatasetSpec& d) -> Status {
    const std::string key = d.symbol + " " + d.timeframe;
    if (state[key] == 2) return Status::OK();
    if (state[key] == 1)
      return Status::InvalidInput("derived datasets form a cycle through " + key + "; fix " +
                                  registry::kRegistryFileName);
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
    ASSIGN_OR_RETURN(auto parts, journal_->PartitionsInRange(k.symbol, k.timeframe, kOpenRangeStart,
                                                             kOpenRangeEnd));
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

namespace {

// One dataset a regenerate job builds.
struct DerivedTarget {
  registry::DatasetSpec spec;
  DerivedState state;
  bool full = false;
  DerivedInputs inputs;
  std::vector<LineageEntry> lineage;   // what the job reads: every input partition now
  std::vector<LineageEntry> previous;  // what its latest standing build read
  std::unique_ptr<DerivedBuilder> builder;
  std::map<std::string, PartitionEntry> stored;  // its partitions now, by period
  RegenerateItem* item = nullptr;
};

// Derived periods overlapping [a, b).
void AddPeriods(Micros a, Micros b, bool yearly, std::set<std::string>* periods) {
  Micros t = a;
  for (int guard = 0; a < b && guard < 100000; ++guard) {
    const std::string p = storage::PeriodOf(t, yearly);
    periods->insert(p);
    auto r = storage::PeriodRange(p);
    if (!r.ok() || r->second >= b) break;
    t = r->second;
  }
}

// The periods of `t` to rebuild: all of them for a full build, else those reachable from
// the input partitions that changed. Periods that hold derived data now are included in a
// full build so a bucket that disappears is removed.
std::set<std::string> PeriodsToBuild(const DerivedTarget& t) {
  const DerivedBuilder& b = *t.builder;
  std::set<std::string> periods = b.KnownPeriods();
  if (t.full) {
    if (!t.inputs.empty()) {
      auto [from, to] = b.Reach(t.inputs.first, t.inputs.last + 1);
      AddPeriods(from, to, b.yearly(), &periods);
    }
    for (const auto& [period, entry] : t.stored) periods.insert(period);
    return periods;
  }
  for (const auto& rel : ChangedInputs(t.state, t.previous, t.inputs.parts)) {
    auto r = storage::PeriodRange(PeriodOfRelPath(rel));
    if (!r.ok()) continue;
    auto [from, to] = b.Reach(r->first, r->second);
    AddPeriods(from, to, b.yearly(), &periods);
  }
  return periods;
}

// What `t`'s inputs are now (that is what the job reads and records as its lineage), what
// its latest standing build read, and its stored partitions.
Status ReadInputsAndLineage(journal::Journal* journal, DerivedTarget* t) {
  for (const auto& in : t->spec.inputs) {
    ASSIGN_OR_RETURN(registry::DatasetName k, registry::ParseDatasetName(in));
    ASSIGN_OR_RETURN(auto parts, journal->PartitionsInRange(k.symbol, k.timeframe, kOpenRangeStart,
                                                            kOpenRangeEnd));
    for (const auto& p : parts) {
      t->inputs.parts[p.rel_path] = p;
      t->lineage.push_back({p.rel_path, p.sha256, 0});
      t->inputs.first = std::min(t->inputs.first, p.min_ts);
      t->inputs.last = std::max(t->inputs.last, p.max_ts);
    }
  }
  ASSIGN_OR_RETURN(t->previous, journal->CurrentLineage(t->spec.symbol, t->spec.timeframe));
  for (const auto& e : t->previous) {
    if (!e.input_sha256.empty() && !t->inputs.parts.count(e.input_rel_path)) {
      t->lineage.push_back({e.input_rel_path, "", 0});
    }
  }
  ASSIGN_OR_RETURN(auto stored, journal->PartitionsInRange(t->spec.symbol, t->spec.timeframe,
                                                           kOpenRangeStart, kOpenRangeEnd));
  for (auto& e : stored) t->stored[e.period] = std::move(e);
  return Status::OK();
}

// The partitions of a regenerate job, pulled one at a time by the write protocol: every
// target's periods in time order (so the targets read each input partition while it is
// among the last few read, DerivedInputFiles), then the registry write.
class DerivedJobSource {
 public:
  DerivedJobSource(std::vector<DerivedTarget>* targets, journal::JobRecord* job)
      : targets_(targets), job_(job) {}

  Status Plan() {
    for (size_t i = 0; i < targets_->size(); ++i) {
      for (const auto& period : PeriodsToBuild((*targets_)[i])) {
        ASSIGN_OR_RETURN(auto range, storage::PeriodRange(period));
        todo_.push_back({range.first, range.second, i, period});
      }
    }
    std::sort(todo_.begin(), todo_.end(), [](const Todo& a, const Todo& b) {
      return a.to != b.to ? a.to < b.to : a.target < b.target;
    });
    return Status::OK();
  }
  void AddTail(PartitionWrite w) { tail_.push_back(std::move(w)); }
  int64_t expected() const { return static_cast<int64_t>(todo_.size() + tail_.size()); }

  Result<std::optional<PartitionWrite>> Next() {
    while (next_ < todo_.size()) {
      const Todo& d = todo_[next_++];
      DerivedTarget& t = (*targets_)[d.target];
      auto it = t.stored.find(d.period);
      const PartitionEntry* stored = it == t.stored.end() ? nullptr : &it->second;
      ASSIGN_OR_RETURN(BuiltPartition built, t.builder->Build(d.period, d.from, d.to, stored));
      if (built.same_as_stored) {
        ++t.item->partitions_unchanged;
        continue;
      }
      if (built.count == 0 && !stored) continue;
      return std::optional<PartitionWrite>(WriteOf(t, d.period, stored, std::move(built)));
    }
    if (next_tail_ < tail_.size())
      return std::optional<PartitionWrite>(std::move(tail_[next_tail_++]));
    return std::optional<PartitionWrite>();
  }

 private:
  struct Todo {
    Micros from, to;
    size_t target;
    std::string period;
  };

  // The write replacing (or creating, or removing) `t`'s partition of `period`.
  PartitionWrite WriteOf(DerivedTarget& t, const std::string& period, const PartitionEntry* stored,
                         BuiltPartition built) {
    PartitionWrite w;
    journal::PartitionChange& c = w.change;
    c.symbol = t.spec.symbol;
    c.timeframe = t.spec.timeframe;
    c.period = period;
    c.rel_path = t.builder->RelPath(period);
    c.after_version = job_->id;
    if (stored) {
      c.before_sha256 = stored->sha256;
      c.before_rows = stored->rows;
      c.before_version = stored->version;
    }
    RegenerateItem& item = *t.item;
    if (built.count == 0) {
      w.remove = true;
      ++item.partitions_removed;
    } else {
      w.rows = std::move(built.rows);
      item.rows_written += static_cast<int64_t>(built.count);
      item.truncated_bars += built.truncated_bars;
      ++item.partitions_written;
      job_->rows_written += static_cast<int64_t>(built.count);
    }
    ++job_->partitions;
    return w;
  }

  std::vector<DerivedTarget>* targets_;
  journal::JobRecord* job_;
  std::vector<Todo> todo_;
  size_t next_ = 0;
  std::vector<PartitionWrite> tail_;
  size_t next_tail_ = 0;
};

}  // namespace

Result<std::vector<RegenerateItem>> Lake::RegenerateJob(
    const std::vector<registry::DatasetSpec>& specs, bool full) {
  std::vector<RegenerateItem> items(specs.size());
  std::vector<DerivedTarget> targets;
  std::vector<registry::DatasetSpec> to_declare;
  for (size_t i = 0; i < specs.size(); ++i) {
    const registry::DatasetSpec& spec = specs[i];
    items[i].symbol = spec.symbol;
    items[i].timeframe = spec.timeframe;
    ASSIGN_OR_RETURN(DerivedState state, StateOf(spec));
    const bool declared = registry_.Find(spec.symbol, spec.timeframe) != nullptr;
    if (!declared) to_declare.push_back(spec);
    // A dataset to declare always gets its job: the declaration is one of its writes.
    if (!full && !state.stale && declared) {
      items[i].skipped_because = state.why;
      continue;
    }
    DerivedTarget t;
    t.spec = spec;
    t.full = full || !state.built;
    t.state = std::move(state);
    t.item = &items[i];
    targets.push_back(std::move(t));
  }
  if (targets.empty()) return items;

  for (DerivedTarget& t : targets) RETURN_IF_ERROR(ReadInputsAndLineage(journal_.get(), &t));
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());

  // One job for every target: it builds them from one read of their inputs, and is rolled
  // back as one. It is named after the first.
  JobRecord job;
  job.kind = "regenerate";
  job.symbol = targets[0].spec.symbol;
  job.timeframe = targets[0].spec.timeframe;
  job.format = targets[0].spec.method;
  job.command = options_.command;
  ASSIGN_OR_RETURN(auto scope, JobScope::Begin(journal_.get(), env_, &job, false, ScopeEvents()));
  // Every error from here on fails the job with that error (JobScope).
  Status done = [&]() -> Status {
    std::map<std::string, std::shared_ptr<DerivedInputFiles>> input_files;
    DerivedContext ctx;
    ctx.env = env_;
    ctx.paths = &paths_;
    ctx.registry = &registry_;
    ctx.store = store;
    ctx.duck = duck;
    ctx.job_id = job.id;
    ctx.read_bars = [this](const std::string& symbol, const std::string& timeframe, Micros from,
                           Micros to) { return Read(symbol, timeframe, from, to); };
    ctx.create_bars_view = [this](storage::DuckConn* conn) { return CreateBarsView(conn); };
    ctx.input_files = &input_files;
    for (DerivedTarget& t : targets) {
      // Recorded before the commit, counted only once the job is completed (journal.h).
      RETURN_IF_ERROR(journal_->AddLineage(job.id, t.spec.symbol, t.spec.timeframe, t.lineage));
      auto builder = MakeDerivedBuilder(t.spec, t.inputs, ctx);
      if (!builder.ok()) return builder.status();
      t.builder = std::move(builder).value();
      if (t.builder->always_full()) t.full = true;
      t.item->incremental = !t.full;
    }
    DerivedJobSource partitions(&targets, &job);
    RETURN_IF_ERROR(partitions.Plan());
    ASSIGN_OR_RETURN(auto declare, RegistryWrite(Context(), to_declare, job.id));
    if (declare) partitions.AddTail(std::move(*declare));
    WriteProtocol::PartitionSource source = [&partitions] { return partitions.Next(); };
    // Two staging threads pay off once there are several partitions to write.
    const int64_t expected = partitions.expected();
    const int workers = expected >= 4 ? 2 : 0;
    RETURN_IF_ERROR(Protocol(store).Commit(&job, source, workers, expected));
    // The job's report names every dataset it built (`barlake jobs show`).
    nlohmann::json built = nlohmann::json::array();
    for (const DerivedTarget& t : targets) built.push_back(RegenerateItemJson(*t.item));
    job.report_json = ToJsonText(nlohmann::json{{"built", built}});
    return journal_->UpdateJob(job);
  }();
  RETURN_IF_ERROR(scope->Finish(done));
  if (!to_declare.empty()) RETURN_IF_ERROR(ReloadRegistry());
  ASSIGN_OR_RETURN(JobRecord record, journal_->GetJob(job.id));
  for (DerivedTarget& t : targets) t.item->job = record;
  return items;
}

Result<RegenerateItem> Lake::DeclareTable(const TableRequest& request) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  const storage::TableSchema* schema = FindTableSchema(request.table);
  if (!schema)
    return Status::InvalidArgument("'" + request.table +
                                   "' is not a derived table (session_stats, level_touches)");
  RETURN_IF_ERROR(storage::ValidateSymbol(request.symbol));
  const std::string input_name = request.symbol + " " + request.from;
  const registry::DatasetSpec* found = registry_.Find(request.symbol, request.from);
  if (!found) {
    return Status::NotFound("there is no dataset " + input_name +
                            "; import it first (`barlake status` lists the datasets)");
  }
  // A copy: the build job reloads registry_.
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
    return Status::InvalidArgument(
        request.table + " are per session, and " + input_name +
        " has no calendar: set one with `barlake dataset set " + input_name +
        " --calendar NAME` or pass --calendar NAME (`barlake calendars` lists them)");
  }
  const calendar::Calendar* calendar = registry_.calendars().Find(cal);
  if (!calendar)
    return Status::InvalidArgument("unknown calendar '" + cal +
                                   "'; known: " + registry_.calendars().NamesText());
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
  d.description =
      std::string(d.method == kSessionStatsTable ? "daily session statistics" : "level touches") +
      " of " + input_name + " (" + cal + " sessions)";
  if (const registry::DatasetSpec* existing = registry_.Find(d.symbol, d.timeframe)) {
    if (existing->inputs != d.inputs || existing->calendar != d.calendar ||
        existing->day_start != d.day_start) {
      return Status::Conflict(
          "dataset " + d.symbol + " " + d.timeframe + " is already declared (inputs " +
          existing->inputs.at(0) + ", calendar " + existing->calendar +
          (existing->day_start.empty() ? "" : ", day_start " + existing->day_start) +
          "); edit it in " + paths_.registry + " or choose another --name");
    }
    d = *existing;
  }
  // A new dataset is declared by its build job (RegenerateJob).
  ASSIGN_OR_RETURN(auto items, RegenerateLocked({d}, false, false));
  return items.at(0);
}

Result<std::vector<RegenerateItem>> Lake::RegenerateLocked(
    const std::vector<registry::DatasetSpec>& specs, bool full, bool keep_going) {
  std::vector<RegenerateItem> out;
  for (const auto& spec : specs) {
    auto r = RegenerateJob({spec}, full);
    if (!r.ok()) {
      if (!keep_going)
        return r.status().WithContext("regenerating " + spec.symbol + " " + spec.timeframe);
      RegenerateItem failed;
      failed.symbol = spec.symbol;
      failed.timeframe = spec.timeframe;
      failed.error = r.status().message();
      out.push_back(std::move(failed));
      continue;
    }
    out.push_back(std::move(r->at(0)));
  }
  return out;
}

Result<std::vector<RegenerateItem>> Lake::Regenerate(const RegenerateRequest& request) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  ASSIGN_OR_RETURN(auto order, DependencyOrder(registry_));
  std::vector<registry::DatasetSpec> chosen;
  if (request.all || request.stale_only) {
    chosen = order;  // RegenerateJob skips what is up to date unless full
  } else {
    if (request.datasets.empty())
      return Status::InvalidArgument("name a derived dataset, or pass --stale or --all");
    std::set<std::string> wanted;
    for (const auto& text : request.datasets) {
      ASSIGN_OR_RETURN(registry::DatasetName k, registry::ParseDatasetName(text));
      const registry::DatasetSpec* s = registry_.Find(k.symbol, k.timeframe);
      if (!s) return Status::NotFound("there is no dataset " + k.text() + " in " + paths_.registry);
      if (!s->is_derived()) {
        return Status::InvalidArgument(
            k.text() + " is imported, not derived; only derived datasets are regenerated");
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
  // A copy: the build job reloads registry_.
  const registry::DatasetSpec* found = registry_.Find(request.symbol, request.from);
  if (!found) {
    return Status::NotFound("there is no dataset " + request.symbol + " " + request.from +
                            " to resample; import it first (`barlake status` lists the datasets)");
  }
  const registry::DatasetSpec input_spec = *found;
  const registry::DatasetSpec* input = &input_spec;
  ASSIGN_OR_RETURN(Timeframe from_tf, Timeframe::Parse(request.from));
  if (request.to.empty())
    return Status::InvalidArgument("name the timeframes to build, e.g. --to 5m,15m,1h,4h");
  const std::string out_symbol = request.name.empty() ? request.symbol : request.name;
  RETURN_IF_ERROR(storage::ValidateSymbol(out_symbol));
  const std::string cal = request.calendar.empty() ? input->calendar : request.calendar;
  if (!cal.empty() && !registry_.calendars().Find(cal)) {
    return Status::InvalidArgument("unknown calendar '" + cal +
                                   "'; known: " + registry_.calendars().NamesText());
  }
  std::vector<registry::DatasetSpec> specs;
  for (const auto& to : request.to) {
    ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(to));
    if (tf.seconds() <= from_tf.seconds() || tf.seconds() % from_tf.seconds() != 0) {
      return Status::InvalidArgument(to + " is not a multiple of " + request.from +
                                     "; pick coarser timeframes");
    }
    if (tf.seconds() > 86400) {
      return Status::InvalidArgument(std::string(tf.is_monthly() ? "monthly" : "weekly") +
                                     " bars are not built from minutes; import them as their own "
                                     "dataset");
    }
    if (tf.is_daily_or_longer() && request.name.empty()) {
      return Status::InvalidArgument(
          "daily bars come from their own dataset (the official settlement), not from minutes. To "
          "build daily "
          "bars from " +
          request.symbol + " " + request.from +
          " anyway, give the derived dataset its own name, "
          "e.g. --to 1d --name " +
          request.symbol + "_FROM_" + request.from);
    }
    if (tf.is_daily_or_longer() && cal.empty()) {
      return Status::InvalidArgument("daily bars from minutes are one bar per session: give " +
                                     request.symbol + " " + request.from +
                                     " a calendar (--calendar NAME)");
    }
    if (std::any_of(specs.begin(), specs.end(),
                    [&](const auto& s) { return s.timeframe == tf.name(); }))
      continue;
    registry::DatasetSpec d;
    d.symbol = out_symbol;
    d.timeframe = tf.name();
    d.category = input->category;
    d.calendar = cal;
    d.method = "resample";
    d.inputs = {request.symbol + " " + request.from};
    d.auto_regenerate = request.auto_regenerate;
    d.description = out_symbol + " " + tf.name() + " bars resampled from " + request.symbol + " " +
                    request.from +
                    (cal.empty() ? " (UTC grid)" : " (anchored to the " + cal + " session open)");
    if (const registry::DatasetSpec* existing = registry_.Find(d.symbol, d.timeframe)) {
      if (existing->method != "resample" || existing->inputs != d.inputs) {
        return Status::Conflict("dataset " + d.symbol + " " + d.timeframe +
                                " already exists and is not resampled from " + d.inputs[0] +
                                "; choose another --name");
      }
      specs.push_back(*existing);
      continue;
    }
    specs.push_back(d);
  }
  // One job declares and builds every target (each input partition is read once for all
  // of them): a target that fails to build fails the job, and nothing is declared.
  auto items = RegenerateJob(specs, false);
  if (!items.ok())
    return items.status().WithContext("resampling " + request.symbol + " " + request.from);
  return items;
}

Result<std::vector<registry::DatasetSpec>> Lake::DependentsOf(
    const std::set<std::string>& datasets) {
  // Derived datasets built (transitively) from `datasets`, inputs first.
  ASSIGN_OR_RETURN(auto order, DependencyOrder(registry_));
  std::set<std::string> changed = datasets;
  std::vector<registry::DatasetSpec> dependents;
  for (const auto& d : order) {
    const bool reached = std::any_of(d.inputs.begin(), d.inputs.end(),
                                     [&](const std::string& in) { return changed.count(in) > 0; });
    if (!reached || !d.auto_regenerate || datasets.count(d.symbol + " " + d.timeframe)) continue;
    dependents.push_back(d);
    changed.insert(d.symbol + " " + d.timeframe);
  }
  return dependents;
}

Result<ImportResult> Lake::WithDependents(Result<ImportResult> merged) {
  if (!merged.ok() || merged->dry_run || merged->job.status != "completed" ||
      merged->job.rows_written == 0) {
    return merged;
  }
  // The import already stands: a failure here is reported, and `regenerate --stale` retries.
  auto dependents = DependentsOf({merged->job.symbol + " " + merged->job.timeframe});
  if (!dependents.ok()) return merged;
  if (dependents->empty()) return merged;
  auto items = RegenerateLocked(*dependents, false, true);
  if (items.ok()) {
    merged->regenerated = std::move(items).value();
    merged->job.report_json = merged->ReportJson();
    (void)journal_->UpdateJob(merged->job);
  }
  return merged;
}

}  // namespace barlake::lake
