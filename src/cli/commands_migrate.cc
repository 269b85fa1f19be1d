// Migration commands (migrate/migration.h, docs/migration.md):
//   barlake migrate plan SOURCE_DIR [--layout L] [--symbols A,B] [--tz Z] [--name-pattern P] [--timeframe TF]
//   barlake migrate run ID [--dry-run] [--batch N] [--force]
//   barlake migrate status [ID] [--json]
//   barlake migrate verify ID [--json]
//   barlake migrate activate ID
//   barlake migrate rollback ID
//   barlake migrate delete-legacy ID [--yes]
// and the read path's fallback to legacy files (ServeFromLegacyIfMissing, used by `read`).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/lake_access.h"
#include "cli/add_command.h"
#include "cli/commands_migrate.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "core/json_text.h"
#include "core/text.h"
#include "lake/public_types.h"
#include "migrate/migration.h"

namespace barlake::cli {
namespace {

using nlohmann::json;

struct MigrateArgs {
  std::string source_dir, id, layout = "auto", symbols, tz, name_pattern, timeframe;
  bool dry_run = false, force = false, as_json = false, yes = false;
  int64_t batch = 0;
};

std::atomic<bool> g_interrupted{false};
extern "C" void OnSigint(int) { g_interrupted = true; }

/// The Env of the plan's free-space check. Test builds only: BARLAKE_TEST_FREE_BYTES fakes
/// the free space, so the refusal can be tested without filling a disk.
Env* PlanEnv() {
#ifdef BARLAKE_TEST_HOOKS
  if (const char* fake = std::getenv("BARLAKE_TEST_FREE_BYTES"); fake && *fake) {
    class FakeFree : public EnvWrapper {
     public:
      FakeFree(Env* target, uint64_t free) : EnvWrapper(target), free_(free) {}
      Result<uint64_t> FreeBytes(const std::string&) override { return free_; }

     private:
      uint64_t free_;
    };
    static FakeFree env(Env::Default(), std::strtoull(fake, nullptr, 10));
    return &env;
  }
#endif
  return Env::Default();
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string Duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  }
  return buf;
}

std::string Program(const Globals& g) {
  std::string p = g.program;
  if (!g.vault.empty()) p += " --vault " + QuotedPath(g.vault);
  return p;
}

int CmdPlan(const Globals& g, const MigrateArgs& a) {
  ASSIGN_OR_FAIL(auto lake, OpenLake(g, false));
  migrate::PlanRequest req;
  req.source_dir = a.source_dir;
  req.layout = a.layout;
  req.symbols = SplitList(a.symbols);
  req.tz = a.tz;
  req.name_pattern = a.name_pattern;
  req.timeframe = a.timeframe;
  ASSIGN_OR_FAIL(auto plan, migrate::CreatePlan(lake.get(), PlanEnv(), req));
  if (a.as_json) {
    std::printf("%s", migrate::PlanToJson(plan).c_str());
    return 0;
  }
  std::printf("Migration plan %s\n", plan.id.c_str());
  std::printf("  source       %s\n", QuotedPath(plan.source_dir).c_str());
  std::printf("  layout       %s (%s)\n", plan.layout.c_str(), plan.layout_why.c_str());
  std::printf("  zone         %s (naive stamps are read in it)\n", plan.tz.c_str());
  std::vector<std::vector<std::string>> rows;
  size_t files = 0;
  for (size_t i = 0; i < plan.datasets.size(); ++i) {
    const auto& d = plan.datasets[i];
    files += d.files.size();
    if (i < 20) {
      rows.push_back({d.symbol + " " + d.timeframe, std::to_string(d.files.size()), WithThousands(d.rows),
                      HumanBytes(static_cast<int64_t>(d.bytes)), d.files.front().format});
    }
  }
  std::fputs(FormatTable({"dataset", "files", "rows", "bytes", "format"}, rows).c_str(), stdout);
  if (plan.datasets.size() > 20) std::printf("  ... and %zu more datasets\n", plan.datasets.size() - 20);
  for (const auto& n : plan.notes) std::printf("  note: %s\n", n.c_str());
  std::printf("Total: %zu datasets, %zu files, %s rows, %s\n", plan.datasets.size(), files,
              WithThousands(plan.rows).c_str(), HumanBytes(static_cast<int64_t>(plan.bytes)).c_str());
  std::printf("Disk: needs %s (2.5x the legacy files), %s free\n",
              HumanBytes(static_cast<int64_t>(plan.disk_needed)).c_str(),
              HumanBytes(static_cast<int64_t>(plan.free_bytes)).c_str());
  std::printf("The legacy folder is only read; it is registered as [[legacy]] so `read` serves what is not "
              "migrated yet.\nNext: %s migrate run %s   (or --dry-run first)\n",
              Program(g).c_str(), plan.id.c_str());
  return 0;
}

int CmdRun(const Globals& g, const MigrateArgs& a) {
  ASSIGN_OR_FAIL(auto lake, OpenLake(g, false));
  ASSIGN_OR_FAIL(auto plan, migrate::LoadPlan(lake->env(), lake->paths(), a.id));
  // Ctrl-C finishes the dataset in hand (its job commits or fails as a whole), then stops.
  g_interrupted = false;
  struct sigaction sa {};
  sa.sa_handler = OnSigint;
  sigemptyset(&sa.sa_mask);
  struct sigaction old {};
  ::sigaction(SIGINT, &sa, &old);
  migrate::RunOptions opt;
  opt.dry_run = a.dry_run;
  opt.batch = a.batch;
  opt.force = a.force;
  opt.stop = [] { return g_interrupted.load(); };
  opt.on_dataset = [&](const migrate::Progress& p) {
    const int pct = p.rows_total > 0 ? static_cast<int>(100 * p.rows_done / p.rows_total) : 100;
    std::printf("[%zu/%zu %3d%%] %s %s: %s rows, %s (ETA %s)\n", p.index, p.total, pct, p.dataset->symbol.c_str(),
                p.dataset->timeframe.c_str(), WithThousands(p.dataset->rows).c_str(), p.outcome.c_str(),
                Duration(p.eta_seconds).c_str());
    std::fflush(stdout);
#ifdef BARLAKE_TEST_HOOKS
    // Test builds only: BARLAKE_MIGRATE_SIGINT_AT=N sends this process SIGINT after its
    // N-th dataset, standing in for Ctrl-C.
    const char* at = std::getenv("BARLAKE_MIGRATE_SIGINT_AT");
    if (at && std::strtoull(at, nullptr, 10) == p.index) ::raise(SIGINT);
#endif
  };
  auto summary = migrate::RunMigration(lake.get(), lake->env(), &plan, opt);
  ::sigaction(SIGINT, &old, nullptr);
  if (!summary.ok()) {
    int rc = Fail(summary.status());
    std::fprintf(stderr, "Progress is saved in the plan; resume with: %s migrate run %s\n", Program(g).c_str(),
                 plan.id.c_str());
    return rc;
  }
  const auto& s = *summary;
  if (a.dry_run) {
    std::printf("Dry run: %lld datasets would be imported, %lld failed to read; nothing was written.\n",
                static_cast<long long>(s.dry_run), static_cast<long long>(s.failed));
    return s.failed ? static_cast<int>(ExitCode::kInvalidInput) : 0;
  }
  std::printf("Migration %s: %lld imported, %lld already imported, %lld failed, %lld remaining.\n", plan.id.c_str(),
              static_cast<long long>(s.imported), static_cast<long long>(s.already), static_cast<long long>(s.failed),
              static_cast<long long>(s.remaining));
  for (const auto& d : plan.datasets) {
    if (d.state == "failed") std::printf("  failed %s %s: %s\n", d.symbol.c_str(), d.timeframe.c_str(), d.error.c_str());
  }
  if (s.remaining > 0) {
    std::printf("%s; resume with: %s migrate run %s\n",
                g_interrupted ? "Interrupted: the dataset in hand was finished and the plan saved"
                              : (s.stopped ? "Batch done" : "Not complete"),
                Program(g).c_str(), plan.id.c_str());
    if (g_interrupted) return 130;
    return s.failed ? static_cast<int>(ExitCode::kInvalidInput) : 0;
  }
  std::printf("Next: %s migrate verify %s\n", Program(g).c_str(), plan.id.c_str());
  return 0;
}

json StatusJson(const migrate::Plan& plan) { return json::parse(migrate::PlanToJson(plan)); }

int CmdStatus(const Globals& g, const MigrateArgs& a) {
  ASSIGN_OR_FAIL(auto lake, OpenLake(g, false));
  std::vector<std::string> ids;
  if (a.id.empty()) {
    ASSIGN_OR_FAIL(ids, migrate::ListPlans(lake->env(), lake->paths()));
  } else {
    ids.push_back(a.id);
  }
  json all = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& id : ids) {
    ASSIGN_OR_FAIL(auto plan, migrate::LoadPlan(lake->env(), lake->paths(), id));
    if (a.as_json) {
      all.push_back(StatusJson(plan));
      continue;
    }
    int64_t done = 0, failed = 0, verified = 0, rows_done = 0;
    for (const auto& d : plan.datasets) {
      done += d.state == "done";
      failed += d.state == "failed";
      verified += d.verify == "ok";
      if (d.state == "done") rows_done += d.rows;
    }
    rows.push_back({plan.id, plan.status, plan.layout, std::to_string(done) + "/" + std::to_string(plan.datasets.size()),
                    std::to_string(failed), std::to_string(verified), WithThousands(rows_done) + "/" + WithThousands(plan.rows),
                    EscapedPath(plan.source_dir)});
    if (!a.id.empty()) {
      for (const auto& d : plan.datasets) {
        if (d.state == "failed") rows.push_back({"", "failed", d.symbol + " " + d.timeframe, "", "", "", "", d.error});
        if (d.verify == "mismatch" || d.verify == "error") {
          rows.push_back({"", "verify " + d.verify, d.symbol + " " + d.timeframe, "", "", "", "", d.verify_error});
        }
      }
    }
  }
  if (a.as_json) {
    std::printf("%s\n", ToJsonText(a.id.empty() ? all : all[0], 2).c_str());
    return 0;
  }
  if (rows.empty()) {
    std::printf("No migrations; start one with `%s migrate plan SOURCE_DIR`.\n", Program(g).c_str());
    return 0;
  }
  std::fputs(FormatTable({"id", "status", "layout", "done", "failed", "verified", "rows", "source"}, rows).c_str(), stdout);
  return 0;
}

int CmdVerify(const Globals& g, const MigrateArgs& a) {
  ASSIGN_OR_FAIL(auto lake, OpenLake(g, false));
  ASSIGN_OR_FAIL(auto plan, migrate::LoadPlan(lake->env(), lake->paths(), a.id));
  ASSIGN_OR_FAIL(auto s, migrate::VerifyMigration(lake.get(), lake->env(), &plan));
  if (a.as_json) {
    std::printf("%s", migrate::PlanToJson(plan).c_str());
  } else {
    for (const auto& d : plan.datasets) {
      if (d.verify == "mismatch" || d.verify == "error") {
        std::printf("  %s %s %s: %s\n", d.verify.c_str(), d.symbol.c_str(), d.timeframe.c_str(), d.verify_error.c_str());
      }
    }
    std::printf("Verify %s: %lld datasets equal (row count and content hash), %lld differ, %lld could not be read, "
                "%lld not migrated.\n",
                plan.id.c_str(), static_cast<long long>(s.ok), static_cast<long long>(s.mismatched),
                static_cast<long long>(s.errors), static_cast<long long>(s.not_migrated));
    if (plan.status == "verified") std::printf("Next: %s migrate activate %s\n", Program(g).c_str(), plan.id.c_str());
  }
  return plan.status == "verified" || plan.status == "activated" || plan.status == "legacy_deleted"
             ? 0
             : static_cast<int>(ExitCode::kCorruption);
}

int CmdActivate(const Globals& g, const MigrateArgs& a) {
  ASSIGN_OR_FAIL(auto lake, OpenLake(g, false));
  ASSIGN_OR_FAIL(auto plan, migrate::LoadPlan(lake->env(), lake->paths(), a.id));
  Status s = migrate::ActivateMigration(lake.get(), lake->env(), &plan);
  if (!s.ok()) return Fail(s);
  std::printf("Migration %s activated: reads use the lake only. The legacy folder %s is unchanged; "
              "`%s migrate delete-legacy %s` moves it to a trash folder.\n",
              plan.id.c_str(), QuotedPath(plan.source_dir).c_str(), Program(g).c_str(), plan.id.c_str());
  return 0;
}

int CmdRollback(const Globals& g, const MigrateArgs& a) {
  ASSIGN_OR_FAIL(auto lake, OpenLake(g, false));
  ASSIGN_OR_FAIL(auto plan, migrate::LoadPlan(lake->env(), lake->paths(), a.id));
  ASSIGN_OR_FAIL(auto jobs, migrate::RollbackMigration(lake.get(), lake->env(), &plan));
  std::printf("Migration %s rolled back: %zu jobs undone (rollback jobs", plan.id.c_str(), jobs.size());
  for (int64_t j : jobs) std::printf(" %lld", static_cast<long long>(j));
  std::printf("). The lake is as before; the legacy folder is unchanged.\n");
  return 0;
}

int CmdDeleteLegacy(const Globals& g, const MigrateArgs& a) {
  ASSIGN_OR_FAIL(auto lake, OpenLake(g, false));
  ASSIGN_OR_FAIL(auto plan, migrate::LoadPlan(lake->env(), lake->paths(), a.id));
  if (plan.status != "activated") return Fail(migrate::MoveLegacyToTrash(lake.get(), lake->env(), &plan).status());
  if (!a.yes) {
    if (!::isatty(STDIN_FILENO)) {
      return Fail(Status::InvalidArgument("delete-legacy asks for confirmation; pass --yes when not on a terminal"));
    }
    std::printf("This moves %s into a dated trash folder beside it. Continue? [y/N] ",
                QuotedPath(plan.source_dir).c_str());
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::printf("Nothing changed.\n");
      return 0;
    }
  }
  ASSIGN_OR_FAIL(auto to, migrate::MoveLegacyToTrash(lake.get(), lake->env(), &plan));
  std::printf("Moved the legacy folder to %s; delete that folder yourself once you are sure.\n",
              QuotedPath(to).c_str());
  return 0;
}

}  // namespace

/// `read` of a dataset the lake does not hold: served from the legacy files of a migration
/// not activated yet (docs/migration.md#reading-while-mixed), with a note on stderr.
void ServeFromLegacyIfMissing(barlake::Lake& lk, const std::string& symbol, const std::string& timeframe, Micros from,
                              Micros to, Result<barlake::Bars>* read) {
  if (read->ok() && !(*read)->ts.empty()) return;
  if (!read->ok() && read->status().code() != ErrorCode::kNotFound) return;
  // ReadFromLegacy serves nothing when the lake holds any partition of the dataset.
  auto legacy = migrate::ReadFromLegacy(internal::LakeAccess::Inner(lk), symbol, timeframe, from, to);
  if (!legacy.ok()) {
    *read = legacy.status().WithContext("reading the legacy files of a migration");
    return;
  }
  if (!*legacy) return;
  std::fprintf(stderr, "barlake: note: %s %s is not migrated yet: served from the legacy files of migration %s (%s)\n",
               symbol.c_str(), timeframe.c_str(), (*legacy)->plan_id.c_str(),
               EscapedPath((*legacy)->source_dir).c_str());
  *read = lake::ToPublic(std::move((*legacy)->bars));
}

Result<barlake::QueryResult> QueryWithLegacy(barlake::Lake& lk, const std::string& sql) {
  lake::Lake* inner = internal::LakeAccess::Inner(lk);
  ASSIGN_OR_RETURN(auto session, inner->OpenQuery());
  // The session runs on the Lake's own connection: the views added here are the ones it sees.
  ASSIGN_OR_RETURN(storage::DuckConn * duck, lake::LakeModuleAccess::Duck(inner));
  ASSIGN_OR_RETURN(auto served, migrate::AddLegacyQueryViews(inner, duck));
  if (!served.empty()) {
    std::string names;
    for (size_t i = 0; i < served.size() && i < 5; ++i) {
      names += (i ? ", " : "") + served[i].dataset->symbol + " " + served[i].dataset->timeframe;
    }
    if (served.size() > 5) names += ", ...";
    std::fprintf(stderr,
                 "barlake: note: the view bars includes %zu dataset%s not migrated yet, read from legacy files (%s); "
                 "the view legacy_datasets lists them\n",
                 served.size(), served.size() == 1 ? "" : "s", names.c_str());
  }
  return session->Query(sql);
}

void AddMigrateCommands(CLI::App& app, Globals& g, int& rc) {
  auto* mg = app.add_subcommand("migrate", "Move bars from legacy folders into the lake: plan, run, verify, activate");
  mg->require_subcommand(1);
  static MigrateArgs ma;
  // Every migrate subcommand runs one Cmd* on the options bound to `ma`.
  using Command = int (*)(const Globals&, const MigrateArgs&);
  auto add = [&](const char* name, const char* description, Command command) {
    return AddCommand(*mg, name, description, rc, [&g, command] { return command(g, ma); });
  };
  // The subcommands that act on one existing plan, named by its id.
  auto add_on_plan = [&](const char* name, const char* description, Command command) {
    CLI::App* sub = add(name, description, command);
    sub->add_option("ID", ma.id, "The plan id")->required();
    return sub;
  };

  auto* plan = add("plan", "Scan a legacy folder and write a migration plan (nothing is imported)", CmdPlan);
  plan->add_option("SOURCE_DIR", ma.source_dir, "The legacy folder (only ever read)")->required();
  plan->add_option("--layout", ma.layout, "auto (default), flat, yf_parqed, csv-cache or vendor-files");
  plan->add_option("--symbols", ma.symbols, "Only these symbols, comma-separated");
  plan->add_option("--tz", ma.tz, "Zone of naive stamps (default: the vault's default_source_tz)");
  plan->add_option("--name-pattern", ma.name_pattern,
                   "vendor-files: how names give symbol and timeframe, e.g. \"{symbol} {contract}.Last.txt\"");
  plan->add_option("--timeframe", ma.timeframe, "Timeframe of files whose names and folders do not say it");
  plan->add_flag("--json", ma.as_json, "Print the plan as JSON");

  auto* run = add("run", "Migrate the plan's datasets, one journaled import job each (resumable)", CmdRun);
  run->add_option("ID", ma.id, "The plan id (see `barlake migrate status`)")->required();
  run->add_flag("--dry-run", ma.dry_run, "Read and count every dataset; write nothing");
  run->add_option("--batch", ma.batch, "Stop after this many datasets (run again to go on)")
      ->check(CLI::NonNegativeNumber);
  run->add_flag("--force", ma.force, "Import datasets even when more rows are rejected than allowed (quarantined)");

  auto* st = add("status", "Migrations and their progress", CmdStatus);
  st->add_option("ID", ma.id, "One plan (default: all)");
  st->add_flag("--json", ma.as_json, "Print JSON");

  auto* vf = add_on_plan("verify", "Compare legacy rows with the lake per dataset (count and content hash)", CmdVerify);
  vf->add_flag("--json", ma.as_json, "Print the plan with the results as JSON");
  add_on_plan("activate", "After a passing verify: reads stop falling back to the legacy files", CmdActivate);
  add_on_plan("rollback", "Undo every job of the migration (the lake as before)", CmdRollback);
  auto* del = add_on_plan("delete-legacy", "After activate: move the legacy folder to a dated trash folder",
                          CmdDeleteLegacy);
  del->add_flag("--yes", ma.yes, "Do not ask for confirmation");
}

}  // namespace barlake::cli
