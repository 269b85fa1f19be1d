// quickstart VAULT: open the vault (or create it), import a few 1-minute bars given as
// bytes, read them back and list the jobs. Uses only the installed public API.
#include <barlake/lake.h>

#include <cstdio>
#include <string>

namespace {

// A small NinjaTrader 8 export (docs/formats/ninjatrader.md): bar close stamps in the
// source time zone, "yyyyMMdd HHmmss;open;high;low;close;volume".
const char kNinjaTraderBars[] =
    "20240115 093100;4800.25;4801.00;4799.50;4800.75;1200\n"
    "20240115 093200;4800.75;4802.25;4800.50;4802.00;900\n"
    "20240115 093300;4802.00;4802.50;4801.25;4801.50;750\n"
    "20240115 093400;4801.50;4801.75;4800.00;4800.25;1100\n"
    "20240115 093500;4800.25;4800.50;4799.00;4799.25;1300\n";

class PrintingListener : public barlake::EventListener {
 public:
  void OnJobStarted(const barlake::JobEvent& job) override {
    std::printf("job %lld started (%s %s %s)\n", static_cast<long long>(job.job_id), job.kind.c_str(),
                job.symbol.c_str(), job.timeframe.c_str());
  }
  void OnJobCommitted(const barlake::JobEvent& job) override {
    std::printf("job %lld committed\n", static_cast<long long>(job.job_id));
  }
};

int Fail(const char* what, const barlake::Status& s) {
  std::fprintf(stderr, "quickstart: %s: %s\n", what, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: quickstart VAULT\n");
    return 2;
  }
  const std::string vault = argv[1];
  std::printf("barlake %s\n", barlake::Version());

  PrintingListener listener;
  barlake::Options options;
  options.command = "quickstart";
  options.listener = &listener;
  auto lake = barlake::Lake::Open(vault, options);
  if (!lake.ok() && lake.status().code() == barlake::ErrorCode::kNotFound) {
    if (barlake::Status s = barlake::Lake::Init(vault, {.name = "quickstart"}); !s.ok()) return Fail("init", s);
    std::printf("created vault %s\n", vault.c_str());
    lake = barlake::Lake::Open(vault, options);
  }
  if (!lake.ok()) return Fail("open", lake.status());

  auto source = barlake::Source::Bytes("ES 03-24.Last.txt", kNinjaTraderBars, /*modified=*/1705363200000000,
                                       "examples/quickstart.cc");
  barlake::ImportOptions import;
  import.symbol = "ES";
  import.timeframe = "1m";
  import.tz = "America/New_York";
  auto report = (*lake)->Import(source, import);
  if (!report.ok()) return Fail("import", report.status());
  if (!report->skipped_because.empty()) {
    std::printf("import skipped: %s\n", report->skipped_because.c_str());
  } else {
    std::printf("import job %lld: format %s, %lld rows added\n", static_cast<long long>(report->job.id),
                report->format.c_str(), static_cast<long long>(report->rows_added));
  }

  const barlake::Micros from = 1704067200000000, to = 1735689600000000;  // the year 2024
  auto bars = (*lake)->Read("ES", "1m", from, to);
  if (!bars.ok()) return Fail("read", bars.status());
  std::printf("read %zu bars\n", bars->size());
  for (size_t i = 0; i < bars->size(); ++i) {
    std::printf("  ts=%lld close=%.2f volume=%.0f\n", static_cast<long long>(bars->ts[i]), bars->close[i],
                bars->volume[i]);
  }

  auto jobs = (*lake)->Jobs(10);
  if (!jobs.ok()) return Fail("jobs", jobs.status());
  for (const auto& j : *jobs) {
    std::printf("job %lld %s %s %s %s\n", static_cast<long long>(j.id), j.kind.c_str(), j.status.c_str(),
                j.symbol.c_str(), j.timeframe.c_str());
  }
  auto verify = (*lake)->Verify();
  if (!verify.ok()) return Fail("verify", verify.status());
  std::printf("verify: %lld files, %s\n", static_cast<long long>(verify->files_checked),
              verify->ok() ? "ok" : "PROBLEMS");
  return verify->ok() ? 0 : 1;
}
