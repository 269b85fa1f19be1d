// Retention and the deploy side of the registry (docs/retention.md, docs/deploy.md):
//   barlake gc [--dry-run] [--force] [--json]
//   barlake status --disk [--json]
//   barlake gitignore [--write] [--file PATH]
//   barlake check --deploy [--json]
// and the `gc` schedule action.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "core/json_text.h"
#include "core/text.h"
#include "lake/deploy_check.h"
#include "lake/gc.h"
#include "schedule/runner.h"

namespace barlake::cli {
namespace {

/// The clock ages are judged by: now, or in test builds BARLAKE_TEST_NOW (an ISO time).
Result<Micros> CommandNow() {
#ifdef BARLAKE_TEST_HOOKS
  if (const char* now = std::getenv("BARLAKE_TEST_NOW"); now && *now) {
    auto t = ParseIsoUtc(now);
    if (!t.ok()) return t.status().WithContext("BARLAKE_TEST_NOW");
    return *t;
  }
#endif
  return Env::Default()->NowMicros();
}

struct GcArgs {
  bool dry_run = false, force = false, as_json = false;
};

void PrintItems(const std::vector<lake::GcItem>& items, const char* verb) {
  for (const auto& i : items) {
    std::printf("%-13s %-9s %9s  %s  (%s%s)\n", verb, i.area.c_str(), i.area == "folders" ? "" : HumanBytes(i.bytes).c_str(),
                ToValidUtf8(i.path).c_str(), i.why.c_str(),
                i.needed_by.empty() ? "" : ("; needed by " + i.needed_by).c_str());
  }
}

int CmdGc(const Globals& g, const GcArgs& a) {
  ASSIGN_OR_FAIL(Micros now, CommandNow());
  ASSIGN_OR_FAIL(auto lk, OpenLake(g, false));
  ASSIGN_OR_FAIL(auto policy, lake::LoadRetention(lk->env(), lk->paths()));
  lake::GcOptions o;
  o.dry_run = a.dry_run;
  o.force = a.force;
  o.lock_wait_seconds = g.wait_seconds;
  o.command = g.command_line;
  o.now = now;
  ASSIGN_OR_FAIL(auto r, lake::CollectGarbage(lk.get(), policy, o));
  if (a.as_json) {
    std::printf("%s\n", ToJsonText(nlohmann::json::parse(lake::GcReportJson(r)), 2).c_str());
    return 0;
  }
  PrintItems(r.removed, a.dry_run ? "would remove" : "removed");
  PrintItems(r.held, "kept");
  for (const auto& p : r.left_alone) {
    std::printf("left alone    %s: not a file barlake writes and not in the catalog; move it out of the vault\n",
                ToValidUtf8(p).c_str());
  }
  if (!r.held.empty()) {
    std::printf("kept %zu item(s) (%s) that a rollback inside rollback_days = %d or `barlake repair` needs; "
                "`%s gc --force` removes them too\n",
                r.held.size(), HumanBytes(r.bytes_held).c_str(), policy.rollback_days, g.program.c_str());
  }
  const std::string what = std::to_string(r.removed.size()) + " item(s), " + HumanBytes(r.bytes_freed) + "; " +
                           std::to_string(r.quarantine_rows) + " dropped quarantine row(s)";
  if (a.dry_run) {
    std::printf("dry run: gc would free %s\n", what.c_str());
  } else {
    std::printf("gc job %lld freed %s\n", static_cast<long long>(r.job), what.c_str());
  }
  return 0;
}

int CmdStatusDiskImpl(const Globals& g, bool as_json) {
  ASSIGN_OR_FAIL(auto lk, OpenLake(g, false));
  ASSIGN_OR_FAIL(auto areas, lake::DiskUsage(lk->env(), lk->paths()));
  auto free_bytes = lk->env()->FreeBytes(lk->paths().root);
  int64_t total = 0;
  for (const auto& u : areas) total += u.bytes;
  if (as_json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& u : areas) arr.push_back({{"area", u.area}, {"path", u.path}, {"files", u.files}, {"bytes", u.bytes}});
    nlohmann::json j = {{"areas", arr}, {"total_bytes", total}};
    j["free_bytes"] = free_bytes.ok() ? nlohmann::json(*free_bytes) : nlohmann::json(nullptr);
    std::printf("%s\n", ToJsonText(j, 2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& u : areas) {
    rows.push_back({u.area, ToValidUtf8(u.path) + (u.area == "journal" ? "" : "/"), WithThousands(u.files), HumanBytes(u.bytes)});
  }
  rows.push_back({"total", "", "", HumanBytes(total)});
  std::printf("%s", FormatTable({"AREA", "PATH", "FILES", "SIZE"}, rows).c_str());
  if (free_bytes.ok()) std::printf("free on this file system: %s\n", HumanBytes(static_cast<int64_t>(*free_bytes)).c_str());
  std::printf("`%s gc --dry-run` shows what [retention] lets go (docs/retention.md)\n", g.program.c_str());
  return 0;
}

struct GitignoreArgs {
  bool write = false;
  std::string file;
};

int CmdGitignore(const Globals& g, const GitignoreArgs& a) {
  ASSIGN_OR_FAIL(auto lk, OpenLake(g, false));
  const std::string file = a.file.empty() ? JoinPath(lk->paths().root, ".gitignore") : a.file;
  const std::string dir = std::filesystem::path(file).parent_path().string();
  ASSIGN_OR_FAIL(std::string block, lake::GitignoreBlock(lk.get(), dir.empty() ? "." : dir));
  if (!a.write) {
    std::printf("%s", block.c_str());
    return 0;
  }
  Env* env = Env::Default();
  std::string existing;
  if (env->FileExists(file)) {
    ASSIGN_OR_FAIL(existing, env->ReadFile(file));
  }
  ASSIGN_OR_FAIL(std::string updated, lake::WithManagedBlock(existing, block, file));
  if (updated == existing) {
    std::printf("%s is up to date\n", EscapedPath(file).c_str());
    return 0;
  }
  if (Status s = WriteFileAtomic(env, file, updated); !s.ok()) return Fail(s);
  std::printf("wrote the barlake block of %s\n", EscapedPath(file).c_str());
  return 0;
}

int CmdCheckDeploy(const Globals& g, bool as_json) {
  ASSIGN_OR_FAIL(Micros now, CommandNow());
  ASSIGN_OR_FAIL(auto lk, OpenLake(g, false));
  ASSIGN_OR_FAIL(auto r, lake::CheckDeploy(lk.get(), now));
  if (as_json) {
    std::printf("%s\n", lake::DeployReportJson(r).c_str());
  } else {
    for (const auto& p : r.problems) std::printf("FAIL %s: %s\n", p.reason.c_str(), p.message.c_str());
    if (r.ok()) {
      std::printf("OK: %lld published dataset(s) ready to deploy\n", static_cast<long long>(r.published));
    } else {
      std::printf("deploy check failed: %zu problem(s)\n", r.problems.size());
    }
  }
  return r.ok() ? 0 : static_cast<int>(ExitCode::kUnhealthy);
}

/// The `gc` schedule action (docs/schedules.md): `barlake gc` with the vault's [retention].
schedule::ActionResult GcAction(schedule::ActionContext& ctx) {
  schedule::ActionResult out;
  auto policy = lake::LoadRetention(ctx.lake->env(), ctx.lake->paths());
  if (!policy.ok()) {
    out.status = policy.status();
    return out;
  }
  lake::GcOptions o;
  o.command = "barlake schedule " + ctx.spec->name + " (gc)";
  o.now = ctx.now;
  auto r = lake::CollectGarbage(ctx.lake, *policy, o);
  if (!r.ok()) {
    out.status = r.status();
    return out;
  }
  out.jobs.push_back(r->job);
  out.message = "freed " + HumanBytes(r->bytes_freed) + " (" + std::to_string(r->removed.size()) + " item(s)), kept " +
                std::to_string(r->held.size()) + " a rollback or repair needs";
  return out;
}

}  // namespace

int CmdStatusDisk(const Globals& g, bool as_json) { return CmdStatusDiskImpl(g, as_json); }

void AddGcCommands(CLI::App& app, Globals& g, int& rc) {
  schedule::RegisterAction("gc", GcAction);
  static GcArgs ga;
  auto* gc = AddCommand(app, "gc", "Remove what [retention] lets go: old versions, kept sources, leftovers, "
                                   "orphan files and empty folders",
                        rc, [&] { return CmdGc(g, ga); });
  gc->add_flag("--dry-run", ga.dry_run, "Say what would be removed; remove nothing");
  gc->add_flag("--force", ga.force,
               "Also remove what a rollback inside rollback_days or `barlake repair` would need");
  gc->add_flag("--json", ga.as_json, "Print the report as JSON");

  static GitignoreArgs gi;
  auto* gitignore = AddCommand(app, "gitignore", "Print (or --write) the .gitignore block the dataset "
                                                "categories call for: published tracked, pipeline and raw ignored",
                               rc, [&] { return CmdGitignore(g, gi); });
  gitignore->add_flag("--write", gi.write, "Write the block into the file (atomically), keeping every line outside it");
  gitignore->add_option("--file", gi.file, "The .gitignore to write (default: <vault>/.gitignore)");

  static bool deploy = false, check_json = false;
  auto* check = AddCommand(app, "check", "Check the vault for a purpose; exit 9 when it is not fit", rc,
                           [&] { return CmdCheckDeploy(g, check_json); });
  check->add_flag("--deploy", deploy,
                  "Published datasets present, within max_age and max_size; every file in a declared dataset; every "
                  "declared dataset with data (a pre-commit hook: docs/deploy.md)")
      ->required();
  check->add_flag("--json", check_json, "Print the report as JSON");
}

}  // namespace barlake::cli
