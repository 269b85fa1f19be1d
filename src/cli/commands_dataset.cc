// `dataset drop` and `dataset rename` (docs/cli.md#dataset-drop): journaled jobs through the
// public API, undone by `barlake rollback JOB`. `dataset set` lives in commands_calendar.cc.
#include <cstdio>

#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "core/json_text.h"

namespace barlake::cli {
namespace {

struct DropArgs {
  std::string symbol, timeframe;
  bool with_dependents = false, as_json = false;
};

struct RenameArgs {
  std::string symbol, timeframe, new_symbol;
  bool as_json = false;
};

// With --json a dataset command prints the job's record and nothing else.
bool PrintedAsJson(const barlake::Job& job, bool as_json) {
  if (as_json) std::printf("%s\n", ToJsonText(JobJson(job)).c_str());
  return as_json;
}

int CmdDatasetDrop(const Globals& g, const DropArgs& a) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto job, lk->DropDataset(a.symbol, a.timeframe, a.with_dependents));
  if (PrintedAsJson(job, a.as_json)) return 0;
  const nlohmann::json report = nlohmann::json::parse(job.report_json, nullptr, false);
  std::printf("Job %lld dropped %s %s.\n", static_cast<long long>(job.id), a.symbol.c_str(),
              a.timeframe.c_str());
  if (report.is_object() && report.contains("dropped") && report["dropped"].is_array()) {
    for (const auto& d : report["dropped"]) {
      std::printf("  %-20s %lld partitions, %lld bars\n", d.value("dataset", std::string("?")).c_str(),
                  static_cast<long long>(d.value("partitions", int64_t{0})),
                  static_cast<long long>(d.value("rows", int64_t{0})));
    }
  }
  std::printf("The files are kept under .barlake/versions/; `barlake rollback %lld` brings the dataset back.\n",
              static_cast<long long>(job.id));
  return 0;
}

int CmdDatasetRename(const Globals& g, const RenameArgs& a) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto job, lk->RenameDataset(a.symbol, a.timeframe, a.new_symbol));
  if (PrintedAsJson(job, a.as_json)) return 0;
  // The job's own count also holds the removals and barlake.toml; the report has the moves.
  const nlohmann::json report = nlohmann::json::parse(job.report_json, nullptr, false);
  const int64_t moved = report.is_object() ? report.value("partitions", int64_t{0}) : 0;
  std::printf("Job %lld renamed %s %s to %s %s (%lld partitions, %lld bars).\n", static_cast<long long>(job.id),
              a.symbol.c_str(), a.timeframe.c_str(), a.new_symbol.c_str(), a.timeframe.c_str(),
              static_cast<long long>(moved), static_cast<long long>(job.rows_written));
  std::printf("`barlake rollback %lld` undoes it.\n", static_cast<long long>(job.id));
  return 0;
}

}  // namespace

void AddDatasetOpsCommands(CLI::App& app, Globals& g, int& rc) {
  CLI::App* ds = app.get_subcommand("dataset");  // made by AddCalendarCommands
  ds->description("A dataset's settings, drop and rename");

  static DropArgs da;
  auto* drop = AddCommand(*ds, "drop", "Remove a dataset as one job (`barlake rollback JOB` brings it back)", rc,
                          [&] { return CmdDatasetDrop(g, da); });
  drop->add_option("SYMBOL", da.symbol, "Dataset symbol")->required();
  drop->add_option("TIMEFRAME", da.timeframe, "Dataset timeframe, e.g. 1m")->required();
  drop->add_flag("--with-dependents", da.with_dependents,
                 "Also drop the derived datasets built from it (same job)");
  drop->add_flag("--json", da.as_json, "Print the drop job as JSON");

  static RenameArgs ra;
  auto* rename = AddCommand(*ds, "rename", "Give a bar dataset another symbol as one job (rollback undoes it)", rc,
                            [&] { return CmdDatasetRename(g, ra); });
  rename->add_option("SYMBOL", ra.symbol, "Dataset symbol")->required();
  rename->add_option("TIMEFRAME", ra.timeframe, "Dataset timeframe, e.g. 1m")->required();
  rename->add_option("NEWSYMBOL", ra.new_symbol, "The new symbol")->required();
  rename->add_flag("--json", ra.as_json, "Print the rename job as JSON");
}

}  // namespace barlake::cli
