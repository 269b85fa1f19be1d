// The public API (include/barlake/lake.h) over lake::Lake: converts between the public value
// types and the lake's, and turns any exception into a kInternal Status so nothing throws
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
#include "api/lake_access.h"
#include "core/json_text.h"
#include "core/result.h"
#include "env/env.h"
#include "lake/data_kind.h"
#include "lake/dataset_health.h"
#include "lake/lake.h"
#include "lake/lake_json.h"
#include "lake/public_types.h"

namespace barlake {

namespace {

/// Run `body`, turning an escaping exception into kInternal: the public API never throws.
template <class F>
auto Guard(const char* what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Status::Internal(std::string(what) + ": out of memory");
  } catch (const std::exception& e) {
    return Status::Internal(std::string(what) + ": unexpected exception: " + e.what());
  } catch (...) {
    return Status::Internal(std::string(what) + ": unexpected exception");
  }
}

ImportReport ToReport(const lake::ImportResult& r) {
  ImportReport o;
  o.job = lake::ToPublic(r.job);
  o.dry_run = r.dry_run;
  o.skipped_because = r.skipped_because;
  o.format = r.format;
  o.format_why = r.format_why;
  o.source_tz = r.source_tz;
  o.notes = r.notes;
  o.rows_added = r.rows_added;
  o.rows_identical = r.rows_identical;
  o.rows_replaced = r.rows_replaced;
  o.partitions = r.partitions;
  o.rejected_by_rule = r.rejected_by_rule;
  for (const auto& it : r.regenerated) o.regenerated.push_back(lake::ToPublic(it));
  o.report_json = r.ReportJson();
  return o;
}

lake::ConflictPolicy ToPolicy(OnConflict c) {
  switch (c) {
    case OnConflict::kReplace: return lake::ConflictPolicy::kReplace;
    case OnConflict::kFail: return lake::ConflictPolicy::kFail;
    case OnConflict::kKeep: break;
  }
  return lake::ConflictPolicy::kKeep;
}

/// Keeps in-memory bytes on disk for as long as an import reads them. The lake reads its
/// input from a path (it maps the file and keeps a copy in the vault), so bytes are written
/// under the vault's .barlake/uploads/p<pid>-api<n>/ with the source's name and
/// modification time, and removed afterwards. The folder names this process, so a server on
/// the vault removes it if the process dies first (as it does its own uploads).
class SpooledSource {
 public:
  static Result<std::unique_ptr<SpooledSource>> Write(const std::string& meta_dir, const Source& source) {
    static std::atomic<int64_t> serial{0};
    Env* env = Env::Default();
    const std::string dir =
        meta_dir + "/uploads/p" + std::to_string(::getpid()) + "-api" + std::to_string(++serial);
    RETURN_IF_ERROR(env->CreateDirs(dir));
    std::unique_ptr<SpooledSource> spool(new SpooledSource(dir));
    std::string name = source.name.empty() ? "source" : source.name;
    for (char& c : name) {
      if (c == '/' || c == '\0') c = '_';  // a name, not a path
    }
    if (name == "." || name == "..") name = "source";
    spool->path_ = dir + "/" + name;
    const int fd = ::open(spool->path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Status::FromErrno(errno, "cannot create", spool->path_);
    size_t off = 0;
    while (off < source.bytes.size()) {
      const ssize_t n = ::write(fd, source.bytes.data() + off, source.bytes.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        return Status::FromErrno(err, "cannot write", spool->path_);
      }
      off += static_cast<size_t>(n);
    }
    if (source.modified > 0) {
      struct timespec times[2];
      times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(source.modified / 1000000);
      times[0].tv_nsec = times[1].tv_nsec = static_cast<long>(source.modified % 1000000) * 1000;
      (void)::futimens(fd, times);
    }
    if (::close(fd) != 0) return Status::FromErrno(errno, "cannot write", spool->path_);
    return spool;
  }
  ~SpooledSource() { (void)RemoveTree(Env::Default(), dir_); }
  const std::string& path() const { return path_; }

 private:
  explicit SpooledSource(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_, path_;
};

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
  return Guard("import", [&]() -> Result<ImportReport> {
    lake::ImportRequest req;
    req.symbol = options.symbol;
    req.timeframe = options.timeframe;
    req.format = options.format;
    req.tz = options.tz;
    req.stamp = options.stamp;
    req.columns = options.columns;
    req.on_conflict = ToPolicy(options.on_conflict);
    req.dry_run = options.dry_run;
    req.force = options.force;
    req.skip_alignment_check = options.skip_alignment_check;
    req.description = options.description;
    req.calendar = options.calendar;
    std::unique_ptr<SpooledSource> spool;
    if (!source.path.empty()) {
      req.path = source.path;
    } else {
      ASSIGN_OR_RETURN(spool, SpooledSource::Write(impl_->lake->paths().meta, source));
      req.path = spool->path();
    }
    ASSIGN_OR_RETURN(lake::ImportResult r, impl_->lake->Import(req));
    return ToReport(r);
  });
}

Result<Bars> Lake::Read(const std::string& symbol, const std::string& timeframe, Micros from, Micros to) {
  return Guard("read", [&]() -> Result<Bars> {
    ASSIGN_OR_RETURN(BarColumns b, impl_->lake->Read(symbol, timeframe, from, to));
    Bars out;
    const size_t n = b.size();
    out.ts = std::move(b.ts);
    out.open = std::move(b.open);
    out.high = std::move(b.high);
    out.low = std::move(b.low);
    out.close = std::move(b.close);
    out.volume = std::move(b.volume);
    out.job = std::move(b.job);
    out.flags = std::move(b.flags);
    out.job.resize(n, 0);
    out.flags.resize(n, 0);  // the store's "all zero" may come back empty
    return out;
  });
}

Result<std::vector<Dataset>> Lake::Datasets() {
  return Guard("datasets", [&]() -> Result<std::vector<Dataset>> {
    ASSIGN_OR_RETURN(auto summaries, impl_->lake->Datasets());
    ASSIGN_OR_RETURN(auto derived, impl_->lake->DerivedStates());
    return lake::ToPublic(summaries, derived);
  });
}

Result<std::vector<Job>> Lake::Jobs(int64_t limit) {
  return Guard("jobs", [&]() -> Result<std::vector<Job>> {
    ASSIGN_OR_RETURN(auto records, impl_->lake->Jobs(limit));
    std::vector<Job> out;
    out.reserve(records.size());
    for (const auto& r : records) out.push_back(lake::ToPublic(r));
    return out;
  });
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
  return Guard("rollback", [&]() -> Result<Job> {
    ASSIGN_OR_RETURN(auto record, impl_->lake->Rollback(job_id));
    return lake::ToPublic(record);
  });
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

Result<std::vector<RegenerateResult>> Lake::Regenerate(const RegenerateOptions& options) {
  return Guard("regenerate", [&]() -> Result<std::vector<RegenerateResult>> {
    lake::RegenerateRequest req;
    req.datasets = options.datasets;
    req.stale_only = options.stale_only;
    req.all = options.all;
    req.full = options.full;
    ASSIGN_OR_RETURN(auto items, impl_->lake->Regenerate(req));
    std::vector<RegenerateResult> out;
    for (const auto& it : items) out.push_back(lake::ToPublic(it));
    return out;
  });
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
    ASSIGN_OR_RETURN(auto reports, lake::CheckHealth(l, req));
    std::vector<DatasetHealth> out;
    for (const auto& h : reports) {
      DatasetHealth d;
      d.symbol = h.symbol;
      d.timeframe = h.timeframe;
      d.calendar = h.calendar;
      d.status = health::StatusName(h.report.status);
      d.score = h.report.score;
      d.coverage_pct = h.report.coverage_pct;
      d.gap_count = static_cast<int64_t>(h.report.gaps.size());
      d.gap_missing_bars = h.report.gap_missing_bars;
      d.stray_count = h.report.stray_count;
      d.stale = h.report.staleness.stale;
      d.notes = h.report.notes;
      d.report_json = ToJsonText(lake::HealthJson(h, 1000));
      out.push_back(std::move(d));
    }
    return out;
  });
}

Result<std::vector<QuarantinedRow>> Lake::Quarantine(const QuarantineFilter& filter) {
  return Guard("quarantine", [&]() -> Result<std::vector<QuarantinedRow>> {
    lake::QuarantineQuery q;
    q.symbol = filter.symbol;
    q.timeframe = filter.timeframe;
    q.status = filter.status;
    q.job = filter.job;
    q.limit = filter.limit;
    ASSIGN_OR_RETURN(auto rows, impl_->lake->Quarantine(q));
    std::vector<QuarantinedRow> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(lake::ToPublic(r));
    return out;
  });
}

Result<QuarantinedRow> Lake::GetQuarantined(int64_t id) {
  return Guard("quarantine", [&]() -> Result<QuarantinedRow> {
    ASSIGN_OR_RETURN(auto row, impl_->lake->QuarantineRow(id));
    return lake::ToPublic(row);
  });
}

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

Result<QueryResult> Lake::Query(const std::string& sql) {
  return Guard("query", [&]() -> Result<QueryResult> {
    ASSIGN_OR_RETURN(auto session, impl_->lake->OpenQuery());
    std::string trimmed = sql;
    while (!trimmed.empty() && (trimmed.back() == ';' || std::isspace(static_cast<unsigned char>(trimmed.back())))) {
      trimmed.pop_back();
    }
    // The same errors as `barlake query`: the user's SQL is a usage error, except for I/O
    // trouble reading the lake.
    if (Status v = session->Check(trimmed); !v.ok()) return v.WithContext("in your query");
    auto r = session->Run(trimmed);
    if (!r.ok()) {
      const ErrorCode c = r.status().code();
      if (c == ErrorCode::kIOError || c == ErrorCode::kNoSpace) return r.status().WithContext("in your query");
      return Status::InvalidArgument("in your query: " + r.status().message());
    }
    QueryResult out;
    out.columns = std::move(r->columns);
    out.rows = std::move(r->rows);
    // The session returns text; DESCRIBE names each column's type (statements without a
    // describable result keep no types).
    auto described = session->Run("DESCRIBE " + trimmed);
    if (described.ok() && described->rows.size() == out.columns.size()) {
      for (const auto& row : described->rows) out.types.push_back(row.size() > 1 ? row[1] : std::string());
    }
    return out;
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

std::string JobToJson(const Job& job) {
  try {
    return ToJsonText(lake::JobJson(job));
  } catch (...) {
    return "{}";  // nlohmann allocating; ToJsonText itself never throws on content
  }
}

}  // namespace barlake
