#include "lake/writer_lock.h"

#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/time_util.h"

namespace barlake::lake {

WriterLock::~WriterLock() {
  // A stale note would name a writer that is gone; remove it while still holding the lock.
  if (env_->FileExists(holder_path_)) (void)env_->RemoveFile(holder_path_);
}

Result<std::unique_ptr<WriterLock>> WriterLock::Acquire(Env* env, const std::string& path,
                                                        double wait_seconds,
                                                        const std::string& command) {
  const int64_t deadline = env->NowMicros() + static_cast<int64_t>(wait_seconds * 1e6);
  for (;;) {
    auto lock = env->TryLockFile(path);
    if (lock.ok()) {
      // Best effort: the holder note is informational; the flock is the lock.
      const std::string note = "pid " + std::to_string(::getpid()) + ", command '" + command +
                               "', since " + FormatIsoUtc(env->NowMicros() / 1000000 * 1000000);
      // Not synced: a lost note after a power cut is harmless.
      if (auto f = env->NewWritableFile(path + ".holder"); f.ok()) {
        (void)(*f)->Append(note);
        (void)(*f)->Close();
      }
      return std::unique_ptr<WriterLock>(new WriterLock(env, path + ".holder", std::move(lock).value()));
    }
    if (lock.status().code() != ErrorCode::kUnavailable) return lock.status();
    if (env->NowMicros() >= deadline) {
      auto holder = env->ReadFile(path + ".holder");
      return Status::Unavailable(
          "another barlake process is writing to this vault (" +
          (holder.ok() ? *holder : std::string("holder unknown")) + "); waited " +
          std::to_string(static_cast<int>(wait_seconds)) +
          "s. Let it finish or pass --wait SECONDS to wait longer");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace barlake::lake
