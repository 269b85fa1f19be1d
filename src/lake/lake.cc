#include "lake/lake.h"
#include "lake/lake_json.h"

#include <limits>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "calendar/calendar.h"
#include "core/checksum.h"
#include "core/json_text.h"
#include "core/time_zone.h"
#include "core/timeframe.h"
#include "ingest/format.h"
#include "validate/validator.h"
#include "lake/alignment.h"
#include "lake/data_kind.h"
#include "lake/snapshot_import.h"
#include "lake/source_file.h"
#include "lake/writer_lock.h"
#include "storage/partition_layout.h"

namespace barlake::lake {

using journal::JobRecord;
using journal::PartitionChange;
using journal::PartitionEntry;

Result<ConflictPolicy> ParseConflictPolicy(const std::string& name) {
  if (name == "keep") return ConflictPolicy::kKeep;
  if (name == "replace") return ConflictPolicy::kReplace;
  if (name == "fail") return ConflictPolicy::kFail;
  return Status::InvalidArgument("--on-conflict '" + name + "' must be keep, replace or fail");
}

std::string ImportResult::ReportJson() const {
  nlohmann::json j;
  j["job"] = job.id;
  j["status"] = dry_run ? std::string("dry_run") : job.status;
  j["rows_read"] = job.rows_read;
  j["rows_written"] = job.rows_written;
  j["rows_rejected"] = job.rows_rejected;
  j["rows_conflicting"] = job.rows_conflicting;
  j["partitions"] = static_cast<int64_t>(partitions.size());
  if (!regenerated.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : regenerated) list.push_back(RegenerateItemJson(r));
    j["regenerated"] = list;
  }
  j["rows_added"] = rows_added;
  j["rows_identical"] = rows_identical;
  j["rows_replaced"] = rows_replaced;
  j["source_tz"] = source_tz;
  j["format"] = format;
  if (!format_why.empty()) j["format_detected_because"] = format_why;
  j["notes"] = notes;
  j["dst_nonexistent_stamps"] = nonexistent_local;
  j["dst_ambiguous_stamps"] = ambiguous_local;
  j["rows_reordered"] = reordered;
  j["alignment_checked"] = alignment_checked;
  j["partial_last_bar_dropped"] = partial_last_bar_dropped;
  if (!alignment_message.empty()) j["alignment"] = alignment_message;
  j["identical_duplicates_dropped"] = identical_duplicates;
  j["rejected_by_rule"] = rejected_by_rule;
  nlohmann::json rej = nlohmann::json::array();
  for (const auto& r : rejections) {
    rej.push_back({{"line", r.line}, {"rule", r.rule}, {"field", r.field}, {"reason", r.reason}});
  }
  j["rejections"] = rej;
  j["calendar"] = calendar;
  j["flagged_kept_by_rule"] = flagged_by_rule;
  nlohmann::json flag = nlohmann::json::array();
  for (const auto& r : flagged) {
    flag.push_back({{"line", r.line}, {"rule", r.rule}, {"field", r.field}, {"reason", r.reason}});
  }
  j["flagged_kept"] = flag;
  if (dry_run) j["bytes_estimate"] = bytes_estimate;
  if (!skipped_because.empty()) j["skipped_because"] = skipped_because;
  j["partition_paths"] = partitions;
  nlohmann::json conflicts_json = nlohmann::json::array();
  for (const auto& c : conflicts) {
    conflicts_json.push_back({{"ts", FormatIsoUtc(c.ts)},
                         {"line", c.line},
                         {"stored", {c.stored[0], c.stored[1], c.stored[2], c.stored[3], c.stored[4]}},
                         {"incoming",
                          {c.incoming[0], c.incoming[1], c.incoming[2], c.incoming[3], c.incoming[4]}}});
  }
  j["conflicts"] = conflicts_json;
  return ToJsonText(j);
}

Lake::Lake(VaultPaths paths, LakeOptions options)
    : paths_(std::move(paths)), options_(WithListenerProgress(std::move(options))),
      env_(options_.env ? options_.env : Env::Default()) {}

Lake::~Lake() = default;

Result<std::unique_ptr<Lake>> Lake::Open(const std::string& vault_dir, LakeOptions options) {
  std::unique_ptr<Lake> lake(new Lake(VaultPaths(vault_dir), std::move(options)));
  RETURN_IF_ERROR(CheckIsVault(lake->env_, vault_dir));
  ASSIGN_OR_RETURN(lake->registry_, registry::Registry::Load(lake->env_, lake->paths_.registry));
  ASSIGN_OR_RETURN(lake->journal_, journal::Journal::Open(lake->paths_.journal, false));
  return lake;
}

Result<storage::DuckConn*> Lake::Duck() {
  if (!duck_) {
    // One DuckDB thread per connection: the write protocol runs two staging connections
    // side by side, and two threads each on 2 cores only contend (measured in bench/).
    // `barlake query` raises it for scans.
    ASSIGN_OR_RETURN(duck_, storage::DuckConn::OpenInMemory(1));
  }
  return duck_.get();
}

Result<storage::ParquetStore*> Lake::Store() {
  if (!store_) {
    ASSIGN_OR_RETURN(storage::DuckConn * conn, Duck());
    store_ = std::make_unique<storage::ParquetStore>(conn);
  }
  return store_.get();
}

WriteProtocol Lake::Protocol(storage::ParquetStore* store) {
  return WriteProtocol(env_, &paths_, journal_.get(), duck_.get(), store, PointHook(), options_.progress);
}

Result<std::unique_ptr<WriterLock>> Lake::LockAndRecover() {
  ASSIGN_OR_RETURN(auto lock, WriterLock::Acquire(env_, paths_.lock, options_.lock_wait_seconds,
                                                  options_.command));
  ASSIGN_OR_RETURN(auto* store, Store());
  RETURN_IF_ERROR(Protocol(store).RecoverAll());
  // Another writer may have declared datasets since this Lake was opened.
  ASSIGN_OR_RETURN(registry_, registry::Registry::Load(env_, paths_.registry));
  return lock;
}

Status Lake::ReloadRegistry() {
  ASSIGN_OR_RETURN(registry_, registry::Registry::Load(env_, paths_.registry));
  return Status::OK();
}

Status Lake::Recover() {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  return Status::OK();
}

Status Lake::FailJob(JobRecord* job, const Status& why) {
  JobFailed(*job, why);
  job->status = "failed";
  job->error = why.message();
  Status s = journal_->UpdateJob(*job);
  if (!s.ok()) return why.WithContext("(and the journal could not record the failure: " + s.message() + ")");
  return why;
}

namespace {

struct MergeOutcome {
  BarColumns rows;
  int64_t added = 0, identical = 0, replaced = 0, conflicting = 0;
};

// Merge sorted, unique `incoming` (rows [begin, end)) into sorted, unique `stored`.
MergeOutcome Merge(const BarColumns& stored, const ingest::ParsedBars& in, size_t begin,
                   size_t end, ConflictPolicy policy, int64_t job_id,
                   std::vector<ConflictExample>* examples) {
  MergeOutcome m;
  m.rows.Reserve(stored.size() + (end - begin));
  const BarColumns& nb = in.bars;
  size_t i = 0, j = begin;
  auto take_new = [&](size_t k) {  // parsed rows carry no job column
    m.rows.ts.push_back(nb.ts[k]);
    m.rows.open.push_back(nb.open[k]);
    m.rows.high.push_back(nb.high[k]);
    m.rows.low.push_back(nb.low[k]);
    m.rows.close.push_back(nb.close[k]);
    m.rows.volume.push_back(nb.volume[k]);
    m.rows.job.push_back(job_id);
    if (!m.rows.flags.empty()) m.rows.flags.push_back(0);
  };
  while (i < stored.size() || j < end) {
    if (j >= end || (i < stored.size() && stored.ts[i] < nb.ts[j])) {
      m.rows.Append(stored, i++);
    } else if (i >= stored.size() || nb.ts[j] < stored.ts[i]) {
      take_new(j++);
      ++m.added;
    } else {
      if (BarColumns::SameValues(stored, i, nb, j)) {
        ++m.identical;
        m.rows.Append(stored, i);
      } else {
        ++m.conflicting;
        if (examples->size() < 20) {
          ConflictExample e;
          e.ts = nb.ts[j];
          e.line = in.line[j];
          const double s[5] = {stored.open[i], stored.high[i], stored.low[i], stored.close[i], stored.volume[i]};
          const double n[5] = {nb.open[j], nb.high[j], nb.low[j], nb.close[j], nb.volume[j]};
          std::copy(s, s + 5, e.stored);
          std::copy(n, n + 5, e.incoming);
          examples->push_back(e);
        }
        if (policy == ConflictPolicy::kReplace) {
          take_new(j);
          ++m.replaced;
        } else {
          m.rows.Append(stored, i);
        }
      }
      ++i;
      ++j;
    }
  }
  return m;
}

std::string FormatBar(const double v[5]) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "O %.10g H %.10g L %.10g C %.10g V %.10g", v[0], v[1], v[2], v[3], v[4]);
  return buf;
}

}  // namespace

Result<ImportResult> Lake::Import(const ImportRequest& req) {
  if (req.alignment_only && !req.dry_run) {
    ImportRequest dry = req;
    dry.dry_run = true;
    return Import(dry);
  }
  RETURN_IF_ERROR(storage::ValidateSymbol(req.symbol));
  ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(req.timeframe));
  if (req.stamp != "" && req.stamp != "open" && req.stamp != "close") {
    return Status::InvalidArgument("--stamp '" + req.stamp + "' must be open or close");
  }
  // No --format: the dataset's declared format, else detection.
  std::string format_name = req.format;
  if (format_name.empty()) {
    const registry::DatasetSpec* spec = registry_.Find(req.symbol, req.timeframe);
    format_name = spec && !spec->format.empty() ? spec->format : "auto";
  }
  // Session calendar: the dataset's, or --calendar for a new one.
  const registry::DatasetSpec* declared = registry_.Find(req.symbol, req.timeframe);  // used before the lock only
  std::string calendar_name = declared ? declared->calendar : req.calendar;
  if (!req.calendar.empty()) {
    if (!registry_.calendars().Find(req.calendar)) {
      return Status::InvalidArgument("unknown calendar '" + req.calendar + "'; known: " +
                                     registry_.calendars().NamesText());
    }
    if (declared && declared->calendar != req.calendar) {
      return Status::InvalidArgument(
          "dataset " + req.symbol + " " + req.timeframe + " uses calendar '" +
          (declared->calendar.empty() ? std::string("(none)") : declared->calendar) + "', not '" + req.calendar +
          "'; change it first with `barlake dataset set " + req.symbol + " " + req.timeframe + " --calendar " +
          req.calendar + "`");
    }
  }
  const ingest::BarFormat* format = nullptr;
  if (format_name != "auto") {
    ASSIGN_OR_RETURN(format, ingest::FindFormat(format_name));
  }
  ImportResult result;
  result.dry_run = req.dry_run;
  result.calendar = calendar_name;
  result.source_tz = req.tz.empty() ? registry_.SourceTzFor(req.symbol, req.timeframe) : req.tz;
  ASSIGN_OR_RETURN(TimeZone tz, TimeZone::Locate(result.source_tz));
  ASSIGN_OR_RETURN(auto source, SourceFile::Open(req.path));
  if (!format) {
    const std::string base = req.path.substr(req.path.find_last_of('/') + 1);
    ASSIGN_OR_RETURN(ingest::DetectResult detected, ingest::DetectFormat(source->data(), base));
    format = detected.format;
    result.format_why = detected.why;
  }
  result.format = std::string(format->name());

  std::unique_ptr<WriterLock> lock;
  if (!req.dry_run) {
    ASSIGN_OR_RETURN(lock, LockAndRecover());
  }
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());

  JobRecord& job = result.job;
  job.kind = "import";
  job.status = "running";
  job.source_path = req.path;
  job.symbol = req.symbol;
  job.timeframe = req.timeframe;
  job.format = result.format;
  job.command = options_.command;
  if (!req.dry_run) {
    ASSIGN_OR_RETURN(job.id, journal_->CreateJob(job));
    JobStarted(job);
  }

  // Hash (and, for a real import, copy) the source on a second core while parsing.
  const std::string source_tmp =
      JoinPath(paths_.sources, ".incoming-" + std::to_string(::getpid()) + "-" + std::to_string(job.id));
  std::string source_sha;
  Status copy_status;
  std::thread hasher([&] {
    Sha256 h;
    std::unique_ptr<WritableFile> out;
    if (!req.dry_run) {
      auto f = env_->NewWritableFile(source_tmp);
      if (!f.ok()) {
        copy_status = f.status();
        return;
      }
      out = std::move(f).value();
    }
    const std::string_view data = source->data();
    constexpr size_t kChunk = 8 << 20;
    for (size_t off = 0; off < data.size(); off += kChunk) {
      const std::string_view piece = data.substr(off, kChunk);
      h.Update(piece.data(), piece.size());
      if (out) {
        copy_status = out->Append(piece);
        if (!copy_status.ok()) return;
      }
    }
    if (out) {
      copy_status = out->Sync();
      Status c = out->Close();
      if (copy_status.ok()) copy_status = c;
    }
    source_sha = h.HexDigest();
  });
  if (options_.progress) options_.progress("parsing", 0, 1);
  ingest::ParseOptions popt{tf, &tz, req.path};
  popt.stamp = req.stamp;
  popt.columns = req.columns;
  // Lines that do not parse are weighed with the other rejected rows (rule parse_error)
  // against max_reject_share, and quarantined when the import goes ahead.
  popt.keep_unparsed = true;
  // Drop parsed pages from this process as the parser moves on (the hasher, if behind,
  // reads them again from the page cache), so a big file is never resident twice.
  popt.on_progress = [&](size_t offset) {
    source->ReleaseBefore(offset);
    if (options_.progress) options_.progress("parsing", static_cast<int64_t>(offset >> 20),
                                             static_cast<int64_t>(source->data().size() >> 20));
  };
  auto parsed_or = format->Parse(source->data(), popt);
  hasher.join();
  const Micros source_modified = source->modified_micros();
  source.reset();  // unmap: everything below works on the parsed columns
  auto cleanup_tmp = [&] {
    if (!req.dry_run) (void)env_->RemoveFile(source_tmp);
  };
  if (!copy_status.ok()) {
    cleanup_tmp();
    Status s = copy_status.WithContext("copying the source into the vault");
    return req.dry_run ? s : FailJob(&job, s);
  }
  job.source_sha256 = source_sha;
  if (!parsed_or.ok()) {
    cleanup_tmp();
    return req.dry_run ? parsed_or.status() : FailJob(&job, parsed_or.status());
  }
  ingest::ParsedBars parsed = std::move(parsed_or).value();
  ingest::SortByTime(&parsed);
  // Partial last bar: an export written while its last bar was still forming holds that
  // bar's values so far. It is not merged as final; a later export brings the whole bar.
  if (!tf.is_daily_or_longer() && !parsed.bars.empty() && source_modified > 0) {
    const Micros last = parsed.bars.ts.back();
    if (last <= source_modified && source_modified < last + tf.micros()) {
      parsed.notes.push_back("the last bar (" + FormatIsoUtc(last) + ", line " + std::to_string(parsed.line.back()) +
                             ") had not closed when the file was written (" + FormatIsoUtc(source_modified) +
                             "): not imported as final; a later export brings it whole");
      parsed.bars.ts.pop_back();
      for (auto* col : {&parsed.bars.open, &parsed.bars.high, &parsed.bars.low, &parsed.bars.close,
                        &parsed.bars.volume}) {
        col->pop_back();
      }
      parsed.line.pop_back();
      result.partial_last_bar_dropped = true;
    } else if (last > source_modified) {
      parsed.notes.push_back("bars are stamped after the file was written (" + FormatIsoUtc(source_modified) +
                             "); check --tz if this is unexpected");
    }
  }
  job.rows_read = parsed.rows_read;
  result.nonexistent_local = parsed.nonexistent_local;
  result.ambiguous_local = parsed.ambiguous_local;
  result.reordered = parsed.reordered;
  result.blank_lines = parsed.blank_lines;
  result.notes = parsed.notes;
  if (parsed.bars.empty() && !parsed.unparsed.empty()) {
    // Not one line parsed: the file is not in this format (or these --columns).
    cleanup_tmp();
    std::string msg = std::to_string(parsed.unparsed.size()) + " problem" + (parsed.unparsed.size() == 1 ? "" : "s") +
                      " in '" + req.path + "' and no line parsed; nothing was imported:";
    for (size_t k = 0; k < parsed.unparsed.size() && k < 10; ++k) {
      const auto& p = parsed.unparsed[k];
      msg += "\n  " + req.path + ":" + std::to_string(p.line) + ": field '" + p.field + "': " + p.what;
    }
    if (parsed.unparsed.size() > 10) msg += "\n  ... and " + std::to_string(parsed.unparsed.size() - 10) + " more";
    msg += "\nCheck --format (`barlake detect FILE`), --columns and --timeframe.";
    Status s = Status::InvalidInput(msg);
    return req.dry_run ? s : FailJob(&job, s);
  }
  if (parsed.bars.empty() && !parsed.empty_result_ok) {
    cleanup_tmp();
    Status s = Status::InvalidInput("'" + req.path + "' has no bars; nothing to import");
    return req.dry_run ? s : FailJob(&job, s);
  }
  // Validation: rejected rows leave `parsed` for quarantine; too many fail the import.
  validate::ValidationOptions vopt;
  if (const registry::DatasetSpec* spec = registry_.Find(req.symbol, req.timeframe)) {
    vopt.allow_non_positive = spec->allow_non_positive;
    vopt.check_alignment = spec->check_alignment;
    vopt.check_spikes = spec->check_spikes;
    vopt.spikes.spike_scale_multiple = spec->spike_scale_multiple;
    vopt.max_reject_share = spec->max_reject_share;
    vopt.quarantine_outside_session = spec->outside_session == "quarantine";
  }
  // Looked up again here: taking the writer lock reloaded registry_ (no pointer into it
  // survives that), and the file may have changed since the checks above.
  if (const registry::DatasetSpec* spec = registry_.Find(req.symbol, req.timeframe)) calendar_name = spec->calendar;
  result.calendar = calendar_name;
  const calendar::Calendar* session_calendar =
      calendar_name.empty() ? nullptr : registry_.calendars().Find(calendar_name);
  calendar::SessionList sessions;
  if (session_calendar && !parsed.bars.empty()) {
    auto s = session_calendar->SessionsBetween(parsed.bars.ts.front() - kMicrosPerDay,
                                               parsed.bars.ts.back() + 2 * kMicrosPerDay);
    if (!s.ok()) {
      cleanup_tmp();
      return req.dry_run ? s.status() : FailJob(&job, s.status());
    }
    sessions = std::move(s).value();
    vopt.sessions = &sessions;
    vopt.calendar_name = session_calendar->name;
  }
  validate::ValidationReport validation = validate::Validate(&parsed, tf, vopt);
  result.flagged_by_rule = validation.kept_counts;
  for (const auto& r : validation.kept_examples) result.flagged.push_back({r.line, r.rule, r.field, r.reason});
  const int64_t unparsed = static_cast<int64_t>(parsed.unparsed.size());
  job.rows_rejected = validation.rejected_rows() + unparsed;
  result.rejected_by_rule = validation.counts;
  if (unparsed > 0) result.rejected_by_rule["parse_error"] = unparsed;
  result.identical_duplicates = validation.identical_duplicates;
  for (size_t k = 0; k < parsed.unparsed.size() && result.rejections.size() < 20; ++k) {
    const auto& p = parsed.unparsed[k];
    result.rejections.push_back({p.line, "parse_error", p.field, p.what});
  }
  for (size_t k = 0; k < validation.reasons.size() && result.rejections.size() < 20; ++k) {
    const auto& r = validation.reasons[k];
    result.rejections.push_back({r.line, r.rule, r.field, r.reason});
  }
  const double share = static_cast<double>(job.rows_rejected) /
                       static_cast<double>(std::max<int64_t>(1, validation.rows_checked + unparsed));
  Status checked;
  if (job.rows_rejected > 0 && share > vopt.max_reject_share && !req.force) {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.2f%% (limit %.2f%%)", share * 100, vopt.max_reject_share * 100);
    std::string problems;
    if (unparsed > 0) {
      problems = std::to_string(unparsed) + (unparsed == 1 ? " line does" : " lines do") + " not parse:";
      for (size_t k = 0; k < parsed.unparsed.size() && k < 10; ++k) {
        const auto& p = parsed.unparsed[k];
        problems += "\n  " + req.path + ":" + std::to_string(p.line) + ": field '" + p.field + "': " + p.what;
      }
      if (unparsed > 10) problems += "\n  ... and " + std::to_string(unparsed - 10) + " more";
      problems += "\n";
    }
    checked = Status::InvalidInput(problems + (validation.rejected_rows() > 0 ? validation.Summary(req.path) + "\n" : "") +
                                   "That is " + pct + " of the file, so nothing was imported. Fix the source (or "
                                   "check --format, --columns and --timeframe), or pass --force to import the rest "
                                   "and quarantine these rows.");
  }
  if (checked.ok()) checked = ingest::CheckSpacing(parsed, tf, req.path);
  if (!checked.ok()) {
    cleanup_tmp();
    job.report_json = result.ReportJson();
    return req.dry_run ? checked : FailJob(&job, checked);
  }

  // Idempotency: the same bytes into the same dataset are imported once.
  ASSIGN_OR_RETURN(auto previous, journal_->FindCompletedImport(source_sha, req.symbol, req.timeframe));
  if (previous) {
    cleanup_tmp();
    result.skipped_because = "this file (SHA-256 " + source_sha.substr(0, 12) +
                             "...) was already imported by job " + std::to_string(previous->id);
    if (!req.dry_run) {
      job.status = "skipped";
      job.error = result.skipped_because;
      job.report_json = result.ReportJson();
      RETURN_IF_ERROR(journal_->UpdateJob(job));
    }
    return result;
  }
  // Alignment with what is stored: refuse a file whose stamps are shifted (wrong zone or
  // open/close stamping) instead of merging hours-off bars next to the right ones.
  if (!req.skip_alignment_check && !parsed.bars.empty()) {
    ASSIGN_OR_RETURN(auto datasets, journal_->Datasets());
    for (const auto& d : datasets) {
      if (d.symbol != req.symbol || d.timeframe != req.timeframe) continue;
      const Micros from = std::max(parsed.bars.ts.front(), d.first_ts);
      const Micros to = std::min(parsed.bars.ts.back(), d.last_ts);
      if (from > to) break;  // no overlap: nothing to compare
      const Micros pad = 15 * 3600 * kMicrosPerSecond;
      // Three days of overlap are plenty to tell a shift, and cheap to read.
      auto stored = Read(req.symbol, req.timeframe, from - pad, std::min(to, from + 3 * kMicrosPerDay) + pad);
      if (!stored.ok()) return req.dry_run ? stored.status() : FailJob(&job, stored.status());
      AlignmentResult a = CheckAlignment(*stored, parsed.bars, tf, result.source_tz, req.path);
      result.alignment_checked = a.checked;
      result.alignment_message = a.message;
      if (!a.message.empty()) {
        Status s = Status::Conflict(a.message + ". Nothing was imported (pass --no-alignment-check if the "
                                    "stored bars are the wrong ones).");
        cleanup_tmp();
        job.report_json = result.ReportJson();
        return req.dry_run ? s : FailJob(&job, s);
      }
      break;
    }
  }
  if (req.alignment_only) return result;
  if (!req.dry_run) {
    const std::string kept = JoinPath(paths_.sources, source_sha);
    Status s = env_->FileExists(kept) ? env_->RemoveFile(source_tmp) : env_->RenameFile(source_tmp, kept);
    if (s.ok()) s = env_->SyncDir(paths_.sources);
    if (!s.ok()) {
      cleanup_tmp();
      return FailJob(&job, s);
    }
    if (options_.crash_hook) options_.crash_hook(CrashPoint::kAfterSourceCopy);
    // Listed only once this job completes (see Journal::AddQuarantine).
    if (validation.rejected_rows() > 0 || unparsed > 0) {
      std::vector<journal::QuarantineRow> rows;
      // A line that did not parse has no bar: kept with its reason, never released.
      const double nan = std::numeric_limits<double>::quiet_NaN();
      for (const auto& p : parsed.unparsed) {
        journal::QuarantineRow q;
        q.symbol = req.symbol;
        q.timeframe = req.timeframe;
        q.line = p.line;
        q.rule = "parse_error";
        q.field = p.field;
        q.reason = p.what;
        q.ts = 0;
        q.open = q.high = q.low = q.close = q.volume = nan;
        rows.push_back(std::move(q));
      }
      const BarColumns& rb = validation.rejected.bars;
      for (size_t i = 0; i < rb.size(); ++i) {
        const auto& r = validation.reasons[i];
        journal::QuarantineRow q;
        q.symbol = req.symbol;
        q.timeframe = req.timeframe;
        q.line = r.line;
        q.rule = r.rule;
        q.field = r.field;
        q.reason = r.reason;
        q.ts = rb.ts[i];
        q.open = rb.open[i];
        q.high = rb.high[i];
        q.low = rb.low[i];
        q.close = rb.close[i];
        q.volume = rb.volume[i];
        rows.push_back(std::move(q));
      }
      if (Status added = journal_->AddQuarantine(job.id, rows); !added.ok()) return FailJob(&job, added);
    }
  }

  return WithDependents(MergeAndCommit(std::move(result), parsed, tf, req, store));
}

Result<ImportResult> Lake::MergeAndCommit(ImportResult result, const ingest::ParsedBars& parsed,
                                          const Timeframe& tf, const ImportRequest& req,
                                          storage::ParquetStore* store) {
  JobRecord& job = result.job;
  // Plan: merge the new rows into each partition they fall in, one partition at a time.
  const BarColumns& nb = parsed.bars;
  const bool yearly = tf.is_daily_or_longer();
  size_t begin = 0;
  auto reset_plan = [&] {
    begin = 0;
    result.rows_added = result.rows_identical = result.rows_replaced = 0;
    result.bytes_estimate = 0;
    result.partitions.clear();
    result.conflicts.clear();
    job.rows_conflicting = job.rows_written = job.partitions = 0;
  };
  // Yields the next partition that changes; with keep_rows false only counts.
  auto next_partition = [&](bool keep_rows) -> Result<std::optional<PartitionWrite>> {
    while (begin < nb.size()) {
      const std::string period = storage::PeriodOf(nb.ts[begin], yearly);
      ASSIGN_OR_RETURN(auto range, storage::PeriodRange(period));
      size_t end = begin;
      while (end < nb.size() && nb.ts[end] < range.second) ++end;
      PartitionWrite w;
      PartitionChange& c = w.change;
      c.symbol = req.symbol;
      c.timeframe = req.timeframe;
      c.period = period;
      c.rel_path = storage::PartitionRelPath(req.symbol, req.timeframe, period);
      c.after_version = job.id;
      BarColumns stored;
      ASSIGN_OR_RETURN(auto entry, journal_->GetPartition(c.rel_path));
      if (entry) {
        c.before_sha256 = entry->sha256;
        c.before_rows = entry->rows;
        c.before_version = entry->version;
        ASSIGN_OR_RETURN(stored, store->ReadFile(paths_.LakeFile(c.rel_path)));
        if (ContentHash(stored) != entry->content_hash) {
          return Status::Corruption("'" + paths_.LakeFile(c.rel_path) +
                                    "' does not hold the rows the journal recorded; run "
                                    "`barlake verify` before importing more data");
        }
      }
      MergeOutcome m = Merge(stored, parsed, begin, end, req.on_conflict, job.id, &result.conflicts);
      begin = end;
      result.rows_added += m.added;
      result.rows_identical += m.identical;
      result.rows_replaced += m.replaced;
      job.rows_conflicting += m.conflicting;
      job.rows_written = result.rows_added + result.rows_replaced;
      if (m.added == 0 && m.replaced == 0) continue;  // nothing changes: not rewritten
      const double per_row = entry && entry->rows > 0
                                 ? static_cast<double>(entry->bytes) / static_cast<double>(entry->rows)
                                 : 10.0;
      result.bytes_estimate += static_cast<int64_t>(per_row * static_cast<double>(m.rows.size())) + 1024;
      result.partitions.push_back(c.rel_path);
      job.partitions = static_cast<int64_t>(result.partitions.size());
      if (keep_rows) w.rows = MakePayload(std::move(m.rows));
      return std::optional<PartitionWrite>(std::move(w));
    }
    return std::optional<PartitionWrite>();
  };

  // A dry run, and --on-conflict fail (which must not write anything when one bar
  // conflicts), first count every partition without keeping rows.
  if (req.dry_run || req.on_conflict == ConflictPolicy::kFail) {
    for (;;) {
      auto w = next_partition(false);
      if (!w.ok()) return req.dry_run ? w.status() : FailJob(&job, w.status());
      if (!*w) break;
    }
    if (req.on_conflict == ConflictPolicy::kFail && job.rows_conflicting > 0) {
      std::string msg = std::to_string(job.rows_conflicting) +
                        " bars in '" + req.path + "' differ from stored bars (--on-conflict fail); "
                        "nothing was imported:";
      for (size_t k = 0; k < std::min<size_t>(result.conflicts.size(), 5); ++k) {
        const auto& e = result.conflicts[k];
        msg += "\n  " + req.path + ":" + std::to_string(e.line) + ": bar " + FormatIsoUtc(e.ts) +
               " stored [" + FormatBar(e.stored) + "] new [" + FormatBar(e.incoming) + "]";
      }
      msg += "\nUse --on-conflict keep to keep stored bars or --on-conflict replace to take the file's.";
      Status s = Status::Conflict(msg);
      if (req.dry_run) return s;
      job.report_json = result.ReportJson();
      return FailJob(&job, s);
    }
    if (req.dry_run) {
      job.status = "dry_run";
      return result;
    }
    reset_plan();
  }

  // Disk space: the new files plus the catalogued size of the partitions they replace.
  std::vector<PartitionEntry> touched;
  if (!nb.empty()) {
    ASSIGN_OR_RETURN(touched, journal_->PartitionsInRange(req.symbol, req.timeframe, nb.ts.front(), nb.ts.back() + 1));
  }
  uint64_t need = static_cast<uint64_t>(nb.size()) * 12 + (16 << 20);
  for (const auto& p : touched) need += static_cast<uint64_t>(p.bytes) * 2;
  ASSIGN_OR_RETURN(uint64_t free_bytes, env_->FreeBytes(paths_.meta));
  if (free_bytes < need) {
    return FailJob(&job, Status::NoSpace("the import needs about " + std::to_string(need >> 20) +
                                         " MB free in '" + paths_.root + "' but " +
                                         std::to_string(free_bytes >> 20) +
                                         " MB are free; free some space and run it again"));
  }
  // Two staging threads pay off once there are several partitions to write.
  int64_t periods = 0;
  for (size_t i = 0; i < nb.size(); ++i) {
    if (i == 0 || storage::PeriodOf(nb.ts[i], yearly) != storage::PeriodOf(nb.ts[i - 1], yearly)) ++periods;
    if (i + 1 < nb.size()) {
      // Skip to the last row of this period quickly.
      auto range = storage::PeriodRange(storage::PeriodOf(nb.ts[i], yearly));
      if (range.ok()) {
        auto it = std::lower_bound(nb.ts.begin() + static_cast<std::ptrdiff_t>(i), nb.ts.end(), range->second);
        i = static_cast<size_t>(it - nb.ts.begin()) - 1;
      }
    }
  }
  const int workers = periods >= 4 ? 2 : 0;
  ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());
  WriteProtocol::PartitionSource partition_source = [&] { return next_partition(true); };
  Status committed = WriteProtocol(env_, &paths_, journal_.get(), duck, store, PointHook(), options_.progress)
                         .Commit(&job, partition_source, workers, periods);
  if (!committed.ok()) {
    if (job.phase == "staged") return committed;  // recovery finishes the job; journal says so
    job.report_json = result.ReportJson();
    return FailJob(&job, committed);
  }
  job.report_json = result.ReportJson();
  RETURN_IF_ERROR(journal_->UpdateJob(job));
  // Declared only once its data is committed, so a failed import declares nothing.
  if (!registry_.Find(req.symbol, req.timeframe)) {
    registry::DatasetSpec spec;
    spec.symbol = req.symbol;
    spec.timeframe = req.timeframe;
    spec.format = result.format;
    spec.source_tz = result.source_tz;
    spec.calendar = req.calendar;
    spec.description = req.description.empty()
                           ? req.symbol + " " + req.timeframe + " bars imported from " + result.format
                           : req.description;
    auto updated = registry::Registry::AppendDataset(env_, paths_.registry, spec);
    if (!updated.ok()) {
      return updated.status().WithContext(
          "the bars were imported (job " + std::to_string(job.id) + ") but " + paths_.registry +
          " could not declare the dataset; add a [[dataset]] entry for " + req.symbol + " " +
          req.timeframe + " by hand");
    }
    registry_ = std::move(updated).value();
  }
  return result;
}

Result<BarColumns> Lake::Read(const std::string& symbol, const std::string& timeframe,
                              Micros from, Micros to) {
  ASSIGN_OR_RETURN(auto parts, journal_->PartitionsInRange(symbol, timeframe, from, to));
  if (parts.empty()) {
    ASSIGN_OR_RETURN(auto all, journal_->Datasets());
    bool known = std::any_of(all.begin(), all.end(), [&](const auto& d) {
      return d.symbol == symbol && d.timeframe == timeframe;
    });
    if (!known) {
      return Status::NotFound("there is no dataset " + symbol + " " + timeframe +
                              "; `barlake status` lists the datasets");
    }
    return BarColumns{};
  }
  if (const DataKind& kind = KindOfRelPath(parts.front().rel_path); &kind != &BarsKind()) {
    return Status::InvalidArgument(kind.NotBarsAdvice(symbol, timeframe));
  }
  std::vector<std::string> files;
  Micros lo = parts.front().min_ts, hi = parts.front().max_ts;
  for (const auto& p : parts) {
    files.push_back(paths_.LakeFile(p.rel_path));
    lo = std::min(lo, p.min_ts);
    hi = std::max(hi, p.max_ts);
  }
  // Open-ended ranges become the stored range, so the SQL only sees real timestamps.
  from = std::max(from, lo);
  to = std::min(to, hi + 1);
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  return store->ReadRange(files, from, to);
}

Result<std::vector<journal::DatasetSummary>> Lake::Datasets() { return journal_->Datasets(); }

Result<VerifyReport> Lake::Verify() {
  VerifyReport report;
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  ASSIGN_OR_RETURN(auto parts, journal_->AllPartitions());
  ASSIGN_OR_RETURN(auto running, journal_->JobsWithStatus("running"));
  for (const auto& j : running) {
    report.problems.push_back({"job " + std::to_string(j.id),
                               "was interrupted and is not finished yet; run `barlake recover` "
                               "(any write also recovers it)"});
  }
  for (const auto& p : parts) {
    const std::string file = paths_.LakeFile(p.rel_path);
    auto add = [&](const std::string& what) { report.problems.push_back({file, what}); };
    ++report.files_checked;
    if (!env_->FileExists(file)) {
      add("is missing (the journal lists it with " + std::to_string(p.rows) + " rows)");
      continue;
    }
    auto sha = FileSha256(env_, file);
    if (!sha.ok()) {
      add(sha.status().message());
      continue;
    }
    if (sha->first != p.sha256) add("SHA-256 " + sha->first + " differs from the journal's " + p.sha256);
    if (static_cast<int64_t>(sha->second) != p.bytes) {
      add("size " + std::to_string(sha->second) + " differs from the journal's " + std::to_string(p.bytes));
    }
    ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());
    auto facts = KindOfRelPath(p.rel_path).ReadFacts(KindIo{store, duck}, p.rel_path, file, /*check_schema=*/true);
    if (!facts.ok()) {
      add(facts.status().message());
      continue;
    }
    report.rows_checked += facts->rows;
    CompareWithJournal(*facts, p, add);
  }
  // Every kind's rel_paths are relative to its own data root.
  std::vector<std::string> files;
  for (const DataKind* kind : AllDataKinds()) {
    const std::string root = kind->Root(paths_);
    if (!env_->FileExists(root)) continue;
    ASSIGN_OR_RETURN(auto more, ListFilesRecursive(env_, root));
    files.insert(files.end(), more.begin(), more.end());
  }
  std::vector<std::string> known;
  known.reserve(parts.size());
  for (const auto& p : parts) known.push_back(p.rel_path);
  std::sort(known.begin(), known.end());
  for (const auto& f : files) {
    if (!std::binary_search(known.begin(), known.end(), f)) {
      report.problems.push_back({paths_.LakeFile(f),
                                 "is a stray file the journal does not know; move it out of the lake"});
    }
  }
  return report;
}

Result<JobRecord> Lake::Rollback(int64_t job_id) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  ASSIGN_OR_RETURN(JobRecord target, journal_->GetJob(job_id));
  const std::string name = "job " + std::to_string(job_id);
  if (target.status == "rolled_back") {
    return Status::Conflict(name + " was already rolled back by job " + std::to_string(target.rolled_back_by));
  }
  if (target.status != "completed") {
    return Status::Conflict(name + " is " + target.status + " and changed nothing; there is nothing to roll back");
  }
  if (!IsRollbackJobKind(target.kind)) {
    return Status::Conflict(name + " is a " + target.kind + "; only imports, releases and regenerates can be rolled back");
  }
  ASSIGN_OR_RETURN(auto changes, journal_->GetChanges(job_id));
  std::vector<std::string> rel_paths;
  for (const auto& c : changes) rel_paths.push_back(c.rel_path);
  ASSIGN_OR_RETURN(auto later, journal_->LaterJobsTouching(job_id, rel_paths));
  std::vector<int64_t> blocking;
  for (int64_t id : later) {
    ASSIGN_OR_RETURN(JobRecord l, journal_->GetJob(id));
    if (l.status == "completed" && IsRollbackJobKind(l.kind)) {
      blocking.push_back(id);
    }
  }
  if (!blocking.empty()) {
    std::string ids;
    for (int64_t id : blocking) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
    return Status::Conflict(name + " cannot be rolled back: later job" +
                            (blocking.size() > 1 ? "s " : " ") + ids +
                            " changed the same partitions. Roll back the later jobs first "
                            "(newest first), then this one");
  }
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  JobRecord job;
  job.kind = "rollback";
  job.status = "running";
  job.symbol = target.symbol;
  job.timeframe = target.timeframe;
  job.command = options_.command;
  job.target_job = job_id;
  ASSIGN_OR_RETURN(job.id, journal_->CreateJob(job));
  JobStarted(job);
  std::vector<PartitionWrite> writes;
  for (const auto& c : changes) {
    ASSIGN_OR_RETURN(auto current, journal_->GetPartition(c.rel_path));
    const std::string current_sha = current ? current->sha256 : "";
    if (current_sha != c.after_sha256) {
      return FailJob(&job, Status::Corruption("'" + c.rel_path + "' no longer holds what " + name +
                                              " wrote; run `barlake verify`"));
    }
    PartitionWrite w;
    w.change.symbol = c.symbol;
    w.change.timeframe = c.timeframe;
    w.change.period = c.period;
    w.change.rel_path = c.rel_path;
    w.change.before_sha256 = c.after_sha256;
    w.change.before_rows = c.after_rows;
    w.change.before_version = c.after_version;
    w.change.after_version = c.before_version;
    if (c.before_sha256.empty()) {
      w.remove = true;
    } else {
      w.copy_from = paths_.Abs(c.version_path);
      w.expected_sha256 = c.before_sha256;
      if (!env_->FileExists(w.copy_from)) {
        return FailJob(&job, Status::NotFound("the previous version '" + w.copy_from +
                                              "' is missing; " + name + " cannot be rolled back"));
      }
    }
    job.rows_written += c.before_rows;
    writes.push_back(std::move(w));
  }
  job.partitions = static_cast<int64_t>(writes.size());
  Status s = Protocol(store).Commit(&job, &writes);
  if (!s.ok()) {
    if (job.phase == "staged") return s;
    return FailJob(&job, s);
  }
  return journal_->GetJob(job.id);
}

Result<ImportResult> Lake::ReleaseQuarantine(const std::vector<int64_t>& ids) {
  if (ids.empty()) return Status::InvalidArgument("name the quarantined rows to release");
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  std::vector<journal::QuarantineRow> rows;
  for (int64_t id : ids) {
    ASSIGN_OR_RETURN(journal::QuarantineRow r, journal_->GetQuarantine(id));
    if (r.status != "held") {
      return Status::Conflict("quarantined row " + std::to_string(id) + " is already " + r.status);
    }
    if (!rows.empty() && (r.symbol != rows[0].symbol || r.timeframe != rows[0].timeframe)) {
      return Status::InvalidArgument("rows " + std::to_string(rows[0].id) + " and " + std::to_string(id) +
                                     " belong to different datasets; release one dataset at a time");
    }
    if (r.rule == "parse_error") {
      return Status::InvalidInput("quarantined row " + std::to_string(id) + " is line " + std::to_string(r.line) +
                                  " of the source, which did not parse (" + r.reason +
                                  "); it holds no bar to merge. Fix the line and import the file again, or drop it");
    }
    const double v[5] = {r.open, r.high, r.low, r.close, r.volume};
    for (double x : v) {
      if (!std::isfinite(x)) {
        return Status::InvalidInput("quarantined row " + std::to_string(id) +
                                    " has a value that is not a number and cannot be stored; drop it instead");
      }
    }
    rows.push_back(std::move(r));
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].ts == rows[i - 1].ts) {
      return Status::InvalidArgument("rows " + std::to_string(rows[i - 1].id) + " and " + std::to_string(rows[i].id) +
                                     " are the same bar " + FormatIsoUtc(rows[i].ts) + "; release one of them");
    }
  }
  ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(rows[0].timeframe));
  ingest::ParsedBars parsed;
  for (const auto& r : rows) {
    parsed.bars.ts.push_back(r.ts);
    parsed.bars.open.push_back(r.open);
    parsed.bars.high.push_back(r.high);
    parsed.bars.low.push_back(r.low);
    parsed.bars.close.push_back(r.close);
    parsed.bars.volume.push_back(r.volume);
    parsed.line.push_back(r.line);
  }
  ImportResult result;
  JobRecord& job = result.job;
  job.kind = "release";
  job.status = "running";
  job.symbol = rows[0].symbol;
  job.timeframe = rows[0].timeframe;
  job.command = options_.command;
  job.rows_read = static_cast<int64_t>(rows.size());
  job.source_path = "quarantine of job " + std::to_string(rows[0].job_id);
  ASSIGN_OR_RETURN(job.id, journal_->CreateJob(job));
  JobStarted(job);
  // Marked now; they read as released only once this job completes (journal.cc).
  RETURN_IF_ERROR(journal_->SetQuarantineStatus(ids, "released", job.id));
  ImportRequest req;
  req.path = job.source_path;
  req.symbol = job.symbol;
  req.timeframe = job.timeframe;
  // The user has looked at these rows and decided they are right: they win over stored bars.
  req.on_conflict = ConflictPolicy::kReplace;
  return WithDependents(MergeAndCommit(std::move(result), parsed, tf, req, store));
}

Status Lake::DropQuarantine(const std::vector<int64_t>& ids) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  for (int64_t id : ids) {
    ASSIGN_OR_RETURN(journal::QuarantineRow r, journal_->GetQuarantine(id));
    if (r.status != "held") {
      return Status::Conflict("quarantined row " + std::to_string(id) + " is already " + r.status);
    }
  }
  return journal_->SetQuarantineStatus(ids, "dropped", 0);
}

}  // namespace barlake::lake
