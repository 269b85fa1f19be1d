// Env: the narrow I/O seam of barlake (after LevelDB's Env). Every file-system change the
// lake makes goes through an Env, so tests can inject failures at any step
// (tests/testutil/fault_injection_env.h). DuckDB writes Parquet bytes itself; those files
// are then fsynced, renamed and removed through the Env.
//
// Contract for every call: returns OK or an IOError/NoSpace that names the path and keeps
// errno. Implementations must be thread-safe: the write protocol stages files from two
// threads at once (on different paths).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace barlake {

/// A file being written sequentially. Data is durable only after Sync() returns OK.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  /// fsync the file's data and metadata.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

/// An exclusive advisory lock held until released or until the process dies
/// (flock(2) semantics: the kernel drops it with the process, so a dead holder never
/// blocks the next writer).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;
  /// The process-wide POSIX Env. Never deleted.
  static Env* Default();

  /// Create or truncate `path` for writing.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  /// Read a whole file.
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  /// Read a file front to back, passing it to `chunk` a piece at a time (so hashing a
  /// large file needs no buffer of its size). Stops at the first error `chunk` returns.
  virtual Status ReadFileChunks(const std::string& path,
                                const std::function<Status(std::string_view)>& chunk) {
    ASSIGN_OR_RETURN(std::string data, ReadFile(path));
    return chunk(data);
  }
  /// Create or truncate `to` with the bytes of the file `from` and fsync it; on failure the
  /// partial copy is removed. The folder is not synced (as with WriteFileSynced). The POSIX
  /// Env copies inside the kernel (copy_file_range(2)), so a big source never passes through
  /// this process's memory: on these machines that is ~4x less CPU than read + write. This
  /// base version reads with ReadFileChunks and writes through NewWritableFile, so a
  /// wrapper that intercepts writes (fault injection, power loss) sees every byte of the
  /// copy; EnvWrapper therefore does not forward it.
  virtual Status CopyFileSynced(const std::string& from, const std::string& to);
  /// fsync an existing file written by someone else (DuckDB's Parquet writer).
  virtual Status SyncFile(const std::string& path) = 0;
  /// SyncFile for each of `paths`; OK only when every one is durable. An implementation
  /// may start the writeback of all of them and fsync them side by side (the POSIX Env
  /// does: far fewer journal commits and device flushes than one file after the other).
  /// This base version calls SyncFile one by one, so a wrapper that intercepts SyncFile
  /// sees every file.
  virtual Status SyncFiles(const std::vector<std::string>& paths) {
    for (const auto& p : paths) RETURN_IF_ERROR(SyncFile(p));
    return Status::OK();
  }
  /// fsync a directory so renames and creations inside it are durable.
  virtual Status SyncDir(const std::string& path) = 0;
  /// SyncDir for each of `paths` (in any order, possibly at once); the base version calls
  /// SyncDir one by one, like SyncFiles.
  virtual Status SyncDirs(const std::vector<std::string>& paths) {
    for (const auto& p : paths) RETURN_IF_ERROR(SyncDir(p));
    return Status::OK();
  }
  /// Atomically replace `to` with `from` (rename(2); same file system).
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  /// Make `to` a second name (hard link) for the file `from`; `to` must not exist.
  virtual Status LinkFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  /// Remove an empty directory; OK if it does not exist.
  virtual Status RemoveDir(const std::string& path) = 0;
  /// mkdir -p. OK if it exists.
  virtual Status CreateDirs(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual Result<uint64_t> GetFileSize(const std::string& path) = 0;
  /// Names (not paths) of the entries of a directory, sorted.
  virtual Result<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  virtual Result<bool> IsDirectory(const std::string& path) = 0;
  /// Bytes free for an unprivileged writer on the file system holding `path`.
  virtual Result<uint64_t> FreeBytes(const std::string& path) = 0;
  virtual int64_t NowMicros() = 0;
  /// Try once to take an exclusive lock on `path` (created if missing). kUnavailable if
  /// another process holds it.
  virtual Result<std::unique_ptr<FileLock>> TryLockFile(const std::string& path) = 0;
};

/// Delegates every call to a target Env; subclasses override what they intercept.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p) override {
    return target_->NewWritableFile(p);
  }
  Result<std::string> ReadFile(const std::string& p) override { return target_->ReadFile(p); }
  Status ReadFileChunks(const std::string& p, const std::function<Status(std::string_view)>& chunk) override {
    return target_->ReadFileChunks(p, chunk);
  }
  // CopyFileSynced, SyncFiles and SyncDirs are not forwarded: the base versions call this wrapper's
  // SyncFile / SyncDir per path, so a wrapper that intercepts those sees every one.
  Status SyncFile(const std::string& p) override { return target_->SyncFile(p); }
  Status SyncDir(const std::string& p) override { return target_->SyncDir(p); }
  Status RenameFile(const std::string& f, const std::string& t) override {
    return target_->RenameFile(f, t);
  }
  Status LinkFile(const std::string& f, const std::string& t) override {
    return target_->LinkFile(f, t);
  }
  Status RemoveFile(const std::string& p) override { return target_->RemoveFile(p); }
  Status RemoveDir(const std::string& p) override { return target_->RemoveDir(p); }
  Status CreateDirs(const std::string& p) override { return target_->CreateDirs(p); }
  bool FileExists(const std::string& p) override { return target_->FileExists(p); }
  Result<uint64_t> GetFileSize(const std::string& p) override { return target_->GetFileSize(p); }
  Result<std::vector<std::string>> GetChildren(const std::string& d) override {
    return target_->GetChildren(d);
  }
  Result<bool> IsDirectory(const std::string& p) override { return target_->IsDirectory(p); }
  Result<uint64_t> FreeBytes(const std::string& p) override { return target_->FreeBytes(p); }
  int64_t NowMicros() override { return target_->NowMicros(); }
  Result<std::unique_ptr<FileLock>> TryLockFile(const std::string& p) override {
    return target_->TryLockFile(p);
  }

 private:
  Env* target_;
};

/// Create or truncate `path`, write `data` and fsync it; on failure the partial file is
/// removed. The folder is not synced (callers rename it into place, or batch SyncDirs).
Status WriteFileSynced(Env* env, const std::string& path, std::string_view data);
/// Write `data` to `path` durably: temp file, fsync, rename, fsync of the folder.
Status WriteFileAtomic(Env* env, const std::string& path, std::string_view data);
/// Copy a file durably to `to` (written to `to` + ".tmp", synced, renamed).
Status CopyFileDurably(Env* env, const std::string& from, const std::string& to);
/// The folder part of a path ("a/b/c" -> "a/b"; "c" -> ".").
std::string DirName(const std::string& path);
/// Join path parts with '/'.
std::string JoinPath(const std::string& a, const std::string& b);

}  // namespace barlake

namespace barlake {
/// Remove a folder and everything below it; OK if it does not exist.
Status RemoveTree(Env* env, const std::string& path);
/// Every regular file below `dir`, as paths relative to it, sorted.
Result<std::vector<std::string>> ListFilesRecursive(Env* env, const std::string& dir);
}  // namespace barlake
