#include "lake/vault.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>

#include "journal/journal.h"
#include "lake/data_kind.h"
#include "registry/registry.h"

namespace barlake::lake {

VaultPaths::VaultPaths(std::string root_dir) : root(std::move(root_dir)) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  registry = JoinPath(root, registry::kRegistryFileName);
  lake = JoinPath(root, "lake");
  snapshots = JoinPath(root, "snapshots");
  tables = JoinPath(root, "tables");
  meta = JoinPath(root, ".barlake");
  journal = JoinPath(meta, "journal.sqlite");
  lock = JoinPath(meta, "lock");
  staging = JoinPath(meta, "staging");
  versions = JoinPath(meta, "versions");
  sources = JoinPath(meta, "sources");
  quarantine = JoinPath(meta, "quarantine");
  token = JoinPath(meta, "token");
}

std::string VaultPaths::DataRoot(const std::string& rel_path) const { return KindOfRelPath(rel_path).Root(*this); }

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

Result<std::string> ReadOrCreateToken(Env* env, const VaultPaths& paths, bool rotate) {
  if (!rotate && env->FileExists(paths.token)) {
    ASSIGN_OR_RETURN(std::string text, env->ReadFile(paths.token));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    if (text.size() >= 32) return text;
    // Too short to be one of ours: replace it rather than accept a guessable token.
  }
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) return Status::Internal("OpenSSL RAND_bytes failed to make a token");
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char c : raw) {
    token += kHex[c >> 4];
    token += kHex[c & 15];
  }
  // Written with open(2), not the Env: the file must never exist with a wider mode than
  // 0600, and the Env has no way to set one. Then renamed into place and synced.
  const std::string tmp = paths.token + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, "cannot create", tmp);
  const std::string line = token + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Status::FromErrno(err, "cannot write", tmp);
  }
  if (Status s = env->RenameFile(tmp, paths.token); !s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  RETURN_IF_ERROR(env->SyncDir(paths.meta));
  return token;
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
  RETURN_IF_ERROR(ReadOrCreateToken(env, p).status());
  RETURN_IF_ERROR(env->SyncDir(p.meta));
  // The registry is written last: its presence (with the journal) marks a finished vault.
  RETURN_IF_ERROR(reg.Save(env, p.registry));
  return env->SyncDir(p.root);
}

}  // namespace barlake::lake
