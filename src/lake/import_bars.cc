// Bar imports and quarantine releases: the bar-specific stages (parse, validate, gate)
// of the one job pipeline (lake/job_pipeline.h), then its shared plan/merge and commit.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "calendar/calendar.h"
#include "core/checksum.h"
#include "core/text.h"
#include "core/time_zone.h"
#include "ingest/format.h"
#include "lake/alignment.h"
#include "lake/job_pipeline.h"
#include "lake/lake.h"
#include "lake/compressed_source.h"
#include "lake/provisional.h"
#include "lake/weekly_anchor.h"
#include "lake/writer_lock.h"
#include "storage/partition_layout.h"
#include "validate/validator.h"

namespace barlake::lake {

using journal::JobRecord;

/// One bar import's state, passed from stage to stage.
struct Lake::BarImport {
  ImportRequest req;
  Source source;
  std::optional<Timeframe> tf;
  std::optional<TimeZone> tz;
  std::optional<TimeZone> date_zone;  // the calendar's: where epoch daily stamps take their date
  const ingest::BarFormat* format = nullptr;
  std::string calendar_name;
  ImportResult result;
  std::unique_ptr<JobScope> scope;
  std::unique_ptr<OpenedSource> opened;
  std::string incoming;  // the job's copy of the source, kept once the import goes ahead
  std::string kept_new_source;  // the kept copy, when this job made it (removed if it fails)
  // A job of several sources (ImportRequest::sources): each one's incoming copy and
  // SHA-256, the list of them kept as the job's source, and the copies this job made.
  std::vector<std::pair<std::string, std::string>> parts;
  std::string manifest;
  std::vector<std::string> kept_new_sources;
  ingest::ParsedBars parsed;
  validate::ValidationReport validation;
  int64_t unparsed = 0;
  Micros file_last_ts = 0;  // the file's last bar once parsed: stored provisional
  int64_t replace_job = 0;  // --reimport: the earlier job whose bars this one replaces
  std::string Report() { return result.ReportJson(); }
};

namespace {

std::string FormatBar(const double v[5]) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "O %.10g H %.10g L %.10g C %.10g V %.10g", v[0], v[1], v[2], v[3],
                v[4]);
  return buf;
}

// "FILE:LINE: field 'F': what" for the first ten problems, and how many more.
std::string UnparsedLines(const std::string& label,
                          const std::vector<ingest::ParseProblem>& problems) {
  std::string out;
  for (size_t k = 0; k < problems.size() && k < 10; ++k) {
    const auto& p = problems[k];
    out += "\n  " + label + ":" + std::to_string(p.line) + ": field '" + p.field + "': " + p.what;
  }
  if (problems.size() > 10) out += "\n  ... and " + std::to_string(problems.size() - 10) + " more";
  return out;
}

// Partial last bar: an export written while its last bar was still forming holds that
// bar's values so far. It is not merged as final; a later export brings the whole bar.
void DropPartialLastBar(const Timeframe& tf, Micros modified, bool keep, ingest::ParsedBars* parsed,
                        ImportResult* result) {
  if (tf.is_daily_or_longer() || parsed->bars.empty() || modified <= 0) return;
  const Micros last = parsed->bars.ts.back();
  if (keep && last <= modified && modified < last + tf.micros()) {
    parsed->notes.push_back("the last bar (" + FormatIsoUtc(last) + ", line " +
                            std::to_string(parsed->line.back()) + ") had not closed when the file was written (" +
                            FormatIsoUtc(modified) + "): stored as provisional; a later file completes it");
  } else if (last <= modified && modified < last + tf.micros()) {
    parsed->notes.push_back(
        "the last bar (" + FormatIsoUtc(last) + ", line " + std::to_string(parsed->line.back()) +
        ") had not closed when the file was written (" + FormatIsoUtc(modified) +
        "): not imported as final; a later export brings it whole");
    parsed->bars.ts.pop_back();
    for (auto* col : {&parsed->bars.open, &parsed->bars.high, &parsed->bars.low,
                      &parsed->bars.close, &parsed->bars.volume}) {
      col->pop_back();
    }
    parsed->line.pop_back();
    result->partial_last_bar_dropped = true;
  } else if (last > modified) {
    parsed->notes.push_back("bars are stamped after the file was written (" +
                            FormatIsoUtc(modified) + "); check --tz if this is unexpected");
  }
}

// A text file whose last line has no newline and does not parse was cut short: a copy
// that stopped early, or an export still being written. Its other lines may be fine, but
// the file is not the whole export; importing it would store a silently shorter history.
Status CheckNotCutShort(const ingest::ParsedBars& parsed, bool ends_with_newline,
                        const std::string& label) {
  if (ends_with_newline || parsed.unparsed.empty()) return Status::OK();
  uint32_t last_unparsed = 0, last_parsed = 0;
  for (const auto& p : parsed.unparsed) last_unparsed = std::max(last_unparsed, p.line);
  for (uint32_t line : parsed.line) last_parsed = std::max(last_parsed, line);
  if (last_unparsed < last_parsed) return Status::OK();
  const ingest::ParseProblem* problem = nullptr;
  for (const auto& p : parsed.unparsed) {
    if (p.line == last_unparsed) problem = &p;
  }
  return Status::InvalidInput(
      "the file looks cut short: the last line of '" + ToValidUtf8(label) + "' (line " +
      std::to_string(last_unparsed) + ") has no newline and does not parse (field '" +
      problem->field + "': " + problem->what +
      "). Nothing was imported. Copy or export the file again once it is complete, or pass "
      "--force to import the other lines and quarantine this one.");
}

// The first line of every report: which zone the stamps were read in and why, so a file
// exported in another zone is noticed at once, not hours off in a chart later.
std::string ZoneNote(const ImportResult& r) {
  if (!r.source_tz_used) {
    return "time zone: none used; the stamps carry their own zone (UTC offsets or epoch times) "
           "or the format names it";
  }
  std::string note = "time zone: stamps read as " + r.source_tz + ", " + r.source_tz_because;
  if (r.source_tz_because != "--tz") {
    note += " (no --tz given); if the file was exported in another zone, pass --tz ZONE";
  }
  return note;
}

// Bars whose interval [ts + shift, ts + shift + len) overlaps a session (both sorted).
int64_t BarsInSession(const std::vector<Micros>& ts, Micros len, Micros shift,
                      const calendar::SessionList& sessions) {
  int64_t inside = 0;
  size_t k = 0;
  for (Micros t : ts) {
    const Micros at = t + shift;
    while (k < sessions.size() && sessions[k].close <= at) ++k;
    if (k < sessions.size() && sessions[k].open < at + len) ++inside;
  }
  return inside;
}

// A file read in the wrong zone lands mostly in the calendar's closed hours. When most
// bars are outside the sessions as read, but a whole-hour shift (another zone) puts
// nearly all of them inside, the zone is wrong: refuse and name the zone that fits.
Status CheckSessionZone(const ingest::ParsedBars& parsed, const Timeframe& tf,
                        const calendar::Calendar& cal, const ImportResult& result,
                        const std::string& label) {
  const std::vector<Micros>& ts = parsed.bars.ts;
  if (!parsed.source_tz_used || tf.is_daily_or_longer() || ts.size() < 20) return Status::OK();
  const Micros hour = 3600 * kMicrosPerSecond;
  ASSIGN_OR_RETURN(calendar::SessionList sessions,
                   cal.SessionsBetween(ts.front() - 2 * kMicrosPerDay, ts.back() + 3 * kMicrosPerDay));
  const int64_t n = static_cast<int64_t>(ts.size());
  const int64_t as_read = BarsInSession(ts, tf.micros(), 0, sessions);
  if (as_read * 2 >= n) return Status::OK();
  int64_t best = as_read;
  std::vector<int> best_shifts;
  for (int h = -14; h <= 14; ++h) {
    if (h == 0) continue;
    const int64_t inside = BarsInSession(ts, tf.micros(), h * hour, sessions);
    if (inside > best) {
      best = inside;
      best_shifts = {h};
    } else if (inside == best && !best_shifts.empty()) {
      best_shifts.push_back(h);
    }
  }
  if (best_shifts.empty() || best * 10 < n * 8 || best <= 2 * as_read) return Status::OK();
  auto source = TimeZone::Locate(result.source_tz);
  if (!source.ok()) return Status::OK();
  const Micros when = ts[ts.size() / 2];
  std::string zones;
  for (int h : best_shifts) {
    // Read as local - off_used, truly local - off_true: the true instant is the read one
    // plus (off_used - off_true), so off_true = off_used - shift.
    const std::string z =
        CommonZoneWithOffset(when, source->OffsetAt(when) - int64_t{h} * 3600, result.source_tz);
    if (!z.empty()) zones += (zones.empty() ? "" : " or ") + z;
  }
  char pct[64];
  std::snprintf(pct, sizeof pct, "%lld of %lld bars", static_cast<long long>(n - as_read),
                static_cast<long long>(n));
  std::string msg = "'" + ToValidUtf8(label) + "': " + pct + " fall outside the " + cal.name +
                    " sessions when its stamps are read as " + result.source_tz + " (" +
                    result.source_tz_because + "), but " + std::to_string(best) +
                    " fit them when shifted " + std::to_string(std::abs(best_shifts.front())) +
                    " hour" + (std::abs(best_shifts.front()) == 1 ? "" : "s");
  msg += zones.empty() ? "; run again with the --tz of the machine that exported it"
                       : ": the stamps look like " + zones + "; run again with --tz " +
                             zones.substr(0, zones.find(' '));
  return Status::Conflict(msg +
                          ". Nothing was imported (pass --no-alignment-check if the calendar "
                          "does not fit this feed).");
}

// The rows an import rejects, as quarantine rows. A line that did not parse has no bar:
// kept with its reason, never released.
std::vector<journal::QuarantineRow> QuarantineRows(const std::string& symbol,
                                                   const std::string& timeframe,
                                                   const ingest::ParsedBars& parsed,
                                                   const validate::ValidationReport& validation) {
  std::vector<journal::QuarantineRow> rows;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& p : parsed.unparsed) {
    journal::QuarantineRow q;
    q.symbol = symbol;
    q.timeframe = timeframe;
    q.line = p.line;
    q.rule = "parse_error";
    q.field = p.field;
    q.reason = p.what;
    q.open = q.high = q.low = q.close = q.volume = nan;
    rows.push_back(std::move(q));
  }
  const BarColumns& rb = validation.rejected.bars;
  for (size_t i = 0; i < rb.size(); ++i) {
    const auto& r = validation.reasons[i];
    journal::QuarantineRow q;
    q.symbol = symbol;
    q.timeframe = timeframe;
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
  return rows;
}

}  // namespace

JobContext Lake::Context() const {
  return JobContext{env_, &paths_, journal_.get(), options_.crash_hook};
}

Result<ImportResult> Lake::Import(const ImportRequest& req) {
  if (req.alignment_only && !req.dry_run) {
    ImportRequest dry = req;
    dry.dry_run = true;
    return Import(dry);
  }
  BarImport s;
  s.req = req;
  s.source = req.source.empty() ? Source::FromPath(req.path) : req.source;
  if (!req.sources.empty()) {
    s.source = Source{};
    s.source.name = !req.source.name.empty() ? req.source.name
                                             : req.sources[0].name + " and " +
                                                   std::to_string(req.sources.size() - 1) + " more";
  }
  RETURN_IF_ERROR(CheckBarRequest(&s));
  if (!req.sources.empty()) {
    if (!s.format) return Status::InvalidArgument("an import of several sources names their format");
  } else {
    ASSIGN_OR_RETURN(s.opened, OpenSource(s.source));
  }
  if (!s.format) {
    const std::string base = WithoutCompressionSuffix(s.source.name.substr(s.source.name.find_last_of('/') + 1));
    auto detected = ingest::DetectFormat(s.opened->data(), base);
    if (detected.ok()) {
      s.format = detected->format;
      s.result.format_why = detected->why;
    } else if (!req.columns.empty()) {
      // Detection finds columns by their usual names; --columns names them for it.
      ASSIGN_OR_RETURN(s.format, ingest::FindFormat("csv"));
      s.result.format_why = "--columns names the columns of delimited text";
    } else {
      return detected.status();
    }
  }
  s.result.format = std::string(s.format->name());
  std::unique_ptr<WriterLock> lock;
  if (!req.dry_run) {
    ASSIGN_OR_RETURN(lock, LockAndRecover());
  }
  JobRecord& job = s.result.job;
  job.kind = "import";
  job.source_path = s.source.name;
  job.symbol = req.symbol;
  job.timeframe = req.timeframe;
  job.format = s.result.format;
  job.command = options_.command;
  ASSIGN_OR_RETURN(s.scope, JobScope::Begin(journal_.get(), env_, &job, req.dry_run, ScopeEvents()));
  Status done = ParseBars(&s);
  if (done.ok()) done = ValidateBars(&s);
  if (done.ok()) done = GateBars(&s);
  if (done.ok() && (!s.result.skipped_because.empty() || req.alignment_only)) {
    RETURN_IF_ERROR(s.scope->Finish(done));
    return std::move(s.result);
  }
  if (done.ok()) done = KeepBarSource(&s);
  if (done.ok()) done = CommitBars(&s);
  Status finished = s.scope->Finish(done);
  if (!finished.ok()) RemoveSourceOfFailedJob(s);
  RETURN_IF_ERROR(finished);
  return WithDependents(std::move(s.result));
}

// Checks that need no lock and no source bytes: symbol, timeframe, stamp, format, zone and
// the session calendar.
Status Lake::CheckBarRequest(BarImport* s) {
  const ImportRequest& req = s->req;
  RETURN_IF_ERROR(storage::ValidateSymbol(req.symbol));
  RETURN_IF_ERROR(CheckSymbolCase(req.symbol, req.timeframe));  // lake/dataset_ops.cc
  ASSIGN_OR_RETURN(s->tf, Timeframe::Parse(req.timeframe));
  if (req.stamp != "" && req.stamp != "open" && req.stamp != "close") {
    return Status::InvalidArgument("--stamp '" + req.stamp + "' must be open or close");
  }
  // No --format: the dataset's declared format, else detection. Session calendar: the
  // dataset's, or --calendar for a new one.
  const registry::DatasetSpec* declared =
      registry_.Find(req.symbol, req.timeframe);  // used before the lock only
  std::string format_name = req.format;
  if (format_name.empty())
    format_name = declared && !declared->format.empty() ? declared->format : "auto";
  s->calendar_name = declared ? declared->calendar : req.calendar;
  if (!req.calendar.empty()) {
    if (!registry_.calendars().Find(req.calendar)) {
      return Status::InvalidArgument("unknown calendar '" + req.calendar +
                                     "'; known: " + registry_.calendars().NamesText());
    }
    if (declared && declared->calendar != req.calendar) {
      return Status::InvalidArgument(
          "dataset " + req.symbol + " " + req.timeframe + " uses calendar '" +
          (declared->calendar.empty() ? std::string("(none)") : declared->calendar) + "', not '" +
          req.calendar + "'; change it first with `barlake dataset set " + req.symbol + " " +
          req.timeframe + " --calendar " + req.calendar + "`");
    }
  }
  if (format_name != "auto") {
    ASSIGN_OR_RETURN(s->format, ingest::FindFormat(format_name));
  }
  s->result.dry_run = req.dry_run;
  s->result.stamp = req.stamp;
  s->result.columns = req.columns;
  s->result.calendar = s->calendar_name;
  s->result.source_tz = req.tz.empty() ? registry_.SourceTzFor(req.symbol, req.timeframe) : req.tz;
  s->result.source_tz_because = !req.tz.empty()                              ? "--tz"
                                : declared && !declared->source_tz.empty() ? "the dataset's source_tz"
                                                                           : "the vault's default_source_tz";
  ASSIGN_OR_RETURN(s->tz, TimeZone::Locate(s->result.source_tz));
  return Status::OK();
}

// Parse, while a second core hashes the bytes and (for a real import) copies them into
// the vault; then drop a partial last bar.
Status Lake::ParseBars(BarImport* s) {
  if (!s->req.sources.empty()) return ParseSources(s);
  const ImportRequest& req = s->req;
  JobRecord& job = s->scope->job();
  if (!req.dry_run) {
    // The copy is made while parsing: check first that it fits (with room for the job's
    // own files), so a full disk fails before anything is written.
    RETURN_IF_ERROR(
        CheckFreeSpace(Context(), static_cast<uint64_t>(s->opened->data().size()) + (16u << 20)));
    s->incoming = IncomingSourcePath(paths_, job.id);
    s->scope->AddTemp(s->incoming);
  }
  // A .gz/.zip is kept as it came; a file is copied by the kernel and the copy hashed.
  SourceHasher hasher(env_, s->opened->raw(), s->incoming,
                      s->source.bytes ? std::string() : s->source.path);
  if (options_.progress) options_.progress("parsing", 0, 1);
  ingest::ParseOptions popt{*s->tf, &*s->tz, s->source.name};
  popt.stamp = req.stamp;
  popt.columns = req.columns;
  if (s->tf->is_daily_or_longer() && !s->calendar_name.empty()) {
    if (const calendar::Calendar* cal = registry_.calendars().Find(s->calendar_name)) {
      if (auto zone = TimeZone::Locate(cal->zone); zone.ok()) s->date_zone = std::move(*zone);
    }
  }
  popt.daily_date_zone = s->date_zone ? &*s->date_zone : nullptr;
  popt.keep_live_last_bar = req.keep_forming_last_bar;
  // Lines that do not parse are weighed with the other rejected rows (rule parse_error)
  // against max_reject_share, and quarantined when the import goes ahead.
  popt.keep_unparsed = true;
  // Drop parsed pages from this process as the parser moves on (the hasher, if behind,
  // reads them again from the page cache), so a big file is never resident twice.
  OpenedSource* opened = s->opened.get();
  popt.on_progress = [&](size_t offset) {
    opened->ReleaseBefore(offset);
    if (options_.progress) {
      options_.progress("parsing", static_cast<int64_t>(offset >> 20),
                        static_cast<int64_t>(opened->data().size() >> 20));
    }
  };
  auto parsed_or = s->format->Parse(opened->data(), popt);
  auto sha = hasher.Join();
  const Micros modified = opened->modified();
  const std::string_view bytes = opened->data();
  const bool ends_with_newline = bytes.empty() || bytes.back() == '\n';
  s->opened.reset();  // unmap: everything below works on the parsed columns
  if (!sha.ok()) return sha.status().WithContext("copying the source into the vault");
  job.source_sha256 = *sha;
  RETURN_IF_ERROR(parsed_or.status());
  s->parsed = std::move(parsed_or).value();
  return AfterParse(s, modified, ends_with_newline);
}

// Several sources as one job (an update's responses): each parsed on its own (with its own
// format when it names one) while it is hashed and copied, their bars put together. The
// job's source is the list of their SHA-256s (KeepBarSource keeps it too), so the same
// responses again are skipped like the same file again.
Status Lake::ParseSources(BarImport* s) {
  const ImportRequest& req = s->req;
  JobRecord& job = s->scope->job();
  if (!req.dry_run) {
    uint64_t total = 0;
    for (const Source& src : req.sources) total += src.bytes ? src.bytes->size() : 0;
    RETURN_IF_ERROR(CheckFreeSpace(Context(), total + (16u << 20)));
  }
  ingest::ParsedBars all;
  Micros modified = 0;
  for (size_t i = 0; i < req.sources.size(); ++i) {
    const Source& src = req.sources[i];
    ASSIGN_OR_RETURN(auto opened, OpenSource(src));
    const ingest::BarFormat* format = s->format;
    if (!src.format.empty()) {
      ASSIGN_OR_RETURN(format, ingest::FindFormat(src.format));
    }
    std::string incoming;
    if (!req.dry_run) {
      incoming = IncomingSourcePath(paths_, job.id) + "-" + std::to_string(i);
      s->scope->AddTemp(incoming);
    }
    // A .zip (an archive) is kept as it came; a file is copied by the kernel.
    SourceHasher hasher(env_, opened->raw(), incoming, src.bytes ? std::string() : src.path);
    ingest::ParseOptions popt{*s->tf, &*s->tz, src.name};
    popt.stamp = req.stamp;
    popt.columns = req.columns;
    popt.keep_unparsed = true;
    popt.keep_live_last_bar = req.keep_forming_last_bar;
    auto parsed_or = format->Parse(opened->data(), popt);
    auto sha = hasher.Join();
    if (!sha.ok()) return sha.status().WithContext("copying the source into the vault");
    RETURN_IF_ERROR(parsed_or.status());
    ingest::ParsedBars& p = *parsed_or;
    modified = std::max(modified, opened->modified());
    BarColumns& b = all.bars;
    b.ts.insert(b.ts.end(), p.bars.ts.begin(), p.bars.ts.end());
    b.open.insert(b.open.end(), p.bars.open.begin(), p.bars.open.end());
    b.high.insert(b.high.end(), p.bars.high.begin(), p.bars.high.end());
    b.low.insert(b.low.end(), p.bars.low.begin(), p.bars.low.end());
    b.close.insert(b.close.end(), p.bars.close.begin(), p.bars.close.end());
    b.volume.insert(b.volume.end(), p.bars.volume.begin(), p.bars.volume.end());
    all.line.insert(all.line.end(), p.line.begin(), p.line.end());
    all.rows_read += p.rows_read;
    all.blank_lines += p.blank_lines;
    all.nonexistent_local += p.nonexistent_local;
    all.ambiguous_local += p.ambiguous_local;
    all.reordered += p.reordered;
    all.empty_result_ok = all.empty_result_ok || p.empty_result_ok;
    all.source_tz_used = all.source_tz_used || p.source_tz_used;
    for (auto& note : p.notes) {
      if (std::find(all.notes.begin(), all.notes.end(), note) == all.notes.end()) all.notes.push_back(note);
    }
    all.unparsed.insert(all.unparsed.end(), p.unparsed.begin(), p.unparsed.end());
    s->parts.emplace_back(incoming, *sha);
    s->result.sources.push_back({src.name, *sha, src.provenance, static_cast<int64_t>(opened->raw().size())});
    // One line per source: its SHA-256 and where it came from (escaped: one line each).
    s->manifest += *sha + "  " + EscapeBytes(src.provenance.empty() ? src.name : src.provenance, 4096) + "\n";
  }
  job.source_sha256 = Sha256Hex(s->manifest);
  s->parsed = std::move(all);
  return AfterParse(s, modified, true);
}

// The stages after parsing, for one source or several: sort, the partial last bar, the
// counters and the checks of a parse that found nothing.
Status Lake::AfterParse(BarImport* s, Micros modified, bool ends_with_newline) {
  const ImportRequest& req = s->req;
  JobRecord& job = s->scope->job();
  ingest::ParsedBars& parsed = s->parsed;
  ingest::SortByTime(&parsed);
  if (s->tf->seconds() == 7 * 86400) RETURN_IF_ERROR(AnchorWeeklyBars(s->source.name, &parsed));
  DropPartialLastBar(*s->tf, modified, req.keep_forming_last_bar, &parsed, &s->result);
  // A bar the file's own clock or mtime showed as forming was dropped above: the bar
  // before it had closed, so nothing is left provisional then.
  if (!parsed.bars.empty() && !s->result.partial_last_bar_dropped) {
    s->file_last_ts = parsed.bars.ts.back();
    if (std::string note = FormingByVolumeNote(parsed); !note.empty()) parsed.notes.push_back(note);
  }
  job.rows_read = parsed.rows_read;
  s->result.nonexistent_local = parsed.nonexistent_local;
  s->result.ambiguous_local = parsed.ambiguous_local;
  s->result.reordered = parsed.reordered;
  s->result.blank_lines = parsed.blank_lines;
  s->result.notes = parsed.notes;
  s->result.source_tz_used = parsed.source_tz_used;
  s->result.notes.insert(s->result.notes.begin(), ZoneNote(s->result));
  const std::string& label = s->source.name;
  if (parsed.bars.empty() && !parsed.unparsed.empty()) {
    // Not one line parsed: the file is not in this format (or these --columns).
    return Status::InvalidInput(
        std::to_string(parsed.unparsed.size()) + " problem" +
        (parsed.unparsed.size() == 1 ? "" : "s") + " in '" + label +
        "' and no line parsed; nothing was imported:" + UnparsedLines(label, parsed.unparsed) +
        "\nCheck --format (`barlake detect FILE`), --columns and --timeframe.");
  }
  if (parsed.bars.empty() && !parsed.empty_result_ok) {
    return Status::InvalidInput("'" + label + "' has no bars; nothing to import");
  }
  if (s->format->rows_are_lines() && !req.force) {
    RETURN_IF_ERROR(CheckNotCutShort(parsed, ends_with_newline, label));
  }
  return Status::OK();
}

// Validation: rejected rows leave `parsed` for quarantine; too many fail the import.
Status Lake::ValidateBars(BarImport* s) {
  const ImportRequest& req = s->req;
  JobRecord& job = s->scope->job();
  ImportResult& result = s->result;
  ingest::ParsedBars& parsed = s->parsed;
  validate::ValidationOptions vopt;
  // Looked up again here: taking the writer lock reloaded registry_ (no pointer into it
  // survives that), and the file may have changed since the first checks.
  if (const registry::DatasetSpec* spec = registry_.Find(req.symbol, req.timeframe)) {
    vopt.allow_non_positive = spec->allow_non_positive;
    vopt.check_alignment = spec->check_alignment;
    vopt.check_spikes = spec->check_spikes;
    vopt.spikes.spike_scale_multiple = spec->spike_scale_multiple;
    vopt.max_reject_share = spec->max_reject_share;
    vopt.quarantine_outside_session = spec->outside_session == "quarantine";
    s->calendar_name = spec->calendar;
  }
  result.calendar = s->calendar_name;
  const calendar::Calendar* cal =
      s->calendar_name.empty() ? nullptr : registry_.calendars().Find(s->calendar_name);
  calendar::SessionList sessions;
  if (cal && !parsed.bars.empty()) {
    ASSIGN_OR_RETURN(sessions, cal->SessionsBetween(parsed.bars.ts.front() - kMicrosPerDay,
                                                    parsed.bars.ts.back() + 2 * kMicrosPerDay));
    vopt.sessions = &sessions;
    vopt.calendar_name = cal->name;
  }
  if (cal && !req.skip_alignment_check) {
    RETURN_IF_ERROR(CheckSessionZone(parsed, *s->tf, *cal, result, s->source.name));
  }
  s->validation = validate::Validate(&parsed, *s->tf, vopt);
  const validate::ValidationReport& validation = s->validation;
  result.flagged_by_rule = validation.kept_counts;
  for (const auto& r : validation.kept_examples)
    result.flagged.push_back({r.line, r.rule, r.field, r.reason});
  s->unparsed = static_cast<int64_t>(parsed.unparsed.size());
  job.rows_rejected = validation.rejected_rows() + s->unparsed;
  result.rejected_by_rule = validation.counts;
  if (s->unparsed > 0) result.rejected_by_rule["parse_error"] = s->unparsed;
  result.identical_duplicates = validation.identical_duplicates;
  for (size_t k = 0; k < parsed.unparsed.size() && result.rejections.size() < 20; ++k) {
    const auto& p = parsed.unparsed[k];
    result.rejections.push_back({p.line, "parse_error", p.field, p.what});
  }
  for (size_t k = 0; k < validation.reasons.size() && result.rejections.size() < 20; ++k) {
    const auto& r = validation.reasons[k];
    result.rejections.push_back({r.line, r.rule, r.field, r.reason});
  }
  const std::string& label = s->source.name;
  const double share =
      static_cast<double>(job.rows_rejected) /
      static_cast<double>(std::max<int64_t>(1, validation.rows_checked + s->unparsed));
  Status checked;
  if (job.rows_rejected > 0 && share > vopt.max_reject_share && !req.force) {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.2f%% (limit %.2f%%)", share * 100,
                  vopt.max_reject_share * 100);
    std::string problems;
    if (s->unparsed > 0) {
      problems = std::to_string(s->unparsed) + (s->unparsed == 1 ? " line does" : " lines do") +
                 " not parse:" + UnparsedLines(label, parsed.unparsed) + "\n";
    }
    checked = Status::InvalidInput(
        problems + (validation.rejected_rows() > 0 ? validation.Summary(label) + "\n" : "") +
        "That is " + pct +
        " of the file, so nothing was imported. Fix the source (or "
        "check --format, --columns and --timeframe), or pass --force to import the rest "
        "and quarantine these rows.");
  }
  if (checked.ok()) checked = ingest::CheckSpacing(parsed, *s->tf, label);
  if (!checked.ok()) job.report_json = s->Report();
  return checked;
}

// Idempotency (sets result.skipped_because), then alignment with what is stored: refuse
// a file whose stamps are shifted (wrong zone or open/close stamping) instead of merging
// hours-off bars next to the right ones.
Status Lake::GateBars(BarImport* s) {
  const ImportRequest& req = s->req;
  const ingest::ParsedBars& parsed = s->parsed;
  RETURN_IF_ERROR(RefuseReimportWithOtherOptions(s));
  // The stored bars a reimport overlaps are mostly the ones it replaces (read wrong):
  // comparing them would refuse the corrected reading.
  if (s->replace_job != 0) return Status::OK();
  ASSIGN_OR_RETURN(bool skipped,
                   SkipIfImported(Context(), s->scope.get(), s->scope->job().source_sha256,
                                  req.symbol, req.timeframe, &s->result.skipped_because,
                                  [&] { return s->Report(); }));
  if (skipped) return Status::OK();
  if (req.skip_alignment_check || parsed.bars.empty()) return Status::OK();
  ASSIGN_OR_RETURN(auto datasets, journal_->Datasets());
  for (const auto& d : datasets) {
    if (d.symbol != req.symbol || d.timeframe != req.timeframe) continue;
    const Micros from = std::max(parsed.bars.ts.front(), d.first_ts);
    const Micros to = std::min(parsed.bars.ts.back(), d.last_ts);
    if (from > to) break;  // no overlap: nothing to compare
    const Micros pad = 15 * 3600 * kMicrosPerSecond;
    // Three days of overlap are plenty to tell a shift, and cheap to read.
    ASSIGN_OR_RETURN(BarColumns stored, Read(req.symbol, req.timeframe, from - pad,
                                             std::min(to, from + 3 * kMicrosPerDay) + pad));
    AlignmentResult a =
        CheckAlignment(stored, parsed.bars, *s->tf, s->result.source_tz, s->source.name);
    s->result.alignment_checked = a.checked;
    s->result.alignment_message = a.message;
    if (!a.message.empty()) {
      s->scope->job().report_json = s->Report();
      return Status::Conflict(a.message +
                              ". Nothing was imported (pass --no-alignment-check if the "
                              "stored bars are the wrong ones).");
    }
    break;
  }
  return Status::OK();
}

// The same file imported again with other options (zone, stamps, format, columns) means
// the user found the first reading wrong: "nothing changed" would leave the wrong bars in
// place. Refused, naming the earlier job and what it used.
Status Lake::RefuseReimportWithOtherOptions(BarImport* s) {
  const ImportRequest& req = s->req;
  ASSIGN_OR_RETURN(auto previous, journal_->FindCompletedImport(s->scope->job().source_sha256,
                                                                req.symbol, req.timeframe));
  if (!previous) return Status::OK();
  const ImportResult& now = s->result;
  const nlohmann::json before = nlohmann::json::parse(previous->report_json, nullptr, false);
  // Only a report written when the import completed names its options; a job that
  // recovery finished after a crash (or one from an older barlake) does not, so the
  // options it used are unknown: skipped as the same import, as before.
  if (!before.is_object() || !before.contains("source_tz_because")) return Status::OK();
  auto earlier = [&](const char* key) {
    return before.is_object() && before.contains(key) && before[key].is_string()
               ? before[key].get<std::string>()
               : std::string();
  };
  // Stamps that carry their own zone read the same under any --tz.
  const bool zone_matters = now.source_tz_used;
  const std::vector<std::array<std::string, 3>> options = {
      {"--tz", earlier("source_tz"), zone_matters ? now.source_tz : earlier("source_tz")},
      {"--format", earlier("format").empty() ? previous->format : earlier("format"), now.format},
      {"--stamp", earlier("stamp"), now.stamp},
      {"--columns", earlier("columns"), now.columns}};
  std::string was, asked;
  for (const auto& [flag, then, current] : options) {
    if (then == current) continue;
    auto shown = [](const std::string& v) { return v.empty() ? std::string("(default)") : v; };
    was += (was.empty() ? "" : ", ") + flag + " " + shown(then);
    asked += (asked.empty() ? "" : ", ") + flag + " " + shown(current);
  }
  if (was.empty()) return Status::OK();  // the same import again: skipped as before
  if (req.reimport) {
    s->replace_job = previous->id;
    s->result.replaced_job = previous->id;
    s->result.notes.push_back("--reimport: replaces the bars of job " + std::to_string(previous->id) +
                              " (which read this file with " + was + ") with this reading (" + asked +
                              "); `barlake rollback` of this job restores them");
    return Status::OK();
  }
  s->scope->job().report_json = s->Report();
  return Status::Conflict(
      "'" + ToValidUtf8(s->source.name) + "' was already imported into " + req.symbol + " " +
      req.timeframe + " by job " + std::to_string(previous->id) + " with " + was +
      "; this run asks for " + asked + ". Nothing was imported. If job " +
      std::to_string(previous->id) + " read the file wrong, run again with --reimport to replace its "
      "bars with this reading in one job (or undo it with `barlake rollback " +
      std::to_string(previous->id) + "` and import the file again).");
}

// A failed import leaves nothing behind, not even its copy of the source; unless its plan
// was recorded (recovery finishes such a job, and it keeps its source) or the copy was
// there before (another job's).
void Lake::RemoveSourceOfFailedJob(const BarImport& s) {
  if ((s.kept_new_source.empty() && s.kept_new_sources.empty()) || s.scope->job().status != "failed") return;
  for (const auto& kept : s.kept_new_sources) (void)env_->RemoveFile(kept);
  if (!s.kept_new_source.empty()) (void)env_->RemoveFile(s.kept_new_source);
  (void)env_->SyncDir(paths_.sources);
}

// Keep the source's bytes, and its rejected rows (listed once the job completes, see
// Journal::AddQuarantine).
Status Lake::KeepBarSource(BarImport* s) {
  if (s->req.dry_run) return Status::OK();
  JobRecord& job = s->scope->job();
  if (!s->req.sources.empty()) {
    // Every source, then the list of them (written durably first, then kept like a source).
    for (const auto& [incoming, sha] : s->parts) {
      const std::string kept = JoinPath(paths_.sources, sha);
      const bool new_copy = !env_->FileExists(kept);
      RETURN_IF_ERROR(KeepSource(Context(), s->scope.get(), incoming, sha));
      if (new_copy) s->kept_new_sources.push_back(kept);
    }
    s->incoming = IncomingSourcePath(paths_, job.id) + "-list";
    s->scope->AddTemp(s->incoming);
    if (!env_->FileExists(JoinPath(paths_.sources, job.source_sha256))) {
      RETURN_IF_ERROR(WriteFileAtomic(env_, s->incoming, s->manifest));
    }
  }
  const std::string kept = JoinPath(paths_.sources, job.source_sha256);
  const bool new_copy = !env_->FileExists(kept);
  RETURN_IF_ERROR(KeepSource(Context(), s->scope.get(), s->incoming, job.source_sha256));
  if (new_copy) s->kept_new_source = kept;
  if (s->validation.rejected_rows() == 0 && s->unparsed == 0) return Status::OK();
  return journal_->AddQuarantine(
      job.id, QuarantineRows(s->req.symbol, s->req.timeframe, s->parsed, s->validation));
}

// Merge the parsed (sorted, validated) rows into their partitions and commit them, with
// the dataset's registry entry when it is new.
Status Lake::CommitBars(BarImport* s) {
  const ImportRequest& req = s->req;
  JobRecord& job = s->scope->job();
  ImportResult& result = s->result;
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  // The file's last bar may have been forming: stored provisional, completed by a later
  // file (lake/provisional.h). Released quarantine rows are not a file's end.
  if (job.kind == "import") MarkProvisionalLastBar(s->file_last_ts, &s->parsed.bars);
  PlanInput<BarColumns> in;
  in.symbol = req.symbol;
  in.timeframe = req.timeframe;
  in.rows = &s->parsed.bars;
  in.yearly = s->tf->is_daily_or_longer();
  in.rel_path = [&](const std::string& period) {
    return storage::PartitionRelPath(req.symbol, req.timeframe, period);
  };
  if (s->replace_job != 0) {
    in.replace_job = s->replace_job;
    ASSIGN_OR_RETURN(auto changes, journal_->GetChanges(s->replace_job));
    std::set<std::string> periods;
    for (const auto& c : changes) {
      if (c.symbol == req.symbol && c.timeframe == req.timeframe) periods.insert(c.period);
    }
    in.replace_periods.assign(periods.begin(), periods.end());
  }
  in.on_conflict = [&](const BarColumns& stored, size_t i, size_t j) {
    if (result.conflicts.size() >= 20) return;
    const BarColumns& nb = s->parsed.bars;
    ConflictExample e;
    e.ts = nb.ts[j];
    e.line = s->parsed.line[j];
    const double st[5] = {stored.open[i], stored.high[i], stored.low[i], stored.close[i],
                          stored.volume[i]};
    const double nw[5] = {nb.open[j], nb.high[j], nb.low[j], nb.close[j], nb.volume[j]};
    std::copy(st, st + 5, e.stored);
    std::copy(nw, nw + 5, e.incoming);
    result.conflicts.push_back(e);
  };
  PartitionPlanner<BarColumns> planner(journal_.get(), &paths_, KindIo{store, duck_.get(), env_},
                                       req.on_conflict, job.id, {std::move(in)});
  PlanOptions opt;
  opt.dry_run = req.dry_run;
  opt.policy = req.on_conflict;
  opt.report = [&] { return s->Report(); };
  opt.on_counts = [&](const PlanCounts& c) {
    result.rows_added = c.rows_added;
    result.rows_identical = c.rows_identical;
    result.rows_replaced = c.rows_replaced;
    result.provisional_completed = c.rows_completed;
    result.rows_removed = c.rows_removed;
    result.bytes_estimate = c.bytes_estimate;
    result.partitions = c.partitions;
  };
  opt.on_reset = [&] { result.conflicts.clear(); };
  opt.conflict_failure = [&](int64_t n) {
    std::vector<std::string> lines;
    for (const auto& e : result.conflicts) {
      lines.push_back(s->source.name + ":" + std::to_string(e.line) + ": bar " +
                      FormatIsoUtc(e.ts) + " stored [" + FormatBar(e.stored) + "] new [" +
                      FormatBar(e.incoming) + "]");
    }
    return OnConflictFailure(n, "bars", s->source.name, lines);
  };
  if (!req.dry_run && job.kind == "import") {
    registry::DatasetSpec spec;
    spec.symbol = req.symbol;
    spec.timeframe = req.timeframe;
    // A detected format is not pinned: the next file of the dataset may come from another
    // vendor and is detected again. Only a format the user named is stored.
    spec.format = (req.format.empty() || req.format == "auto") ? "" : result.format;
    spec.source_tz = result.source_tz;
    spec.calendar = req.calendar;
    spec.end_date = req.end_date;
    spec.description = req.description.empty() ? req.symbol + " " + req.timeframe +
                                                     " bars imported from " + result.format
                                               : req.description;
    ASSIGN_OR_RETURN(auto declare, RegistryWrite(Context(), {spec}, job.id));
    if (declare) opt.tail.push_back(std::move(*declare));
  }
  WriteProtocol protocol = Protocol(store);
  const bool declares = !opt.tail.empty();
  RETURN_IF_ERROR(PlanAndCommit(Context(), s->scope.get(), &protocol, &planner, std::move(opt)));
  if (declares) return ReloadRegistry();
  return Status::OK();
}

Result<ImportResult> Lake::ReleaseQuarantine(const std::vector<int64_t>& ids) {
  if (ids.empty()) return Status::InvalidArgument("name the quarantined rows to release");
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  std::vector<journal::QuarantineRow> rows;
  for (int64_t id : ids) {
    ASSIGN_OR_RETURN(journal::QuarantineRow r, journal_->GetQuarantine(id));
    if (r.status != "held") {
      return Status::Conflict("quarantined row " + std::to_string(id) + " is already " + r.status);
    }
    if (!rows.empty() && (r.symbol != rows[0].symbol || r.timeframe != rows[0].timeframe)) {
      return Status::InvalidArgument(
          "rows " + std::to_string(rows[0].id) + " and " + std::to_string(id) +
          " belong to different datasets; release one dataset at a time");
    }
    if (r.rule == "parse_error") {
      return Status::InvalidInput(
          "quarantined row " + std::to_string(id) + " is line " + std::to_string(r.line) +
          " of the source, which did not parse (" + r.reason +
          "); it holds no bar to merge. Fix the line and import the file again, or drop it");
    }
    const double v[5] = {r.open, r.high, r.low, r.close, r.volume};
    for (double x : v) {
      if (!std::isfinite(x)) {
        return Status::InvalidInput(
            "quarantined row " + std::to_string(id) +
            " has a value that is not a number and cannot be stored; drop it instead");
      }
    }
    rows.push_back(std::move(r));
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].ts == rows[i - 1].ts) {
      return Status::InvalidArgument("rows " + std::to_string(rows[i - 1].id) + " and " +
                                     std::to_string(rows[i].id) + " are the same bar " +
                                     FormatIsoUtc(rows[i].ts) + "; release one of them");
    }
  }
  BarImport s;
  ASSIGN_OR_RETURN(s.tf, Timeframe::Parse(rows[0].timeframe));
  for (const auto& r : rows) {
    s.parsed.bars.ts.push_back(r.ts);
    s.parsed.bars.open.push_back(r.open);
    s.parsed.bars.high.push_back(r.high);
    s.parsed.bars.low.push_back(r.low);
    s.parsed.bars.close.push_back(r.close);
    s.parsed.bars.volume.push_back(r.volume);
    s.parsed.line.push_back(r.line);
  }
  JobRecord& job = s.result.job;
  job.kind = "release";
  job.symbol = rows[0].symbol;
  job.timeframe = rows[0].timeframe;
  job.command = options_.command;
  job.rows_read = static_cast<int64_t>(rows.size());
  job.source_path = "quarantine of job " + std::to_string(rows[0].job_id);
  ASSIGN_OR_RETURN(s.scope, JobScope::Begin(journal_.get(), env_, &job, false, ScopeEvents()));
  s.source.name = job.source_path;
  s.req.symbol = job.symbol;
  s.req.timeframe = job.timeframe;
  // The user has looked at these rows and decided they are right: they win over stored bars.
  s.req.on_conflict = ConflictPolicy::kReplace;
  // Marked now; they read as released only once this job completes (journal.cc).
  Status done = journal_->SetQuarantineStatus(ids, "released", s.scope->job().id);
  if (done.ok()) done = CommitBars(&s);
  RETURN_IF_ERROR(s.scope->Finish(done));
  return WithDependents(std::move(s.result));
}

}  // namespace barlake::lake
