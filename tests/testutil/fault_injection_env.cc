#include "testutil/fault_injection_env.h"

namespace barlake::testutil {
namespace {

class FaultyFile : public WritableFile {
 public:
  FaultyFile(std::unique_ptr<WritableFile> f, FaultInjectionEnv* env, std::string path)
      : f_(std::move(f)), env_(env), path_(std::move(path)) {}
  Status Append(std::string_view data) override {
    RETURN_IF_ERROR(env_->Check("append", path_));
    return f_->Append(data);
  }
  Status Sync() override {
    RETURN_IF_ERROR(env_->Check("fsync", path_));
    return f_->Sync();
  }
  Status Close() override { return f_->Close(); }

 private:
  std::unique_ptr<WritableFile> f_;
  FaultInjectionEnv* env_;
  std::string path_;
};

}  // namespace

Status FaultInjectionEnv::Check(const std::string& op, const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);  // staging workers call in from two threads
  ++count_;
  log_.push_back(op + " " + path);
  const bool needs_space = op == "create" || op == "append" || op == "mkdir";
  if (full_from_ > 0 && count_ >= full_from_ && needs_space) {
    if (failed_.empty()) failed_ = op + " " + path;
    return Status::NoSpace("injected: " + op + " '" + path + "': No space left on device");
  }
  if (fail_at_ > 0 && (count_ == fail_at_ || (forever_ && count_ > fail_at_))) {
    if (failed_.empty()) failed_ = op + " " + path;
    if (code_ == ErrorCode::kNoSpace) {
      return Status::NoSpace("injected: " + op + " '" + path + "': No space left on device");
    }
    return Status::IOError("injected: " + op + " '" + path + "': Input/output error");
  }
  return Status::OK();
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(const std::string& p) {
  RETURN_IF_ERROR(Check("create", p));
  ASSIGN_OR_RETURN(auto f, target()->NewWritableFile(p));
  return std::unique_ptr<WritableFile>(new FaultyFile(std::move(f), this, p));
}
Status FaultInjectionEnv::SyncFile(const std::string& p) {
  RETURN_IF_ERROR(Check("fsync", p));
  return target()->SyncFile(p);
}
Status FaultInjectionEnv::SyncDir(const std::string& p) {
  RETURN_IF_ERROR(Check("fsync-dir", p));
  return target()->SyncDir(p);
}
Status FaultInjectionEnv::RenameFile(const std::string& f, const std::string& t) {
  RETURN_IF_ERROR(Check("rename", f + " -> " + t));
  return target()->RenameFile(f, t);
}
Status FaultInjectionEnv::LinkFile(const std::string& f, const std::string& t) {
  RETURN_IF_ERROR(Check("link", f + " -> " + t));
  return target()->LinkFile(f, t);
}
Status FaultInjectionEnv::RemoveFile(const std::string& p) {
  RETURN_IF_ERROR(Check("remove", p));
  return target()->RemoveFile(p);
}
Status FaultInjectionEnv::RemoveDir(const std::string& p) {
  RETURN_IF_ERROR(Check("rmdir", p));
  return target()->RemoveDir(p);
}
Status FaultInjectionEnv::CreateDirs(const std::string& p) {
  if (target()->FileExists(p)) return Status::OK();  // no-op calls are not steps
  RETURN_IF_ERROR(Check("mkdir", p));
  return target()->CreateDirs(p);
}

}  // namespace barlake::testutil
