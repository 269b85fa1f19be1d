// .barlake/providers.json (the providers' daily counts and open breakers, UsageState) is
// written whole and atomically: after an injected failure at every step of the write, a
// crash after every step (with and without a power cut), and a real SIGKILL at random
// moments, the file holds either the old state or the new one, and loads.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "providers/usage_state.h"
#include "testutil/fault_injection_env.h"
#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

namespace barlake::providers {
namespace {

using testutil::FaultInjectionEnv;
using testutil::SimulatedCrash;

constexpr Micros kDay = 86400 * kMicrosPerSecond;
constexpr Micros kMarch6 = 19788 * kDay;  // 2024-03-06T00:00:00Z

class UsageStateWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("providers.json");
    // The old state: Alpha Vantage counted 7 requests today, Binance's breaker closed.
    UsageState s = UsageState::Load(Env::Default(), path_);
    s.Count("alphavantage", kMarch6, 7);
    s.SetBreaker("binance", 0, "");
    ASSERT_OK(s.Save(Env::Default()));
    old_ = Content();
  }
  std::string Content() {
    auto text = Env::Default()->ReadFile(path_);
    return text.ok() ? *text : std::string("<missing: ") + text.status().message() + ">";
  }
  // The new state the writes below try to store: three more requests and a ban.
  UsageState NewState(Env* env) {
    UsageState s = UsageState::Load(env, path_);
    s.Count("alphavantage", kMarch6 + 3600 * kMicrosPerSecond, 3);
    s.SetBreaker("binance", kMarch6 + kDay, "banned: 418 IP banned");
    return s;
  }
  // The file is the old state or the new one, and loads as such.
  void ExpectOldOrNew(const std::string& new_content, const std::string& context) {
    const std::string now = Content();
    EXPECT_TRUE(now == old_ || now == new_content) << context << ": " << now;
    UsageState loaded = UsageState::Load(Env::Default(), path_);
    EXPECT_TRUE(loaded.note().empty()) << context << ": " << loaded.note();
    const int64_t requests = loaded.RequestsOn("alphavantage", kMarch6);
    EXPECT_TRUE(requests == 7 || requests == 10) << context << ": " << requests;
  }

  testutil::TempDir dir_;
  std::string path_;
  std::string old_;
};

TEST_F(UsageStateWriteTest, AFailureOrACrashAtEveryStepLeavesTheOldOrTheNewState) {
  // Learn the steps of one write, and the content it makes.
  FaultInjectionEnv counting(Env::Default());
  ASSERT_OK(NewState(&counting).Save(&counting));
  const int64_t steps = counting.mutating_calls();
  const std::string new_content = Content();
  ASSERT_NE(new_content, old_);
  ASSERT_GE(steps, 4);  // create, append, fsync, rename, fsync-dir
  auto restore_old = [&] { ASSERT_OK(WriteFileAtomic(Env::Default(), path_, old_)); };

  for (int64_t n = 1; n <= steps; ++n) {
    const std::string step = counting.log()[static_cast<size_t>(n - 1)];
    restore_old();
    {
      FaultInjectionEnv env(Env::Default());
      env.FailAt(n, ErrorCode::kIOError);
      Status s = NewState(&env).Save(&env);
      EXPECT_FALSE(s.ok()) << "step " << n << " (" << step << ") failed but Save said ok";
      ExpectOldOrNew(new_content, "failure at step " + std::to_string(n) + " (" + step + ")");
    }
    for (bool power_cut : {false, true}) {
      restore_old();
      FaultInjectionEnv env(Env::Default());
      if (power_cut) env.TrackDurability();
      UsageState s = NewState(&env);
      env.CrashAfter(n);
      bool crashed = false;
      try {
        (void)s.Save(&env);
      } catch (const SimulatedCrash&) {
        crashed = true;
      }
      env.StopThrowing();
      EXPECT_TRUE(crashed || n == steps) << "step " << n;
      if (power_cut) {
        ASSERT_OK(env.SimulatePowerLoss());
      }
      ExpectOldOrNew(new_content, std::string(power_cut ? "power cut" : "crash") + " after step " +
                                      std::to_string(n) + " (" + step + ")");
    }
  }
}

TEST_F(UsageStateWriteTest, SigkillWhileWritingLeavesTheOldOrTheNewState) {
  // A child process writes the state over and over, alternating two contents (a long
  // open_why makes each write take several pages); it is killed at a random moment.
  std::vector<UsageState> states;
  std::string contents[2];
  for (int k = 0; k < 2; ++k) {
    ASSERT_OK(Env::Default()->RemoveFile(path_));
    UsageState s = UsageState::Load(Env::Default(), path_);  // empty, kept at path_
    s.Count("alphavantage", kMarch6, 3 + k);
    s.SetBreaker("binance", kMarch6 + kDay, "banned: " + std::string(64 * 1024, k ? 'b' : 'a'));
    ASSERT_OK(s.Save(Env::Default()));
    contents[k] = Content();
    states.push_back(s);
  }
  for (int round = 0; round < 12; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int i = 0;; ++i) {
        if (!states[static_cast<size_t>(i & 1)].Save(Env::Default()).ok()) ::_exit(3);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + 7 * round));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself (exit " << WEXITSTATUS(status) << ")";
    const std::string now = Content();
    EXPECT_TRUE(now == contents[0] || now == contents[1]) << "round " << round << ": " << now.size() << " bytes";
    UsageState loaded = UsageState::Load(Env::Default(), path_);
    EXPECT_TRUE(loaded.note().empty()) << "round " << round << ": " << loaded.note();
    EXPECT_GE(loaded.RequestsOn("alphavantage", kMarch6), 3) << "round " << round;
  }
}

}  // namespace
}  // namespace barlake::providers
