// `barlake update [SYMBOL...] [--timeframe TF[,TF...]] [--provider NAME] [--from T] [--to T]
//  [--full] [--dry-run] [--json]`: fetch what is missing from the online providers and
// import it through the normal pipeline (providers/update.h, docs/providers.md).
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "cli/add_command.h"
#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "providers/update.h"

namespace barlake::cli {
namespace {

struct UpdateArgs {
  std::vector<std::string> symbols;
  std::string timeframes, provider, from, to;
  bool full = false, dry_run = false, as_json = false;
};

std::vector<std::string> SplitCommaList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

int CmdUpdate(const Globals& g, const UpdateArgs& a) {
  providers::UpdateRequest req;
  req.symbols = a.symbols;
  req.timeframes = SplitCommaList(a.timeframes);
  req.provider = a.provider;
  req.full = a.full;
  req.dry_run = a.dry_run;
  if (!a.from.empty()) {
    auto f = ParseIsoUtc(a.from);
    if (!f.ok()) return Fail(f.status().WithContext("--from"));
    req.from = *f;
  }
  if (!a.to.empty()) {
    auto t = ParseIsoUtc(a.to);
    if (!t.ok()) return Fail(t.status().WithContext("--to"));
    req.to = *t;
  }
  auto lake = OpenLake(g, false);
  if (!lake.ok()) return Fail(lake.status());
  auto http = providers::NewCurlHttpClient();
  providers::UpdaterOptions o;
  o.http = http.get();
  std::unique_ptr<providers::SimulatedClock> simulated;
#ifdef BARLAKE_TEST_HOOKS
  // Test builds only: BARLAKE_TEST_NOW=<ISO time> runs the update on a simulated clock
  // starting then (replayed answers have fixed times; waits pass without sleeping).
  if (const char* now = std::getenv("BARLAKE_TEST_NOW"); now && *now) {
    auto t = ParseIsoUtc(now);
    if (!t.ok()) return Fail(t.status().WithContext("BARLAKE_TEST_NOW"));
    simulated = std::make_unique<providers::SimulatedClock>(*t);
    o.clock = simulated.get();
    o.policy.jitter_seed = 1;
  }
#endif
  providers::Updater updater(lake->get(), o);
  auto items = updater.Run(req);
  if (!items.ok()) return Fail(items.status());
  if (items->empty()) {
    // Nothing opted in: say why and how, instead of an empty table that looks like success.
    std::string why =
        "no dataset to update: `barlake update` without a symbol takes only the bar datasets that opted in "
        "(made by a download, or given asset_class or provider_symbols in barlake.toml)" +
        std::string(req.timeframes.empty() ? "" : " of the timeframes asked") +
        " and that a provider of their chain serves.\n"
        "To opt one in, add `asset_class = \"crypto\"` (or stock, future, fx) or "
        "`provider_symbols = { yahoo = \"ES=F\" }` to its [[dataset]] table in barlake.toml, or name it: "
        "`barlake update SYMBOL --timeframe TF [--provider NAME]` (docs/providers.md).";
    if (a.as_json) {
      std::printf("[]\n");
      std::fprintf(stderr, "barlake: %s\n", why.c_str());
    } else {
      std::printf("%s\n", why.c_str());
    }
    return 0;
  }
  if (a.as_json) {
    std::printf("%s\n", providers::UpdateItemsJson(*items).c_str());
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& it : *items) {
      rows.push_back({it.symbol, it.timeframe, it.provider.empty() ? "-" : it.provider,
                      std::to_string(it.requests), WithThousands(it.rows_fetched),
                      WithThousands(it.rows_written), WithThousands(it.rows_rejected),
                      std::to_string(it.provisional), it.status});
    }
    std::printf("%s", FormatTable({"symbol", "tf", "provider", "requests", "fetched", "written", "rejected",
                                   "forming", "status"},
                                  rows)
                          .c_str());
    for (const auto& it : *items) {
      for (const auto& p : it.planned) std::printf("  %s %s: %s\n", it.symbol.c_str(), it.timeframe.c_str(), p.c_str());
      for (const auto& s : it.served) {
        if (!a.dry_run) {
          std::printf("  %s %s: %s served %s .. %s\n", it.symbol.c_str(), it.timeframe.c_str(), s.provider.c_str(),
                      FormatIsoUtc(s.from).c_str(), FormatIsoUtc(s.to).c_str());
        }
      }
      for (const auto& n : it.notes) std::printf("  %s %s: note: %s\n", it.symbol.c_str(), it.timeframe.c_str(), n.c_str());
      if (!it.error.empty()) {
        std::fprintf(stderr, "barlake: %s %s: %s\n", it.symbol.c_str(), it.timeframe.c_str(), it.error.c_str());
      }
    }
  }
  // The exit code of the first dataset that failed (an adjustment stop is 5, kConflict).
  for (const auto& it : *items) {
    if (!it.result.ok()) return ExitCodeFor(it.result);
  }
  return 0;
}

}  // namespace

void AddUpdateCommands(CLI::App& app, Globals& g, int& rc) {
  static UpdateArgs a;
  auto* up = AddCommand(app, "update", "Fetch missing bars from Yahoo, Binance or Alpha Vantage and import them", rc,
                        [&] { return CmdUpdate(g, a); });
  up->add_option("SYMBOL", a.symbols, "Datasets of these symbols (default: every dataset that opted in, docs/providers.md)");
  up->add_option("--timeframe", a.timeframes, "Timeframes, comma-separated (default: the symbol's datasets)");
  up->add_option("--provider", a.provider, "Only this provider (yahoo, binance, alphavantage); no failover");
  up->add_option("--from", a.from, "First bar time, ISO 8601 (default: the last stored bar)");
  up->add_option("--to", a.to, "End, ISO 8601, exclusive (default: now; a bar still forming is stored provisional)");
  up->add_flag("--full", a.full, "Download the whole range again; new bars replace stored ones (after a split)");
  up->add_flag("--dry-run", a.dry_run, "Print the planned requests; fetch and write nothing");
  up->add_flag("--json", a.as_json, "One JSON object per dataset");
}

}  // namespace barlake::cli
