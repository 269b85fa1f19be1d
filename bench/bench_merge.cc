// Benchmark 2: merge 7 days of new bars into the 20-year lake. Targets: <= 60 ms, and
// within 1.5x of the same merge into a 1-year lake (the baseline: a merge must cost what
// the partitions it touches cost, not what the lake holds).
//
// The 1-year lake holds the last 365 days of the 20-year data, so both lakes end on the
// same day and every weekly file touches the same partitions with the same rows in both.
// Each run imports the NEXT week (a separate NinjaTrader export continuing after the end of
// the lake), so every run is a real merge of new bars into the last month partition(s);
// the two lakes are alternated week by week. Three ways of calling it are measured:
//   API, fresh Lake : Lake::Open + Import, a new Lake object per week (what a program
//                     doing the weekly update pays; includes opening DuckDB)
//   API, warm Lake  : Import on a Lake that already imported once (DuckDB open)
//   CLI process     : `barlake import` as a whole process
#include "bench_util.h"

namespace barlake::bench {
namespace {

// Counts the time the lake spends in fsync through its Env (SQLite's own fsyncs of the
// journal are not included: they do not go through the Env).
class SyncTimingEnv : public EnvWrapper {
 public:
  SyncTimingEnv() : EnvWrapper(Env::Default()) {}
  double sync_ms = 0;
  int syncs = 0;
  Status SyncFile(const std::string& p) override { return Timed([&] { return target()->SyncFile(p); }); }
  Status SyncDir(const std::string& p) override { return Timed([&] { return target()->SyncDir(p); }); }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p) override {
    ASSIGN_OR_RETURN(auto f, target()->NewWritableFile(p));
    return std::unique_ptr<WritableFile>(new File(this, std::move(f)));
  }

 private:
  template <typename F>
  Status Timed(F&& f) {
    auto t0 = Clock::now();
    Status s = f();
    sync_ms += MsSince(t0);
    ++syncs;
    return s;
  }
  class File : public WritableFile {
   public:
    File(SyncTimingEnv* env, std::unique_ptr<WritableFile> f) : env_(env), f_(std::move(f)) {}
    Status Append(std::string_view d) override { return f_->Append(d); }
    Status Sync() override { return env_->Timed([&] { return f_->Sync(); }); }
    Status Close() override { return f_->Close(); }

   private:
    SyncTimingEnv* env_;
    std::unique_ptr<WritableFile> f_;
  };
};

constexpr double kTargetMs = 60;
constexpr double kTargetRatio = 1.5;

int Main() {
  const std::string dir = BenchDir();
  const int runs = EnvInt("BARLAKE_BENCH_MERGE_RUNS", 7);
  const std::string v20_src = EnsureVault20y();

  // Working copies: the merges change the lakes, and the 20-year vault is shared.
  const std::string v20 = dir + "/merge-vault20y";
  const std::string v1 = dir + "/merge-vault1y";
  std::fprintf(stderr, "copying the 20-year vault ...\n");
  fs::remove_all(v20);
  fs::copy(v20_src, v20, fs::copy_options::recursive);
  const int64_t day0 = DayAfter20y();
  {
    const std::string src1 = dir + "/ES_1m_1y.txt";
    EnsureExport(SpecFromDay(day0 - 365, 365, 21, 4000.0), src1);
    std::fprintf(stderr, "building the 1-year vault ...\n");
    FreshVault(v1);
    auto lk = OpenLake(v1);
    ImportFile(lk.get(), src1);
    fs::remove(src1);
  }

  // Weekly files: 3 * runs + 1 consecutive weeks after the end of the data.
  const int weeks = 3 * runs + 1;
  std::vector<std::string> week_files;
  int64_t week_rows = 0;
  for (int k = 0; k < weeks; ++k) {
    const std::string p = dir + "/ES_1m_week" + std::to_string(k) + ".txt";
    fs::remove(p);
    int64_t n = EnsureExport(SpecFromDay(day0 + 7 * k, 7, 1000 + k, 6000.0), p);
    if (k == 0) week_rows = n;
    week_files.push_back(p);
  }
  ::sync();
  std::printf("bench_merge: 7-day files of ~%lld rows, %d runs per mode, lakes alternated\n",
              static_cast<long long>(week_rows), runs);
  std::fflush(stdout);

  int next_week = 0;
  std::vector<double> fresh20, fresh1, warm20, warm1, cli20, cli1;
  int64_t added = 0;
  size_t parts_min = 99, parts_max = 0;
  auto note = [&](const lake::ImportResult& r) {
    added = r.rows_added;
    parts_min = std::min(parts_min, r.partitions.size());
    parts_max = std::max(parts_max, r.partitions.size());
  };

  // API, fresh Lake object per merge.
  for (int i = 0; i < runs; ++i, ++next_week) {
    const std::string& f = week_files[next_week];
    auto one = [&](const std::string& vault, std::vector<double>* out) {
      auto t0 = Clock::now();
      auto lk = OpenLake(vault);
      auto r = ImportFile(lk.get(), f);
      out->push_back(MsSince(t0));
      note(r);
    };
    if (i % 2 == 0) {
      one(v20, &fresh20);
      one(v1, &fresh1);
    } else {
      one(v1, &fresh1);
      one(v20, &fresh20);
    }
  }
  // API, warm Lake: the first import on each object opens DuckDB and is not counted.
  SyncTimingEnv timing_env;
  std::vector<double> sync20, syncs20;
  {
    lake::LakeOptions o;
    o.env = &timing_env;
    auto lk20 = Unwrap(lake::Lake::Open(v20, o), "opening " + v20);
    auto lk1 = Unwrap(lake::Lake::Open(v1, o), "opening " + v1);
    ImportFile(lk20.get(), week_files[next_week]);
    ImportFile(lk1.get(), week_files[next_week]);
    ++next_week;
    for (int i = 0; i < runs; ++i, ++next_week) {
      const std::string& f = week_files[next_week];
      auto one = [&](lake::Lake* lk, std::vector<double>* out) {
        timing_env.sync_ms = 0;
        timing_env.syncs = 0;
        auto t0 = Clock::now();
        auto r = ImportFile(lk, f);
        out->push_back(MsSince(t0));
        note(r);
        if (lk == lk20.get()) {
          sync20.push_back(timing_env.sync_ms);
          syncs20.push_back(timing_env.syncs);
        }
      };
      if (i % 2 == 0) {
        one(lk20.get(), &warm20);
        one(lk1.get(), &warm1);
      } else {
        one(lk1.get(), &warm1);
        one(lk20.get(), &warm20);
      }
    }
  }
  // CLI process.
  const std::string cli = BarlakeCli();
  for (int i = 0; i < runs; ++i, ++next_week) {
    const std::string& f = week_files[next_week];
    auto one = [&](const std::string& vault, std::vector<double>* out) {
      auto p = RunOk({cli, "--vault", vault, "import", f, "--symbol", "ES", "--timeframe", "1m"});
      out->push_back(p.wall_ms);
    };
    if (i % 2 == 0) {
      one(v20, &cli20);
      one(v1, &cli1);
    } else {
      one(v1, &cli1);
      one(v20, &cli20);
    }
  }

  int64_t rows20 = 0, rows1 = 0, parts20 = 0, parts1 = 0;
  {
    auto lk = OpenLake(v20);
    for (const auto& d : Unwrap(lk->Datasets(), "status")) rows20 += d.rows, parts20 += d.partitions;
    auto lk1 = OpenLake(v1);
    for (const auto& d : Unwrap(lk1->Datasets(), "status")) rows1 += d.rows, parts1 += d.partitions;
  }

  std::vector<Row> rows;
  auto add = [&](const std::string& what, const std::vector<double>& a, const std::vector<double>& b) {
    const double ma = Median(a), mb = Median(b), ratio = ma / mb;
    rows.push_back({what + ": 20y lake vs 60 ms", Ms(ma), "-", "-", "<= 60 ms", ma <= kTargetMs});
    rows.push_back({what + ": 20y lake vs 1y lake", Ms(ma), Ms(mb), Fmt("%.2fx", ratio), "<= 1.50x",
                    ratio <= kTargetRatio});
    rows.push_back({"  runs (ms)", Spread(a), Spread(b), "", "", true, false});
  };
  add("merge 7 days, API fresh Lake (Open+Import)", fresh20, fresh1);
  add("merge 7 days, API warm Lake (Import)", warm20, warm1);
  rows.push_back({"  of which fsync through the Env (20y; calls)",
                  Ms(Median(sync20)) + " (" + Fmt("%.0f", Median(syncs20)) + " calls)", "-", "-", "", true, false});
  add("merge 7 days, `barlake import` process", cli20, cli1);
  rows.push_back({"  per merge: rows added (last run), partitions touched",
                  std::to_string(added) + " rows, " + std::to_string(parts_min) + "-" +
                      std::to_string(parts_max) + " partitions",
                  "same", "", "", true, false});
  rows.push_back({"  lake size after the merges (rows, partitions)",
                  std::to_string(rows20) + ", " + std::to_string(parts20),
                  std::to_string(rows1) + ", " + std::to_string(parts1), "", "", true, false});
  for (auto& r : rows) {
    if (r.ratio.empty()) r.ratio = "-";
  }
  fs::remove_all(v20);
  fs::remove_all(v1);
  for (const auto& f : week_files) fs::remove(f);
  return Report("2. merge of 7 days of new bars (20-year lake vs 1-year lake)", rows);
}

}  // namespace
}  // namespace barlake::bench

int main(int argc, char** argv) {
  if (argc != 1) {
    std::fprintf(stderr, "usage: bench_merge   (work folder: $BARLAKE_BENCH_DIR, default /tmp/barlake-bench)\n");
    return 2;
  }
  return barlake::bench::Main();
}
