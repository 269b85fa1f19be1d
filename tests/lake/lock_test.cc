#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "lake/lake_test_util.h"
#include "lake/writer_lock.h"

namespace barlake::lake {

TEST_F(VaultTest, SecondWriterWaitsThenNamesTheHolder) {
  const std::string lock_path = vault_ + "/.barlake/lock";
  ASSERT_OK_AND_ASSIGN(auto held, WriterLock::Acquire(Env::Default(), lock_path, 0, "barlake import big.txt"));
  // flock locks belong to open file descriptions, so a second process is needed.
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = WriterLock::Acquire(Env::Default(), lock_path, 0.3, "second");
    double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::string msg = r.ok() ? "acquired" : r.status().message();
    msg += "|" + std::to_string(waited);
    (void)!::write(pipefd[1], msg.data(), msg.size());
    ::_exit(r.ok() ? 0 : 1);
  }
  ::close(pipefd[1]);
  char buf[1024] = {0};
  ssize_t n = ::read(pipefd[0], buf, sizeof buf - 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::string msg(buf, n > 0 ? static_cast<size_t>(n) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 1) << msg;
  EXPECT_NE(msg.find("pid " + std::to_string(::getpid())), std::string::npos) << msg;
  EXPECT_NE(msg.find("barlake import big.txt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--wait"), std::string::npos) << msg;
  EXPECT_GE(std::stod(msg.substr(msg.find('|') + 1)), 0.29);
}

TEST_F(VaultTest, LockOfADeadHolderIsReclaimed) {
  const std::string lock_path = vault_ + "/.barlake/lock";
  pid_t pid = ::fork();
  if (pid == 0) {
    auto r = WriterLock::Acquire(Env::Default(), lock_path, 0, "doomed");
    if (!r.ok()) ::_exit(2);
    ::kill(::getpid(), SIGKILL);  // dies holding the lock
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_OK(WriterLock::Acquire(Env::Default(), lock_path, 0, "next").status());
}

TEST_F(VaultTest, ReadersDoNotNeedTheLock) {
  auto lake = OpenLake();
  ASSERT_OK(lake->Import(Req(WriteSource("a.txt", testutil::NtMinutes("20240115 093100", 10, 100)))).status());
  ASSERT_OK_AND_ASSIGN(auto held, WriterLock::Acquire(Env::Default(), vault_ + "/.barlake/lock", 0, "writer"));
  auto reader = OpenLake();
  ASSERT_OK_AND_ASSIGN(auto ds, reader->Datasets());
  EXPECT_EQ(ds.size(), 1u);
  ASSERT_OK_AND_ASSIGN(BarColumns b, reader->Read("ES", "1m", 0, INT64_MAX / 2));
  EXPECT_EQ(b.size(), 10u);
  ASSERT_OK_AND_ASSIGN(VerifyReport v, reader->Verify());
  EXPECT_TRUE(v.ok());
}

}  // namespace barlake::lake
