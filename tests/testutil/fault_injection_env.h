// FaultInjectionEnv: an Env that fails chosen operations, stops the process at a chosen
// one, and can lose power (after LevelDB's FaultInjectionTestEnv, RocksDB's
// FaultInjectionTestFS and ArcticDB's StorageFailureSimulator).
//
// Every mutating call (create, append, sync, rename, link, remove, mkdir) is numbered from
// 1 as it happens. FailAt(n, code) makes the n-th mutating call fail with `code` (kIOError
// or kNoSpace), without doing anything. With fail_forever, every call from the n-th on
// fails. FillDiskAt(n) is a disk that fills up at the n-th call and stays full. Counting
// lets a test run an operation once to learn how many steps it takes, then fail each step
// in turn.
//
// Power loss. With TrackDurability() on, the Env remembers what a power cut would lose:
//   - file data written since the file's last fsync (Append, or a truncating create);
//   - directory entries (created files and folders, renames, links, removals) made since
//     their folder's last fsync. A rename counts for the destination folder.
// SimulatePowerLoss() then does to the real files what the cut would: it truncates files
// to their last synced size and undoes, newest first, every entry change whose folder was
// not synced afterwards (a removed or overwritten file comes back with the bytes it had).
// Files written by someone else (DuckDB's Parquet writer) are first seen at SyncFile: their
// data is durable from then on, their entry once the folder is synced. Files the Env never
// sees (SQLite's journal, which runs with synchronous=FULL) count as durable.
//
// CrashAfter(n) performs the n-th mutating call and then "stops the process": the calling
// thread gets a SimulatedCrash exception (as a crash hook throws), and every later call
// fails without touching the disk. A call on another thread (the source copy runs on one)
// only marks the crash; the next call of the thread that armed it throws. Calls made while
// an exception unwinds (destructors) fail instead of throwing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "env/env.h"

namespace barlake::testutil {

/// Thrown where a process would have died (crash hooks and FaultInjectionEnv::CrashAfter).
struct SimulatedCrash {};

/// One mutating call as the Env saw it.
struct EnvCall {
  std::string op;    // create, append, fsync, fsync-dir, rename, link, remove, rmdir, mkdir
  std::string path;  // for rename and link: "from -> to"
  std::string text() const { return op + " " + path; }
  /// True for calls that need free space (they fail on a full disk).
  bool needs_space() const { return op == "create" || op == "append" || op == "mkdir"; }
};

class FaultInjectionEnv : public EnvWrapper {
 public:
  explicit FaultInjectionEnv(Env* target) : EnvWrapper(target) {}

  void FailAt(int64_t n, ErrorCode code, bool fail_forever = false) {
    fail_at_ = n;
    code_ = code;
    forever_ = fail_forever;
  }
  /// A disk that fills up at the n-th mutating call and stays full: from then on every
  /// call that needs space (create, append, mkdir) fails with kNoSpace; renames, removals
  /// and fsyncs still work, as on a real full ext4.
  void FillDiskAt(int64_t n) { full_from_ = n; }
  /// Perform the n-th mutating call, then crash (see above). The calling thread is the
  /// one that throws.
  void CrashAfter(int64_t n) {
    crash_after_ = n;
    crash_thread_ = std::this_thread::get_id();
  }
  /// Calls on paths `pred` accepts never throw the crash (they fail instead): for calls a
  /// destructor makes, where an exception would terminate the process.
  void SetNoThrowPaths(std::function<bool(const std::string& path)> pred) {
    no_throw_ = std::move(pred);
  }
  bool crashed() const { return crashed_; }
  /// After the test caught the crash: later calls (destructors) fail without throwing.
  void StopThrowing() {
    std::lock_guard<std::mutex> l(mu_);
    crash_thread_ = std::thread::id();
  }
  /// The crashed process is gone and the next one starts on the same disk (no power cut):
  /// calls work again, counted from one, with no crash or failure armed, and whatever the
  /// crashed process left unsynced stays unsynced, so a later SimulatePowerLoss still
  /// drops it unless the new process syncs it.
  void Restart() {
    std::lock_guard<std::mutex> l(mu_);
    crashed_ = false;
    crash_after_ = 0;
    crash_thread_ = std::thread::id();
    count_ = 0;
    fail_at_ = 0;
    full_from_ = 0;
  }
  /// Report this many free bytes from FreeBytes (-1: the real value).
  void SetFreeBytes(int64_t n) { free_bytes_ = n; }
  Result<uint64_t> FreeBytes(const std::string& p) override {
    if (free_bytes_ >= 0) return static_cast<uint64_t>(free_bytes_);
    return target()->FreeBytes(p);
  }
  void Reset() {
    full_from_ = 0;
    fail_at_ = 0;
    count_ = 0;
    log_.clear();
    calls_.clear();
    failed_.clear();
  }
  int64_t mutating_calls() const { return count_; }
  /// "op path" of every mutating call, in order.
  const std::vector<std::string>& log() const { return log_; }
  /// Every mutating call, in order.
  const std::vector<EnvCall>& calls() const { return calls_; }
  /// The call that was failed ("" if none).
  const std::string& failed() const { return failed_; }

  /// Start remembering what a power cut would lose (everything before counts as durable).
  void TrackDurability() { tracking_ = true; }
  /// Drop what was never made durable (see above). Call with no writer left running.
  Status SimulatePowerLoss();

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p) override;
  Status SyncFile(const std::string& p) override;
  Status SyncDir(const std::string& p) override;
  Status RenameFile(const std::string& f, const std::string& t) override;
  Status LinkFile(const std::string& f, const std::string& t) override;
  Status RemoveFile(const std::string& p) override;
  Status RemoveDir(const std::string& p) override;
  Status CreateDirs(const std::string& p) override;
  // After a crash the process is gone: it reads nothing either.
  Result<std::string> ReadFile(const std::string& p) override;
  bool FileExists(const std::string& p) override;

  /// Called by wrapped files and the calls above before a mutating call: counts it and
  /// says whether it fails.
  Status Check(const std::string& op, const std::string& path);
  /// Called after a mutating call succeeded: records it for power loss and crashes after
  /// the chosen call.
  void Done(const std::string& op, const std::string& path, const std::string& to = "",
            std::optional<std::string> lost_bytes = std::nullopt);

 private:
  // One change to a folder's entries, undone by a power cut unless the folder was synced
  // after it.
  struct EntryChange {
    int64_t seq = 0;
    std::string op;  // create, mkdir, rename, link, remove, rmdir
    std::string path, to;
    std::optional<std::string> lost_bytes;  // remove/rename: the bytes the call replaced
  };
  struct FileData {
    uint64_t synced_size = 0;
    bool dirty = false;
  };
  /// Whether a crash may be thrown on this thread for a call on `path`.
  bool MayThrow(const std::string& path) const;
  bool Durable(const EntryChange& c) const;

  std::mutex mu_;
  int64_t fail_at_ = 0;
  int64_t full_from_ = 0;
  int64_t free_bytes_ = -1;
  int64_t count_ = 0;
  int64_t crash_after_ = 0;
  std::thread::id crash_thread_;
  std::function<bool(const std::string&)> no_throw_;
  std::atomic<bool> crashed_{false};
  bool forever_ = false;
  ErrorCode code_ = ErrorCode::kIOError;
  std::vector<std::string> log_;
  std::vector<EnvCall> calls_;
  std::string failed_;

  bool tracking_ = false;
  int64_t seq_ = 0;
  std::vector<EntryChange> changes_;
  std::map<std::string, int64_t> dir_synced_at_;  // folder -> seq of its last fsync
  std::map<std::string, FileData> files_;         // files with data written through the Env
};

}  // namespace barlake::testutil
