// A SIGKILL in the middle of `barlake update` (the real binary, BARLAKE_CRASH_AT), then
// `recover` and the same update again: nothing lost, nothing twice. Label slow (~6 s).
#include "update_cli_fixture.h"

namespace barlake {
namespace {

TEST_F(UpdateCliTest, KilledDuringAnUpdateThenRecoveredAndRunAgain) {
  const std::vector<std::string> env = {"BARLAKE_BINANCE_URL=" + server_->origin(),
                                        "BARLAKE_TEST_NOW=" + Iso(now_)};
  std::vector<std::string> update = {"--vault", vault_, "update", "BTCUSDT", "--timeframe", "1m", "--from", Iso(kT0)};
  // SIGKILL while the update's one job (three answers) has its partitions staged.
  auto killed_env = env;
  killed_env.push_back("BARLAKE_CRASH_AT=after-staged");
  CommandResult killed = RunBarlake(update, killed_env);
  ASSERT_EQ(killed.signal, SIGKILL) << killed.err;
  CommandResult rec = RunBarlake({"--vault", vault_, "recover"});
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  EXPECT_NE(rec.out.find("Recovered 1 interrupted job"), std::string::npos) << rec.out;
  ASSERT_EQ(RunBarlake({"--vault", vault_, "verify"}).exit_code, 0);
  // Run again: recovery finished or undid the job; the update brings what is missing.
  CommandResult again = RunBarlake(update, env);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  CommandResult q = RunBarlake({"--vault", vault_, "query",
                                "SELECT count(*) AS n, count(DISTINCT ts) AS d FROM bars WHERE symbol = 'BTCUSDT'",
                                "--format", "csv"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "n,d\n2501,2501\n");  // 2500 closed bars and the forming one
  ASSERT_EQ(RunBarlake({"--vault", vault_, "verify"}).exit_code, 0);
}

}  // namespace
}  // namespace barlake
