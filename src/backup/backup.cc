// BackupVault, ListSnapshots, VerifyStore, Prune (backup.h; docs/backup.md).
#include "backup/backup.h"
#include "backup/cut_internal.h"
#include "backup/object_codec.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "core/checksum.h"
#include "core/text.h"
#include "core/time_util.h"
#include "journal/sqlite_db.h"
#include "lake/vault.h"
#include "lake/writer_lock.h"
#include "registry/registry.h"

namespace barlake::backup {

namespace {

constexpr char kMarkerKey[] = "barlake-backup.json";
constexpr char kMarker[] = "{\"format\": 1}\n";
constexpr char kJournalPath[] = ".barlake/journal.sqlite";

}  // namespace

namespace internal {

std::string WithoutTrailingSlash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

Result<lake::VaultPaths> VaultAt(Env* env, const std::string& dir) {
  const std::string root = WithoutTrailingSlash(dir);
  RETURN_IF_ERROR(lake::CheckIsVault(env, root));
  return lake::VaultPaths(root);
}

std::string HolderNote(const std::string& command, Env* env) {
  return "pid " + std::to_string(::getpid()) + ", command '" + command + "', since " +
         FormatIsoUtc(env->NowMicros() / 1000000 * 1000000);
}

/// The journal as one consistent image: SQLite's online backup API copies the live
/// database (WAL included) page by page into memory under a read transaction, so the
/// copy is the journal at one instant even if a reader or writer has it open.
Result<SqlitePtr> CopyJournal(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  SqlitePtr src(raw);
  if (rc != SQLITE_OK) return journal::StatusFromSqlite(rc, raw, "cannot open the journal " + path + " to copy it");
  sqlite3_busy_timeout(src.get(), 10000);
  raw = nullptr;
  rc = sqlite3_open(":memory:", &raw);
  SqlitePtr mem(raw);
  if (rc != SQLITE_OK) return journal::StatusFromSqlite(rc, raw, "cannot open an in-memory database");
  sqlite3_backup* b = sqlite3_backup_init(mem.get(), "main", src.get(), "main");
  if (b == nullptr) return journal::StatusFromSqlite(sqlite3_errcode(mem.get()), mem.get(), "cannot copy the journal");
  rc = sqlite3_backup_step(b, -1);
  const int finish = sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return journal::StatusFromSqlite(rc, mem.get(), "copying the journal " + path);
  if (finish != SQLITE_OK) return journal::StatusFromSqlite(finish, mem.get(), "copying the journal " + path);
  return mem;
}

Status ForEachRow(sqlite3* db, const std::string& sql, const std::function<void(sqlite3_stmt*)>& row) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return journal::StatusFromSqlite(rc, db, "reading the journal copy");
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return journal::StatusFromSqlite(rc, db, "reading the journal copy");
  return Status::OK();
}

std::string Text(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

Result<std::string> ReadPartitionAtCut(Env* env, const lake::VaultPaths& paths, const std::string& rel_path,
                                       const std::string& sha256, int64_t last_job) {
  const std::string abs = paths.LakeFile(rel_path);
  if (env->FileExists(abs)) {
    ASSIGN_OR_RETURN(std::string bytes, env->ReadFile(abs));
    if (Sha256Hex(bytes) == sha256) return bytes;
  }
  // Replaced (or removed) by a job after the cut: that job kept this version under
  // .barlake/versions/job-<id>/ (the oldest such job is the one that replaced it).
  std::vector<std::pair<int64_t, std::string>> jobs;
  if (env->FileExists(paths.versions)) {
    ASSIGN_OR_RETURN(auto names, env->GetChildren(paths.versions));
    for (const auto& n : names) {
      if (n.rfind("job-", 0) != 0) continue;
      const int64_t id = std::atoll(n.c_str() + 4);
      if (id > last_job) jobs.push_back({id, JoinPath(paths.versions, n)});
    }
  }
  std::sort(jobs.begin(), jobs.end());
  for (const auto& [id, dir] : jobs) {
    const std::string kept = JoinPath(dir, rel_path);
    if (!env->FileExists(kept)) continue;
    ASSIGN_OR_RETURN(std::string bytes, env->ReadFile(kept));
    if (Sha256Hex(bytes) == sha256) return bytes;
  }
  return Status::Corruption("'" + ToValidUtf8(abs) + "' does not match the journal (SHA-256 " + sha256.substr(0, 12) +
                            "...) and no later job kept that version; run `barlake verify`");
}

}  // namespace internal

namespace {

using internal::CopyJournal;
using internal::HolderNote;
using internal::ForEachRow;
using internal::SqlitePtr;
using internal::Text;

Result<std::string> SerializeDb(sqlite3* db) {
  sqlite3_int64 size = 0;
  unsigned char* data = sqlite3_serialize(db, "main", &size, 0);
  if (data == nullptr) return Status::Internal("cannot serialize the journal copy (out of memory?)");
  std::string bytes(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
  sqlite3_free(data);
  return bytes;
}

bool IsHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string NewSnapshotId(int64_t now_micros) {
  // 20261203T143700Z-1a2b3c4d: sorts by time; the random tail keeps two backups in the
  // same second apart.
  std::string iso = FormatIsoUtc(now_micros / 1000000 * 1000000);  // 2026-12-03T14:37:00Z
  std::string id;
  for (char c : iso) if (c != '-' && c != ':') id += c;
  std::random_device rd;
  char tail[16];
  std::snprintf(tail, sizeof tail, "-%08x", static_cast<unsigned>(rd()));
  return id + tail;
}

/// One file the snapshot must hold, and where its bytes are.
struct Wanted {
  std::string path;     // vault-relative
  std::string sha256;   // as the copied journal (or the listing under the lock) says
  uint64_t size = 0;    // 0: not known yet
  std::string partition_rel;  // a catalog partition: its rel_path, for the versions fallback
  bool optional = false;      // a kept version or source: missing is a note, not an error
  std::string bytes;          // already read (barlake.toml, the journal)
  bool have_bytes = false;
};

Status EnsureBackupStore(ObjectStore* store, bool create) {
  ASSIGN_OR_RETURN(auto marker, store->List(kMarkerKey));
  if (!marker.empty()) return Status::OK();
  if (!create) {
    return Status::NotFound(store->Describe() + " holds no barlake backup (no " + kMarkerKey +
                            "); `barlake backup DEST` makes one");
  }
  ASSIGN_OR_RETURN(auto any, store->List(""));
  for (const auto& o : any) {
    if (o.key != "lock" && o.key != "lock.holder") {
      return Status::AlreadyExists(store->Describe() + " is not empty and is not a barlake backup (it holds '" +
                                   ToValidUtf8(o.key) + "'); choose an empty folder or an existing backup");
    }
  }
  RETURN_IF_ERROR(store->Put(kMarkerKey, kMarker));
  return store->Flush();
}

}  // namespace

Result<BackupResult> BackupVault(const std::string& vault_dir, ObjectStore* store, const BackupOptions& options) {
  Env* env = options.env ? options.env : Env::Default();
  ASSIGN_OR_RETURN(const lake::VaultPaths paths, internal::VaultAt(env, vault_dir));
  auto rel_of = [&](const std::string& abs) { return abs.substr(paths.root.size() + 1); };

  ASSIGN_OR_RETURN(auto store_lock, store->Lock(HolderNote(options.command, env)));
  RETURN_IF_ERROR(EnsureBackupStore(store, /*create=*/true));

  // 1. The cut, under the writer lock: no job runs, so the journal's catalog describes
  // exactly the files in the data folders, and barlake.toml is the one the journal's last
  // job left. Held only for the copy and the listing of kept sources.
  SqlitePtr copy;
  std::string registry_bytes;
  std::vector<std::pair<std::string, uint64_t>> sources;
  {
    if (options.progress) options.progress("lock", 0, 0);
    ASSIGN_OR_RETURN(auto writer, lake::WriterLock::Acquire(env, paths.lock, options.lock_wait_seconds,
                                                            options.command));
    ASSIGN_OR_RETURN(copy, CopyJournal(paths.journal));
    ASSIGN_OR_RETURN(registry_bytes, env->ReadFile(paths.registry));
    if (env->FileExists(paths.sources)) {
      ASSIGN_OR_RETURN(auto names, env->GetChildren(paths.sources));
      for (const auto& n : names) {
        if (!IsHex64(n)) continue;  // .incoming-* copies of a crashed import
        ASSIGN_OR_RETURN(uint64_t size, env->GetFileSize(JoinPath(paths.sources, n)));
        sources.push_back({n, size});
      }
    }
  }
  int64_t running = 0, last_job = 0;
  RETURN_IF_ERROR(ForEachRow(copy.get(), "SELECT count(*) FROM jobs WHERE status = 'running'",
                             [&](sqlite3_stmt* s) { running = sqlite3_column_int64(s, 0); }));
  if (running > 0) {
    return Status::Conflict("the vault has " + std::to_string(running) +
                            " interrupted job(s); run `barlake recover` first, then back up again");
  }
  RETURN_IF_ERROR(ForEachRow(copy.get(), "SELECT coalesce(max(id), 0) FROM jobs",
                             [&](sqlite3_stmt* s) { last_job = sqlite3_column_int64(s, 0); }));

  // 2. What the snapshot holds.
  std::vector<Wanted> wanted;
  RETURN_IF_ERROR(ForEachRow(copy.get(), "SELECT rel_path, sha256, bytes FROM partitions ORDER BY rel_path",
                             [&](sqlite3_stmt* s) {
                               Wanted w;
                               w.partition_rel = Text(s, 0);
                               w.path = rel_of(paths.LakeFile(w.partition_rel));
                               w.sha256 = Text(s, 1);
                               w.size = static_cast<uint64_t>(sqlite3_column_int64(s, 2));
                               wanted.push_back(std::move(w));
                             }));
  // Kept versions (what `rollback` copies back), as the jobs that kept them recorded.
  RETURN_IF_ERROR(ForEachRow(copy.get(),
                             "SELECT DISTINCT jp.version_path, jp.before_sha256 FROM job_partitions jp "
                             "JOIN jobs j ON j.id = jp.job_id WHERE jp.version_path IS NOT NULL "
                             "AND jp.before_sha256 IS NOT NULL AND j.status IN ('completed', 'rolled_back') "
                             "ORDER BY jp.version_path",
                             [&](sqlite3_stmt* s) {
                               Wanted w;
                               w.path = Text(s, 0);
                               w.sha256 = Text(s, 1);
                               w.optional = true;
                               wanted.push_back(std::move(w));
                             }));
  for (const auto& [name, size] : sources) {
    Wanted w;
    w.path = rel_of(JoinPath(paths.sources, name));
    w.sha256 = name;
    w.size = size;
    w.optional = true;
    wanted.push_back(std::move(w));
  }
  std::string vault_name;
  if (auto reg = registry::Registry::Parse(registry_bytes, "barlake.toml"); reg.ok()) vault_name = reg->settings().name;
  {
    Wanted w;
    w.path = "barlake.toml";
    w.sha256 = Sha256Hex(registry_bytes);
    w.size = registry_bytes.size();
    w.bytes = std::move(registry_bytes);
    w.have_bytes = true;
    wanted.push_back(std::move(w));
  }
  ASSIGN_OR_RETURN(std::string journal_bytes, SerializeDb(copy.get()));
  copy.reset();
  {
    Wanted w;
    w.path = kJournalPath;
    w.sha256 = Sha256Hex(journal_bytes);
    w.size = journal_bytes.size();
    w.bytes = std::move(journal_bytes);
    w.have_bytes = true;
    wanted.push_back(std::move(w));
  }

  // 3. Send what the store lacks, compressed when that saves (object_codec.h).
  ASSIGN_OR_RETURN(const auto present, ListObjects(store));
  int64_t to_send_bytes = 0;
  {
    std::set<std::string> counted;
    for (const auto& w : wanted) {
      if (!present.count(w.sha256) && counted.insert(w.sha256).second) to_send_bytes += w.size;
    }
  }
  BackupResult result;
  Manifest& m = result.manifest;
  m.created_micros = env->NowMicros();
  m.id = NewSnapshotId(m.created_micros);
  m.vault = paths.root;
  m.vault_name = vault_name;
  m.last_job = last_job;
  std::map<std::string, SnapshotFile> sent;  // sha -> how this backup stored it
  int64_t done_bytes = 0;
  for (auto& w : wanted) {
    uint64_t stored_size = 0;
    auto it = present.find(w.sha256);
    if (auto st = sent.find(w.sha256); st != sent.end()) {
      w.size = st->second.size;
      stored_size = st->second.stored_size;
    } else if (it != present.end()) {
      const StoredObject& o = it->second;
      if (o.plain) {
        w.size = o.size;
      } else {
        stored_size = o.gz_size;
        if (w.size == 0) {
          // A kept version (the journal does not record its size) whose object is
          // compressed: its size is the file's, which a job wrote once and never changes.
          auto size = env->GetFileSize(paths.Abs(w.path));
          if (!size.ok()) {
            result.notes.push_back("'" + ToValidUtf8(w.path) + "' is missing; it is not in this snapshot");
            continue;
          }
          w.size = *size;
        }
      }
      result.objects_present += 1;
      result.bytes_present += static_cast<int64_t>(o.plain ? o.size : o.gz_size);
    } else {
      std::string bytes;
      if (w.have_bytes) {
        bytes = std::move(w.bytes);
      } else {
        if (!w.partition_rel.empty()) {
          ASSIGN_OR_RETURN(bytes, internal::ReadPartitionAtCut(env, paths, w.partition_rel, w.sha256, last_job));
        } else {
          const std::string abs = paths.Abs(w.path);
          bool found = false;
          if (env->FileExists(abs)) {
            ASSIGN_OR_RETURN(bytes, env->ReadFile(abs));
            found = Sha256Hex(bytes) == w.sha256;
          }
          if (!found) {
            result.notes.push_back("'" + ToValidUtf8(w.path) +
                                   "' is missing or changed (the journal expects SHA-256 " + w.sha256.substr(0, 12) +
                                   "...); it is not in this snapshot");
            w.sha256.clear();
            continue;
          }
        }
      }
      w.size = bytes.size();
      const auto packed = CompressIfWorthIt(bytes);
      stored_size = packed ? packed->size() : 0;
      const SnapshotFile file{w.path, w.sha256, w.size, stored_size};
      RETURN_IF_ERROR(store->Put(ObjectKeyOf(file), packed ? *packed : bytes));
      sent[w.sha256] = file;
      result.objects_sent += 1;
      result.bytes_sent += static_cast<int64_t>(packed ? packed->size() : bytes.size());
      done_bytes += static_cast<int64_t>(bytes.size());
      if (options.hook) options.hook("after-object");
      if (options.progress) options.progress("backup", done_bytes, to_send_bytes);
    }
    if (w.path == kJournalPath) {
      m.journal = {w.path, w.sha256, w.size, stored_size};
    } else {
      m.files.push_back({w.path, w.sha256, w.size, stored_size});
    }
  }
  // Every object durable before the manifest that names them exists.
  RETURN_IF_ERROR(store->Flush());
  if (options.hook) options.hook("before-manifest");
  RETURN_IF_ERROR(store->Put("snapshots/" + m.id + ".json", ManifestToJson(m)));
  RETURN_IF_ERROR(store->Flush());
  return result;
}

Result<std::vector<Manifest>> ListSnapshots(ObjectStore* store) {
  RETURN_IF_ERROR(EnsureBackupStore(store, /*create=*/false));
  ASSIGN_OR_RETURN(auto keys, store->List("snapshots/"));
  std::vector<Manifest> out;
  for (const auto& k : keys) {
    if (k.key.size() < 5 || k.key.compare(k.key.size() - 5, 5, ".json") != 0) continue;
    ASSIGN_OR_RETURN(std::string text, store->Get(k.key));
    ASSIGN_OR_RETURN(Manifest m, ManifestFromJson(text, "snapshot manifest '" + ToValidUtf8(k.key) + "'"));
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(), [](const Manifest& a, const Manifest& b) {
    return a.created_micros != b.created_micros ? a.created_micros < b.created_micros : a.id < b.id;
  });
  return out;
}

Result<StoreVerifyReport> VerifyStore(ObjectStore* store, bool read_data, const BackupProgress& progress) {
  RETURN_IF_ERROR(EnsureBackupStore(store, /*create=*/false));
  StoreVerifyReport report;
  ASSIGN_OR_RETURN(const auto present, ListObjects(store));
  ASSIGN_OR_RETURN(auto keys, store->List("snapshots/"));
  std::map<std::string, SnapshotFile> referenced;  // object key -> a file it holds
  for (const auto& k : keys) {
    if (k.key.size() < 5 || k.key.compare(k.key.size() - 5, 5, ".json") != 0) continue;
    report.snapshots += 1;
    const std::string where = ToValidUtf8(k.key);
    auto text = store->Get(k.key);
    if (!text.ok()) {
      report.problems.push_back({where, text.status().message()});
      continue;
    }
    auto m = ManifestFromJson(*text, "snapshot manifest '" + where + "'");
    if (!m.ok()) {
      report.problems.push_back({where, m.status().message()});
      continue;
    }
    if ("snapshots/" + m->id + ".json" != k.key) {
      report.problems.push_back({where, "the manifest's id '" + ToValidUtf8(m->id) + "' does not match its name"});
    }
    std::vector<SnapshotFile> all = m->files;
    all.push_back(m->journal);
    for (const auto& f : all) {
      const std::string key = ObjectKeyOf(f);
      const bool gz = f.stored_size > 0;
      auto it = present.find(f.sha256);
      if (it == present.end() || !(gz ? it->second.gz : it->second.plain)) {
        report.problems.push_back({m->id, "file '" + ToValidUtf8(f.path) + "' needs object " + key +
                                              ", which is missing"});
        continue;
      }
      const uint64_t have = gz ? it->second.gz_size : it->second.size;
      const uint64_t want = gz ? f.stored_size : f.size;
      if (have != want) {
        report.problems.push_back({m->id, "file '" + ToValidUtf8(f.path) + "': object " + key + " has " +
                                              std::to_string(have) + " bytes, the manifest says " +
                                              std::to_string(want)});
      } else {
        referenced[key] = f;
      }
    }
  }
  report.objects_checked = static_cast<int64_t>(referenced.size());
  if (read_data) {
    int64_t total = 0;
    for (const auto& [key, f] : referenced) total += static_cast<int64_t>(f.stored_size > 0 ? f.stored_size : f.size);
    for (const auto& [key, f] : referenced) {
      auto bytes = ReadObject(store, f, "file '" + ToValidUtf8(f.path) + "'");
      if (!bytes.ok()) report.problems.push_back({key, bytes.status().message()});
      report.bytes_read += static_cast<int64_t>(f.stored_size > 0 ? f.stored_size : f.size);
      if (progress) progress("reading objects", report.bytes_read, total);
    }
  }
  return report;
}

Result<PruneResult> Prune(ObjectStore* store, const PruneOptions& options) {
  if (options.keep_last < 0 || options.keep_daily < 0) {
    return Status::InvalidArgument("--keep-last and --keep-daily must not be negative");
  }
  if (options.keep_last == 0 && options.keep_daily == 0) {
    return Status::InvalidArgument("this policy keeps no snapshot; pass --keep-last N and/or --keep-daily N (N >= 1)");
  }
  ASSIGN_OR_RETURN(auto lock, store->Lock(HolderNote("barlake backup prune", Env::Default())));
  ASSIGN_OR_RETURN(std::vector<Manifest> snaps, ListSnapshots(store));
  std::reverse(snaps.begin(), snaps.end());  // newest first
  std::set<std::string> keep;
  for (int i = 0; i < options.keep_last && i < static_cast<int>(snaps.size()); ++i) keep.insert(snaps[i].id);
  std::set<int64_t> days;
  for (const auto& s : snaps) {
    const int64_t day = s.created_micros / kMicrosPerDay;
    if (days.count(day)) continue;
    if (static_cast<int>(days.size()) >= options.keep_daily) break;
    days.insert(day);
    keep.insert(s.id);  // the newest of its day
  }
  PruneResult result;
  std::set<std::string> live;
  for (const auto& s : snaps) {
    if (keep.count(s.id)) {
      result.kept.push_back(s.id);
      live.insert(s.journal.sha256);
      for (const auto& f : s.files) live.insert(f.sha256);
    } else {
      result.removed.push_back(s.id);
    }
  }
  ASSIGN_OR_RETURN(auto objects, store->List("objects/"));
  // Plain and compressed objects alike are named by the SHA-256 their manifests record.
  auto is_live = [&](const std::string& key) {
    const auto sha = ShaOfObjectKey(key);
    return sha && live.count(*sha);
  };
  for (const auto& o : objects) {
    if (!is_live(o.key)) {
      result.objects_removed += 1;
      result.bytes_freed += static_cast<int64_t>(o.size);
    }
  }
  if (options.dry_run) return result;
  // Mark: the manifests go first, durably, so no manifest ever names a swept object.
  for (const auto& id : result.removed) RETURN_IF_ERROR(store->Delete("snapshots/" + id + ".json"));
  RETURN_IF_ERROR(store->Flush());
  // Sweep: objects no kept manifest names (also those of interrupted backups), and
  // leftovers of interrupted uploads.
  for (const auto& o : objects) {
    if (!is_live(o.key)) RETURN_IF_ERROR(store->Delete(o.key));
  }
  ASSIGN_OR_RETURN(auto tmp, store->List("tmp/"));
  for (const auto& o : tmp) RETURN_IF_ERROR(store->Delete(o.key));
  RETURN_IF_ERROR(store->Flush());
  return result;
}

}  // namespace barlake::backup
