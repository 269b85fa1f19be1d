// Module-private pieces shared by backup.cc and push.cc: the journal copied at the cut
// (SQLite's online backup API into memory), reads of the copy, and the read of a partition
// file as the copied journal describes it.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "env/env.h"
#include "lake/vault.h"

namespace barlake::backup::internal {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;

/// `path` without trailing slashes ("/" stays "/").
std::string WithoutTrailingSlash(std::string path);
/// The vault at `dir` (trailing slashes dropped); an error when `dir` is not a vault.
Result<lake::VaultPaths> VaultAt(Env* env, const std::string& dir);
/// Who holds a destination's lock, for the message a second backup, prune or push shows.
std::string HolderNote(const std::string& command, Env* env);

/// The journal at `path` as one consistent in-memory image.
Result<SqlitePtr> CopyJournal(const std::string& path);
/// Run `sql` on `db`, calling `row` at each row.
Status ForEachRow(sqlite3* db, const std::string& sql, const std::function<void(sqlite3_stmt*)>& row);
/// Column `col` as text ("" for NULL).
std::string Text(sqlite3_stmt* s, int col);

/// The bytes of partition `rel_path` whose SHA-256 the copied journal (newest job
/// `last_job`) records as `sha256`: the lake file, or, when a job after the cut replaced
/// or removed it, the version that job kept. kCorruption when neither matches.
Result<std::string> ReadPartitionAtCut(Env* env, const lake::VaultPaths& paths, const std::string& rel_path,
                                       const std::string& sha256, int64_t last_job);

}  // namespace barlake::backup::internal
