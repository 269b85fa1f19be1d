#include "lake/write_protocol.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "core/checksum.h"

namespace barlake::lake {

const char* CrashPointName(CrashPoint p) {
  switch (p) {
    case CrashPoint::kAfterSourceCopy: return "after-source-copy";
    case CrashPoint::kAfterStageFile: return "after-stage-file";
    case CrashPoint::kAfterStaged: return "after-staged";
    case CrashPoint::kAfterKeepOld: return "after-keep-old";
    case CrashPoint::kAfterSwapOne: return "after-swap-one";
    case CrashPoint::kAfterSwapAll: return "after-swap-all";
    case CrashPoint::kAfterCommit: return "after-commit";
  }
  return "unknown";
}

Result<CrashPoint> CrashPointFromName(const std::string& name) {
  for (CrashPoint p : {CrashPoint::kAfterSourceCopy, CrashPoint::kAfterStageFile,
                       CrashPoint::kAfterStaged, CrashPoint::kAfterKeepOld,
                       CrashPoint::kAfterSwapOne, CrashPoint::kAfterSwapAll,
                       CrashPoint::kAfterCommit}) {
    if (name == CrashPointName(p)) return p;
  }
  return Status::InvalidArgument("unknown crash point '" + name + "'");
}

Result<std::pair<std::string, uint64_t>> FileSha256(Env* env, const std::string& path) {
  Sha256 sha;
  uint64_t bytes = 0;
  RETURN_IF_ERROR(env->ReadFileChunks(path, [&](std::string_view chunk) {
    sha.Update(chunk.data(), chunk.size());
    bytes += chunk.size();
    return Status::OK();
  }));
  return std::make_pair(sha.HexDigest(), bytes);
}

Status WriteProtocol::SyncParents(const std::string& dir, const std::string& stop_at) {
  // New folders are only durable once their parents are synced too.
  std::string d = dir;
  for (;;) {
    RETURN_IF_ERROR(env_->SyncDir(d));
    if (d == stop_at || d.size() <= stop_at.size()) break;
    d = DirName(d);
  }
  return Status::OK();
}

void CompareWithJournal(const FileFacts& f, const journal::PartitionEntry& p,
                        const std::function<void(const std::string&)>& problem) {
  if (f.rows != p.rows) problem("has " + std::to_string(f.rows) + " rows, the journal says " + std::to_string(p.rows));
  if (f.disorder_at >= 0) {
    problem("rows are not sorted and unique by " + f.key_order + " at row " + std::to_string(f.disorder_at));
  }
  if (f.rows > 0 && (f.min_ts != p.min_ts || f.max_ts != p.max_ts)) problem("time range differs from the journal's");
  auto range = storage::PeriodRange(p.period);
  if (range.ok() && f.rows > 0 && (f.min_ts < range->first || f.max_ts >= range->second)) {
    problem("holds rows outside its period " + p.period);
  }
  if (f.content_hash != p.content_hash) problem("content hash differs from the journal's");
}

Status WriteProtocol::WriteStaged(const journal::JobRecord& job, size_t index, PartitionWrite* w,
                                  const KindIo& io, FileFacts* meant) {
  journal::PartitionChange& c = w->change;
  const std::string job_dir = "job-" + std::to_string(job.id);
  c.job_id = job.id;
  c.version_path = c.before_sha256.empty()
                       ? ""
                       : JoinPath(".barlake/versions/" + job_dir, c.rel_path);
  if (w->remove) {
    c.after_sha256.clear();
    c.staged_path.clear();
    return Status::OK();
  }
  const DataKind& kind = KindOfRelPath(c.rel_path);
  // One flat folder per job (StageAll creates it): staging a partition makes no folder.
  // The journal records the path, so recovery finds the file whatever its name.
  c.staged_path = ".barlake/staging/" + job_dir + "/" + std::to_string(index) + ".parquet";
  const std::string staged = paths_->Abs(c.staged_path);
  if (!w->copy_from.empty()) return CopyFileDurably(env_, w->copy_from, staged);
  if (!w->rows) return Status::Internal("partition '" + c.rel_path + "' of job " + std::to_string(job.id) + " has no rows");
  RETURN_IF_ERROR(kind.Write(io, *w->rows, staged));
  // Not fsynced here: StageAll syncs every staged file in one batch before the plan is
  // recorded (nothing depends on a staged file being durable before that). Not read back
  // here either: CheckStaged reads a batch of files with one query, against these facts
  // of the rows in memory (which can then be released).
  ASSIGN_OR_RETURN(*meant, kind.Intended(*w->rows));
  return Status::OK();
}

Result<std::vector<FileFacts>> WriteProtocol::ReadBackStaged(const std::vector<StagedFile>& files, const KindIo& io) {
  std::vector<FileFacts> back(files.size());
  // Bar files (nearly every partition a job writes) are read back with one query for the
  // batch; the other kinds one file at a time, through their own reader.
  std::vector<std::string> bar_paths;
  std::vector<size_t> bar_at;
  for (size_t i = 0; i < files.size(); ++i) {
    const journal::PartitionChange& c = files[i].w->change;
    const DataKind& kind = KindOfRelPath(c.rel_path);
    if (&kind == &BarsKind()) {
      bar_paths.push_back(paths_->Abs(c.staged_path));
      bar_at.push_back(i);
      continue;
    }
    ASSIGN_OR_RETURN(back[i], kind.ReadFacts(io, c.rel_path, paths_->Abs(c.staged_path), /*check_schema=*/false));
  }
  if (bar_paths.empty()) return back;
  ASSIGN_OR_RETURN(std::vector<BarColumns> rows, io.bars->ReadFiles(bar_paths));
  for (size_t k = 0; k < rows.size(); ++k) {
    const BarColumns& r = rows[k];
    // The facts BarsKind().ReadFacts gives for the same file.
    back[bar_at[k]] = FactsOf(
        r.size(), "time", r.empty() ? 0 : r.ts.front(), r.empty() ? 0 : r.ts.back(),
        [&](size_t a, size_t b) { return r.ts[a] < r.ts[b]; }, ContentHash(r));
  }
  return back;
}

Status WriteProtocol::CheckStaged(const std::vector<StagedFile>& files, const KindIo& io) {
  // Read each file back: it must hold exactly the rows we meant to write.
  ASSIGN_OR_RETURN(std::vector<FileFacts> facts, ReadBackStaged(files, io));
  for (size_t i = 0; i < files.size(); ++i) {
    PartitionWrite* w = files[i].w;
    journal::PartitionChange& c = w->change;
    const std::string staged = paths_->Abs(c.staged_path);
    const FileFacts& back = facts[i];
    if (back.rows == 0) return Status::Internal("staged file '" + staged + "' has no rows");
    if (back.disorder_at >= 0) {
      return Status::Corruption("staged file '" + staged + "' is not in strict " + back.key_order + " order at row " +
                                std::to_string(back.disorder_at));
    }
    if (w->copy_from.empty()) {
      const FileFacts& meant = *files[i].meant;
      if (back.rows != meant.rows || back.content_hash != meant.content_hash) {
        return Status::Corruption("staged file '" + staged + "' read back " + std::to_string(back.rows) +
                                  " rows with content hash " + back.content_hash + ", expected " +
                                  std::to_string(meant.rows) + " rows with " + meant.content_hash +
                                  "; the disk or DuckDB wrote something else");
      }
    }
    ASSIGN_OR_RETURN(auto sha, FileSha256(env_, staged));
    if (!w->expected_sha256.empty() && sha.first != w->expected_sha256) {
      return Status::Corruption("copy '" + staged + "' of '" + w->copy_from +
                                "' does not have the SHA-256 recorded in the journal (" +
                                w->expected_sha256 + "); the kept version may be damaged");
    }
    c.after_sha256 = sha.first;
    c.after_bytes = static_cast<int64_t>(sha.second);
    c.after_rows = back.rows;
    c.after_min_ts = back.min_ts;
    c.after_max_ts = back.max_ts;
    c.after_content_hash = back.content_hash;
  }
  return Status::OK();
}

Status WriteProtocol::KeepOld(const journal::PartitionChange& c, bool* done, DirChains* version_dirs) {
  const std::string target = paths_->LakeFile(c.rel_path);
  const std::string version = c.version_path.empty() ? "" : paths_->Abs(c.version_path);
  // Files are identified by SHA-256 (a missing file reads as ""), so this works the same
  // on a fresh commit and in recovery after a crash at any point. A partition the job
  // creates costs no read: neither file exists.
  ASSIGN_OR_RETURN(std::string current_sha, ShaOrEmpty(target));
  *done = current_sha == c.after_sha256;
  if (*done) return Status::OK();  // already swapped (recovery)
  std::string version_sha;
  if (!version.empty()) {
    ASSIGN_OR_RETURN(version_sha, ShaOrEmpty(version));
  }
  const bool old_kept = !c.before_sha256.empty() && version_sha == c.before_sha256;
  // The lake holds the previous file, or (after an interrupted undo) nothing while the
  // previous file waits under versions/.
  if (current_sha != c.before_sha256 && !(current_sha.empty() && old_kept)) {
    return Status::Corruption("'" + target + "' has SHA-256 " +
                              (current_sha.empty() ? std::string("(missing)") : current_sha) +
                              " but job " + std::to_string(c.job_id) + " expected " +
                              (c.before_sha256.empty() ? "(missing)" : c.before_sha256) +
                              " or its own result; run `barlake verify` and restore the file "
                              "from .barlake/versions");
  }
  // Kept by an interrupted attempt, which may have died before syncing its folders.
  if (old_kept) version_dirs->emplace_back(DirName(version), paths_->meta);
  if (!current_sha.empty() && !old_kept) {
    // Keep the previous file under a second name (a hard link: no copy, and the lake file
    // stays in place, so readers never find the partition missing).
    if (!version_sha.empty()) RETURN_IF_ERROR(env_->RemoveFile(version));  // a stale leftover
    RETURN_IF_ERROR(env_->CreateDirs(DirName(version)));
    Status linked = env_->LinkFile(target, version);
    if (!linked.ok()) RETURN_IF_ERROR(CopyFileDurably(env_, target, version));
    version_dirs->emplace_back(DirName(version), paths_->meta);
    Crash(CrashPoint::kAfterKeepOld);
  }
  return Status::OK();
}

Status WriteProtocol::PutNew(const journal::PartitionChange& c, DirChains* lake_dirs) {
  const std::string target = paths_->LakeFile(c.rel_path);
  if (!c.after_sha256.empty()) {
    const std::string staged = paths_->Abs(c.staged_path);
    if (!env_->FileExists(staged)) {
      return Status::Corruption("staged file '" + staged + "' of job " + std::to_string(c.job_id) +
                                " is missing; the job cannot be finished");
    }
    if (!env_->FileExists(target)) {
      // A partition the lake lacks: link the staged file in. Its staged name stays (durable
      // since before the plan) until the job is committed, so a power cut that drops the
      // new folder or the new entry loses no data: recovery links it again. The folder and
      // every folder above it up to the kind's root are fsynced (once per job) before the
      // commit, including folders an interrupted attempt made but never synced.
      RETURN_IF_ERROR(env_->CreateDirs(DirName(target)));
      RETURN_IF_ERROR(env_->LinkFile(staged, target));
      lake_dirs->emplace_back(DirName(target), SyncStop(c.rel_path));
      return Status::OK();
    }
    RETURN_IF_ERROR(env_->RenameFile(staged, target));  // atomic replace
    if (c.before_sha256.empty()) {
      // A new partition that an interrupted attempt already linked in (the rename of the
      // same file is a no-op): that attempt may have died before fsyncing the folders it
      // made, so the whole chain is synced, as for a fresh link.
      lake_dirs->emplace_back(DirName(target), SyncStop(c.rel_path));
      return Status::OK();
    }
  } else if (env_->FileExists(target)) {
    RETURN_IF_ERROR(env_->RemoveFile(target));
  }
  // Only the folder whose entry changed: the file was there, so its folders were durable.
  lake_dirs->emplace_back(DirName(target), DirName(target));
  return Status::OK();
}

Status WriteProtocol::SwapAll(const std::vector<journal::PartitionChange>& changes, size_t* reached) {
  // Two passes so that each kind of folder is fsynced once per job, not once per
  // partition: first every previous file is kept (then the versions/ folders are synced,
  // so no rename below can drop the only durable name of an old file), then every new
  // file is put in place (then the lake's folders are synced, before the commit records
  // them). A new file keeps its staged name until the commit, so the lake's folders need
  // no fsync before it is put there.
  std::vector<char> done(changes.size(), 0);
  DirChains version_dirs, lake_dirs;
  *reached = 0;
  for (size_t i = 0; i < changes.size(); ++i) {
    *reached = i + 1;
    bool d = false;
    RETURN_IF_ERROR(KeepOld(changes[i], &d, &version_dirs));
    done[i] = d;
  }
  RETURN_IF_ERROR(SyncDirChains(version_dirs));
  for (size_t i = 0; i < changes.size(); ++i) {
    if (done[i]) {
      // Swapped by an interrupted attempt (recovery), which may have died before syncing
      // the folders: a new partition's whole chain, else the folder whose entry changed.
      const std::string target = paths_->LakeFile(changes[i].rel_path);
      lake_dirs.emplace_back(DirName(target),
                             changes[i].before_sha256.empty() ? SyncStop(changes[i].rel_path) : DirName(target));
      continue;
    }
    RETURN_IF_ERROR(PutNew(changes[i], &lake_dirs));
    Crash(CrashPoint::kAfterSwapOne);
  }
  return SyncDirChains(lake_dirs);
}

Status WriteProtocol::SyncDirChains(const DirChains& chains) {
  // Each folder from `dir` up to its stop, once.
  std::set<std::string> dirs;
  for (const auto& [dir, stop] : chains) {
    std::string d = dir;
    for (;;) {
      dirs.insert(d);
      if (d == stop || d.size() <= stop.size()) break;
      d = DirName(d);
    }
  }
  // Deepest first (for an Env that syncs one by one); all are durable before this returns.
  std::vector<std::string> order(dirs.begin(), dirs.end());
  std::stable_sort(order.begin(), order.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return env_->SyncDirs(order);
}

Status WriteProtocol::Unswap(const journal::PartitionChange& c) {
  const std::string target = paths_->LakeFile(c.rel_path);
  const std::string staged = c.staged_path.empty() ? "" : paths_->Abs(c.staged_path);
  const std::string version = c.version_path.empty() ? "" : paths_->Abs(c.version_path);
  ASSIGN_OR_RETURN(std::string current_sha, ShaOrEmpty(target));
  bool changed = false;
  if (!c.after_sha256.empty() && current_sha == c.after_sha256) {
    // Keep the new file staged: if this undo is interrupted, recovery finishes the job.
    // The link is made durable before the lake entry goes, or a power cut could leave the
    // plan naming a staged file that no longer exists anywhere.
    if (!env_->FileExists(staged)) {
      RETURN_IF_ERROR(env_->LinkFile(target, staged));
      RETURN_IF_ERROR(env_->SyncDir(DirName(staged)));
    }
    if (!c.before_sha256.empty() && env_->FileExists(version)) {
      RETURN_IF_ERROR(env_->RenameFile(version, target));  // atomic: old file back
    } else {
      RETURN_IF_ERROR(env_->RemoveFile(target));
    }
    changed = true;
  } else if (!c.before_sha256.empty() && current_sha.empty() && !version.empty() &&
             env_->FileExists(version)) {
    RETURN_IF_ERROR(env_->CreateDirs(DirName(target)));
    RETURN_IF_ERROR(env_->RenameFile(version, target));
    changed = true;
  } else if (!version.empty() && current_sha == c.before_sha256 && env_->FileExists(version)) {
    RETURN_IF_ERROR(env_->RemoveFile(version));  // the kept link of an unchanged file
    RETURN_IF_ERROR(env_->SyncDir(DirName(version)));  // so it does not come back after a power cut
  }
  // Nothing to undo for a partition the failed swap never reached.
  return changed ? SyncParents(DirName(target), SyncStop(c.rel_path)) : Status::OK();
}

Result<std::string> WriteProtocol::ShaOrEmpty(const std::string& path) {
  if (!env_->FileExists(path)) return std::string();
  ASSIGN_OR_RETURN(auto sha, FileSha256(env_, path));
  return sha.first;
}

Status WriteProtocol::Commit(journal::JobRecord* job, std::vector<PartitionWrite>* writes) {
  size_t next = 0;
  PartitionSource source = [&]() -> Result<std::optional<PartitionWrite>> {
    if (next >= writes->size()) return std::optional<PartitionWrite>();
    return std::optional<PartitionWrite>(std::move((*writes)[next++]));
  };
  return Commit(job, source, 0, static_cast<int64_t>(writes->size()));
}

namespace {

// Joins the staging workers on every path out of StageAll, including an exception thrown
// by a crash hook, so no thread outlives the state it uses.
struct WorkerPool {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<size_t> queue;
  bool draining = false;  // no more partitions come: check what is pending and stop
  bool closing = false;   // stop now (failure or unwinding): staging is abandoned
  std::vector<std::thread> threads;
  ~WorkerPool() { Close(); }
  void Close() {
    {
      std::lock_guard<std::mutex> l(mu);
      closing = true;
    }
    cv.notify_all();
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  }
};

// Written staged files are read back in batches of up to this many files or rows (one
// query each), so a job of many small partitions pays one read-back statement per batch
// rather than per file, while a batch of big partitions stays a few MB in memory.
constexpr size_t kReadBackFiles = 128;
constexpr int64_t kReadBackRows = 64 * 1024;

}  // namespace

Result<std::vector<journal::PartitionChange>> WriteProtocol::StageAll(const journal::JobRecord& job,
                                                                       const PartitionSource& next,
                                                                       int workers, int64_t expected) {
  struct Slot {
    PartitionWrite w;
    FileFacts meant;  // of the rows the file was written from
    Status status;
    bool done = false;
  };
  std::vector<std::unique_ptr<Slot>> slots;
  int64_t reported = 0;  // staged files announced to the crash hook and progress
  auto announce = [&](int64_t completed) {
    while (reported < completed) {
      ++reported;
      Crash(CrashPoint::kAfterStageFile);
      if (progress_) progress_("writing", reported, std::max(expected, reported));
    }
  };
  auto release_rows = [](PartitionWrite* w) { w->rows.reset(); };
  // Files written but not read back yet, by one stager (the calling thread or a worker).
  struct Pending {
    std::vector<Slot*> slots;
    int64_t rows = 0;
    bool Full() const { return slots.size() >= kReadBackFiles || rows >= kReadBackRows; }
    void Add(Slot* s) {
      slots.push_back(s);
      rows += s->meant.rows;
    }
  };
  auto check = [&](Pending* p, const KindIo& io) {
    std::vector<StagedFile> files;
    for (Slot* s : p->slots) {
      if (!s->w.remove) files.push_back({&s->w, &s->meant});
    }
    Status st;
    try {
      st = CheckStaged(files, io);
    } catch (const std::exception& e) {
      st = Status::Internal(std::string("reading back staged files failed: ") + e.what());
    }
    return st;
  };
  const std::string staging_dir = JoinPath(paths_->staging, "job-" + std::to_string(job.id));
  RETURN_IF_ERROR(env_->CreateDirs(staging_dir));

  if (workers <= 0) {
    const KindIo io{store_, duck_, env_};
    Pending pending;
    auto flush = [&]() -> Status {
      RETURN_IF_ERROR(check(&pending, io));
      pending = Pending();
      announce(static_cast<int64_t>(slots.size()));
      return Status::OK();
    };
    for (;;) {
      ASSIGN_OR_RETURN(auto w, next());
      if (!w) break;
      auto slot = std::make_unique<Slot>();
      slot->w = std::move(*w);
      RETURN_IF_ERROR(WriteStaged(job, slots.size(), &slot->w, io, &slot->meant));
      release_rows(&slot->w);
      pending.Add(slot.get());
      slots.push_back(std::move(slot));
      if (pending.Full()) RETURN_IF_ERROR(flush());
    }
    RETURN_IF_ERROR(flush());
  } else {
    // Each worker writes through its own DuckDB connection; the producer (merging the
    // next partition) runs here. The queue is bounded so merged rows never pile up.
    std::vector<std::unique_ptr<storage::DuckConn>> conns;
    std::vector<std::unique_ptr<storage::ParquetStore>> stores;
    for (int i = 0; i < workers; ++i) {
      ASSIGN_OR_RETURN(auto c, duck_->Connect());
      stores.push_back(std::make_unique<storage::ParquetStore>(c.get()));
      conns.push_back(std::move(c));
    }
    WorkerPool pool;
    int64_t completed = 0;
    Status failure;
    for (int i = 0; i < workers; ++i) {
      pool.threads.emplace_back([&, i] {
        const KindIo io{stores[static_cast<size_t>(i)].get(), conns[static_cast<size_t>(i)].get(), env_};
        Pending pending;
        // Record the outcome of `done` slots (all with `s`) under the lock.
        auto finish = [&](const std::vector<Slot*>& done, const Status& s) {
          {
            std::lock_guard<std::mutex> l(pool.mu);
            for (Slot* slot : done) {
              slot->status = s;
              slot->done = true;
              ++completed;
            }
            if (!s.ok() && failure.ok()) failure = s;
          }
          pool.cv.notify_all();
        };
        auto flush = [&] {
          if (pending.slots.empty()) return;
          const Status s = check(&pending, io);
          finish(pending.slots, s);
          pending = Pending();
        };
        for (;;) {
          size_t index;
          Slot* slot;
          {
            std::unique_lock<std::mutex> l(pool.mu);
            pool.cv.wait(l, [&] { return !pool.queue.empty() || pool.closing || pool.draining; });
            if (pool.closing || !failure.ok()) return;  // abandoned: nothing more is checked
            if (pool.queue.empty()) break;              // draining: check what is pending
            index = pool.queue.front();
            pool.queue.pop_front();
            slot = slots[index].get();
          }
          pool.cv.notify_all();  // room in the queue
          Status s;
          try {
            s = WriteStaged(job, index, &slot->w, io, &slot->meant);
          } catch (const std::exception& e) {
            s = Status::Internal(std::string("staging failed: ") + e.what());
          }
          release_rows(&slot->w);
          if (!s.ok()) {
            finish({slot}, s);
            continue;
          }
          pending.Add(slot);
          if (pending.Full()) flush();
        }
        flush();
      });
    }
    const size_t cap = static_cast<size_t>(workers) * 2;
    for (;;) {
      Result<std::optional<PartitionWrite>> w = next();
      std::unique_lock<std::mutex> l(pool.mu);
      if (!w.ok()) {
        if (failure.ok()) failure = w.status();
        break;
      }
      if (!*w || !failure.ok()) break;
      pool.cv.wait(l, [&] { return pool.queue.size() < cap || !failure.ok(); });
      if (!failure.ok()) break;
      auto slot = std::make_unique<Slot>();
      slot->w = std::move(**w);
      slots.push_back(std::move(slot));
      pool.queue.push_back(slots.size() - 1);
      const int64_t now_completed = completed;
      l.unlock();
      pool.cv.notify_all();
      announce(now_completed);
    }
    {
      std::unique_lock<std::mutex> l(pool.mu);
      pool.draining = true;
      if (!failure.ok()) pool.queue.clear();
      pool.cv.notify_all();
      for (;;) {
        bool all_done = true;
        for (const auto& s : slots) all_done = all_done && (s->done || !failure.ok());
        const int64_t now_completed = completed;
        if (all_done) break;
        l.unlock();
        announce(now_completed);
        l.lock();
        pool.cv.wait_for(l, std::chrono::milliseconds(50));
      }
    }
    pool.Close();
    RETURN_IF_ERROR(failure);
    announce(completed);
  }
  // Make every staged file durable before the plan names it: the files in one batch
  // (their writeback overlaps), then the staging folder and its parents once.
  std::vector<std::string> written;
  for (const auto& s : slots) {
    if (!s->w.remove && s->w.copy_from.empty()) written.push_back(paths_->Abs(s->w.change.staged_path));
  }
  RETURN_IF_ERROR(env_->SyncFiles(written));
  RETURN_IF_ERROR(SyncParents(staging_dir, paths_->meta));
  std::vector<journal::PartitionChange> changes;
  changes.reserve(slots.size());
  for (const auto& s : slots) changes.push_back(s->w.change);
  return changes;
}

Status WriteProtocol::Commit(journal::JobRecord* job, const PartitionSource& next, int workers,
                             int64_t expected) {
  const std::string staging_dir = JoinPath(paths_->staging, "job-" + std::to_string(job->id));
  auto staged = StageAll(*job, next, workers, expected);
  if (!staged.ok()) {
    (void)RemoveTree(env_, staging_dir);
    return staged.status();
  }
  std::vector<journal::PartitionChange> changes = std::move(staged).value();
  job->phase = "staged";
  Status s = journal_->RecordPlan(*job, changes);
  if (!s.ok()) {
    job->phase.clear();  // not recorded: the caller fails the job with the real error
    (void)RemoveTree(env_, staging_dir);
    return s;
  }
  Crash(CrashPoint::kAfterStaged);
  // A failure (not a crash) from here on is undone at once, so the lake is left exactly
  // as before. Only if the undo fails too does the job stay at phase=staged, and the next
  // writer's recovery finishes it.
  size_t reached = 0;
  Status failure = SwapAll(changes, &reached);
  if (failure.ok()) {
    Crash(CrashPoint::kAfterSwapAll);
    job->status = "completed";
    job->phase = "done";
    failure = journal_->CompleteJob(*job, changes);
    if (failure.ok()) {
      Crash(CrashPoint::kAfterCommit);
      (void)RemoveTree(env_, staging_dir);
      return Status::OK();
    }
    job->status = "running";
    job->phase = "staged";
    reached = changes.size();
  }
  // Undo in reverse order every partition the swap reached (including the one that
  // failed): Unswap leaves a partition it finds untouched as it is.
  Status undo;
  for (size_t k = reached; k-- > 0 && undo.ok();) {
    undo = Unswap(changes[k]);
  }
  if (undo.ok()) undo = journal_->SetPhase(job->id, "running", "undone");
  if (!undo.ok()) {
    return failure.WithContext("job " + std::to_string(job->id) + " failed and could not be undone (" +
                               undo.message() + "); it will be finished on the next write or `barlake recover`");
  }
  job->phase = "undone";
  (void)RemoveTree(env_, staging_dir);
  return failure;
}

Status WriteProtocol::RecoverAll() {
  ASSIGN_OR_RETURN(auto running, journal_->JobsWithStatus("running"));
  for (auto& job : running) {
    const std::string staging_dir = JoinPath(paths_->staging, "job-" + std::to_string(job.id));
    if (job.phase != "staged") {
      // Interrupted before any lake file changed: undo by dropping what was staged.
      RETURN_IF_ERROR(RemoveTree(env_, staging_dir));
      job.status = "failed";
      if (job.error.empty()) {
        job.error = "interrupted before it changed the lake; nothing was changed (recovered)";
      }
      RETURN_IF_ERROR(journal_->UpdateJob(job));
      continue;
    }
    ASSIGN_OR_RETURN(auto changes, journal_->GetChanges(job.id));
    size_t reached = 0;
    RETURN_IF_ERROR(SwapAll(changes, &reached).WithContext("recovering job " + std::to_string(job.id)));
    job.status = "completed";
    job.phase = "done";
    RETURN_IF_ERROR(journal_->CompleteJob(job, changes));
    RETURN_IF_ERROR(RemoveTree(env_, staging_dir));
  }
  // Staging folders of jobs that are no longer running are leftovers of a crash between
  // commit and cleanup; their files are either in the lake or unneeded.
  if (env_->FileExists(paths_->staging)) {
    ASSIGN_OR_RETURN(auto leftovers, env_->GetChildren(paths_->staging));
    for (const auto& name : leftovers) RETURN_IF_ERROR(RemoveTree(env_, JoinPath(paths_->staging, name)));
  }
  return Status::OK();
}

}  // namespace barlake::lake
