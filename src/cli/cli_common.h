// What every command file of the CLI shares: the global options, opening the lake,
// turning a Status into a message and an exit code, and small formatting helpers.
//
// Commands are grouped by area, one file each (commands.cc: vault, import, read, jobs;
// commands_<area>.cc for the rest), and each file registers its subcommands through one
// Add<Area>Commands function called from Run().
#pragma once
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "barlake/lake.h"
#include "core/result.h"
#include "core/status.h"
#include "core/time_util.h"
#include "core/time_zone.h"
#include "journal/journal.h"
#include "lake/lake.h"
#include "lake/lake_json.h"

namespace barlake::cli {

struct Globals {
  std::string vault;
  double wait_seconds = 30;
  std::string command_line;
  std::string program = "barlake";  // how the user invoked us, for hints they can paste
};

/// Print "barlake: error: <message>" to stderr and return the exit code for `s`.
int Fail(const Status& s);
/// In a command (which returns an exit code): `lhs = value of expr`, or print its error and
/// return its exit code. The CLI's ASSIGN_OR_RETURN.
#define ASSIGN_OR_FAIL(lhs, expr) ASSIGN_OR_FAIL_IMPL(BARLAKE_CONCAT(_cli_res_, __LINE__), lhs, expr)
#define ASSIGN_OR_FAIL_IMPL(tmp, lhs, expr)              \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) return ::barlake::cli::Fail(tmp.status()); \
  lhs = std::move(tmp).value()
/// --vault, else $BARLAKE_VAULT, else the current folder.
std::string VaultDir(const Globals& g);
/// Open the vault's lake; `progress` draws a progress bar when stderr is a terminal.
Result<std::unique_ptr<lake::Lake>> OpenLake(const Globals& g, bool progress);
/// The same, through the public API (include/barlake/lake.h): what the core commands use.
Result<std::unique_ptr<barlake::Lake>> OpenVault(const Globals& g, bool progress);
/// Open the vault (OpenVault) and run `body` on it; its exit code, or the opening error's.
template <class Body>
int WithVault(const Globals& g, bool progress, Body&& body) {
  auto lake = OpenVault(g, progress);
  if (!lake.ok()) return Fail(lake.status());
  return body(**lake);
}
/// The merge lines of an import report: rows added, identical, conflicting (and what
/// became of the conflicting ones; `kept` names the stored unit, "bars" or "rows").
void PrintMergeCounts(int64_t added, int64_t identical, int64_t conflicting, int64_t replaced, const char* kept);
/// "2024-01-15 09:30:00-05:00": a UTC instant in `tz`, for tables.
std::string LocalText(TimeZone& tz, Micros ts);
std::string Basename(const std::string& path);
/// A path from the command line as messages show it: its bytes, with what is not valid
/// UTF-8 and control bytes as \xHH (core/text.h), never cut. Quoted: in single quotes.
std::string EscapedPath(const std::string& path);
std::string QuotedPath(const std::string& path);

/// [from, to) from the --from / --to texts (ISO 8601, UTC unless an offset is given); an
/// empty text leaves that end open (kOpenRangeStart / kOpenRangeEnd). kInvalidArgument
/// names the option that does not parse.
struct TimeRange {
  Micros from = kOpenRangeStart, to = kOpenRangeEnd;
};
Result<TimeRange> ParseTimeRange(const std::string& from, const std::string& to);
/// The SYMBOL TF positionals and the --from / --to options (ParseTimeRange) of a command
/// that reads a range of one dataset (`read`, `gaps`).
void AddDatasetRangeOptions(CLI::App* cmd, std::string& symbol, std::string& timeframe, std::string& from,
                            std::string& to);
using lake::JobJson;  // the JSON shapes live in lake/lake_json.h, shared with the HTTP API

/// Every command and the global options on `app` (commands.cc); `rc` receives the exit
/// code of the command that ran. The options are bound to statics: one parse per process
/// (and per test that walks the tree).
void AddCommands(CLI::App& app, Globals& g, int& rc);

// Registration of the subcommands of each area (commands_<area>.cc). `rc` receives the
// exit code of the command that ran.
void AddCalendarCommands(CLI::App& app, Globals& g, int& rc);
void AddDeriveCommands(CLI::App& app, Globals& g, int& rc);
void AddHealthCommands(CLI::App& app, Globals& g, int& rc);
void AddServeCommands(CLI::App& app, Globals& g, int& rc);
void AddSnapshotCommands(CLI::App& app, Globals& g, int& rc);
void AddStatsCommands(CLI::App& app, Globals& g, int& rc);
void AddUpdateCommands(CLI::App& app, Globals& g, int& rc);
/// `dataset drop` and `dataset rename` (commands_dataset.cc), after AddCalendarCommands.
void AddDatasetOpsCommands(CLI::App& app, Globals& g, int& rc);
void AddBackupCommands(CLI::App& app, Globals& g, int& rc);  // commands_backup.cc
void AddScheduleCommands(CLI::App& app, Globals& g, int& rc);
void AddFundamentalsCommands(CLI::App& app, Globals& g, int& rc);  // commands_fundamentals.cc
/// BARLAKE_CRASH_AT's hook in test builds (cli_common.cc), nullptr otherwise: for writers
/// the CLI does not open through OpenLake (the scheduler of `serve`).
lake::CrashHook TestCrashHook();
/// `repair` (commands_repair.cc).
void AddRepairCommands(CLI::App& app, Globals& g, int& rc);
/// `gc`, `gitignore`, `check --deploy` and the gc schedule action (commands_gc.cc).
void AddGcCommands(CLI::App& app, Globals& g, int& rc);
/// `status --disk`: the space each area of the vault takes (commands_gc.cc).
int CmdStatusDisk(const Globals& g, bool as_json);

/// The table of regenerate results (`resample`, `regenerate`, `stats --save`, `touches
/// --save`) or their JSON; returns the exit code (commands_derive.cc).
int PrintRegenerateItems(const std::vector<barlake::RegenerateResult>& items, bool as_json);

// Snapshot hooks used by `import` in commands.cc (commands_snapshot.cc).
/// True when the head of `path` is a GEX snapshot file (ingest/gex_snapshot.h).
bool LooksLikeSnapshotFile(const std::string& path);
int ImportSnapshotFiles(const Globals& g, const std::vector<std::string>& files, const std::string& on_conflict,
                        bool dry_run, bool as_json);

}  // namespace barlake::cli
