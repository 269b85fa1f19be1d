// Subcommands of the snapshot area (registered from Run() in commands.cc):
//   barlake snapshots import FILE... [--on-conflict keep|replace|fail] [--dry-run] [--json]
//   barlake snapshots read TICKER [--from T] [--to T] [--format csv|json] [--missing-as-null]
//   barlake snapshots list [--json]
// `barlake import FILE` routes a GEX snapshot file here too (detected, or --format gex-json),
// and `barlake query` gets the `snapshots` / `snapshots_raw` views from Lake::OpenQuery.
// See docs/cli.md and docs/formats/gex-snapshots.md.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <limits>

#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "cli/output.h"
#include "core/json_text.h"
#include "ingest/gex_snapshot.h"
#include "lake/snapshot_import.h"
#include "storage/duckdb_conn.h"
#include "storage/snapshot_store.h"

namespace barlake::cli {
namespace {

using nlohmann::json;

bool ZeroMeansMissing(const char* column) {
  for (const char* c : storage::kSnapshotZeroMeansMissing) {
    if (std::string_view(c) == column) return true;
  }
  return false;
}

void PrintSnapshotResult(const lake::SnapshotImportResult& r, const std::string& file) {
  const journal::JobRecord& j = r.job;
  if (!r.skipped_because.empty()) {
    std::printf("Skipped '%s': %s\n", file.c_str(), r.skipped_because.c_str());
    return;
  }
  std::string tickers;
  for (const auto& t : r.tickers) tickers += (tickers.empty() ? "" : ", ") + t;
  if (r.dry_run) {
    std::printf("Dry run of '%s' (gex-json, %s): nothing was written\n", file.c_str(), tickers.c_str());
  } else {
    std::printf("Imported '%s' (gex-json, %s) as job %lld\n", file.c_str(), tickers.c_str(),
                static_cast<long long>(j.id));
  }
  for (const auto& n : r.notes) std::printf("  note: %s\n", n.c_str());
  std::printf("  snapshots         %lld (%s strike rows)\n", static_cast<long long>(r.snapshots),
              WithThousands(j.rows_read).c_str());
  PrintMergeCounts(r.rows_added, r.rows_identical, j.rows_conflicting, r.rows_replaced, "rows");
  if (r.duplicate_rows_dropped) {
    std::printf("  note: %lld rows repeated identically in the file were dropped\n",
                static_cast<long long>(r.duplicate_rows_dropped));
  }
  std::printf("  partitions        %zu\n", r.partitions.size());
  for (size_t k = 0; k < std::min<size_t>(r.conflicts.size(), 5); ++k) {
    const auto& c = r.conflicts[k];
    std::printf("  conflict %s %s strike %g: %s stored %g / file %g\n", c.ticker.c_str(), FormatIsoUtc(c.ts).c_str(),
                c.strike, c.column.c_str(), c.stored, c.incoming);
  }
}

struct ReadArgs {
  std::string ticker, from, to, format = "csv", output;
  bool missing_as_null = false;
};

int CmdSnapshotsRead(const Globals& g, const ReadArgs& a) {
  ASSIGN_OR_FAIL(auto range, ParseTimeRange(a.from, a.to));
  const auto [from, to] = range;
  if (a.format != "csv" && a.format != "json") return Fail(Status::InvalidArgument("--format must be csv or json"));
  ASSIGN_OR_FAIL(auto lk, OpenLake(g, false));
  ASSIGN_OR_FAIL(auto rows, lk->ReadSnapshots(a.ticker, from, to));
  const storage::SnapshotRows& r = rows;
  fmt::memory_buffer buf;
  auto out = std::back_inserter(buf);
  // A sentinel zero prints as empty (csv) / null (json) with --missing-as-null.
  auto missing = [&](size_t k, double v) { return a.missing_as_null && v == 0 && ZeroMeansMissing(storage::kSnapshotValueColumns[k]); };
  if (a.format == "csv") {
    fmt::format_to(out, "ts,ticker,strike");
    for (const char* c : storage::kSnapshotValueColumns) fmt::format_to(out, ",{}", c);
    fmt::format_to(out, "\n");
    for (size_t i = 0; i < r.size(); ++i) {
      fmt::format_to(out, "{},{},{}", FormatIsoUtc(r.ts[i]), a.ticker, r.strike[i]);
      for (size_t k = 0; k < storage::kSnapshotValueCount; ++k) {
        if (missing(k, r.values[i][k])) {
          fmt::format_to(out, ",");
        } else {
          fmt::format_to(out, ",{}", r.values[i][k]);
        }
      }
      fmt::format_to(out, "\n");
    }
  } else {
    buf.push_back('[');
    for (size_t i = 0; i < r.size(); ++i) {
      fmt::format_to(out, "{}{{\"ts\":\"{}\",\"ticker\":\"{}\",\"strike\":{}", i ? ",\n" : "\n", FormatIsoUtc(r.ts[i]),
                     a.ticker, r.strike[i]);
      for (size_t k = 0; k < storage::kSnapshotValueCount; ++k) {
        if (missing(k, r.values[i][k])) {
          fmt::format_to(out, ",\"{}\":null", storage::kSnapshotValueColumns[k]);
        } else {
          fmt::format_to(out, ",\"{}\":{}", storage::kSnapshotValueColumns[k], r.values[i][k]);
        }
      }
      buf.push_back('}');
    }
    fmt::format_to(out, "\n]\n");
  }
  FILE* f = stdout;
  if (!a.output.empty()) {
    f = std::fopen(a.output.c_str(), "w");
    if (!f) return Fail(Status::FromErrno(errno, "cannot create", a.output));
  }
  std::fwrite(buf.data(), 1, buf.size(), f);
  if (f != stdout && std::fclose(f) != 0) return Fail(Status::FromErrno(errno, "cannot write", a.output));
  return 0;
}

int CmdSnapshotsList(const Globals& g, bool as_json) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto ds, lk->Datasets());
  ASSIGN_OR_FAIL(auto tz, TimeZone::Locate(lk->Settings().display_tz));
  json arr = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : ds) {
    if (d.kind != "snapshot") continue;
    arr.push_back({{"ticker", d.symbol},
                   {"kind", d.timeframe},
                   {"first_snapshot", FormatIsoUtc(d.first_ts)},
                   {"last_snapshot", FormatIsoUtc(d.last_ts)},
                   {"rows", d.rows},
                   {"bytes", d.bytes},
                   {"partitions", d.partitions},
                   {"last_job", d.last_job}});
    rows.push_back({d.symbol, d.timeframe, LocalText(tz, d.first_ts), LocalText(tz, d.last_ts),
                    WithThousands(d.rows), HumanBytes(d.bytes), std::to_string(d.partitions),
                    std::to_string(d.last_job)});
  }
  if (as_json) {
    std::printf("%s\n", ToJsonText(arr, 2).c_str());
  } else if (rows.empty()) {
    std::printf("No snapshot datasets. Import one with: barlake import SPX_2026-02-25_rt.json\n");
  } else {
    std::printf("%s", FormatTable({"TICKER", "KIND", "FIRST (" + tz.name() + ")", "LAST", "ROWS", "SIZE", "PARTS", "JOB"},
                                  rows)
                          .c_str());
  }
  return 0;
}

}  // namespace

bool LooksLikeSnapshotFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::string head(64 * 1024, '\0');
  f.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(f.gcount()));
  return ingest::DetectGexSnapshot(head) > 0;
}

int ImportSnapshotFiles(const Globals& g, const std::vector<std::string>& files, const std::string& on_conflict,
                        bool dry_run, bool as_json) {
  ASSIGN_OR_FAIL(auto policy, lake::ParseConflictPolicy(on_conflict));
  ASSIGN_OR_FAIL(auto lk, OpenLake(g, false));
  for (const auto& file : files) {
    lake::SnapshotImportRequest req;
    req.path = file;
    req.on_conflict = policy;
    req.dry_run = dry_run;
    ASSIGN_OR_FAIL(auto r, lk->ImportSnapshots(req));
    if (as_json) {
      std::printf("%s\n", r.ReportJson().c_str());
    } else {
      PrintSnapshotResult(r, file);
    }
  }
  return 0;
}

void AddSnapshotCommands(CLI::App& app, Globals& g, int& rc) {
  // The options bind to this state, which the callbacks keep alive past this function.
  struct State {
    std::vector<std::string> files;
    std::string on_conflict = "keep";
    bool dry_run = false, import_json = false, list_json = false;
    ReadArgs read;
  };
  auto st = std::make_shared<State>();
  auto* snap = app.add_subcommand("snapshots", "Option/GEX snapshot datasets (GexBot JSON): import, read, list");
  snap->require_subcommand(1);

  auto* imp = AddCommand(*snap, "import", "Import GexBot snapshot JSON files (journaled, idempotent, crash-safe)", rc,
                         [&g, st] { return ImportSnapshotFiles(g, st->files, st->on_conflict, st->dry_run, st->import_json); });
  imp->add_option("FILE", st->files, "Snapshot files (.json: one response, an array of them, or JSON Lines)")
      ->required();
  imp->add_option("--on-conflict", st->on_conflict,
                  "When a stored (ts, strike) row differs: keep (default), replace, fail");
  imp->add_flag("--dry-run", st->dry_run, "Show what would change and write nothing");
  imp->add_flag("--json", st->import_json, "Print one JSON object per file");

  auto* rd = AddCommand(*snap, "read", "Print the snapshot rows of a ticker (one row per snapshot and strike)", rc,
                        [&g, st] { return CmdSnapshotsRead(g, st->read); });
  rd->add_option("TICKER", st->read.ticker, "e.g. SPX")->required();
  rd->add_option("--from", st->read.from, "First snapshot time, ISO 8601 (default: the first)");
  rd->add_option("--to", st->read.to, "End (exclusive), ISO 8601 (default: after the last)");
  rd->add_option("--format", st->read.format, "csv (default) or json");
  rd->add_option("--output", st->read.output, "Write to FILE instead of stdout");
  rd->add_flag("--missing-as-null", st->read.missing_as_null,
               "Print the source's 0 = not available fields (zero_gamma, *_oi, ...) as empty / null");

  auto* ls = AddCommand(*snap, "list", "List the snapshot datasets", rc,
                        [&g, st] { return CmdSnapshotsList(g, st->list_json); });
  ls->add_flag("--json", st->list_json, "Print JSON");
}

}  // namespace barlake::cli
