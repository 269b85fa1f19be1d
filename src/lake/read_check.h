// Reads check every partition file they open against the catalog (docs/integrity.md):
// its size, then its SHA-256, so a flipped byte, a truncated or a missing file is refused
// with kCorruption naming the file and `barlake repair`, never read back as changed bars.
//
// The same check makes reads exact while a job is unfinished (interrupted by a crash and
// not yet recovered, or running in another process): the catalog still describes the
// vault before that job, and every file the job replaced is kept under versions/ before
// the swap. So a reader opens, per partition, the lake file when it holds the catalog's
// bytes, else the job's kept previous file with those bytes: the state before the job,
// never a mix.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "env/env.h"
#include "journal/journal.h"
#include "lake/vault.h"

namespace barlake::lake {

/// The previous files kept by jobs that are still running with their plan recorded
/// (phase staged), by rel_path: absolute paths, newest job first.
struct PendingVersions {
  std::map<std::string, std::vector<std::string>> kept;
  std::vector<journal::JobRecord> jobs;  // the running jobs with phase staged
};
Result<PendingVersions> LoadPendingVersions(journal::Journal* journal, const VaultPaths& paths);

/// The file to open for the catalog entry `entry`: the lake file when its size and
/// SHA-256 are the catalog's, else a kept previous version of a pending job that is.
/// kCorruption names the lake file, what differs, and `barlake repair`.
Result<std::string> CheckedPartitionFile(Env* env, const VaultPaths& paths, const journal::PartitionEntry& entry,
                                         const PendingVersions& pending);

/// CheckedPartitionFile for each of `entries`, with the pending versions loaded once.
Result<std::vector<std::string>> CheckedPartitionFiles(Env* env, const VaultPaths& paths, journal::Journal* journal,
                                                       const std::vector<journal::PartitionEntry>& entries);

/// What is wrong with `file` for the catalog entry `entry` ("" when it holds exactly the
/// catalog's bytes): missing, another size, another SHA-256.
Result<std::string> PartitionFileProblem(Env* env, const std::string& file, const journal::PartitionEntry& entry);

/// The kCorruption a read returns for a damaged partition file.
Status DamagedPartition(const std::string& file, const std::string& problem);

/// Whether the catalog entry of any of `entries` changed since they were read (a writer
/// committed meanwhile: a failed check is then retried, not reported).
Result<bool> CatalogMoved(journal::Journal* journal, const std::vector<journal::PartitionEntry>& entries);

/// "job 12 (import ES 1m from ES.txt)": how messages name a job.
std::string JobLabel(const journal::JobRecord& job);

}  // namespace barlake::lake
