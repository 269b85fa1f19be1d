// The public API (include/barlake/lake.h) over lake::Lake: converts between the public value
// types and the lake's (lake/public_types.h), and turns any exception into a kInternal Status so nothing throws
// across the library edge.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>

#include "barlake/lake.h"
#include "api/guard.h"
#include "api/lake_access.h"
#include "calendar/calendar.h"
#include "core/json_text.h"
#include "core/timeframe.h"
#include "core/result.h"
#include "env/env.h"
#include "lake/data_kind.h"
#include "lake/dataset_health.h"
#include "lake/lake.h"
#include "lake/lake_json.h"
#include "lake/public_types.h"

namespace barlake {

namespace {

using internal::Guard;

/// The lake's record (or each of its records) as the public type.
template <class Record>
auto PublicOf(const Record& record) {
  return lake::ToPublic(record);
}
template <class Record>
auto PublicOf(const std::vector<Record>& records) {
  std::vector<decltype(lake::ToPublic(records.front()))> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(lake::ToPublic(r));
  return out;
}

/// Guard(what, call), with the lake's result of `call` returned as its public type.
template <class Call>
auto GuardPublic(const char* what, Call&& call) {
  using Public = decltype(PublicOf(call().value()));
  return Guard(what, [&]() -> Result<Public> {
    ASSIGN_OR_RETURN(auto record, call());
    return PublicOf(record);
  });
}

/// The lake's source for `source`: its file, or its bytes in memory (never spooled to disk).
lake::Source ToLakeSource(const Source& source) {
  if (!source.path.empty()) return lake::Source::FromPath(source.path);
  return lake::Source::FromBytes(source.name.empty() ? "source" : source.name, source.bytes, source.modified,
                                 source.provenance);
}

/// The request Import and CheckAlignment send the lake.
lake::ImportRequest RequestFor(const Source& source, const ImportOptions& options) {
  lake::ImportRequest req = lake::FromPublic(options);
  req.source = ToLakeSource(source);
  req.path = req.source.path;
  return req;
}

}  // namespace

const char* Version() { return BARLAKE_VERSION; }

struct Lake::Impl {
  std::string vault;
  std::unique_ptr<lake::Lake> lake;
};

Lake::Lake(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Lake::~Lake() = default;

const std::string& Lake::vault() const { return impl_->vault; }

VaultSettings Lake::Settings() const {
  const registry::VaultSettings& s = impl_->lake->registry().settings();
  return {s.name, s.display_tz, s.default_source_tz};
}

namespace internal {

std::unique_ptr<Lake> LakeAccess::Wrap(std::string vault, std::unique_ptr<lake::Lake> inner) {
  auto impl = std::make_unique<Lake::Impl>();
  impl->vault = std::move(vault);
  impl->lake = std::move(inner);
  return std::unique_ptr<Lake>(new Lake(std::move(impl)));
}

lake::Lake* LakeAccess::Inner(Lake& lake) { return lake.impl_->lake.get(); }

}  // namespace internal

Status Lake::Init(const std::string& dir, const InitOptions& options) {
  return Guard("init", [&]() -> Status {
    lake::InitOptions o;
    o.name = options.name;
    o.display_tz = options.display_tz;
    o.default_source_tz = options.default_source_tz;
    return lake::InitVault(Env::Default(), dir, o);
  });
}

Result<std::unique_ptr<Lake>> Lake::Open(const std::string& dir, const Options& options) {
  return Guard("open", [&]() -> Result<std::unique_ptr<Lake>> {
    lake::LakeOptions o;
    o.lock_wait_seconds = options.lock_wait_seconds;
    o.command = options.command;
    o.listener = options.listener;
    ASSIGN_OR_RETURN(auto inner, lake::Lake::Open(dir, std::move(o)));
    return internal::LakeAccess::Wrap(dir, std::move(inner));
  });
}

Result<ImportReport> Lake::Import(const Source& source, const ImportOptions& options) {
  return GuardPublic("import", [&] { return impl_->lake->Import(RequestFor(source, options)); });
}

Result<ImportReport> Lake::CheckAlignment(const Source& source, const ImportOptions& options) {
  return GuardPublic("check alignment", [&] {
    lake::ImportRequest req = RequestFor(source, options);
    req.alignment_only = true;
    req.skip_alignment_check = false;
    req.force = true;  // judge alignment even for a file with many rejected rows
    return impl_->lake->Import(req);
  });
}

Result<Bars> Lake::Read(const std::string& symbol, const std::string& timeframe, Micros from, Micros to) {
  return Guard("read", [&]() -> Result<Bars> {
    ASSIGN_OR_RETURN(BarColumns b, impl_->lake->Read(symbol, timeframe, from, to));
    return lake::ToPublic(std::move(b));
  });
}

Status Lake::WriteParquet(const Bars& bars, const std::string& path) {
  return Guard("write parquet", [&]() -> Status {
    const size_t n = bars.size();
    for (const auto* column : {&bars.open, &bars.high, &bars.low, &bars.close, &bars.volume}) {
      if (column->size() != n) return Status::InvalidArgument("the bar columns are not of one length");
    }
    if ((!bars.job.empty() && bars.job.size() != n) || (!bars.flags.empty() && bars.flags.size() != n)) {
      return Status::InvalidArgument("the bar columns are not of one length");
    }
    for (size_t i = 1; i < n; ++i) {
      if (bars.ts[i] <= bars.ts[i - 1]) return Status::InvalidArgument("the bars are not sorted by time");
    }
    return impl_->lake->WriteBarsParquet(lake::FromPublic(bars), path);
  });
}

Result<std::vector<Dataset>> Lake::Datasets() {
  return Guard("datasets", [&]() -> Result<std::vector<Dataset>> {
    ASSIGN_OR_RETURN(auto summaries, impl_->lake->Datasets());
    ASSIGN_OR_RETURN(auto derived, impl_->lake->DerivedStates());
    return lake::ToPublic(summaries, derived);
  });
}

Result<DatasetSessions> Lake::Sessions(const std::string& symbol, const std::string& timeframe, Micros from,
                                       Micros to) {
  return Guard("sessions", [&]() -> Result<DatasetSessions> {
    const registry::Registry& reg = impl_->lake->registry();
    const std::string name = symbol + " " + timeframe;
    const registry::DatasetSpec* spec = reg.Find(symbol, timeframe);
    if (!spec) return Status::NotFound("there is no dataset " + name + "; `barlake status` lists the datasets");
    if (spec->calendar.empty()) {
      return Status::InvalidArgument("dataset " + name + " has no calendar, so it has no sessions; set one with "
                                     "`barlake dataset set " + name + " --calendar NAME` (`barlake calendars` "
                                     "lists them)");
    }
    const calendar::Calendar* cal = reg.calendars().Find(spec->calendar);
    if (!cal) {
      return Status::NotFound("dataset " + name + " names calendar '" + spec->calendar +
                              "', which is unknown; known: " + reg.calendars().NamesText());
    }
    DatasetSessions out{.calendar = cal->name, .zone = cal->zone};
    ASSIGN_OR_RETURN(out.sessions, cal->SessionsBetween(from, to));
    return out;
  });
}

Result<std::vector<Dataset>> Lake::DerivedDatasets() {
  return Guard("datasets", [&]() -> Result<std::vector<Dataset>> {
    ASSIGN_OR_RETURN(auto summaries, impl_->lake->Datasets());
    ASSIGN_OR_RETURN(auto derived, impl_->lake->DerivedStates());
    std::vector<Dataset> out;
    for (const auto& state : derived) {
      journal::DatasetSummary summary{.symbol = state.symbol, .timeframe = state.timeframe};
      for (const auto& s : summaries) {
        if (s.symbol == state.symbol && s.timeframe == state.timeframe) summary = s;
      }
      out.push_back(lake::ToPublic(summary, &state));
    }
    return out;
  });
}

Result<std::vector<Job>> Lake::Jobs(int64_t limit) {
  return GuardPublic("jobs", [&] { return impl_->lake->Jobs(limit); });
}

Result<JobDetail> Lake::GetJob(int64_t id) {
  return Guard("job", [&]() -> Result<JobDetail> {
    ASSIGN_OR_RETURN(auto record, impl_->lake->Job(id));
    ASSIGN_OR_RETURN(auto changes, impl_->lake->JobChanges(id));
    JobDetail d;
    d.job = lake::ToPublic(record);
    for (const auto& c : changes) {
      if (lake::KindOfRelPath(c.rel_path).catalogued()) {
        d.changes.push_back(lake::ToPublic(c));
      } else {
        d.registry_changed = true;
      }
    }
    return d;
  });
}

Result<Job> Lake::Rollback(int64_t job_id) {
  return GuardPublic("rollback", [&] { return impl_->lake->Rollback(job_id); });
}

Result<VerifyReport> Lake::Verify() {
  return Guard("verify", [&]() -> Result<VerifyReport> {
    ASSIGN_OR_RETURN(auto rep, impl_->lake->Verify());
    VerifyReport out;
    out.files_checked = rep.files_checked;
    out.rows_checked = rep.rows_checked;
    for (const auto& p : rep.problems) out.problems.push_back({p.path, p.what});
    return out;
  });
}

Result<RepairReport> Lake::Repair(bool dry_run) {
  return Guard("repair", [&]() -> Result<RepairReport> { return impl_->lake->Repair(dry_run); });
}

Result<std::vector<RegenerateResult>> Lake::Regenerate(const RegenerateOptions& options) {
  return GuardPublic("regenerate", [&] { return impl_->lake->Regenerate(options); });
}

Result<std::vector<DatasetHealth>> Lake::Health(const HealthOptions& options) {
  return Guard("health", [&]() -> Result<std::vector<DatasetHealth>> {
    lake::Lake* l = impl_->lake.get();
    lake::HealthRequest req;
    req.symbol = options.symbol;
    req.timeframe = options.timeframe;
    req.options.gap_min_seconds = options.gap_min_seconds;
    req.now = options.now;
    req.calendar = lake::RegistryCalendars(l);
    ASSIGN_OR_RETURN(std::vector<DatasetHealth> reports, lake::CheckHealth(l, req));
    for (DatasetHealth& d : reports) {
      const HealthReport& r = d.report;
      d.status = health::StatusName(r.status);
      d.score = r.score;
      d.coverage_pct = r.coverage_pct;
      d.gap_count = static_cast<int64_t>(r.gaps.size());
      d.gap_missing_bars = r.gap_missing_bars;
      d.stray_count = r.stray_count;
      d.stale = r.staleness.stale;
      d.notes = r.notes;
      d.report_json = ToJsonText(lake::HealthJson(d, 1000));
    }
    return reports;
  });
}

Result<GapReport> Lake::Gaps(const std::string& symbol, const std::string& timeframe, Micros from, Micros to,
                             int64_t min_seconds) {
  return Guard("gaps", [&]() -> Result<GapReport> {
    lake::Lake* l = impl_->lake.get();
    ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(timeframe));
    ASSIGN_OR_RETURN(auto datasets, l->Datasets());
    const journal::DatasetSummary* d = nullptr;
    for (const auto& x : datasets) {
      if (x.symbol == symbol && x.timeframe == timeframe) d = &x;
    }
    if (!d) {
      return Status::NotFound("there is no dataset " + symbol + " " + timeframe +
                              "; `barlake status` lists the datasets");
    }
    ASSIGN_OR_RETURN(auto source, lake::RegistryCalendars(l)(symbol, timeframe));
    if (tf.seconds() > 86400) {
      return Status::InvalidArgument("gaps are found in intraday and daily bars only, not in " + timeframe +
                                     " bars; ask for the daily or intraday dataset of " + symbol);
    }
    if (!source) {
      return Status::NotFound(symbol + " " + timeframe +
                              " has no session calendar to tell gaps from closures; give it one with `barlake "
                              "dataset set " + symbol + " " + timeframe +
                              " --calendar NAME` (`barlake calendars` lists them; docs/health.md)");
    }
    // The range, clipped to the stored first bar .. end of the last bar.
    const Micros lo = std::max(from, d->first_ts), hi = std::min(to, d->last_ts + tf.micros());
    GapReport report;
    report.calendar = source->name;
    if (hi <= lo) return report;
    ASSIGN_OR_RETURN(auto ts, lake::ReadBarTimes(l, symbol, timeframe, lo, hi));
    ASSIGN_OR_RETURN(auto sessions, source->sessions(lo - 2 * kMicrosPerDay, hi + 2 * kMicrosPerDay));
    report.gaps = health::FindGaps(ts, tf.seconds(), sessions, min_seconds, lo, hi);
    for (const auto& gap : report.gaps) report.missing_bars += gap.missing_bars;
    return report;
  });
}

Result<std::vector<QuarantinedRow>> Lake::Quarantine(const QuarantineFilter& filter) {
  return GuardPublic("quarantine", [&] { return impl_->lake->Quarantine(filter); });
}

Result<QuarantinedRow> Lake::GetQuarantined(int64_t id) {
  return GuardPublic("quarantine", [&] { return impl_->lake->QuarantineRow(id); });
}

Result<ImportReport> Lake::ReleaseQuarantined(const std::vector<int64_t>& ids) {
  return GuardPublic("release", [&] { return impl_->lake->ReleaseQuarantine(ids); });
}

Status Lake::DropQuarantined(const std::vector<int64_t>& ids) {
  return Guard("drop", [&]() -> Status { return impl_->lake->DropQuarantine(ids); });
}

Result<QueryResult> Lake::Query(const std::string& sql, int threads) {
  return Guard("query", [&]() -> Result<QueryResult> {
    ASSIGN_OR_RETURN(auto session, impl_->lake->OpenQuery(threads));
    ASSIGN_OR_RETURN(QueryResult out, session->Query(sql));
    // The session returns text; DESCRIBE names each column's type (a statement it cannot
    // describe keeps no types).
    std::string trimmed = sql;
    while (!trimmed.empty() && (trimmed.back() == ';' || std::isspace(static_cast<unsigned char>(trimmed.back())))) {
      trimmed.pop_back();
    }
    auto described = session->Run("DESCRIBE " + trimmed);
    if (described.ok() && described->rows.size() == out.columns.size()) {
      for (const auto& row : described->rows) out.types.push_back(row.size() > 1 ? row[1] : std::string());
    }
    return out;
  });
}

Result<std::vector<RegenerateResult>> Lake::Resample(const ResampleOptions& options) {
  return GuardPublic("resample", [&] { return impl_->lake->DeclareResample(options); });
}

Result<RegenerateResult> Lake::DeclareTable(const TableOptions& options) {
  return GuardPublic("table", [&] { return impl_->lake->DeclareTable(options); });
}

Result<std::string> Lake::ApiToken(const std::string& dir, bool rotate) {
  return Guard("token", [&]() -> Result<std::string> {
    RETURN_IF_ERROR(lake::CheckIsVault(Env::Default(), dir));
    return lake::ReadOrCreateToken(Env::Default(), lake::VaultPaths(dir), rotate);
  });
}

std::string Lake::ApiTokenPath(const std::string& dir) { return lake::VaultPaths(dir).token; }

Result<int64_t> Lake::Recover() {
  return Guard("recover", [&]() -> Result<int64_t> {
    // Counted before taking the lock; a job another writer finishes meanwhile still counts.
    ASSIGN_OR_RETURN(auto running, impl_->lake->JobsWithStatus("running"));
    RETURN_IF_ERROR(impl_->lake->Recover());
    return static_cast<int64_t>(running.size());
  });
}

// --- Columnar reads, SQL and the registry.

Result<int64_t> Lake::ReadInto(const std::string& symbol, const std::string& timeframe, Micros from, Micros to,
                               BarSink& sink, int64_t chunk_rows) {
  return Guard("read", [&]() -> Result<int64_t> {
    lake::Lake* l = impl_->lake.get();
    ASSIGN_OR_RETURN(auto parts, l->PartitionsInRange(symbol, timeframe, from, to));
    if (parts.empty()) {
      // No file overlaps: Read still tells a missing dataset or a bad timeframe.
      ASSIGN_OR_RETURN(BarColumns none, l->Read(symbol, timeframe, from, to));
      if (!sink.Begin(static_cast<int64_t>(none.size()))) return Status::Cancelled("read stopped by the caller");
      return int64_t{0};
    }
    int64_t expected = 0;
    for (const auto& p : parts) expected += p.rows;
    if (!sink.Begin(expected)) return Status::Cancelled("read stopped by the caller");
    // Partitions are disjoint time ranges ordered by min_ts, so a run of them is read with
    // one sorted query over [first.min_ts, last.max_ts]: DuckDB holds one chunk at a time.
    int64_t passed = 0;
    size_t begin = 0;
    while (begin < parts.size()) {
      size_t end = begin;
      int64_t rows = 0;
      while (end < parts.size() && (end == begin || rows + parts[end].rows <= chunk_rows)) rows += parts[end++].rows;
      const Micros chunk_from = std::max(from, parts[begin].min_ts);
      const Micros chunk_to = end == parts.size() ? to : std::min(to, parts[end].min_ts);
      ASSIGN_OR_RETURN(BarColumns b, l->Read(symbol, timeframe, chunk_from, chunk_to));
      const size_t n = b.size();
      b.job.resize(n, 0);
      b.flags.resize(n, 0);  // the store's "all zero" may come back empty
      BarsChunk chunk{n,        b.ts.data(),    b.open.data(), b.high.data(), b.low.data(),
                      b.close.data(), b.volume.data(), b.job.data(),  b.flags.data()};
      if (n > 0 && !sink.Append(chunk)) return Status::Cancelled("read stopped by the caller");
      passed += static_cast<int64_t>(n);
      begin = end;
    }
    return passed;
  });
}

Result<std::vector<RegisteredDataset>> Lake::RegisteredDatasets(const std::string& category) {
  return Guard("datasets", [&]() -> Result<std::vector<RegisteredDataset>> {
    if (!category.empty() && category != "published" && category != "pipeline" && category != "raw") {
      return Status::InvalidArgument("category '" + category + "' must be published, pipeline or raw");
    }
    lake::Lake* l = impl_->lake.get();
    RETURN_IF_ERROR(l->ReloadRegistry());
    ASSIGN_OR_RETURN(auto parts, l->AllPartitions());
    std::map<std::pair<std::string, std::string>, std::vector<PartitionFile>> files;
    for (const auto& p : parts) {
      files[{p.symbol, p.timeframe}].push_back(
          {p.period, l->paths().LakeFile(p.rel_path), p.rows, p.bytes, p.min_ts, p.max_ts, p.sha256, p.version});
    }
    std::vector<RegisteredDataset> out;
    for (const auto& d : l->registry().datasets()) {
      if (!category.empty() && d.category != category) continue;
      RegisteredDataset r{d.symbol, d.timeframe, d.kind, d.category, d.description, d.calendar, d.method, {}};
      if (auto it = files.find({d.symbol, d.timeframe}); it != files.end()) {
        r.files = std::move(it->second);
        std::sort(r.files.begin(), r.files.end(),
                  [](const PartitionFile& a, const PartitionFile& b) { return a.period < b.period; });
      }
      out.push_back(std::move(r));
    }
    return out;
  });
}

Result<Job> Lake::DropDataset(const std::string& symbol, const std::string& timeframe, bool with_dependents) {
  return GuardPublic("dataset drop",
                     [&] { return impl_->lake->DropDataset({symbol, timeframe, with_dependents}); });
}

Result<Job> Lake::RenameDataset(const std::string& symbol, const std::string& timeframe,
                                const std::string& new_symbol) {
  return GuardPublic("dataset rename",
                     [&] { return impl_->lake->RenameDataset({symbol, timeframe, new_symbol}); });
}

std::string JobToJson(const Job& job) {
  try {
    return ToJsonText(lake::JobJson(job));
  } catch (...) {
    return "{}";  // nlohmann allocating; ToJsonText itself never throws on content
  }
}

}  // namespace barlake
