// bench_live_follow: the cost of following a live dataset (schedule::BarFollower, used by
// GET /api/stream and `barlake tail`). N followers (one per stream subscriber, each with
// its own Lake as the server opens them) poll a 1m dataset whose last bar is provisional
// (a file import's last bar): rounds where nothing changed, and rounds right after an
// import appended a day. Before the change every poll of every follower re-read the
// trailing provisional bar's partition (and re-checked its SHA-256); now a follower reads
// only when the catalog changed, and the followers share one read (SharedBarReads) as the
// server's streams do. Before/after figures: bench/README.md.
//
// Baseline in the same run: one follower alone, so the figures are per-subscriber ratios.
// Env: BENCH_FOLLOWERS (default 16), BENCH_ROUNDS (default 40).
#include <memory>

#include "bench_util.h"
#include "schedule/live.h"

namespace barlake::bench {
namespace {

constexpr int64_t kFirstDay = 20089;  // 2025-01-01

std::string DayFile(int64_t day, int days) {
  const std::string p = BenchDir() + "/live_follow_" + std::to_string(day) + "_" + std::to_string(days) + ".txt";
  EnsureExport(SpecFromDay(day, days, 7 + static_cast<uint64_t>(day), 5000), p);
  return p;
}

struct Followers {
  std::vector<std::unique_ptr<schedule::BarFollower>> list;
  std::shared_ptr<schedule::SharedBarReads> shared = std::make_shared<schedule::SharedBarReads>();
};

Followers OpenFollowers(const std::string& vault, int n) {
  Followers f;
  for (int i = 0; i < n; ++i) {
    auto one = Unwrap(schedule::BarFollower::Open(vault, "ES", "1m", kOpenRangeStart, f.shared), "opening a follower");
    Unwrap(one->Newest(0), "newest");
    f.list.push_back(std::move(one));
  }
  return f;
}

// Milliseconds per round (every follower polls once), median of `rounds`; `bars` gets the
// bars the followers received.
double PollRounds(Followers& f, int rounds, int64_t* bars) {
  std::vector<double> ms;
  for (int r = 0; r < rounds; ++r) {
    ms.push_back(TimeMs([&] {
      for (auto& one : f.list) *bars += static_cast<int64_t>(Unwrap(one->Poll(), "poll").size());
    }));
  }
  return Median(ms);
}

int Main() {
  const int n = EnvInt("BENCH_FOLLOWERS", 16);
  const int rounds = EnvInt("BENCH_ROUNDS", 40);
  const std::string vault = BenchDir() + "/live_follow_vault";
  FreshVault(vault);
  {
    auto lk = OpenLake(vault);
    ImportFile(lk.get(), DayFile(kFirstDay, 25));  // one monthly partition, ~35k bars
  }
  Followers many = OpenFollowers(vault, n);
  Followers one = OpenFollowers(vault, 1);
  // A day appended between rounds: every follower must send the new bars.
  int64_t bars = 0;
  std::vector<double> change_many, change_one;
  for (int d = 0; d < 5; ++d) {
    {
      auto lk = OpenLake(vault);
      ImportFile(lk.get(), DayFile(kFirstDay + 25 + d, 1));
    }
    int64_t got_many = 0, got_one = 0;
    change_many.push_back(PollRounds(many, 1, &got_many));
    change_one.push_back(PollRounds(one, 1, &got_one));
    if (got_many != got_one * n || got_one == 0) Die("followers received different bars after an import");
  }
  // Nothing changed since the last import: the stream's twice-a-second poll, with the
  // import's last bar provisional after each follower's last sent final bar.
  const double idle_many = PollRounds(many, rounds, &bars);
  const double idle_one = PollRounds(one, rounds, &bars);
  std::printf("bench_live_follow: %d followers, %d idle rounds, 5 rounds after an import\n", n, rounds);
  std::printf("  idle round:   %d followers %.2f ms, 1 follower %.2f ms, ratio %.2f (%.1fx the cost of one)\n", n,
              idle_many, idle_one, idle_many / std::max(idle_one, 1e-6), idle_many / std::max(idle_one, 1e-6));
  std::printf("  change round: %d followers %.2f ms (%s), 1 follower %.2f ms, ratio %.2f\n", n, Median(change_many),
              Spread(change_many, 2).c_str(), Median(change_one), Median(change_many) / std::max(Median(change_one), 1e-6));
  std::printf("  bars received while idle: %lld (0 expected)\n", static_cast<long long>(bars));
  return 0;
}

}  // namespace
}  // namespace barlake::bench

int main() { return barlake::bench::Main(); }
