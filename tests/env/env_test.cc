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

INSTANTIATE_TEST_SUITE_P(AllEnvs, EnvConformanceTest, ::testing::Values("posix", "fault_injection"));

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

}  // namespace barlake
