// WriteProtocol: how a job changes partition files without ever losing or half-writing
// one (docs/formats/journal.md, "Write protocol").
//
//  1. stage   each new file is written under .barlake/staging/job-<id>/, fsynced, read
//             back and checked (rows, min/max ts, content hash, schema); its SHA-256 and
//             size are taken.
//  2. plan    the changes (before/after checksums, staged and version paths) are recorded
//             in the journal with phase=staged, in one transaction.
//  3. swap    per partition: the current file is kept under .barlake/versions/job-<id>/
//             (a hard link), then the staged file is renamed over it in lake/ (an atomic
//             replace, so readers see the old or the new file, never none), or linked in
//             when the lake has none (the staged name stays until the commit); folders
//             are fsynced.
//  4. commit  one journal transaction updates the catalog and completes the job.
//
// A crash before 2 leaves the lake untouched (recovery deletes the staging folder). A
// crash after 2 is finished by recovery, which redoes step 3 idempotently (each file is
// identified by its SHA-256) and then step 4. Step 3 never deletes data: every previous
// file is kept under versions/ so a job can be rolled back.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bars.h"
#include "env/env.h"
#include "journal/journal.h"
#include "lake/data_kind.h"
#include "lake/vault.h"
#include "storage/parquet_store.h"
#include "storage/partition_layout.h"

namespace barlake::lake {

/// Named points in the protocol where tests (and the hidden --crash-at flag) can stop the
/// process, to prove recovery from each of them.
enum class CrashPoint {
  kAfterSourceCopy,
  kAfterStageFile,
  kAfterStaged,
  kAfterKeepOld,  // the previous file is kept (hard link) under versions/
  kAfterSwapOne,
  kAfterSwapAll,
  kAfterCommit,
};
const char* CrashPointName(CrashPoint p);
Result<CrashPoint> CrashPointFromName(const std::string& name);

using CrashHook = std::function<void(CrashPoint)>;
using ProgressFn = std::function<void(const std::string& phase, int64_t done, int64_t total)>;

/// One partition a job writes. Exactly one of: rows (new content, of the kind the
/// rel_path names: lake/data_kind.h), copy_from (restore an existing file byte for byte,
/// for rollbacks), remove. Staging reads every file back with the reader of its kind, so
/// all get the same checks.
struct PartitionWrite {
  journal::PartitionChange change;  // identity and "before" fields filled by the caller
  std::unique_ptr<RowsPayload> rows;
  std::string copy_from;  // absolute path
  std::string expected_sha256;  // with copy_from: the copy must have exactly these bytes
  bool remove = false;
};

class WriteProtocol {
 public:
  /// `duck` is the connection `store` uses; staging workers open their own connections
  /// to the same database.
  WriteProtocol(Env* env, const VaultPaths* paths, journal::Journal* journal,
                storage::DuckConn* duck, storage::ParquetStore* store, CrashHook crash,
                ProgressFn progress)
      : env_(env), paths_(paths), journal_(journal), duck_(duck), store_(store),
        crash_(std::move(crash)), progress_(std::move(progress)) {}

  /// Run steps 1-4 for `job` (already in the journal with status running). On failure
  /// before step 2 the lake is unchanged and the staging folder is removed; the caller
  /// records the job as failed. `job` is updated with the final status.
  Status Commit(journal::JobRecord* job, std::vector<PartitionWrite>* writes);

  /// Yields the next partition to write, or nullopt when there are no more. Called on the
  /// calling thread only; lets a caller merge partition N+1 while N is being written, so
  /// only a few partitions' rows are in memory at once.
  using PartitionSource = std::function<Result<std::optional<PartitionWrite>>()>;
  /// As above, pulling writes from `next`. With `workers` > 0, that many threads stage
  /// files in parallel (each with its own DuckDB connection). `expected` is the number of
  /// partitions, for progress only. The job's counts may change while `next` runs; they
  /// are recorded when the plan is.
  Status Commit(journal::JobRecord* job, const PartitionSource& next, int workers,
                int64_t expected);

  /// Finish or undo every job left running by a crash. Call with the writer lock held.
  Status RecoverAll();

 private:
  /// Write the `index`-th file of the job (or copy it, for copy_from) and set `meant` to
  /// the facts of the rows it was written from; CheckStaged reads it back later, and
  /// StageAll makes it durable with all the others.
  Status WriteStaged(const journal::JobRecord& job, size_t index, PartitionWrite* w, const KindIo& io,
                     FileFacts* meant);
  /// A written staged file waiting to be read back: its write and, unless it is a copy,
  /// the facts of the rows it was written from.
  struct StagedFile {
    PartitionWrite* w;
    const FileFacts* meant;
  };
  /// Read back a batch of staged files (bar files with one query for all) and check each
  /// against what was meant: rows, order, key range, content hash; then take its SHA-256
  /// and size into its change. The first file that fails fails the batch.
  Status CheckStaged(const std::vector<StagedFile>& files, const KindIo& io);
  Result<std::vector<FileFacts>> ReadBackStaged(const std::vector<StagedFile>& files, const KindIo& io);
  Result<std::vector<journal::PartitionChange>> StageAll(const journal::JobRecord& job,
                                                         const PartitionSource& next, int workers,
                                                         int64_t expected);
  /// Folders to fsync, each with the folder its parents are synced up to.
  using DirChains = std::vector<std::pair<std::string, std::string>>;
  /// Put the new file of every change in place, keeping the old one under versions/
  /// (step 3). Idempotent: a change already done is skipped. `reached` is set to how many
  /// changes it got to, for the undo after a failure.
  Status SwapAll(const std::vector<journal::PartitionChange>& changes, size_t* reached);
  /// SwapAll's first pass for one change: check what the lake holds (`done`: already the
  /// new file) and keep the previous file (its folders added to `version_dirs`).
  Status KeepOld(const journal::PartitionChange& c, bool* done, DirChains* version_dirs);
  /// SwapAll's second pass: the staged file renamed over the lake file, or hard-linked in
  /// when the lake has no file there (the staged name stays until the commit), or the lake
  /// file removed (the folders to fsync added to `lake_dirs`).
  Status PutNew(const journal::PartitionChange& c, DirChains* lake_dirs);
  /// fsync every folder of `chains` once, deepest first.
  Status SyncDirChains(const DirChains& chains);
  /// Reverse Swap after a failure: the new file back to staging, the old one back in place.
  Status Unswap(const journal::PartitionChange& c);
  /// SHA-256 of a file, or "" when it does not exist.
  Result<std::string> ShaOrEmpty(const std::string& path);
  Status SyncParents(const std::string& dir, const std::string& stop_at);
  /// Where SyncParents stops for a partition: its kind's data root when `init` made it,
  /// else the vault root (the root folder may itself be new).
  std::string SyncStop(const std::string& rel_path) const { return KindOfRelPath(rel_path).SyncStop(*paths_); }
  void Crash(CrashPoint p) {
    if (crash_) crash_(p);
  }

  Env* env_;
  const VaultPaths* paths_;
  journal::Journal* journal_;
  storage::DuckConn* duck_;
  storage::ParquetStore* store_;
  CrashHook crash_;
  ProgressFn progress_;
};

/// Report each way `facts` differ from the catalog's entry for the file.
void CompareWithJournal(const FileFacts& facts, const journal::PartitionEntry& entry,
                        const std::function<void(const std::string&)>& problem);

/// SHA-256 and size of a file, read through the Env.
Result<std::pair<std::string, uint64_t>> FileSha256(Env* env, const std::string& path);

}  // namespace barlake::lake
