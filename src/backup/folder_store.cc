// The folder ObjectStore: a local disk or a mounted cloud drive (Google Drive, OneDrive).
// Every object is written whole to tmp/, fsynced, and renamed to its key, so a reader (or
// a sync client uploading the folder) never sees half an object; Flush fsyncs the folders
// renames touched, once per folder rather than once per object.
#include <unistd.h>

#include <set>

#include "backup/cut_internal.h"
#include "backup/object_store.h"

namespace barlake::backup {

namespace {

class FolderStore : public ObjectStore {
 public:
  FolderStore(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}

  std::string Describe() const override { return "folder " + dir_; }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    // Keys use at most one '/' level below the root (objects/, snapshots/), so list the
    // folder the prefix names and filter by the rest.
    const auto slash = prefix.find_last_of('/');
    const std::string folder = slash == std::string::npos ? "" : prefix.substr(0, slash);
    const std::string abs = folder.empty() ? dir_ : JoinPath(dir_, folder);
    std::vector<ObjectInfo> out;
    if (!env_->FileExists(abs)) return out;
    ASSIGN_OR_RETURN(auto names, env_->GetChildren(abs));
    for (const auto& name : names) {
      const std::string key = folder.empty() ? name : folder + "/" + name;
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      const std::string path = JoinPath(dir_, key);
      ASSIGN_OR_RETURN(bool is_dir, env_->IsDirectory(path));
      if (is_dir) continue;
      ASSIGN_OR_RETURN(uint64_t size, env_->GetFileSize(path));
      out.push_back({key, size});
    }
    return out;
  }

  Status Put(const std::string& key, std::string_view data) override {
    const std::string path = JoinPath(dir_, key);
    const std::string tmp_dir = JoinPath(dir_, "tmp");
    RETURN_IF_ERROR(EnsureDir(tmp_dir));
    RETURN_IF_ERROR(EnsureDir(DirName(path)));
    std::string base = key;
    for (char& c : base) if (c == '/') c = '_';
    const std::string tmp = JoinPath(tmp_dir, base + "." + std::to_string(::getpid()) + ".tmp");
    RETURN_IF_ERROR(WriteFileSynced(env_, tmp, data));
    if (Status s = env_->RenameFile(tmp, path); !s.ok()) {
      (void)env_->RemoveFile(tmp);
      return s;
    }
    dirty_.insert(DirName(path));
    return Status::OK();
  }

  Result<std::string> Get(const std::string& key) override {
    const std::string path = JoinPath(dir_, key);
    if (!env_->FileExists(path)) return Status::NotFound("object '" + key + "' is missing from " + Describe());
    return env_->ReadFile(path);
  }

  Status Delete(const std::string& key) override {
    const std::string path = JoinPath(dir_, key);
    if (!env_->FileExists(path)) return Status::OK();
    RETURN_IF_ERROR(env_->RemoveFile(path));
    dirty_.insert(DirName(path));
    return Status::OK();
  }

  Status Flush() override {
    std::vector<std::string> dirs(dirty_.begin(), dirty_.end());
    RETURN_IF_ERROR(env_->SyncDirs(dirs));
    dirty_.clear();
    return Status::OK();
  }

  Result<std::unique_ptr<StoreLock>> Lock(const std::string& holder) override {
    const std::string path = JoinPath(dir_, "lock");
    auto lock = env_->TryLockFile(path);
    if (!lock.ok()) {
      if (lock.status().code() != ErrorCode::kUnavailable) return lock.status();
      auto note = env_->ReadFile(path + ".holder");
      return Status::Unavailable("another backup or prune is using " + Describe() + " (" +
                                 (note.ok() ? *note : std::string("holder unknown")) +
                                 "); let it finish, then run this again");
    }
    // Informational only (the flock is the lock), so not synced.
    if (auto f = env_->NewWritableFile(path + ".holder"); f.ok()) {
      (void)(*f)->Append(holder);
      (void)(*f)->Close();
    }
    return std::move(lock).value();
  }

 private:

  Status EnsureDir(const std::string& dir) {
    if (made_.count(dir)) return Status::OK();
    if (!env_->FileExists(dir)) {
      RETURN_IF_ERROR(env_->CreateDirs(dir));
      // The new folder's entry must be durable before objects inside it count.
      dirty_.insert(DirName(dir));
    }
    made_.insert(dir);
    return Status::OK();
  }

  Env* env_;
  std::string dir_;
  std::set<std::string> made_;
  std::set<std::string> dirty_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenFolderStore(Env* env, const std::string& dir, bool create) {
  if (dir.empty()) return Status::InvalidArgument("the backup destination is empty");
  if (!env->FileExists(dir)) {
    if (!create) return Status::NotFound("backup destination '" + dir + "' does not exist");
    RETURN_IF_ERROR(env->CreateDirs(dir));
    RETURN_IF_ERROR(env->SyncDir(DirName(dir)));
  } else {
    ASSIGN_OR_RETURN(bool is_dir, env->IsDirectory(dir));
    if (!is_dir) return Status::InvalidArgument("backup destination '" + dir + "' is a file, not a folder");
  }
  return std::unique_ptr<ObjectStore>(new FolderStore(env, dir));
}

Result<std::unique_ptr<ObjectStore>> OpenStore(Env* env, const std::string& dest, bool create,
                                               const S3Options& s3) {
  if (dest.rfind("s3://", 0) == 0) return OpenS3Store(env, dest, s3);
  return OpenFolderStore(env, internal::WithoutTrailingSlash(dest), create);
}

}  // namespace barlake::backup
