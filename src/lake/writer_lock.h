// WriterLock: one writer per vault across processes.
//
// flock(2) on <vault>/.barlake/lock: the kernel releases it when the holder exits or dies,
// so a crashed writer never blocks the next one (its journal entry is recovered instead).
// The holder writes "pid, command, since" into the file so a waiting writer that gives up
// can name it. Readers never take this lock.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "env/env.h"

namespace barlake::lake {

class WriterLock {
 public:
  /// Take the lock, polling for up to `wait_seconds` (0: try once). kUnavailable on
  /// timeout, naming the holder and what to do.
  static Result<std::unique_ptr<WriterLock>> Acquire(Env* env, const std::string& path,
                                                     double wait_seconds,
                                                     const std::string& command);

 private:
  WriterLock(Env* env, std::string holder_path, std::unique_ptr<FileLock> lock)
      : env_(env), holder_path_(std::move(holder_path)), lock_(std::move(lock)) {}

 public:
  /// Removes the holder note, then releases the lock.
  ~WriterLock();

 private:
  Env* env_;
  std::string holder_path_;
  std::unique_ptr<FileLock> lock_;
};

}  // namespace barlake::lake
