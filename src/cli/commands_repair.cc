// `barlake repair`: rebuild damaged or missing partition files (docs/integrity.md).
#include <cstdio>

#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "core/json_text.h"

namespace barlake::cli {
namespace {

using nlohmann::json;

int CmdRepair(const Globals& g, bool dry_run, bool as_json) {
  ASSIGN_OR_FAIL(auto lk, OpenVault(g, false));
  ASSIGN_OR_FAIL(auto rep, lk->Repair(dry_run));
  const bool whole = rep.all_repairable();
  if (as_json) {
    json items = json::array();
    for (const auto& i : rep.items) {
      items.push_back({{"path", i.path},
                       {"problem", i.problem},
                       {"method", i.method},
                       {"action", i.action},
                       {"repaired", i.repaired}});
    }
    std::printf("%s\n", ToJsonText(json{{"dry_run", rep.dry_run},
                                        {"files_checked", rep.files_checked},
                                        {"job", rep.job},
                                        {"ok", whole},
                                        {"items", items}},
                                   2)
                            .c_str());
  } else if (rep.items.empty()) {
    std::printf("OK: %lld files checked, none damaged; nothing to repair.\n",
                static_cast<long long>(rep.files_checked));
  } else {
    for (const auto& i : rep.items) {
      const char* what = i.method.empty() ? "CANNOT REPAIR" : i.repaired ? "REPAIRED" : "WOULD REPAIR";
      std::printf("%s %s: %s\n  %s\n", what, i.path.c_str(), i.problem.c_str(), i.action.c_str());
    }
    if (rep.dry_run) {
      std::printf("Dry run: nothing was changed. Run `%s repair` to do it.\n", g.program.c_str());
    } else if (rep.job != 0) {
      std::printf("Repair job %lld rebuilt the files above through the write protocol; the damaged files are "
                  "kept under .barlake/versions/job-%lld/. Check with `%s verify`.\n",
                  static_cast<long long>(rep.job), static_cast<long long>(rep.job), g.program.c_str());
    }
  }
  // Exit 8 while anything stays damaged (a dry run that finds damage included): a script
  // running `repair` learns whether the vault is whole.
  if (!whole || (rep.dry_run && !rep.items.empty())) return static_cast<int>(ExitCode::kCorruption);
  return 0;
}

}  // namespace

void AddRepairCommands(CLI::App& app, Globals& g, int& rc) {
  static bool dry_run = false, as_json = false;
  auto* rp = AddCommand(app, "repair",
                        "Rebuild damaged or missing partition files from kept versions and kept sources", rc,
                        [&] { return CmdRepair(g, dry_run, as_json); });
  rp->add_flag("--dry-run", dry_run, "Say what would be rebuilt and how; change nothing");
  rp->add_flag("--json", as_json, "Print the report as JSON");
}

}  // namespace barlake::cli
