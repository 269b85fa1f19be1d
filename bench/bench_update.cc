// Benchmark: `barlake update` of one symbol's last 7 days of 1-minute bars (10,080 bars) from
// a replay server on 127.0.0.1 paging Binance klines (11 answers of at most 1,000), whole
// process, against `barlake import` of the same rows from one local file (one Binance klines
// JSON array, the same parser), whole process, in the same run. Both into a fresh vault.
// Target (issue 13): update <= 1.5x the import.
//
// The update is one import job with 11 sources (each response kept with its SHA-256); before
// that change it was 11 jobs and about 3x.
#include <httplib.h>

#include <thread>

#include "bench_util.h"

namespace barlake::bench {
namespace {

constexpr int64_t kMinuteMs = 60'000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Klines [start, end] (open times), at most `limit`, of a gentle zigzag series.
std::string Klines(int64_t start, int64_t end, int limit, int64_t first, int64_t last_open) {
  std::string out = "[";
  int n = 0;
  int64_t t = std::max(first, start);
  if ((t - first) % kMinuteMs) t += kMinuteMs - (t - first) % kMinuteMs;
  char buf[256];
  for (; t <= end && t <= last_open && n < limit; t += kMinuteMs, ++n) {
    const int64_t k = (t / kMinuteMs) % 96;
    const double p = 100.0 + static_cast<double>(k < 48 ? k : 96 - k) * 0.25;
    std::snprintf(buf, sizeof buf,
                  "%s[%lld,\"%.8f\",\"%.8f\",\"%.8f\",\"%.8f\",\"10.00000000\",%lld,\"1000.0\",5,\"5.0\",\"500.0\","
                  "\"0\"]",
                  n ? "," : "", static_cast<long long>(t), p, p + 0.5, p - 0.5, p + 0.25,
                  static_cast<long long>(t + kMinuteMs - 1));
    out += buf;
  }
  return out + "]";
}

int Main() {
  const std::string dir = BenchDir() + "/update";
  fs::create_directories(dir);
  const int runs = EnvInt("BARLAKE_BENCH_UPDATE_RUNS", 5);

  httplib::Server server;
  server.Get("/api/v3/klines", [](const httplib::Request& req, httplib::Response& res) {
    const int64_t now = NowMs();
    const int64_t first = (now / kMinuteMs - 8 * 1440) * kMinuteMs;
    res.set_content(Klines(std::stoll(req.get_param_value("startTime")), std::stoll(req.get_param_value("endTime")),
                           std::stoi(req.get_param_value("limit")), first, now / kMinuteMs * kMinuteMs),
                    // Not a type cpp-httplib compresses: Debian's build would brotli-compress
                    // each page at its slowest setting, which measures the server, not barlake.
                    "application/octet-stream");
    res.set_header("X-MBX-USED-WEIGHT-1M", "2");
  });
  // httplib's pool has one thread per core minus one: a kept-alive connection curl left
  // would hold it until its keep-alive timeout. Enough threads that a new connection never waits.
  server.new_task_queue = [] { return new httplib::ThreadPool(8); };
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });
  ::setenv("BARLAKE_BINANCE_URL", ("http://127.0.0.1:" + std::to_string(port)).c_str(), 1);

  std::printf("bench_update: `barlake update` of 7 days of 1m bars from a replay server (Binance pages) vs "
              "`barlake import` of the same rows from one file; whole processes, %d runs, alternating\n",
              runs);
  std::fflush(stdout);
  std::vector<double> update_ms, import_ms, ratios;
  int64_t rows = 0;
  for (int i = 0; i < runs; ++i) {
    // The same 7 days for both: from a whole minute 7 days ago up to the last closed bar.
    const int64_t now = NowMs();
    const int64_t from = (now / kMinuteMs - 7 * 1440) * kMinuteMs;
    const int64_t last_closed = (now / kMinuteMs - 1) * kMinuteMs;
    const std::string file = dir + "/BTCUSDT-1m.json";
    const std::string body = Klines(from, last_closed, 1 << 30, from, last_closed);
    WriteFile(file, body);
    rows = static_cast<int64_t>(std::count(body.begin(), body.end(), '[')) - 1;
    double u = 0, m = 0;
    auto update = [&] {
      FreshVault(dir + "/vault-update");
      ::sync();
      u = RunOk({BarlakeCli(), "--vault", dir + "/vault-update", "update", "BTCUSDT", "--timeframe", "1m", "--from",
                 FormatIsoUtc(from * 1000)})
              .wall_ms;
    };
    auto import = [&] {
      FreshVault(dir + "/vault-import");
      ::sync();
      m = RunOk({BarlakeCli(), "--vault", dir + "/vault-import", "import", file, "--symbol", "BTCUSDT", "--timeframe",
                 "1m", "--format", "binance-json"})
              .wall_ms;
    };
    if (i % 2 == 0) {
      update();
      import();
    } else {
      import();
      update();
    }
    update_ms.push_back(u);
    import_ms.push_back(m);
    ratios.push_back(u / m);
    std::printf("  run %d: update %.0f ms, import %.0f ms (%lld rows) -> %.2fx\n", i + 1, u, m,
                static_cast<long long>(rows), u / m);
    std::fflush(stdout);
  }
  server.stop();
  serving.join();

  std::vector<Row> out;
  const double ratio = Median(ratios);
  out.push_back({"update 7 days of 1m (whole process) vs import of the same rows", Ms(Median(update_ms)),
                 Ms(Median(import_ms)), Fmt("%.2fx", ratio), "<= 1.50x", ratio <= 1.5});
  out.push_back({"  runs (ms)", Spread(update_ms, 0), Spread(import_ms, 0), Spread(ratios, 2), "", true, false});
  out.push_back({"  rows", std::to_string(rows), std::to_string(rows), "-", "", true, false});
  return Report("update: 7 days of 1m from a replay server vs the same rows imported from one file", out);
}

}  // namespace
}  // namespace barlake::bench

int main(int argc, char**) {
  if (argc != 1) {
    std::fprintf(stderr, "usage: bench_update   (work folder: $BARLAKE_BENCH_DIR, default /tmp/barlake-bench)\n");
    return 2;
  }
  return barlake::bench::Main();
}
