#include "lake/vault.h"

#include "journal/journal.h"
#include "registry/registry.h"

namespace barlake::lake {

VaultPaths::VaultPaths(std::string root_dir) : root(std::move(root_dir)) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  registry = JoinPath(root, registry::kRegistryFileName);
  lake = JoinPath(root, "lake");
  snapshots = JoinPath(root, "snapshots");
  meta = JoinPath(root, ".barlake");
  journal = JoinPath(meta, "journal.sqlite");
  lock = JoinPath(meta, "lock");
  staging = JoinPath(meta, "staging");
  versions = JoinPath(meta, "versions");
  sources = JoinPath(meta, "sources");
  quarantine = JoinPath(meta, "quarantine");
}

Status CheckIsVault(Env* env, const std::string& dir) {
  VaultPaths p(dir);
  if (!env->FileExists(p.registry) || !env->FileExists(p.journal)) {
    return Status::NotFound("'" + dir +
                            "' is not a barlake vault (no barlake.toml and .barlake/journal.sqlite); "
                            "create one with `barlake init DIR`, or pass --vault DIR / set "
                            "BARLAKE_VAULT");
  }
  return Status::OK();
}

Status InitVault(Env* env, const std::string& dir, const InitOptions& options) {
  VaultPaths p(dir);
  if (env->FileExists(p.registry) || env->FileExists(p.journal)) {
    return Status::AlreadyExists("'" + dir + "' is already a barlake vault");
  }
  registry::Registry reg;
  reg.settings().name = options.name.empty() ? "barlake vault" : options.name;
  reg.settings().display_tz = options.display_tz;
  reg.settings().default_source_tz = options.default_source_tz;
  // Validate (the zones above all) by parsing what we are about to write, before any
  // folder is created, so a bad option leaves nothing behind.
  {
    auto parsed = registry::Registry::Parse(reg.Serialize(), "barlake.toml");
    if (!parsed.ok()) return Status::InvalidArgument(parsed.status().message());
  }
  RETURN_IF_ERROR(env->CreateDirs(p.root));
  for (const std::string* d : {&p.lake, &p.meta, &p.staging, &p.versions, &p.sources, &p.quarantine}) {
    RETURN_IF_ERROR(env->CreateDirs(*d));
  }
  ASSIGN_OR_RETURN(auto journal, journal::Journal::Open(p.journal, /*create=*/true));
  journal.reset();
  RETURN_IF_ERROR(env->SyncDir(p.meta));
  // The registry is written last: its presence (with the journal) marks a finished vault.
  RETURN_IF_ERROR(reg.Save(env, p.registry));
  return env->SyncDir(p.root);
}

}  // namespace barlake::lake
