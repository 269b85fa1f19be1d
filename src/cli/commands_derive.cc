// Derived datasets: `barlake resample` and `barlake regenerate` (lake/derived.h).
#include <cstdio>

#include "cli/cli_common.h"
#include "cli/output.h"
#include "core/json_text.h"
#include "lake/lake_json.h"

namespace barlake::cli {
namespace {

using nlohmann::json;

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  return out;
}

}  // namespace

int PrintRegenerateItems(const std::vector<barlake::RegenerateResult>& items, bool as_json) {
  if (as_json) {
    json arr = json::array();
    for (const auto& r : items) arr.push_back(lake::RegenerateItemJson(r));
    std::printf("%s\n", ToJsonText(json{{"regenerated", arr}}, 2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : items) {
    std::string what = !r.skipped_because.empty() ? "skipped: " + r.skipped_because
                       : !r.error.empty()         ? "FAILED: " + r.error
                       : r.incremental            ? "incremental"
                                                  : "full";
    rows.push_back({r.symbol, r.timeframe, r.job.id ? std::to_string(r.job.id) : "-", what,
                    std::to_string(r.partitions_written), std::to_string(r.partitions_removed),
                    std::to_string(r.partitions_unchanged), WithThousands(r.rows_written),
                    WithThousands(r.truncated_bars)});
  }
  if (rows.empty()) {
    std::printf("No derived datasets to regenerate.\n");
    return 0;
  }
  std::printf("%s", FormatTable({"SYMBOL", "TF", "JOB", "BUILD", "WRITTEN", "REMOVED", "UNCHANGED", "ROWS",
                                 "TRUNCATED"},
                                rows)
                        .c_str());
  return 0;
}

void AddDeriveCommands(CLI::App& app, Globals& g, int& rc) {
  auto* rs = app.add_subcommand("resample",
                                "Declare bars resampled from a finer dataset (anchored to its session) and build them");
  static barlake::ResampleOptions req;
  static std::string to_list;
  static bool resample_json = false, no_auto = false;
  rs->add_option("SYMBOL", req.symbol, "Input dataset symbol, e.g. ES")->required();
  rs->add_option("--from", req.from, "Input timeframe (default 1m)");
  rs->add_option("--to", to_list, "Target timeframes, comma-separated: 5m,15m,30m,1h,4h or any N minutes")->required();
  rs->add_option("--name", req.name, "Symbol of the derived datasets (default: SYMBOL; required for 1d)");
  rs->add_option("--calendar", req.calendar, "Session calendar to anchor to (default: the input's)");
  rs->add_flag("--no-auto-regenerate", no_auto, "Do not rebuild these when an import changes the input");
  rs->add_flag("--json", resample_json, "Print the result as JSON");
  rs->callback([&] {
    req.to = SplitList(to_list);
    req.auto_regenerate = !no_auto;
    rc = WithVault(g, true, [&](barlake::Lake& lake) {
      auto items = lake.Resample(req);
      return items.ok() ? PrintRegenerateItems(*items, resample_json) : Fail(items.status());
    });
  });

  auto* rg = app.add_subcommand("regenerate", "Rebuild derived datasets (inputs first; only what changed)");
  static barlake::RegenerateOptions rr;
  static std::vector<std::string> names;
  static bool regen_json = false;
  rg->add_option("DATASET", names, "Derived datasets as SYMBOL TF pairs, e.g. ES 4h")->expected(0, -1);
  rg->add_flag("--stale", rr.stale_only, "Every stale derived dataset");
  rg->add_flag("--all", rr.all, "Every derived dataset, rebuilt whole");
  rg->add_flag("--full", rr.full, "Rebuild every partition, not only those whose inputs changed");
  rg->add_flag("--json", regen_json, "Print the result as JSON");
  rg->callback([&] {
    rr.datasets.clear();
    if (names.size() % 2 != 0) {
      rc = Fail(Status::InvalidArgument("name datasets as SYMBOL TF pairs, e.g. `barlake regenerate ES 4h`"));
      return;
    }
    for (size_t i = 0; i + 1 < names.size(); i += 2) rr.datasets.push_back(names[i] + " " + names[i + 1]);
    if (rr.datasets.empty() && !rr.stale_only && !rr.all) {
      rc = Fail(Status::InvalidArgument("name a derived dataset (e.g. ES 4h), or pass --stale or --all"));
      return;
    }
    rc = WithVault(g, true, [&](barlake::Lake& lake) {
      auto items = lake.Regenerate(rr);
      return items.ok() ? PrintRegenerateItems(*items, regen_json) : Fail(items.status());
    });
  });
}

}  // namespace barlake::cli
