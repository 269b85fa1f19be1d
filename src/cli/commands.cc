#include "cli/commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/lake_access.h"
#include "calendar/calendar.h"
#include "lake/read_check.h"
#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "cli/commands_migrate.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "core/edit_distance.h"
#include "core/json_text.h"
#include "core/text.h"
#include "core/time_zone.h"
#include "core/timeframe.h"
#include "demo/sample_data.h"
#include "ingest/format.h"
#include "lake/derived_tables.h"
#include "lake/lake.h"
#include "lake/live_session.h"
#include "lake/source_file.h"

namespace barlake::cli {

namespace {

using nlohmann::json;

int CmdInit(const std::string& dir, const barlake::InitOptions& opt) {
  Status s = barlake::Lake::Init(dir, opt);
  if (!s.ok()) return Fail(s);
  const std::string shown = QuotedPath(dir);
  std::printf("Created vault %s\n  registry  %s/barlake.toml\n  lake      %s/lake/\n"
              "Next: barlake --vault %s import FILE --symbol ES --timeframe 1m\n",
              shown.c_str(), EscapedPath(dir).c_str(), EscapedPath(dir).c_str(), shown.c_str());
  return 0;
}

struct ImportArgs {
  std::string file, on_conflict = "keep";
  std::vector<std::string> files;  // import: FILE... | DIR
  std::string date_format;         // delimited text: how dates are written
  bool as_json = false;
  barlake::ImportOptions options;
};

/// The options `import` and `check-alignment` share: how to read the file and which dataset.
void AddSourceOptions(CLI::App* cmd, ImportArgs& a, bool dataset_required) {
  if (dataset_required) {
    cmd->add_option("FILE", a.file, "File to read")->required();
  } else {
    cmd->add_option("FILE", a.files,
                    "Files to read (.gz and single-file .zip too), or a folder: each file is its own job")
        ->required();
  }
  auto* symbol = cmd->add_option("--symbol", a.options.symbol, "Dataset symbol, e.g. ES (bar files)");
  auto* timeframe =
      cmd->add_option("--timeframe", a.options.timeframe, "Bar interval, e.g. 1m, 5m, 1h, 1d (bar files)");
  if (dataset_required) {
    symbol->required();
    timeframe->required();
  }
  std::string formats_help = "Input format: auto";
  for (const auto* f : ingest::AllFormats()) formats_help += ", " + std::string(f->name());
  formats_help += ", gex-json (option snapshots) (default: the dataset's declared format, else auto)";
  cmd->add_option("--format", a.options.format, formats_help);
  cmd->add_option("--stamp", a.options.stamp, "Stamps mark bar open or close (default: the format's convention)");
  cmd->add_option("--columns", a.options.columns, "Column mapping for delimited text, e.g. time=Date,volume=Vol");
  cmd->add_option("--date-format", a.date_format,
                  "How delimited text writes dates, e.g. %d.%m.%Y or '%m/%d/%Y %H:%M' (docs/formats/formats.md)");
  cmd->add_option("--tz", a.options.tz, "Zone of the file's stamps (default: the dataset's, else the vault's)");
  cmd->add_flag("--json", a.as_json, "Print one JSON object");
}

void PrintImportResult(const barlake::ImportReport& r, const std::string& path) {
  const auto& j = r.job;
  const std::string file = EscapedPath(path);  // argv bytes, shown as valid UTF-8
  if (!r.skipped_because.empty()) {
    std::printf("Skipped %s: %s. Nothing changed.\n", QuotedPath(path).c_str(), r.skipped_because.c_str());
    return;
  }
  // The zone is named only when the stamps were read in it (epoch or offset stamps carry
  // their own; the first note says which).
  const std::string zone = r.source_tz_used ? "source time zone " + r.source_tz : "stamps carry their own zone";
  std::printf("%s %s %s from %s (%s)\n",
              r.dry_run ? "Dry run: would import" : fmt::format("Job {} imported", j.id).c_str(),
              j.symbol.c_str(), j.timeframe.c_str(), QuotedPath(path).c_str(), zone.c_str());
  if (!r.format_why.empty()) {
    std::printf("  format            %s (detected: %s)\n", r.format.c_str(), r.format_why.c_str());
  } else {
    std::printf("  format            %s\n", r.format.c_str());
  }
  for (const auto& n : r.notes) std::printf("  note: %s\n", n.c_str());
  std::printf("  rows read         %s\n", WithThousands(j.rows_read).c_str());
  PrintMergeCounts(r.rows_added, r.rows_identical, j.rows_conflicting, r.rows_replaced, "bars");
  if (r.replaced_job > 0) {
    std::printf("  replaced job %lld: its %s bars removed, this reading merged in their place\n",
                static_cast<long long>(r.replaced_job), WithThousands(r.rows_removed).c_str());
  }
  if (r.provisional_completed > 0) {
    std::printf("  completed %lld provisional bar%s (an earlier file's last bar, now final)\n",
                static_cast<long long>(r.provisional_completed), r.provisional_completed == 1 ? "" : "s");
  }
  std::printf("  partitions        %zu%s\n", r.partitions.size(),
              r.dry_run ? fmt::format(" (about {} to write)", HumanBytes(r.bytes_estimate)).c_str() : "");
  if (j.rows_rejected > 0) {
    std::string by_rule;
    for (const auto& [rule, n] : r.rejected_by_rule) by_rule += (by_rule.empty() ? "" : ", ") + std::to_string(n) + " " + rule;
    std::printf("  rows rejected     %s (%s)%s\n", WithThousands(j.rows_rejected).c_str(), by_rule.c_str(),
                r.dry_run ? "" : "; see `barlake quarantine list`");
    for (size_t k = 0; k < std::min<size_t>(r.rejections.size(), 5); ++k) {
      const auto& x = r.rejections[k];
      std::printf("    %s:%u: field '%s': %s (%s)\n", file.c_str(), x.line, x.field.c_str(), x.reason.c_str(),
                  x.rule.c_str());
    }
  }
  for (const auto& [rule, n] : r.flagged_by_rule) {
    std::printf("  rows %-13s%s (kept; calendar %s; set outside_session = \"quarantine\" to reject them)\n",
                rule == "outside_session" ? "off-session" : rule.c_str(), WithThousands(n).c_str(),
                r.calendar.c_str());
    size_t shown = 0;
    for (const auto& x : r.flagged) {
      if (x.rule != rule) continue;
      if (shown++ == 3) break;  // three examples; the count says how many there are
      std::printf("    %s:%u: %s\n", file.c_str(), x.line, x.reason.c_str());
    }
  }
  if (r.identical_duplicates) {
    std::printf("  note: %lld identical duplicate rows were dropped\n", static_cast<long long>(r.identical_duplicates));
  }
  if (r.reordered) std::printf("  note: %lld rows were out of time order and were sorted\n", static_cast<long long>(r.reordered));
  if (r.nonexistent_local || r.ambiguous_local) {
    std::printf("  note: %lld stamps fell in a DST gap and %lld in a repeated DST hour; see docs/formats/time.md\n",
                static_cast<long long>(r.nonexistent_local), static_cast<long long>(r.ambiguous_local));
  }
  for (size_t k = 0; k < std::min<size_t>(r.conflicts.size(), 5); ++k) {
    const auto& c = r.conflicts[k];
    std::printf("  conflict line %u %s: stored O %g H %g L %g C %g V %g / file O %g H %g L %g C %g V %g\n",
                c.line, FormatIsoUtc(c.ts).c_str(), c.stored[0], c.stored[1], c.stored[2], c.stored[3],
                c.stored[4], c.incoming[0], c.incoming[1], c.incoming[2], c.incoming[3], c.incoming[4]);
  }
  for (const auto& d : r.regenerated) {
    if (!d.error.empty()) {
      std::printf("  derived %s %s: NOT regenerated: %s (it stays stale; run `barlake regenerate --stale`)\n",
                  d.symbol.c_str(), d.timeframe.c_str(), d.error.c_str());
    } else if (d.job.id) {
      std::printf("  derived %s %s: regenerated by job %lld (%lld partitions rewritten)\n", d.symbol.c_str(),
                  d.timeframe.c_str(), static_cast<long long>(d.job.id),
                  static_cast<long long>(d.partitions_written + d.partitions_removed));
    }
  }
}

Result<barlake::OnConflict> ParseOnConflict(const std::string& name) {
  if (name == "keep") return barlake::OnConflict::kKeep;
  if (name == "replace") return barlake::OnConflict::kReplace;
  if (name == "fail") return barlake::OnConflict::kFail;
  return Status::InvalidArgument("--on-conflict must be keep, replace or fail, not " + QuoteBytes(name));
}

/// The options with --date-format folded into --columns (the key date_format), so it is
/// recorded with the job's options like the column mapping.
barlake::ImportOptions WithDateFormat(const ImportArgs& a) {
  barlake::ImportOptions o = a.options;
  if (!a.date_format.empty()) o.columns += (o.columns.empty() ? "" : ",") + std::string("date_format=") + a.date_format;
  return o;
}

/// The files of `import FILE... | DIR`: each argument, or the regular files of a folder
/// (not hidden, not recursive) sorted by name. kNotFound for a missing path.
Result<std::vector<std::string>> ImportFiles(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    std::error_code ec;
    if (std::filesystem::is_directory(a, ec)) {
      std::vector<std::string> inside;
      for (const auto& e : std::filesystem::directory_iterator(a, ec)) {
        const std::string name = e.path().filename().string();
        if (name.empty() || name[0] == '.' || !e.is_regular_file(ec)) continue;
        inside.push_back(e.path().string());
      }
      if (ec) return Status::IOError("cannot list the folder " + QuotedPath(a) + ": " + ec.message());
      std::sort(inside.begin(), inside.end());
      if (inside.empty()) return Status::NotFound("the folder " + QuotedPath(a) + " holds no files to import");
      out.insert(out.end(), inside.begin(), inside.end());
    } else {
      out.push_back(a);
    }
  }
  return out;
}

int CmdImportOne(const Globals& g, ImportArgs a);

/// `import` of several files: one job each, carrying on past a failure; a table (or a JSON
/// array) of file, dataset, rows and status. Exit 0 when every file was imported or skipped,
/// else the exit code of the first file that failed (docs/exit-codes.md).
int CmdImportMany(const Globals& g, const ImportArgs& a, const std::vector<std::string>& files) {
  // GEX snapshot files name their own tickers (commands_snapshot.cc): a folder of them is
  // a snapshot import. Mixed with bar files, one --symbol cannot fit both kinds.
  const std::string& format = a.options.format;
  if (format == "gex-json" || format.empty() || format == "auto") {
    std::vector<std::string> snapshots, bars;
    for (const auto& f : files) (format == "gex-json" || LooksLikeSnapshotFile(f) ? snapshots : bars).push_back(f);
    if (!snapshots.empty() && bars.empty()) {
      if (!a.options.timeframe.empty() && a.options.timeframe != "gex") {
        return Fail(Status::InvalidArgument("these are GEX snapshot files; they name their own tickers, so drop "
                                            "--symbol and --timeframe"));
      }
      return ImportSnapshotFiles(g, snapshots, a.on_conflict, a.options.dry_run, a.as_json);
    }
    if (!snapshots.empty()) {
      return Fail(Status::InvalidArgument(
          QuotedPath(snapshots.front()) + " is a GEX snapshot file and " + QuotedPath(bars.front()) +
          " a bar file; import them separately (snapshot files without --symbol and --timeframe); nothing was "
          "imported"));
    }
  }
  if (a.options.symbol.empty() || a.options.timeframe.empty()) {
    return Fail(Status::InvalidArgument("import of bar files needs --symbol and --timeframe, e.g. "
                                        "--symbol ES --timeframe 1m"));
  }
  ASSIGN_OR_FAIL(auto policy, ParseOnConflict(a.on_conflict));
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  barlake::ImportOptions options = WithDateFormat(a);
  options.on_conflict = policy;
  const std::string dataset = a.options.symbol + " " + a.options.timeframe;
  int first_failure = 0, failed = 0;
  json array = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& file : files) {
    json item = {{"file", EscapedPath(file)}, {"dataset", dataset}};
    auto r = lk->Import(barlake::Source::File(file), options);
    std::string status;
    int64_t read = 0;
    if (!r.ok()) {
      ++failed;
      if (first_failure == 0) first_failure = static_cast<int>(ExitCodeFor(r.status()));
      const std::string& msg = r.status().message();
      status = "failed: " + msg.substr(0, msg.find('\n'));  // the JSON item has all of it
      item["status"] = "failed";
      item["error"] = r.status().message();
      item["exit_code"] = static_cast<int>(ExitCodeFor(r.status()));
    } else {
      read = r->job.rows_read;
      item["job"] = r->job.id;
      item["rows"] = read;
      item["rows_added"] = r->rows_added;
      if (!r->skipped_because.empty()) {
        status = "skipped: " + r->skipped_because;
        item["status"] = "skipped";
      } else {
        status = r->dry_run ? "dry run" : fmt::format("imported (job {})", r->job.id);
        item["status"] = r->dry_run ? "dry_run" : "imported";
      }
      item["report"] = json::parse(r->report_json.empty() ? std::string("{}") : r->report_json, nullptr, false);
    }
    item["rows"] = read;
    array.push_back(item);
    rows.push_back({EscapedPath(file), dataset, WithThousands(read), status});
  }
  if (a.as_json) {
    std::printf("%s\n", ToJsonText(array, 2).c_str());
  } else {
    std::fputs(FormatTable({"file", "dataset", "rows", "status"}, rows).c_str(), stdout);
    std::printf("%zu file%s: %zu imported or skipped, %d failed\n", files.size(), files.size() == 1 ? "" : "s",
                files.size() - static_cast<size_t>(failed), failed);
  }
  return first_failure;
}

int CmdImport(const Globals& g, ImportArgs a) {
  ASSIGN_OR_FAIL(auto files, ImportFiles(a.files));
  // One file named as such keeps the one-job output; a folder or several files get the table.
  const bool many = files.size() > 1 || (a.files.size() == 1 && files.size() == 1 && files[0] != a.files[0]);
  if (many) return CmdImportMany(g, a, files);
  a.file = files[0];
  return CmdImportOne(g, a);
}

int CmdImportOne(const Globals& g, ImportArgs a) {
  // A GEX snapshot file is its own dataset kind (commands_snapshot.cc); it names its ticker.
  const std::string& format = a.options.format;
  if (format == "gex-json" || ((format.empty() || format == "auto") && LooksLikeSnapshotFile(a.file))) {
    if (!a.options.timeframe.empty() && a.options.timeframe != "gex") {
      return Fail(Status::InvalidArgument(QuotedPath(a.file) + " is a GEX snapshot file; it names its own ticker, "
                                          "so drop --symbol and --timeframe"));
    }
    return ImportSnapshotFiles(g, {a.file}, a.on_conflict, a.options.dry_run, a.as_json);
  }
  if (a.options.symbol.empty() || a.options.timeframe.empty()) {
    return Fail(Status::InvalidArgument("import of a bar file needs --symbol and --timeframe, e.g. "
                                        "--symbol ES --timeframe 1m"));
  }
  ASSIGN_OR_FAIL(auto policy, ParseOnConflict(a.on_conflict));
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, !a.as_json));
  barlake::ImportOptions options = WithDateFormat(a);
  options.on_conflict = policy;
  ASSIGN_OR_FAIL(auto r, lk->Import(barlake::Source::File(a.file), options));
  if (a.as_json) {
    std::printf("%s\n", r.report_json.c_str());
  } else {
    PrintImportResult(r, a.file);
  }
  return 0;
}

int CmdCheckAlignment(const Globals& g, const ImportArgs& a) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto r, lk->CheckAlignment(barlake::Source::File(a.file), WithDateFormat(a)));
  if (a.as_json) {
    std::printf("%s\n", ToJsonText(json{{"aligned", true}, {"checked", r.alignment_checked}}).c_str());
  } else if (r.alignment_checked) {
    std::printf("%s agrees with the stored %s %s bars where they overlap.\n", QuotedPath(a.file).c_str(),
                a.options.symbol.c_str(), a.options.timeframe.c_str());
  } else {
    std::printf("%s does not overlap the stored %s %s bars enough to compare (nothing to check).\n",
                QuotedPath(a.file).c_str(), a.options.symbol.c_str(), a.options.timeframe.c_str());
  }
  return 0;
}

int CmdStatus(const Globals& g, bool as_json) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  // With each derived dataset's method and whether an input changed since (journal only).
  ASSIGN_OR_FAIL(auto ds, lk->Datasets());
  ASSIGN_OR_FAIL(auto tz, TimeZone::Locate(lk->Settings().display_tz));
  // Jobs still running: interrupted ones opening could not recover (docs/integrity.md),
  // or a live writer's.
  lake::Lake* inner = internal::LakeAccess::Inner(*lk);
  ASSIGN_OR_FAIL(auto running, inner->JobsWithStatus("running"));
  auto interrupted = [&](int64_t id) {
    for (const auto& j : inner->interrupted()) {
      if (j.id == id) return true;
    }
    return false;
  };
  // The current session of each live dataset: how many polls landed in it, and when.
  ASSIGN_OR_FAIL(auto live, lake::LiveSessionStates(inner, Env::Default()->NowMicros()));
  if (as_json) {
    json j = lake::StatusJson(lk->vault(), tz.name(), ds);
    json jobs = json::array();
    for (const auto& r : running) {
      jobs.push_back({{"job", r.id}, {"label", lake::JobLabel(r)}, {"interrupted", interrupted(r.id)}});
    }
    j["running_jobs"] = jobs;
    j["live"] = json::array();
    for (const auto& l : live) j["live"].push_back(lake::LiveSessionJson(l));
    std::printf("%s\n", ToJsonText(j, 2).c_str());
    return 0;
  }
  for (const auto& r : running) {
    if (interrupted(r.id)) {
      std::printf("INTERRUPTED %s: not recovered (%s). Reads show the vault as before it; run `%s recover` with "
                  "write access.\n",
                  lake::JobLabel(r).c_str(), inner->interrupted_why().c_str(), g.program.c_str());
    } else {
      std::printf("RUNNING %s: another barlake process is writing it.\n", lake::JobLabel(r).c_str());
    }
  }
  if (ds.empty()) {
    std::printf("The vault is empty. Import data with: barlake import FILE --symbol ES --timeframe 1m\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : ds) {
    // Daily and weekly bars are stamped with their session date, and a derived table's
    // rows are trade dates; a zone would shift them.
    auto tf = Timeframe::Parse(d.timeframe);
    const bool dated = (tf.ok() && tf->is_daily_or_longer()) || d.kind == "table";
    auto bar_time = [&](Micros t) { return dated ? FormatIsoUtc(t).substr(0, 10) : LocalText(tz, t); };
    std::string note;
    if (!d.method.empty()) {
      note = d.method + " of " + (d.inputs.empty() ? std::string("?") : d.inputs[0]) +
             (d.inputs.size() > 1 ? ", ..." : "") + (d.stale ? " STALE (" + d.stale_why + ")" : "");
    }
    rows.push_back({d.symbol, d.timeframe, bar_time(d.first_ts), bar_time(d.last_ts),
                    WithThousands(d.rows), HumanBytes(d.bytes), std::to_string(d.partitions),
                    LocalText(tz, d.last_update / 1000000 * 1000000), std::to_string(d.last_job), note});
  }
  std::printf("%s", FormatTable({"SYMBOL", "TF", "FIRST BAR (" + tz.name() + ")", "LAST BAR", "ROWS", "SIZE",
                                 "PARTS", "LAST UPDATE", "JOB", "DERIVED"},
                                rows)
                        .c_str());
  if (!live.empty()) {
    std::vector<std::vector<std::string>> live_rows;
    for (const auto& l : live) {
      live_rows.push_back({l.symbol, l.timeframe, lake::LiveSessionJson(l)["session"].get<std::string>(),
                           std::to_string(l.polls), l.last_poll == 0 ? "-" : LocalText(tz, l.last_poll / 1000000 * 1000000),
                           l.job == 0 ? "-" : std::to_string(l.job)});
    }
    std::printf("\nLive datasets, current session:\n%s",
                FormatTable({"SYMBOL", "TF", "SESSION", "POLLS", "LAST POLL", "JOB"}, live_rows).c_str());
  }
  // Derived datasets declared but never built are stale too, though not in the catalog yet.
  ASSIGN_OR_FAIL(auto derived, lk->DerivedDatasets());
  int64_t stale = 0;
  for (const auto& s : derived) stale += s.stale ? 1 : 0;
  if (stale > 0) {
    std::printf("\n%lld derived dataset%s stale: run `%s regenerate --stale`\n", static_cast<long long>(stale),
                stale > 1 ? "s are" : " is", g.program.c_str());
  }
  return 0;
}

struct ReadArgs {
  std::string symbol, timeframe, from, to, format = "csv", tz, output;
};

int CmdRead(const Globals& g, const ReadArgs& a) {
  ASSIGN_OR_FAIL(auto range, ParseTimeRange(a.from, a.to));
  std::optional<TimeZone> tz;
  if (!a.tz.empty()) {
    ASSIGN_OR_FAIL(auto z, TimeZone::Locate(a.tz));
    tz = z;
  }
  if (a.format != "csv" && a.format != "json" && a.format != "parquet") {
    return Fail(Status::InvalidArgument("--format must be csv, json or parquet"));
  }
  if (a.format == "parquet" && a.output.empty()) {
    return Fail(Status::InvalidArgument("--format parquet needs --output FILE"));
  }
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  auto read = lk->Read(a.symbol, a.timeframe, range.from, range.to);
  ServeFromLegacyIfMissing(*lk, a.symbol, a.timeframe, range.from, range.to, &read);
  ASSIGN_OR_FAIL(auto bars, std::move(read));
  const barlake::Bars& b = bars;
  if (a.format == "parquet") {
    Status s = lk->WriteParquet(b, a.output);
    if (!s.ok()) return Fail(s);
    std::fprintf(stderr, "Wrote %zu bars to %s\n", b.size(), QuotedPath(a.output).c_str());
    return 0;
  }
  FILE* out = stdout;
  if (!a.output.empty()) {
    out = std::fopen(a.output.c_str(), "w");
    if (!out) return Fail(Status::FromErrno(errno, "cannot create", a.output));
  }
  fmt::memory_buffer buf;
  auto stamp = [&](Micros ts) { return tz ? tz->FormatLocal(ts) : FormatIsoUtc(ts); };
  if (a.format == "csv") {
    fmt::format_to(std::back_inserter(buf), "ts,open,high,low,close,volume\n");
    for (size_t i = 0; i < b.size(); ++i) {
      fmt::format_to(std::back_inserter(buf), "{},{},{},{},{},{}\n", stamp(b.ts[i]), b.open[i], b.high[i],
                     b.low[i], b.close[i], b.volume[i]);
    }
  } else {
    buf.push_back('[');
    for (size_t i = 0; i < b.size(); ++i) {
      fmt::format_to(std::back_inserter(buf),
                     "{}{{\"ts\":\"{}\",\"open\":{},\"high\":{},\"low\":{},\"close\":{},\"volume\":{}}}",
                     i ? ",\n" : "\n", stamp(b.ts[i]), b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i]);
    }
    fmt::format_to(std::back_inserter(buf), "\n]\n");
  }
  std::fwrite(buf.data(), 1, buf.size(), out);
  if (out != stdout && std::fclose(out) != 0) return Fail(Status::FromErrno(errno, "cannot write", a.output));
  return 0;
}

int CmdQuery(const Globals& g, const std::string& sql, const std::string& format) {
  if (format != "table" && format != "csv") return Fail(Status::InvalidArgument("--format must be table or csv"));
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  // A failing query is the user's SQL (a usage error, exit 2), except for I/O trouble
  // reading the lake, which keeps its own exit code (Lake::Query).
  ASSIGN_OR_FAIL(auto r, QueryWithLegacy(*lk, sql));  // commands_migrate.cc: read-compatibility
  const std::vector<std::string>& header = r.columns;
  const std::vector<std::vector<std::string>>& rows = r.rows;
  if (format == "csv") {
    std::string out;
    auto csv_line = [&](const std::vector<std::string>& fields) {
      for (size_t c = 0; c < fields.size(); ++c) {
        if (c) out += ',';
        if (fields[c].find_first_of(",\"\n") != std::string::npos) {
          out += '"';
          for (char ch : fields[c]) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
          out += '"';
        } else {
          out += fields[c];
        }
      }
      out += '\n';
    };
    csv_line(header);
    for (const auto& row : rows) csv_line(row);
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    std::printf("%s(%zu row%s)\n", FormatTable(header, rows).c_str(), rows.size(), rows.size() == 1 ? "" : "s");
  }
  return 0;
}

int CmdVerify(const Globals& g, bool as_json) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto rep, lk->Verify());
  if (as_json) {
    json problems = json::array();
    for (const auto& p : rep.problems) problems.push_back({{"path", p.path}, {"problem", p.what}});
    std::printf("%s\n", ToJsonText(json{{"ok", rep.ok()},
                                        {"files_checked", rep.files_checked},
                                        {"rows_checked", rep.rows_checked},
                                        {"problems", problems}},
                                   2)
                            .c_str());
  } else {
    for (const auto& p : rep.problems) std::printf("PROBLEM %s: %s\n", p.path.c_str(), p.what.c_str());
    std::printf("%s: %lld files, %s rows checked, %zu problem%s\n", rep.ok() ? "OK" : "FAILED",
                static_cast<long long>(rep.files_checked), WithThousands(rep.rows_checked).c_str(),
                rep.problems.size(), rep.problems.size() == 1 ? "" : "s");
  }
  return rep.ok() ? 0 : static_cast<int>(ExitCode::kCorruption);
}

int CmdRollback(const Globals& g, int64_t job_id, bool as_json) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, true));
  ASSIGN_OR_FAIL(auto r, lk->Rollback(job_id));
  if (as_json) {
    std::printf("%s\n", ToJsonText(JobJson(r)).c_str());
    return 0;
  }
  // The job's own count includes barlake.toml when the rolled back job declared a dataset;
  // the message counts data partitions and names the registry apart.
  ASSIGN_OR_FAIL(auto detail, lk->GetJob(r.id));
  const size_t restored = detail.changes.size();
  std::printf("Job %lld rolled back job %lld: %zu partition%s restored to what they held before it "
              "(partitions it created were removed)%s\n",
              static_cast<long long>(r.id), static_cast<long long>(job_id), restored, restored == 1 ? "" : "s",
              detail.registry_changed ? "; barlake.toml restored too" : "");
  // Derived datasets built from what the rollback restored are rebuilt as after an import;
  // the rollback job's report lists them (a malformed report only loses these lines).
  const json report = json::parse(r.report_json.empty() ? std::string("{}") : r.report_json, nullptr, false);
  if (report.is_object() && report.contains("regenerated") && report["regenerated"].is_array()) {
    for (const auto& d : report["regenerated"]) {
      const std::string name = d.value("dataset", std::string("?"));
      if (d.contains("error")) {
        std::printf("  derived %s: NOT regenerated: %s (it stays stale; run `barlake regenerate --stale`)\n",
                    name.c_str(), d.value("error", std::string()).c_str());
      } else if (d.contains("skipped_because")) {
        std::printf("  derived %s: not rebuilt: %s\n", name.c_str(), d.value("skipped_because", std::string()).c_str());
      } else {
        std::printf("  derived %s: regenerated by job %lld (%lld partitions rewritten)\n", name.c_str(),
                    static_cast<long long>(d.value("job", int64_t{0})),
                    static_cast<long long>(d.value("partitions_written", int64_t{0})));
      }
    }
  }
  if (report.is_object() && report.contains("regenerate_error")) {
    std::printf("  derived datasets NOT regenerated: %s (run `barlake regenerate --stale`)\n",
                report.value("regenerate_error", std::string()).c_str());
  }
  return 0;
}

// A live session job (docs/live.md): its day and how many polls it holds.
std::string LiveSessionSource(const barlake::Job& j) {
  const json report = json::parse(j.report_json, nullptr, false);
  const int64_t polls = report.is_object() ? report.value("polls", int64_t{0}) : 0;
  return j.source_path + ", " + std::to_string(polls) + (polls == 1 ? " poll" : " polls");
}

int CmdJobs(const Globals& g, bool as_json, int64_t limit) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto jobs, lk->Jobs(limit));
  if (as_json) {
    json arr = json::array();
    for (const auto& j : jobs) arr.push_back(JobJson(j));
    std::printf("%s\n", ToJsonText(arr, 2).c_str());
    return 0;
  }
  ASSIGN_OR_FAIL(auto tz, TimeZone::Locate(lk->Settings().display_tz));
  std::vector<std::vector<std::string>> rows;
  for (const auto& j : jobs) {
    rows.push_back({std::to_string(j.id), j.kind, j.status, j.symbol, j.timeframe, WithThousands(j.rows_read),
                    WithThousands(j.rows_written), WithThousands(j.rows_conflicting), std::to_string(j.partitions),
                    LocalText(tz, j.created_at / 1000000 * 1000000),
                    j.kind == "rollback" ? "job " + std::to_string(j.target_job)
                    : j.kind == "live"   ? LiveSessionSource(j)
                                         : Basename(j.source_path)});
  }
  std::printf("%s", FormatTable({"JOB", "KIND", "STATUS", "SYMBOL", "TF", "READ", "WRITTEN", "CONFLICTS", "PARTS",
                                 "CREATED", "SOURCE"},
                                rows)
                        .c_str());
  return 0;
}

int CmdJobShow(const Globals& g, int64_t id, bool as_json) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto detail, lk->GetJob(id));
  if (as_json) {
    std::printf("%s\n", ToJsonText(lake::JobDetailJson(detail), 2).c_str());
    return 0;
  }
  const barlake::Job* j = &detail.job;
  const std::vector<barlake::PartitionChange>* changes = &detail.changes;
  std::printf("Job %lld: %s %s\n", static_cast<long long>(j->id), j->kind.c_str(), j->status.c_str());
  if (!j->source_path.empty()) std::printf("  source    %s\n  sha256    %s\n", j->source_path.c_str(), j->source_sha256.c_str());
  std::printf("  dataset   %s %s\n  rows      read %lld, written %lld, rejected %lld, conflicting %lld\n",
              j->symbol.c_str(), j->timeframe.c_str(), static_cast<long long>(j->rows_read),
              static_cast<long long>(j->rows_written), static_cast<long long>(j->rows_rejected),
              static_cast<long long>(j->rows_conflicting));
  std::printf("  created   %s\n  updated   %s\n", FormatIsoUtc(j->created_at).c_str(), FormatIsoUtc(j->updated_at).c_str());
  if (!j->command.empty()) std::printf("  command   %s\n", j->command.c_str());
  if (!j->error.empty()) std::printf("  error     %s\n", j->error.c_str());
  if (j->rolled_back_by) std::printf("  rolled back by job %lld\n", static_cast<long long>(j->rolled_back_by));
  for (const auto& c : *changes) {
    const std::string before = c.before_sha256.empty() ? "new" : std::to_string(c.before_rows) + " rows";
    const std::string after = c.after_sha256.empty() ? "removed" : std::to_string(c.after_rows) + " rows";
    std::printf("  %s  %s -> %s\n", c.path.c_str(), before.c_str(), after.c_str());
  }
  return 0;
}

int CmdDetect(const std::string& file, bool as_json) {
  auto source = lake::SourceFile::Open(file);  // mapped: only the head is read
  if (!source.ok()) return Fail(source.status());
  if (LooksLikeSnapshotFile(file)) {  // not a bar format: its own dataset kind
    const std::string why = "a JSON record with timestamp, ticker and strikes keys: a GEX option snapshot "
                            "(formats/gex-snapshots.md); `barlake import FILE` stores it as a snapshot dataset";
    if (as_json) {
      std::printf("%s\n",
                  ToJsonText(json{{"file", file}, {"format", "gex-json"}, {"why", why}, {"candidates", json::array()}}, 2)
                      .c_str());
    } else {
      std::printf("%s: gex-json\n  because %s\n", file.c_str(), why.c_str());
    }
    return 0;
  }
  const std::string base = file.substr(file.find_last_of('/') + 1);
  auto d = ingest::DetectFormat((*source)->data(), base);
  if (as_json) {
    json o = lake::DetectJson(file, d);
    std::printf("%s\n", ToJsonText(o, 2).c_str());
    return d.ok() ? 0 : ExitCodeFor(d.status());
  }
  if (!d.ok()) return Fail(d.status());
  std::printf("%s: %s\n  because %s\n", file.c_str(), std::string(d->format->name()).c_str(), d->why.c_str());
  for (const auto& [name, det] : d->candidates) {
    if (det.score > 0 && name != d->format->name()) std::printf("  also possible: %s (%d): %s\n", name.c_str(), det.score, det.why.c_str());
  }
  return 0;
}

json QuarantineJson(const barlake::QuarantinedRow& q) {
  auto num = [](double x) { return std::isfinite(x) ? json(x) : json(nullptr); };
  return {{"id", q.id},         {"job", q.job},       {"symbol", q.symbol}, {"timeframe", q.timeframe},
          {"line", q.line},     {"rule", q.rule},        {"field", q.field},   {"reason", q.reason},
          {"ts", q.rule == "parse_error" ? json(nullptr) : json(FormatIsoUtc(q.ts))}, {"open", num(q.open)}, {"high", num(q.high)}, {"low", num(q.low)},
          {"close", num(q.close)}, {"volume", num(q.volume)}, {"status", q.status},
          {"released_by_job", q.resolved_job}};
}

struct QuarantineArgs {
  std::string symbol, timeframe, status = "held";
  int64_t job = 0, limit = 200;
  bool as_json = false;
  std::vector<int64_t> ids;
};

int CmdQuarantineList(const Globals& g, const QuarantineArgs& a) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  if (a.status != "all" && a.status != "held" && a.status != "released" && a.status != "dropped") {
    return Fail(Status::InvalidArgument("--status must be held, released, dropped or all"));
  }
  const std::string status = a.status == "all" ? "" : a.status;
  auto rows = lk->Quarantine(
      {.symbol = a.symbol, .timeframe = a.timeframe, .status = status, .job = a.job, .limit = a.limit});
  if (!rows.ok()) return Fail(rows.status());
  if (a.as_json) {
    json arr = json::array();
    for (const auto& q : *rows) arr.push_back(QuarantineJson(q));
    std::printf("%s\n", ToJsonText(arr, 2).c_str());
    return 0;
  }
  if (rows->empty()) {
    std::printf("No quarantined rows%s.\n", status.empty() ? "" : (" with status " + status).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& q : *rows) {
    // A line that did not parse has no time: "-".
    table.push_back({std::to_string(q.id), q.symbol, q.timeframe, q.rule == "parse_error" ? "-" : FormatIsoUtc(q.ts), q.rule,
                     "job " + std::to_string(q.job) + " line " + std::to_string(q.line), q.status, q.reason.substr(0, 70)});
  }
  std::printf("%s", FormatTable({"ID", "SYMBOL", "TF", "BAR", "RULE", "SOURCE", "STATUS", "REASON"}, table).c_str());
  std::printf("Release with `barlake quarantine release ID...`, discard with `barlake quarantine drop ID...`.\n");
  return 0;
}

int CmdQuarantineShow(const Globals& g, int64_t id, bool as_json) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto q, lk->GetQuarantined(id));
  if (as_json) {
    std::printf("%s\n", ToJsonText(QuarantineJson(q), 2).c_str());
    return 0;
  }
  std::printf("Quarantined row %lld (%s)\n  dataset  %s %s\n  bar      %s  O %g H %g L %g C %g V %g\n"
              "  source   job %lld, line %u\n  rule     %s (field '%s')\n  reason   %s\n",
              static_cast<long long>(q.id), q.status.c_str(), q.symbol.c_str(), q.timeframe.c_str(),
              FormatIsoUtc(q.ts).c_str(), q.open, q.high, q.low, q.close, q.volume,
              static_cast<long long>(q.job), q.line, q.rule.c_str(), q.field.c_str(), q.reason.c_str());
  return 0;
}

int CmdQuarantineRelease(const Globals& g, const QuarantineArgs& a) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, true));
  ASSIGN_OR_FAIL(auto r, lk->ReleaseQuarantined(a.ids));
  if (a.as_json) {
    std::printf("%s\n", r.report_json.c_str());
  } else {
    std::printf("Job %lld released %zu row%s into %s %s (%lld added, %lld replaced)\n",
                static_cast<long long>(r.job.id), a.ids.size(), a.ids.size() == 1 ? "" : "s", r.job.symbol.c_str(),
                r.job.timeframe.c_str(), static_cast<long long>(r.rows_added), static_cast<long long>(r.rows_replaced));
  }
  return 0;
}

int CmdQuarantineDrop(const Globals& g, const QuarantineArgs& a) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  if (Status s = lk->DropQuarantined(a.ids); !s.ok()) return Fail(s);
  std::printf("Dropped %zu quarantined row%s (kept in the journal as dropped; never merged)\n", a.ids.size(),
              a.ids.size() == 1 ? "" : "s");
  return 0;
}

int CmdRecover(const Globals& g) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto recovered, lk->Recover());
  // Opening the vault may have recovered them already (and said so on stderr).
  recovered += static_cast<int64_t>(internal::LakeAccess::Inner(*lk)->recovered_on_open().size());
  std::printf("Recovered %lld interrupted job%s; the lake matches the journal.\n", static_cast<long long>(recovered),
              recovered == 1 ? "" : "s");
  return 0;
}

int CmdDemo(const Globals& g, const std::string& dir_arg, int days) {
  if (days < 1 || days > 20 * 366) return Fail(Status::InvalidArgument("--days must be 1 to 7320"));
  const std::string dir = dir_arg.empty() ? "barlake-demo" : dir_arg;
  Env* env = Env::Default();
  if (Status s = barlake::Lake::Init(dir, {.name = "barlake demo"}); s.ok()) {
    std::printf("Created demo vault %s\n", QuotedPath(dir).c_str());
  } else if (s.code() == ErrorCode::kAlreadyExists) {
    std::printf("Using existing demo vault %s\n", QuotedPath(dir).c_str());
  } else {
    return Fail(s);
  }
  const std::string samples = dir + "/samples";
  if (Status s = env->CreateDirs(samples); !s.ok()) return Fail(s);
  struct Item {
    const char* symbol;
    double price;
    double vol;
    uint64_t seed;
  };
  const Item items[] = {{"ES", 4800.0, 0.0003, 11}, {"NQ", 16800.0, 0.0004, 22}, {"CL", 72.0, 0.0006, 33}};
  Globals lg = g;
  lg.vault = dir;
  ASSIGN_OR_FAIL(auto lk, OpenVault(lg, true));
  // The samples end with the March 2025 contracts' last trade date and follow the CME
  // Globex calendar (holidays, early closes and all), so a fresh demo vault is healthy:
  // no holiday gaps, and not stale, since health judges it up to that end_date.
  const char* kEndDate = "2025-03-21";
  const int64_t end_day = DaysFromCivil(2025, 3, 22);  // exclusive
  const int64_t first_day = end_day - days;
  const calendar::Calendar* globex = calendar::CalendarSet::BuiltIn().Find("CME_Globex");
  if (!globex) return Fail(Status::Internal("the built-in CME_Globex calendar is missing"));
  ASSIGN_OR_FAIL(calendar::SessionList sessions,
                 globex->SessionsBetween(first_day * kMicrosPerDay, end_day * kMicrosPerDay));
  for (const auto& it : items) {
    const std::string path = samples + "/" + it.symbol + " 03-25.Last.txt";
    if (!env->FileExists(path)) {
      demo::SampleSpec spec;
      spec.symbol = it.symbol;
      unsigned month = 1, day = 1;
      CivilFromDays(first_day, &spec.start_year, &month, &day);
      spec.start_month = static_cast<int>(month);
      spec.start_day = static_cast<int>(day);
      spec.days = days;
      spec.sessions = &sessions;
      spec.start_price = it.price;
      spec.minute_volatility = it.vol;
      spec.seed = it.seed;
      int64_t rows = 0;
      ASSIGN_OR_FAIL(auto text, demo::MakeNinjaTraderExport(spec, &rows));
      if (Status s = WriteFileAtomic(env, path, text); !s.ok()) return Fail(s);
      std::printf("Generated %s (%s one-minute bars, NinjaTrader export, Los Angeles time)\n", path.c_str(),
                  WithThousands(rows).c_str());
    }
    barlake::ImportOptions options{.symbol = it.symbol, .timeframe = "1m", .tz = "America/Los_Angeles"};
    options.description = std::string(it.symbol) + " front-month futures, 1-minute bars (generated sample)";
    options.calendar = "CME_Globex";
    options.end_date = kEndDate;
    ASSIGN_OR_FAIL(auto r, lk->Import(barlake::Source::File(path), options));
    if (!r.skipped_because.empty()) {
      std::printf("Skipped %s: %s\n", it.symbol, r.skipped_because.c_str());
    } else {
      std::printf("Imported %s: job %lld, %s rows into %zu partitions\n", it.symbol,
                  static_cast<long long>(r.job.id), WithThousands(r.job.rows_written).c_str(),
                  r.partitions.size());
    }
  }
  // Derived data on the same lineage as any: ES's daily session statistics, stored and
  // rebuilt whenever an import changes ES 1m.
  ASSIGN_OR_FAIL(auto built, lk->DeclareTable({.symbol = "ES", .table = lake::kSessionStatsTable}));
  if (!built.skipped_because.empty()) {
    std::printf("ES session_stats: %s\n", built.skipped_because.c_str());
  } else {
    std::printf("Built ES session_stats: job %lld, %s sessions\n", static_cast<long long>(built.job.id),
                WithThousands(built.rows_written).c_str());
  }
  std::printf("\n");
  int rc = CmdStatus(lg, false);
  if (rc != 0) return rc;
  const std::string b = g.program + " --vault " + dir;
  std::printf(
      "\nTry next:\n"
      "  %s read ES 1m --from 2024-03-15T13:30:00Z --to 2024-03-15T14:00:00Z\n"
      "  %s query \"SELECT symbol, count(*) AS bars, min(low), max(high) FROM bars GROUP BY ALL\"\n"
      "  %s query \"SELECT trade_date, high, high_time, range FROM session_stats ORDER BY 1 DESC LIMIT 5\"\n"
      "  %s jobs\n"
      "  %s verify\n"
      "  %s import '%s/samples/ES 03-25.Last.txt' --symbol ES --timeframe 1m   (skipped: already imported)\n"
      "Any Parquet reader sees the lake as it is, e.g. in DuckDB:\n"
      "  SELECT count(*) FROM read_parquet('%s/lake/**/*.parquet', hive_partitioning=true)\n",
      b.c_str(), b.c_str(), b.c_str(), b.c_str(), b.c_str(), b.c_str(), dir.c_str(), dir.c_str());
  return 0;
}

/// The first word of the command line that is not a global option or its value: what the
/// user meant as the command.
std::string FirstCommandWord(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--vault" || word == "--wait") {
      ++i;  // its value
    } else if (word.empty() || word[0] != '-') {
      return word;
    }
  }
  return "";
}

bool IsCommand(const CLI::App& app, const std::string& word) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->check_name(word)) return true;
  }
  return false;
}

/// " (did you mean 'status'?)" for the command closest to `word`, when one is close.
std::string SuggestionFor(const CLI::App& app, const std::string& word) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const CLI::App* sub : app.get_subcommands({})) {
    const std::string& name = sub->get_name();
    const bool prefix = word.size() >= 3 && name.rfind(word, 0) == 0;
    const size_t d = prefix ? 1 : EditDistance(word, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

/// The closest long option (e.g. "--timeframe") to `word` among those `command` and the
/// commands above it accept (options fall through), or "" when none is close.
std::string ClosestOption(const CLI::App* command, const std::string& word) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const CLI::App* app = command; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : app->get_options()) {
      for (const std::string& long_name : option->get_lnames()) {
        const std::string name = "--" + long_name;
        const size_t d = EditDistance(word, name);
        if (d < best_distance) {
          best_distance = d;
          best = name;
        }
      }
    }
  }
  return best;
}

/// The innermost command the user named ("barlake snapshots import" for those words).
const CLI::App* InnermostCommand(const CLI::App& app) {
  const CLI::App* command = &app;
  for (;;) {
    const auto chosen = command->get_subcommands();
    if (chosen.empty()) return command;
    command = chosen.front();
  }
}

/// CLI11's "The following arguments were not expected" names neither the command nor the fix.
/// For an unknown option, say whose option it is not, suggest the closest one and point
/// at the command's --help.
bool ReportUnexpectedArguments(const CLI::App& app) {
  const CLI::App* command = InnermostCommand(app);
  std::vector<std::string> extras = command->remaining();
  if (extras.empty()) extras = app.remaining();
  if (extras.empty()) return false;
  std::string path;
  for (const CLI::App* a = command; a != nullptr && a->get_parent() != nullptr; a = a->get_parent()) {
    path = a->get_name() + (path.empty() ? "" : " " + path);
  }
  const std::string usage = path.empty() ? "barlake" : "barlake " + path;
  const std::string& first = extras.front();
  std::string hint;
  if (first.size() > 1 && first[0] == '-') {
    const std::string flag = first.substr(0, first.find('='));
    const std::string closest = ClosestOption(command, flag);
    if (!closest.empty()) hint = " (did you mean '" + closest + "'?)";
    std::fprintf(stderr, "barlake: error: `%s` has no option %s%s; `%s --help` lists its options\n",
                 usage.c_str(), QuoteBytes(flag).c_str(), hint.c_str(), usage.c_str());
  } else {
    std::fprintf(stderr, "barlake: error: `%s` does not take %s here; `%s --help` shows what it takes\n",
                 usage.c_str(), QuoteBytes(first).c_str(), usage.c_str());
  }
  return true;
}

}  // namespace

void AddCommands(CLI::App& app, Globals& g, int& rc) {
  app.require_subcommand(1);
  app.fallthrough();  // --vault and --wait work before or after the command
  app.set_version_flag("--version", "barlake 0.1.0");
  app.add_option("--vault", g.vault, "Vault folder (default: $BARLAKE_VAULT, else the current folder)");
  app.add_option("--wait", g.wait_seconds, "Seconds to wait for another writer to finish (default 30)")
      ->check(CLI::NonNegativeNumber);
  // The options write into these statics: one command line is parsed per process.

  static std::string init_dir;
  static barlake::InitOptions init_opt;
  auto* init = AddCommand(app, "init", "Create a vault", rc, [&] { return CmdInit(init_dir, init_opt); });
  init->add_option("DIR", init_dir, "Folder for the new vault")->required();
  init->add_option("--name", init_opt.name, "Vault name");
  init->add_option("--display-tz", init_opt.display_tz, "Zone times are shown in (default America/New_York)");
  init->add_option("--source-tz", init_opt.default_source_tz,
                   "Zone of naive source stamps (default America/Los_Angeles)");

  static ImportArgs ia;
  auto* imp = AddCommand(app, "import", "Import a bar file (journaled, idempotent, crash-safe)", rc,
                         [&] { return CmdImport(g, ia); });
  AddSourceOptions(imp, ia, false);
  imp->add_option("--calendar", ia.options.calendar,
                  "Session calendar of a new dataset (see `barlake calendars`); bars outside it are reported");
  imp->add_option("--on-conflict", ia.on_conflict, "When a stored bar differs: keep (default), replace, fail");
  imp->add_flag("--dry-run", ia.options.dry_run, "Show what would change and write nothing");
  imp->add_flag("--no-alignment-check", ia.options.skip_alignment_check,
                "Merge even when the file's stamps look shifted against the stored bars");
  imp->add_flag("--force", ia.options.force,
                "Import even when more rows are rejected than the dataset allows (they go to quarantine)");
  imp->add_flag("--reimport", ia.options.reimport,
                "The file was imported before with other options (--tz, --stamp, --format, --columns): "
                "replace that job's bars with this reading in one new job");

  static ImportArgs ca_args;
  auto* ca = AddCommand(app, "check-alignment",
                        "Compare a file with the stored bars and name a time-zone or stamping shift", rc,
                        [&] { return CmdCheckAlignment(g, ca_args); });
  AddSourceOptions(ca, ca_args, true);

  static bool st_json = false, st_disk = false;
  auto* st = AddCommand(app, "status", "Datasets in the vault (from the catalog)", rc,
                        [&] { return st_disk ? CmdStatusDisk(g, st_json) : CmdStatus(g, st_json); });
  st->add_flag("--json", st_json, "JSON output (ISO 8601 UTC times)");
  st->add_flag("--disk", st_disk, "The space each area takes: lake, versions, sources, quarantine, staging, journal");

  static ReadArgs ra;
  auto* rd = AddCommand(app, "read", "Print bars of a dataset", rc, [&] { return CmdRead(g, ra); });
  AddDatasetRangeOptions(rd, ra.symbol, ra.timeframe, ra.from, ra.to);
  rd->add_option("--format", ra.format, "csv (default), json or parquet");
  rd->add_option("--tz", ra.tz, "Show times in this zone instead of UTC");
  rd->add_option("--output,-o", ra.output, "Write to a file instead of standard output");

  static std::string sql, qformat = "table";
  auto* qy = AddCommand(app, "query", "SQL over the lake (DuckDB) with a view bars(symbol, timeframe, ts, ...)", rc,
                        [&] { return CmdQuery(g, sql, qformat); });
  qy->add_option("SQL", sql, "One DuckDB SELECT over the views (docs/cli.md#query)")->required();
  qy->add_option("--format", qformat, "table (default) or csv");

  static bool vf_json = false;
  auto* vf = AddCommand(app, "verify", "Re-check every file against the journal", rc,
                        [&] { return CmdVerify(g, vf_json); });
  vf->add_flag("--json", vf_json, "Print one JSON object");

  static int64_t rb_job = 0;
  static bool rb_json = false;
  auto* rb = AddCommand(app, "rollback", "Undo a job: restore the partitions it changed", rc,
                        [&] { return CmdRollback(g, rb_job, rb_json); });
  rb->add_option("JOB", rb_job, "Id of the job to undo (see `barlake jobs`)")->required();
  rb->add_flag("--json", rb_json, "Print the rollback job as JSON");

  auto* jobs = app.add_subcommand("jobs", "The job journal (newest first)");
  static bool jobs_json = false;
  static int64_t jobs_limit = 50;
  jobs->add_flag("--json", jobs_json, "Print a JSON array");
  jobs->add_option("--limit", jobs_limit, "How many jobs (default 50)");
  static int64_t show_id = 0;
  static bool show_json = false;
  auto* show = AddCommand(*jobs, "show", "One job with the partitions it touched", rc,
                          [&] { return CmdJobShow(g, show_id, show_json || jobs_json); });
  show->add_option("ID", show_id, "Job id")->required();
  show->add_flag("--json", show_json, "Print one JSON object");
  jobs->callback([&g, &rc, jobs] {
    if (jobs->get_subcommands().empty()) rc = CmdJobs(g, jobs_json, jobs_limit);
  });

  static std::string det_file;
  static bool det_json = false;
  auto* det = AddCommand(app, "detect", "Tell which format a file is in, and why", rc,
                         [&] { return CmdDetect(det_file, det_json); });
  det->add_option("FILE", det_file, "File to look at (only its head is read)")->required();
  det->add_flag("--json", det_json, "Print one JSON object");

  auto* quar = app.add_subcommand("quarantine", "Rows imports rejected: list, show, release, drop");
  quar->require_subcommand(1);
  static QuarantineArgs qa;
  auto* ql = AddCommand(*quar, "list", "Quarantined rows (held by default)", rc,
                        [&] { return CmdQuarantineList(g, qa); });
  ql->add_option("--symbol", qa.symbol, "Only rows of this symbol");
  ql->add_option("--timeframe", qa.timeframe, "Only rows of this timeframe");
  ql->add_option("--status", qa.status, "held (default), released, dropped or all");
  ql->add_option("--job", qa.job, "Only rows rejected by this job");
  ql->add_option("--limit", qa.limit, "At most this many rows (default 200)");
  ql->add_flag("--json", qa.as_json, "Print a JSON array");
  static int64_t qs_id = 0;
  auto* qs = AddCommand(*quar, "show", "One quarantined row", rc,
                        [&] { return CmdQuarantineShow(g, qs_id, qa.as_json); });
  qs->add_option("ID", qs_id, "Quarantined row id (see `barlake quarantine list`)")->required();
  qs->add_flag("--json", qa.as_json, "Print one JSON object");
  auto* qr = AddCommand(*quar, "release", "Merge quarantined rows through the normal write protocol", rc,
                        [&] { return CmdQuarantineRelease(g, qa); });
  qr->add_option("ID", qa.ids, "Quarantined row ids, all of one dataset")->required();
  qr->add_flag("--json", qa.as_json, "Print the release job's report as JSON");
  auto* qd = AddCommand(*quar, "drop", "Discard quarantined rows", rc, [&] { return CmdQuarantineDrop(g, qa); });
  qd->add_option("ID", qa.ids, "Quarantined row ids")->required();

  AddCommand(app, "recover", "Finish or undo jobs interrupted by a crash", rc, [&] { return CmdRecover(g); });

  static std::string demo_dir;
  static int demo_days = 730;
  auto* demo = AddCommand(app, "demo", "Create a demo vault from generated sample data and import it", rc,
                          [&] { return CmdDemo(g, demo_dir, demo_days); });
  demo->add_option("DIR", demo_dir, "Folder for the demo vault (default ./barlake-demo)");
  demo->add_option("--days", demo_days, "Calendar days of generated bars, ending 2025-03-21 (default 730)");

  AddCalendarCommands(app, g, rc);
  AddDeriveCommands(app, g, rc);
  AddHealthCommands(app, g, rc);
  AddServeCommands(app, g, rc);
  AddSnapshotCommands(app, g, rc);
  AddStatsCommands(app, g, rc);
  AddUpdateCommands(app, g, rc);
  AddDatasetOpsCommands(app, g, rc);
  AddBackupCommands(app, g, rc);
  AddScheduleCommands(app, g, rc);
  AddFundamentalsCommands(app, g, rc);
  AddRepairCommands(app, g, rc);
  AddGcCommands(app, g, rc);
  AddMigrateCommands(app, g, rc);
}

int Run(int argc, char** argv) {
  Globals g;
  for (int i = 0; i < argc; ++i) g.command_line += (i ? " " : "") + std::string(argv[i]);
  if (argc > 0 && std::string(argv[0]).find('/') != std::string::npos) g.program = argv[0];
  CLI::App app{"barlake: a local-first, crash-safe lake for market bars (OHLCV)", "barlake"};
  int rc = 0;
  AddCommands(app, g, rc);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0 && app.get_subcommands().empty()) {
      if (std::string word = FirstCommandWord(argc, argv); !word.empty() && !IsCommand(app, word)) {
        std::fprintf(stderr, "barlake: error: unknown command %s%s; `barlake --help` lists the commands\n",
                     QuoteBytes(word).c_str(), SuggestionFor(app, word).c_str());
        return static_cast<int>(ExitCode::kUsage);
      }
    }
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && ReportUnexpectedArguments(app)) {
      return static_cast<int>(ExitCode::kUsage);
    }
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(ExitCode::kUsage);
  }
  return rc;
}

}  // namespace barlake::cli
