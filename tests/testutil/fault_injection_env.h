// FaultInjectionEnv: an Env that fails chosen operations (after LevelDB's
// fault_injection_test and ArcticDB's StorageFailureSimulator).
//
// Every mutating call (create, append, sync, rename, remove, mkdir) is numbered from 1 as
// it happens. FailAt(n, code) makes the n-th mutating call fail with `code` (kIOError or
// kNoSpace), without doing anything. With fail_forever, every call from the n-th on fails
// (a disk that stays full). Counting lets a test run an operation once to learn how many
// steps it takes, then fail each step in turn.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "env/env.h"

namespace barlake::testutil {

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
    failed_.clear();
  }
  int64_t mutating_calls() const { return count_; }
  /// "op path" of every mutating call, in order.
  const std::vector<std::string>& log() const { return log_; }
  /// The call that was failed ("" if none).
  const std::string& failed() const { return failed_; }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p) override;
  Status SyncFile(const std::string& p) override;
  Status SyncDir(const std::string& p) override;
  Status RenameFile(const std::string& f, const std::string& t) override;
  Status LinkFile(const std::string& f, const std::string& t) override;
  Status RemoveFile(const std::string& p) override;
  Status RemoveDir(const std::string& p) override;
  Status CreateDirs(const std::string& p) override;

  /// Called by wrapped files for Append/Sync/Close.
  Status Check(const std::string& op, const std::string& path);

 private:
  std::mutex mu_;
  int64_t fail_at_ = 0;
  int64_t full_from_ = 0;
  int64_t free_bytes_ = -1;
  int64_t count_ = 0;
  bool forever_ = false;
  ErrorCode code_ = ErrorCode::kIOError;
  std::vector<std::string> log_;
  std::string failed_;
};

}  // namespace barlake::testutil
