#include "testutil/fault_injection_env.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace barlake::testutil {
namespace {

namespace fs = std::filesystem;

// The index of the call this thread last passed through Check (for Done).
thread_local int64_t this_thread_call = 0;

class FaultyFile : public WritableFile {
 public:
  FaultyFile(std::unique_ptr<WritableFile> f, FaultInjectionEnv* env, std::string path)
      : f_(std::move(f)), env_(env), path_(std::move(path)) {}
  Status Append(std::string_view data) override {
    RETURN_IF_ERROR(env_->Check("append", path_));
    RETURN_IF_ERROR(f_->Append(data));
    env_->Done("append", path_);
    return Status::OK();
  }
  Status Sync() override {
    RETURN_IF_ERROR(env_->Check("fsync", path_));
    RETURN_IF_ERROR(f_->Sync());
    env_->Done("fsync", path_);
    return Status::OK();
  }
  Status Close() override { return f_->Close(); }

 private:
  std::unique_ptr<WritableFile> f_;
  FaultInjectionEnv* env_;
  std::string path_;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Put `bytes` back at `path` as a file of its own (never through another hard link).
void Spill(const std::string& path, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  fs::remove(path, ec);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::optional<std::string> BytesIfFile(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  return Slurp(path);
}

}  // namespace

Status FaultInjectionEnv::Check(const std::string& op, const std::string& path) {
  std::unique_lock<std::mutex> l(mu_);  // staging workers call in from two threads
  if (crashed_) {
    // The process is gone: its thread stops here, others see a dead disk.
    const bool may_throw = MayThrow(path);
    l.unlock();
    if (may_throw) throw SimulatedCrash{};
    return Status::IOError("injected: the process crashed before " + op + " '" + path + "'");
  }
  ++count_;
  this_thread_call = count_;
  const EnvCall call{op, path};
  log_.push_back(call.text());
  calls_.push_back(call);
  if (full_from_ > 0 && count_ >= full_from_ && call.needs_space()) {
    if (failed_.empty()) failed_ = call.text();
    return Status::NoSpace("injected: " + op + " '" + path + "': No space left on device");
  }
  if (fail_at_ > 0 && (count_ == fail_at_ || (forever_ && count_ > fail_at_))) {
    if (failed_.empty()) failed_ = call.text();
    if (code_ == ErrorCode::kNoSpace) {
      return Status::NoSpace("injected: " + op + " '" + path + "': No space left on device");
    }
    return Status::IOError("injected: " + op + " '" + path + "': Input/output error");
  }
  return Status::OK();
}

void FaultInjectionEnv::Done(const std::string& op, const std::string& path, const std::string& to,
                             std::optional<std::string> lost_bytes) {
  std::unique_lock<std::mutex> l(mu_);
  if (tracking_) {
    auto change = [&](const std::string& kind, const std::string& p, const std::string& t = "") {
      changes_.push_back({++seq_, kind, p, t, std::move(lost_bytes)});
    };
    if (op == "create") {
      // A truncating create of an existing file loses its bytes until synced; a new file
      // also needs its folder synced.
      if (lost_bytes.has_value() || !files_.count(path)) change("create-or-truncate", path);
      files_[path] = FileData{0, true};
    } else if (op == "append") {
      files_[path].dirty = true;
    } else if (op == "fsync") {
      if (!files_.count(path)) change("create", path);  // written by someone else
      std::error_code ec;
      files_[path] = FileData{static_cast<uint64_t>(fs::file_size(path, ec)), false};
    } else if (op == "fsync-dir") {
      dir_synced_at_[fs::path(path).lexically_normal().string()] = ++seq_;
    } else if (op == "rename") {
      change("rename", path, to);
      auto it = files_.find(path);
      files_.erase(to);
      if (it != files_.end()) {
        files_[to] = it->second;
        files_.erase(path);
      }
    } else if (op == "link") {
      change("link", path, to);
      if (files_.count(path)) files_[to] = files_[path];
    } else if (op == "remove") {
      change("remove", path);
      files_.erase(path);
    } else if (op == "rmdir" || op == "mkdir") {
      change(op, path);
    }
  }
  if (crash_after_ > 0 && this_thread_call == crash_after_ && !crashed_) {
    crashed_ = true;
    const bool may_throw = MayThrow(path);
    l.unlock();
    if (may_throw) throw SimulatedCrash{};
  }
}

bool FaultInjectionEnv::MayThrow(const std::string& path) const {
  return std::this_thread::get_id() == crash_thread_ && std::uncaught_exceptions() == 0 &&
         !(no_throw_ && no_throw_(path));
}

bool FaultInjectionEnv::Durable(const EntryChange& c) const {
  // The entry lives in the parent folder (for a rename or link: of the new name).
  const std::string& named = (c.op == "rename" || c.op == "link") ? c.to : c.path;
  const std::string dir = fs::path(named).parent_path().lexically_normal().string();
  auto it = dir_synced_at_.find(dir);
  return it != dir_synced_at_.end() && it->second > c.seq;
}

Status FaultInjectionEnv::SimulatePowerLoss() {
  std::lock_guard<std::mutex> l(mu_);
  std::error_code ec;
  // Data first, on the names the files have now: what was not synced is gone.
  for (const auto& [path, data] : files_) {
    if (data.dirty && fs::is_regular_file(path, ec)) fs::resize_file(path, data.synced_size, ec);
  }
  // Then the folder entries, newest first.
  for (auto it = changes_.rbegin(); it != changes_.rend(); ++it) {
    const EntryChange& c = *it;
    if (Durable(c)) continue;
    if (c.op == "create") {
      fs::remove(c.path, ec);
    } else if (c.op == "create-or-truncate") {
      // A new file disappears; a truncated old one keeps its (lost) bytes truncated.
      if (!c.lost_bytes.has_value()) fs::remove(c.path, ec);
    } else if (c.op == "mkdir") {
      fs::remove_all(c.path, ec);
    } else if (c.op == "rename") {
      if (fs::exists(c.to, ec)) {
        fs::create_directories(fs::path(c.path).parent_path(), ec);
        // rename(2) between two names of one file does nothing: drop the new name instead.
        if (fs::exists(c.path, ec) && fs::equivalent(c.to, c.path, ec)) {
          fs::remove(c.to, ec);
        } else {
          fs::rename(c.to, c.path, ec);
        }
      }
      if (c.lost_bytes.has_value()) Spill(c.to, *c.lost_bytes);
    } else if (c.op == "link") {
      fs::remove(c.to, ec);
    } else if (c.op == "remove") {
      if (c.lost_bytes.has_value()) Spill(c.path, *c.lost_bytes);
    } else if (c.op == "rmdir") {
      fs::create_directories(c.path, ec);
    }
  }
  changes_.clear();
  files_.clear();
  dir_synced_at_.clear();
  return Status::OK();
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(const std::string& p) {
  RETURN_IF_ERROR(Check("create", p));
  std::optional<std::string> old = tracking_ ? BytesIfFile(p) : std::nullopt;
  ASSIGN_OR_RETURN(auto f, target()->NewWritableFile(p));
  Done("create", p, "", std::move(old));
  return std::unique_ptr<WritableFile>(new FaultyFile(std::move(f), this, p));
}
Status FaultInjectionEnv::SyncFile(const std::string& p) {
  RETURN_IF_ERROR(Check("fsync", p));
  RETURN_IF_ERROR(target()->SyncFile(p));
  Done("fsync", p);
  return Status::OK();
}
Status FaultInjectionEnv::SyncDir(const std::string& p) {
  RETURN_IF_ERROR(Check("fsync-dir", p));
  RETURN_IF_ERROR(target()->SyncDir(p));
  Done("fsync-dir", p);
  return Status::OK();
}
Status FaultInjectionEnv::RenameFile(const std::string& f, const std::string& t) {
  RETURN_IF_ERROR(Check("rename", f + " -> " + t));
  std::optional<std::string> replaced = tracking_ ? BytesIfFile(t) : std::nullopt;
  RETURN_IF_ERROR(target()->RenameFile(f, t));
  Done("rename", f, t, std::move(replaced));
  return Status::OK();
}
Status FaultInjectionEnv::LinkFile(const std::string& f, const std::string& t) {
  RETURN_IF_ERROR(Check("link", f + " -> " + t));
  RETURN_IF_ERROR(target()->LinkFile(f, t));
  Done("link", f, t);
  return Status::OK();
}
Status FaultInjectionEnv::RemoveFile(const std::string& p) {
  RETURN_IF_ERROR(Check("remove", p));
  std::optional<std::string> removed = tracking_ ? BytesIfFile(p) : std::nullopt;
  RETURN_IF_ERROR(target()->RemoveFile(p));
  Done("remove", p, "", std::move(removed));
  return Status::OK();
}
Status FaultInjectionEnv::RemoveDir(const std::string& p) {
  RETURN_IF_ERROR(Check("rmdir", p));
  const bool existed = target()->FileExists(p);
  RETURN_IF_ERROR(target()->RemoveDir(p));
  if (existed) Done("rmdir", p);
  return Status::OK();
}
Status FaultInjectionEnv::CreateDirs(const std::string& p) {
  if (target()->FileExists(p)) return Status::OK();  // no-op calls are not steps
  RETURN_IF_ERROR(Check("mkdir", p));
  // The folders this call creates, outermost first (each is an entry of its parent).
  std::vector<std::string> created;
  for (fs::path d = fs::path(p).lexically_normal(); !d.empty() && !target()->FileExists(d.string());
       d = d.parent_path()) {
    created.push_back(d.string());
    if (d == d.parent_path()) break;
  }
  RETURN_IF_ERROR(target()->CreateDirs(p));
  std::reverse(created.begin(), created.end());
  if (created.empty()) {
    Done("mkdir", p);
    return Status::OK();
  }
  // One step, several entries: record all, crash (if chosen) after the last.
  for (size_t i = 0; i + 1 < created.size(); ++i) {
    std::lock_guard<std::mutex> l(mu_);
    if (tracking_) changes_.push_back({++seq_, "mkdir", created[i], "", std::nullopt});
  }
  Done("mkdir", created.back());
  return Status::OK();
}

Result<std::string> FaultInjectionEnv::ReadFile(const std::string& p) {
  if (crashed_) RETURN_IF_ERROR(Check("read", p));
  return target()->ReadFile(p);
}

bool FaultInjectionEnv::FileExists(const std::string& p) {
  if (crashed_) (void)Check("exists", p);
  return target()->FileExists(p);
}

}  // namespace barlake::testutil
