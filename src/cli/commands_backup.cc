// Backup commands (backup/backup.h, docs/backup.md):
//   barlake backup DEST
//   barlake backup list DEST [--json]
//   barlake backup verify DEST [--read-data] [--json]
//   barlake backup prune DEST --keep-last N --keep-daily N [--dry-run]
//   barlake restore DEST [--snapshot ID] (--to NEWDIR | --in-place)
//   barlake push s3://BUCKET/PREFIX [--json]
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "backup/backup.h"
#include "backup/push.h"
#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "cli/test_hooks.h"
#include "core/json_text.h"
#include "core/text.h"
#include "core/time_util.h"
#include "registry/backup_config.h"
#include "schedule/runner.h"

namespace barlake::cli {
namespace {

struct BackupArgs {
  std::string dest, snapshot, to, endpoint, region;
  int keep_last = 0, keep_daily = 0;
  bool read_data = false, as_json = false, dry_run = false, in_place = false;
};

/// Test builds only: BARLAKE_BACKUP_CRASH_AT=<point>[:<n>] kills the process with SIGKILL
/// the n-th time the backup or restore reaches <point> (backup.h lists them).
backup::BackupHook HookFromEnv() {
#ifdef BARLAKE_TEST_HOOKS
  const auto spec = KillSpecFromEnv("BARLAKE_BACKUP_CRASH_AT");
  if (!spec) return nullptr;
  return KillOnNthHit(spec->point, spec->nth);
#else
  return nullptr;
#endif
}

/// DEST may name a [[backup]] of the vault's barlake.toml (a name wins over a folder of the
/// same name); no DEST means the first [[backup]]. The table fills --endpoint, --region and
/// the prune policy the command line left out.
Status ResolveDest(const Globals& g, BackupArgs& a) {
  const bool maybe_name = a.dest.empty() || (a.dest.find('/') == std::string::npos && a.dest.rfind("s3:", 0) != 0);
  if (!maybe_name) return Status::OK();
  const std::string path = JoinPath(VaultDir(g), "barlake.toml");
  std::vector<registry::BackupTarget> targets;
  if (Env::Default()->FileExists(path)) {
    ASSIGN_OR_RETURN(std::string text, Env::Default()->ReadFile(path));
    ASSIGN_OR_RETURN(targets, registry::ParseBackupTargets(text, path));
  }
  const registry::BackupTarget* t = nullptr;
  if (a.dest.empty()) {
    if (targets.empty()) {
      return Status::InvalidArgument("no DEST given and barlake.toml declares no [[backup]]; pass a folder or "
                                     "s3://BUCKET/PREFIX (docs/backup.md)");
    }
    t = &targets.front();
  } else {
    t = registry::FindBackupTarget(targets, a.dest);
  }
  if (!t) return Status::OK();
  a.dest = t->dest;
  if (a.endpoint.empty()) a.endpoint = t->endpoint;
  if (a.region.empty()) a.region = t->region;
  if (a.keep_last == 0 && a.keep_daily == 0) {
    a.keep_last = t->keep_last;
    a.keep_daily = t->keep_daily;
  }
  return Status::OK();
}

/// The store DEST names (ResolveDest first), with --endpoint and --region for s3://.
Result<std::unique_ptr<backup::ObjectStore>> OpenDest(const Globals& g, BackupArgs& a, bool create) {
  RETURN_IF_ERROR(ResolveDest(g, a));
  return backup::OpenStore(Env::Default(), a.dest, create, backup::S3Options{a.endpoint, a.region});
}

/// --endpoint and --region, for s3:// destinations.
void AddS3Options(CLI::App* cmd, BackupArgs& a) {
  cmd->add_option("--endpoint", a.endpoint,
                  "S3 endpoint URL for s3:// destinations (default https://s3.<region>.amazonaws.com; "
                  "path-style; credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)");
  cmd->add_option("--region", a.region, "S3 region (default us-east-1)");
}

/// The operands of the subcommands that read an existing backup (list, verify, prune,
/// restore): DEST, required, and the S3 options.
void AddExistingBackupOptions(CLI::App* cmd, BackupArgs& a) {
  cmd->add_option("DEST", a.dest, "Backup folder, s3://BUCKET/PREFIX, or a [[backup]] name")->required();
  AddS3Options(cmd, a);
}

backup::BackupProgress ProgressOnStderr(std::shared_ptr<ProgressBar> bar) {
  return [bar](const std::string& phase, int64_t done, int64_t total) { bar->Update(phase, done, total); };
}

/// What `backup` and `push` run with: the vault's lock wait, the command line for the
/// journal, progress on `bar` (none without one) and the test crash hook.
backup::BackupOptions RunOptions(double wait_seconds, const std::string& command, std::shared_ptr<ProgressBar> bar) {
  backup::BackupOptions o;
  o.lock_wait_seconds = wait_seconds;
  o.command = command;
  if (bar) o.progress = ProgressOnStderr(std::move(bar));
  o.hook = HookFromEnv();
  return o;
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int CmdBackup(const Globals& g, const BackupArgs& args) {
  BackupArgs a = args;
  const auto t0 = std::chrono::steady_clock::now();
  ASSIGN_OR_FAIL(auto store, OpenDest(g, a, /*create=*/true));
  auto bar = std::make_shared<ProgressBar>(::isatty(STDERR_FILENO) != 0);
  ASSIGN_OR_FAIL(auto r, backup::BackupVault(VaultDir(g), store.get(), RunOptions(g.wait_seconds, g.command_line, bar)));
  bar->Finish();
  for (const auto& n : r.notes) std::fprintf(stderr, "barlake: note: %s\n", n.c_str());
  const double secs = SecondsSince(t0);
  if (a.as_json) {
    nlohmann::json j = {{"snapshot", r.manifest.id},          {"files", r.manifest.files.size() + 1},
                        {"bytes", r.manifest.TotalBytes()},    {"objects_sent", r.objects_sent},
                        {"bytes_sent", r.bytes_sent},          {"objects_present", r.objects_present},
                        {"bytes_present", r.bytes_present},    {"seconds", secs}};
    std::printf("%s\n", ToJsonText(j, 2).c_str());
  } else {
    std::printf("snapshot %s: %zu files, %s; sent %lld objects (%s), %lld already there (%s), %.2f s\n",
                r.manifest.id.c_str(), r.manifest.files.size() + 1,
                HumanBytes(static_cast<int64_t>(r.manifest.TotalBytes())).c_str(),
                static_cast<long long>(r.objects_sent), HumanBytes(r.bytes_sent).c_str(),
                static_cast<long long>(r.objects_present), HumanBytes(r.bytes_present).c_str(), secs);
  }
  return 0;
}

int CmdBackupList(const Globals& g, const BackupArgs& args) {
  BackupArgs a = args;
  ASSIGN_OR_FAIL(auto store, OpenDest(g, a, /*create=*/false));
  ASSIGN_OR_FAIL(auto snaps, backup::ListSnapshots(store.get()));
  if (a.as_json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : snaps) {
      arr.push_back({{"id", s.id},
                     {"created", FormatIsoUtc(s.created_micros)},
                     {"vault", s.vault},
                     {"vault_name", s.vault_name},
                     {"last_job", s.last_job},
                     {"files", s.files.size() + 1},
                     {"bytes", s.TotalBytes()}});
    }
    std::printf("%s\n", ToJsonText(arr, 2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : snaps) {
    rows.push_back({s.id, FormatIsoUtc(s.created_micros), std::to_string(s.files.size() + 1),
                    HumanBytes(static_cast<int64_t>(s.TotalBytes())), std::to_string(s.last_job),
                    ToValidUtf8(s.vault)});
  }
  std::printf("%s", FormatTable({"ID", "CREATED", "FILES", "SIZE", "LAST JOB", "VAULT"}, rows).c_str());
  std::printf("%zu snapshot(s)\n", snaps.size());
  return 0;
}

int CmdBackupVerify(const Globals& g, const BackupArgs& args) {
  BackupArgs a = args;
  ASSIGN_OR_FAIL(auto store, OpenDest(g, a, /*create=*/false));
  auto bar = std::make_shared<ProgressBar>(::isatty(STDERR_FILENO) != 0);
  ASSIGN_OR_FAIL(auto r, backup::VerifyStore(store.get(), a.read_data, ProgressOnStderr(bar)));
  bar->Finish();
  if (a.as_json) {
    nlohmann::json probs = nlohmann::json::array();
    for (const auto& p : r.problems) probs.push_back({{"where", p.where}, {"what", p.what}});
    std::printf("%s\n", ToJsonText({{"ok", r.ok()},
                                    {"snapshots", r.snapshots},
                                    {"objects_checked", r.objects_checked},
                                    {"bytes_read", r.bytes_read},
                                    {"problems", probs}},
                                   2)
                            .c_str());
  } else {
    for (const auto& p : r.problems) std::printf("PROBLEM %s: %s\n", p.where.c_str(), p.what.c_str());
    std::printf("%s: %lld snapshot(s), %lld object(s)%s, %zu problem(s)\n", r.ok() ? "OK" : "FAILED",
                static_cast<long long>(r.snapshots), static_cast<long long>(r.objects_checked),
                a.read_data ? (" re-hashed (" + HumanBytes(r.bytes_read) + ")").c_str() : " present",
                r.problems.size());
  }
  return r.ok() ? 0 : static_cast<int>(ExitCode::kCorruption);
}

int CmdBackupPrune(const Globals& g, const BackupArgs& args) {
  BackupArgs a = args;
  ASSIGN_OR_FAIL(auto store, OpenDest(g, a, /*create=*/false));
  backup::PruneOptions o{a.keep_last, a.keep_daily, a.dry_run};
  ASSIGN_OR_FAIL(auto r, backup::Prune(store.get(), o));
  for (const auto& id : r.removed) std::printf("%s %s\n", a.dry_run ? "would remove" : "removed", id.c_str());
  std::printf("%s %zu snapshot(s), kept %zu; %s %lld object(s) (%s)\n", a.dry_run ? "would remove" : "removed",
              r.removed.size(), r.kept.size(), a.dry_run ? "would free" : "freed",
              static_cast<long long>(r.objects_removed), HumanBytes(r.bytes_freed).c_str());
  return 0;
}

int CmdRestore(const Globals& g, const BackupArgs& args) {
  BackupArgs a = args;
  if (a.in_place == !a.to.empty()) {
    return Fail(Status::InvalidArgument("restore needs exactly one of --to NEWDIR and --in-place"));
  }
  ASSIGN_OR_FAIL(auto store, OpenDest(g, a, /*create=*/false));
  backup::RestoreOptions o;
  o.snapshot = a.snapshot;
  // In place: an absolute path, so "<vault>.restoring" is a sibling even for --vault . .
  o.to = a.in_place ? std::filesystem::absolute(VaultDir(g)).lexically_normal().string() : a.to;
  while (o.to.size() > 1 && o.to.back() == '/') o.to.pop_back();
  o.in_place = a.in_place;
  o.lock_wait_seconds = g.wait_seconds;
  o.command = g.command_line;
  auto bar = std::make_shared<ProgressBar>(::isatty(STDERR_FILENO) != 0);
  o.progress = ProgressOnStderr(bar);
  o.hook = HookFromEnv();
  ASSIGN_OR_FAIL(auto r, backup::Restore(store.get(), o));
  bar->Finish();
  std::printf("restored snapshot %s (%zu files, %s) to %s; verify: %lld files, %lld rows OK\n",
              r.manifest.id.c_str(), r.manifest.files.size() + 1, HumanBytes(r.bytes).c_str(),
              ToValidUtf8(r.vault).c_str(), static_cast<long long>(r.verify.files_checked),
              static_cast<long long>(r.verify.rows_checked));
  if (!r.safety_copy.empty()) {
    std::printf("the vault it replaced is kept in %s\n", ToValidUtf8(r.safety_copy).c_str());
  }
  return 0;
}

int CmdPush(const Globals& g, const BackupArgs& args) {
  BackupArgs a = args;
  if (Status st = ResolveDest(g, a); !st.ok()) return Fail(st);
  if (a.dest.rfind("s3://", 0) != 0) {
    return Fail(Status::InvalidArgument("push mirrors the lake to object storage: DEST must be s3://BUCKET/PREFIX "
                                        "(for a folder, copy lake/ or use `barlake backup`)"));
  }
  ASSIGN_OR_FAIL(auto store, OpenDest(g, a, /*create=*/true));
  auto bar = std::make_shared<ProgressBar>(::isatty(STDERR_FILENO) != 0);
  ASSIGN_OR_FAIL(auto r, backup::Push(VaultDir(g), store.get(), RunOptions(g.wait_seconds, g.command_line, bar)));
  bar->Finish();
  if (a.as_json) {
    std::printf("%s\n", ToJsonText({{"job", r.job},
                                    {"files", r.files},
                                    {"uploaded", r.uploaded},
                                    {"bytes_uploaded", r.bytes_uploaded},
                                    {"removed", r.removed},
                                    {"commit", r.commit}},
                                   2)
                            .c_str());
  } else {
    std::printf("pushed job %lld: %lld files, uploaded %lld (%s), removed %lld%s%s\n", static_cast<long long>(r.job),
                static_cast<long long>(r.files), static_cast<long long>(r.uploaded),
                HumanBytes(r.bytes_uploaded).c_str(), static_cast<long long>(r.removed),
                r.commit.empty() ? "; nothing changed" : "; commit ", r.commit.c_str());
  }
  return 0;
}

/// The `backup` schedule action (docs/schedules.md): a backup to every [[backup]] of
/// barlake.toml in file order, each then pruned by its keep_last / keep_daily when it sets
/// them. One destination failing does not stop the others; the run fails naming it.
schedule::ActionResult BackupAction(schedule::ActionContext& ctx) {
  schedule::ActionResult out;
  const lake::VaultPaths& paths = ctx.lake->paths();
  auto targets = [&]() -> Result<std::vector<registry::BackupTarget>> {
    ASSIGN_OR_RETURN(std::string text, ctx.lake->env()->ReadFile(paths.registry));
    return registry::ParseBackupTargets(text, paths.registry);
  }();
  if (!targets.ok()) {
    out.status = targets.status();
    return out;
  }
  if (targets->empty()) {
    out.status = Status::InvalidInput(paths.registry + " declares no [[backup]]; the backup action backs up to each "
                                      "of them (docs/backup.md#named-destinations)");
    return out;
  }
  const std::string command = "barlake schedule " + ctx.spec->name + " (backup)";
  Status first_failure;
  std::string failures;
  for (const auto& t : *targets) {
    auto done = [&]() -> Result<std::string> {
      ASSIGN_OR_RETURN(auto store, backup::OpenStore(Env::Default(), t.dest, /*create=*/true,
                                                     backup::S3Options{t.endpoint, t.region}));
      ASSIGN_OR_RETURN(auto r, backup::BackupVault(paths.root, store.get(), RunOptions(30, command, nullptr)));
      std::string line = t.name + ": snapshot " + r.manifest.id + ", sent " + std::to_string(r.objects_sent) +
                         " objects (" + HumanBytes(r.bytes_sent) + ")";
      if (t.keep_last > 0 || t.keep_daily > 0) {
        ASSIGN_OR_RETURN(auto pruned, backup::Prune(store.get(), {t.keep_last, t.keep_daily, false}));
        line += ", pruned " + std::to_string(pruned.removed.size()) + " snapshot(s)";
      }
      return line;
    }();
    if (done.ok()) {
      out.message += (out.message.empty() ? "" : "; ") + *done;
    } else {
      if (first_failure.ok()) first_failure = done.status();
      failures += (failures.empty() ? "" : "; ") + t.name + ": " + done.status().message();
    }
  }
  if (!first_failure.ok()) out.status = Status(first_failure.code(), "backup to " + failures);
  return out;
}

}  // namespace

void AddBackupCommands(CLI::App& app, Globals& g, int& rc) {
  schedule::RegisterAction("backup", BackupAction);
  static BackupArgs a;
  auto* bk = app.add_subcommand("backup", "Back up the vault to a folder (content-addressed snapshots)");
  bk->add_option("DEST", a.dest, "Backup folder (created when missing; a mounted cloud drive works), s3://BUCKET/PREFIX, or the name of a [[backup]] in barlake.toml (default: the first)");
  bk->add_flag("--json", a.as_json, "Print the result as JSON");
  AddS3Options(bk, a);
  bk->callback([&g, &rc, bk] {  // bk by value: the local pointer is gone when CLI11 calls back
    if (bk->get_subcommands().empty()) rc = CmdBackup(g, a);
  });
  auto* ls = AddCommand(*bk, "list", "List the snapshots in a backup", rc, [&] { return CmdBackupList(g, a); });
  AddExistingBackupOptions(ls, a);
  ls->add_flag("--json", a.as_json, "Print a JSON array");
  auto* vf = AddCommand(*bk, "verify", "Check that every snapshot's objects are present (and intact)", rc,
                        [&] { return CmdBackupVerify(g, a); });
  AddExistingBackupOptions(vf, a);
  vf->add_flag("--read-data", a.read_data, "Read and re-hash every object");
  vf->add_flag("--json", a.as_json, "Print the report as JSON");
  auto* pr = AddCommand(*bk, "prune", "Remove old snapshots and the objects only they used", rc,
                        [&] { return CmdBackupPrune(g, a); });
  AddExistingBackupOptions(pr, a);
  pr->add_option("--keep-last", a.keep_last, "Keep the newest N snapshots");
  pr->add_option("--keep-daily", a.keep_daily, "Keep the newest snapshot of each of the newest N days (UTC)");
  pr->add_flag("--dry-run", a.dry_run, "Say what would be removed; remove nothing");
  bk->require_subcommand(0, 1);

  auto* rs = AddCommand(app, "restore", "Restore a backup snapshot into a new vault (verified first)", rc,
                        [&] { return CmdRestore(g, a); });
  AddExistingBackupOptions(rs, a);
  rs->add_option("--snapshot", a.snapshot, "Snapshot id (default: the newest; see `barlake backup list`)");
  rs->add_option("--to", a.to, "Folder for the restored vault (must not exist, or be empty)");
  rs->add_flag("--in-place", a.in_place,
               "Replace the vault (--vault) with the snapshot; the current one is kept as "
               "<vault>.before-restore-<time>");

  auto* ps = AddCommand(app, "push", "Mirror lake/, snapshots/ and tables/ to S3 under the same hive keys", rc,
                        [&] { return CmdPush(g, a); });
  ps->add_option("DEST", a.dest, "s3://BUCKET/PREFIX")->required();
  ps->add_flag("--json", a.as_json, "Print the result as JSON");
  AddS3Options(ps, a);
}

}  // namespace barlake::cli
