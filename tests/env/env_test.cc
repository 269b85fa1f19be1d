// One conformance suite for every Env, so the test double behaves like the real one.
#include "env/env.h"

#include <gtest/gtest.h>

#include "testutil/fault_injection_env.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

namespace barlake {

class EnvConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "fault_injection") {
      fault_ = std::make_unique<testutil::FaultInjectionEnv>(Env::Default());
      env_ = fault_.get();
    } else {
      env_ = Env::Default();
    }
  }
  testutil::TempDir dir_;
  std::unique_ptr<testutil::FaultInjectionEnv> fault_;
  Env* env_ = nullptr;
};

TEST_P(EnvConformanceTest, WriteSyncRenameReadRemove) {
  const std::string a = dir_.Sub("x/y/a.txt"), b = dir_.Sub("x/y/b.txt");
  ASSERT_OK(env_->CreateDirs(dir_.Sub("x/y")));
  ASSERT_OK(env_->CreateDirs(dir_.Sub("x/y")));  // idempotent
  ASSERT_OK(WriteFileAtomic(env_, a, "hello"));
  ASSERT_OK_AND_ASSIGN(std::string data, env_->ReadFile(a));
  EXPECT_EQ(data, "hello");
  ASSERT_OK_AND_ASSIGN(uint64_t size, env_->GetFileSize(a));
  EXPECT_EQ(size, 5u);
  ASSERT_OK(env_->RenameFile(a, b));
  EXPECT_FALSE(env_->FileExists(a));
  EXPECT_TRUE(env_->FileExists(b));
  ASSERT_OK(env_->SyncFile(b));
  ASSERT_OK(env_->SyncDir(dir_.Sub("x/y")));
  ASSERT_OK_AND_ASSIGN(auto children, env_->GetChildren(dir_.Sub("x/y")));
  EXPECT_EQ(children, std::vector<std::string>{"b.txt"});
  ASSERT_OK_AND_ASSIGN(auto files, ListFilesRecursive(env_, dir_.Sub("x")));
  EXPECT_EQ(files, std::vector<std::string>{"y/b.txt"});
  ASSERT_OK(env_->RemoveFile(b));
  EXPECT_FALSE(env_->FileExists(b));
  ASSERT_OK(RemoveTree(env_, dir_.Sub("x")));
  EXPECT_FALSE(env_->FileExists(dir_.Sub("x")));
}

TEST_P(EnvConformanceTest, ErrorsNamePathAndErrno) {
  auto r = env_->ReadFile(dir_.Sub("missing.txt"));
  ASSERT_RAISES(kIOError, r);
  EXPECT_NE(r.status().message().find("missing.txt"), std::string::npos);
  EXPECT_NE(r.status().message().find("errno"), std::string::npos);
  ASSERT_RAISES(kIOError, env_->RenameFile(dir_.Sub("nope"), dir_.Sub("other")));
}

TEST_P(EnvConformanceTest, LockIsExclusiveAndReleasedOnDestruction) {
  const std::string lock = dir_.Sub("lock");
  ASSERT_OK_AND_ASSIGN(auto held, env_->TryLockFile(lock));
  ASSERT_RAISES(kUnavailable, env_->TryLockFile(lock));
  held.reset();
  ASSERT_OK_AND_ASSIGN(auto again, env_->TryLockFile(lock));
}

TEST_P(EnvConformanceTest, SyncsManyFilesAndFoldersAndNamesTheOneThatFails) {
  // More than one batch of descriptors and several threads' worth of paths.
  std::vector<std::string> files, dirs;
  for (int i = 0; i < 300; ++i) {
    const std::string d = dir_.Sub("d" + std::to_string(i % 30));
    ASSERT_OK(env_->CreateDirs(d));
    ASSERT_OK_AND_ASSIGN(auto f, env_->NewWritableFile(d + "/f" + std::to_string(i)));
    ASSERT_OK(f->Append("row " + std::to_string(i)));
    ASSERT_OK(f->Close());
    files.push_back(d + "/f" + std::to_string(i));
    if (i < 30) dirs.push_back(d);
  }
  ASSERT_OK(env_->SyncFiles(files));
  ASSERT_OK(env_->SyncDirs(dirs));
  ASSERT_OK(env_->SyncFiles({}));
  files.insert(files.begin() + 200, dir_.Sub("missing.parquet"));
  const Status s = env_->SyncFiles(files);
  ASSERT_RAISES(kIOError, s);
  EXPECT_NE(s.message().find("missing.parquet"), std::string::npos);
  dirs.push_back(dir_.Sub("no-such-folder"));
  const Status d = env_->SyncDirs(dirs);
  ASSERT_RAISES(kIOError, d);
  EXPECT_NE(d.message().find("no-such-folder"), std::string::npos);
}

TEST_P(EnvConformanceTest, ReadsAFileInChunksThatAddUpToIt) {
  std::string data;
  for (int i = 0; data.size() < 700 * 1024; ++i) data += std::to_string(i * 7919) + ",";
  ASSERT_OK(WriteFileAtomic(env_, dir_.Sub("big.txt"), data));
  std::string back;
  size_t chunks = 0;
  ASSERT_OK(env_->ReadFileChunks(dir_.Sub("big.txt"), [&](std::string_view c) {
    back.append(c);
    ++chunks;
    return Status::OK();
  }));
  EXPECT_EQ(back, data);
  EXPECT_GE(chunks, 1u);
  // The sink's error stops the read and comes back as is.
  const Status stopped = env_->ReadFileChunks(dir_.Sub("big.txt"), [](std::string_view) {
    return Status::Corruption("enough");
  });
  ASSERT_RAISES(kCorruption, stopped);
  ASSERT_RAISES(kIOError, env_->ReadFileChunks(dir_.Sub("missing.txt"), [](std::string_view) {
    return Status::OK();
  }));
}

TEST_P(EnvConformanceTest, CopiesAFileSyncedAndLeavesNoPartialCopyOnError) {
  // Big enough for several ReadFileChunks pieces in the fault-injection Env's copy.
  std::string data;
  for (int i = 0; data.size() < 3 * 1024 * 1024; ++i) data += std::to_string(i * 104729) + ";";
  ASSERT_OK(WriteFileAtomic(env_, dir_.Sub("src.txt"), data));
  ASSERT_OK(WriteFileAtomic(env_, dir_.Sub("dst.txt"), std::string(5 * 1024 * 1024, 'z')));
  ASSERT_OK(env_->CopyFileSynced(dir_.Sub("src.txt"), dir_.Sub("dst.txt")));  // truncates
  ASSERT_OK_AND_ASSIGN(std::string back, env_->ReadFile(dir_.Sub("dst.txt")));
  EXPECT_TRUE(back == data) << "copy of " << data.size() << " bytes has " << back.size();
  ASSERT_OK(env_->CopyFileSynced(dir_.Sub("src.txt"), dir_.Sub("dst.txt")));  // again: same
  ASSERT_OK_AND_ASSIGN(uint64_t size, env_->GetFileSize(dir_.Sub("dst.txt")));
  EXPECT_EQ(size, data.size());
  // An empty file copies to an empty file.
  ASSERT_OK(WriteFileAtomic(env_, dir_.Sub("empty"), ""));
  ASSERT_OK(env_->CopyFileSynced(dir_.Sub("empty"), dir_.Sub("empty.copy")));
  ASSERT_OK_AND_ASSIGN(uint64_t empty_size, env_->GetFileSize(dir_.Sub("empty.copy")));
  EXPECT_EQ(empty_size, 0u);

  const Status missing = env_->CopyFileSynced(dir_.Sub("missing.txt"), dir_.Sub("out.txt"));
  ASSERT_RAISES(kIOError, missing);
  EXPECT_NE(missing.message().find("missing.txt"), std::string::npos);
  EXPECT_FALSE(env_->FileExists(dir_.Sub("out.txt")));
  ASSERT_RAISES(kIOError, env_->CopyFileSynced(dir_.Sub("src.txt"), dir_.Sub("no-dir/out.txt")));
}

INSTANTIATE_TEST_SUITE_P(AllEnvs, EnvConformanceTest, ::testing::Values("posix", "fault_injection"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

TEST(FaultInjectionEnvTest, SeesEverySyncOfABatch) {
  // A wrapper that intercepts SyncFile / SyncDir sees each path of SyncFiles / SyncDirs,
  // so a sweep can fail any one of them.
  testutil::TempDir dir;
  testutil::FaultInjectionEnv env(Env::Default());
  std::vector<std::string> files;
  for (int i = 0; i < 5; ++i) {
    files.push_back(dir.Sub("f" + std::to_string(i)));
    ASSERT_OK(WriteFileAtomic(Env::Default(), files.back(), "x"));
  }
  ASSERT_OK(env.SyncFiles(files));
  ASSERT_OK(env.SyncDirs({dir.path()}));
  EXPECT_EQ(env.mutating_calls(), 6);
  env.Reset();
  env.FailAt(3, ErrorCode::kIOError);
  ASSERT_RAISES(kIOError, env.SyncFiles(files));
  EXPECT_EQ(env.failed(), "fsync " + files[2]);
}

TEST(FaultInjectionEnvTest, FailsTheChosenCallWithTheChosenCode) {
  testutil::TempDir dir;
  testutil::FaultInjectionEnv env(Env::Default());
  ASSERT_OK(WriteFileAtomic(&env, dir.Sub("a"), "x"));
  const int64_t steps = env.mutating_calls();
  ASSERT_GE(steps, 4);  // create, append, fsync, rename, fsync-dir
  env.Reset();
  env.FailAt(2, ErrorCode::kNoSpace);
  ASSERT_RAISES(kNoSpace, WriteFileAtomic(&env, dir.Sub("b"), "y"));
  EXPECT_NE(env.failed().find("append"), std::string::npos);
  EXPECT_FALSE(env.FileExists(dir.Sub("b")));
}

TEST(FaultInjectionEnvTest, SeesEveryWriteOfACopyAndFailsItCleanly) {
  // The copy goes through the wrapper's NewWritableFile and Append (EnvWrapper does not
  // forward CopyFileSynced), so a sweep can fail or crash any of its steps.
  testutil::TempDir dir;
  std::string data(1024 * 1024 + 17, 'q');
  ASSERT_OK(WriteFileAtomic(Env::Default(), dir.Sub("src"), data));
  testutil::FaultInjectionEnv env(Env::Default());
  ASSERT_OK(env.CopyFileSynced(dir.Sub("src"), dir.Sub("dst")));
  const int64_t steps = env.mutating_calls();
  ASSERT_GE(steps, 4);  // create, at least two appends of 256 KiB pieces, fsync
  for (int64_t n = 1; n <= steps; ++n) {
    env.Reset();
    env.FailAt(n, ErrorCode::kIOError);
    const Status s = env.CopyFileSynced(dir.Sub("src"), dir.Sub("dst" + std::to_string(n)));
    ASSERT_FALSE(s.ok()) << "step " << n;
    EXPECT_FALSE(env.FileExists(dir.Sub("dst" + std::to_string(n)))) << "step " << n;
  }
}

}  // namespace barlake
