// Incremental backup after a one-week import into a big lake (issue 16's target: it sends
// at most 2 partitions' worth of bytes and finishes in <= 1 s to a folder).
//
// Builds a vault with BARLAKE_BENCH_BACKUP_YEARS (default 20) years of 1-minute CME bars,
// backs it up once to a folder, imports one more week, and times `barlake backup` of the
// result (the whole process, spawn to exit). Baseline in the same run: `cp` of exactly the
// objects that backup added (the same bytes, no hashing, no journal copy, no manifest).
//   build-bench/bench/bench_backup
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "bench_util.h"

using namespace barlake;
using namespace barlake::bench;

namespace {

std::set<std::string> Objects(const std::string& dest) {
  std::set<std::string> out;
  if (!fs::exists(dest + "/objects")) return out;
  for (const auto& e : fs::directory_iterator(dest + "/objects")) out.insert(e.path().filename().string());
  return out;
}

std::string JsonField(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return "";
  size_t start = at + key.size() + 3;
  while (start < json.size() && json[start] == ' ') ++start;
  size_t end = json.find_first_of(",\n}", start);
  return json.substr(start, end - start);
}

/// What a vault path is, for the breakdown of what a backup sent.
std::string KindOf(const std::string& path) {
  if (path.rfind("lake/", 0) == 0) return "partition";
  if (path.rfind(".barlake/sources/", 0) == 0) return "kept source";
  if (path.rfind(".barlake/versions/", 0) == 0) return "kept version";
  if (path == ".barlake/journal.sqlite") return "journal copy";
  if (path == "barlake.toml") return "registry";
  return "other";
}

/// One row per object the backup added to `dest`: its kind and vault path (from the
/// snapshot's manifest), the file's size and the bytes stored (objects/<sha256>[.gz]).
void PrintSentObjects(const std::string& dest, const std::string& snapshot, const std::set<std::string>& before) {
  std::ifstream in(dest + "/snapshots/" + snapshot + ".json");
  const auto manifest = nlohmann::json::parse(in);
  std::map<std::string, std::pair<std::string, uint64_t>> by_sha;  // sha -> (path, size)
  by_sha[manifest["journal"]["sha256"]] = {manifest["journal"]["path"], manifest["journal"]["size"]};
  for (const auto& [path, f] : manifest["files"].items()) by_sha[f["sha256"]] = {path, f["size"]};
  std::printf("objects the incremental backup sent:\n");
  for (const auto& o : Objects(dest)) {
    if (before.count(o)) continue;
    const std::string sha = o.substr(0, 64);
    const auto it = by_sha.find(sha);
    const std::string path = it == by_sha.end() ? "(not in the manifest)" : it->second.first;
    const uint64_t size = it == by_sha.end() ? 0 : it->second.second;
    std::printf("  %-12s %10llu bytes, %10llu stored  %s\n", KindOf(path).c_str(),
                static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(fs::file_size(dest + "/objects/" + o)), path.c_str());
  }
}

}  // namespace

int main() {
  const int years = EnvInt("BARLAKE_BENCH_BACKUP_YEARS", 20);
  const std::string root = BenchDir() + "/backup";
  fs::remove_all(root);
  fs::create_directories(root);
  const std::string vault = root + "/vault", dest = root + "/dest";
  RunOk({BarlakeCli(), "init", vault, "--source-tz", "UTC"});

  // History up to a week before the end, then the week.
  demo::SampleSpec spec;
  spec.start_year = 2024 - years + 1;
  spec.start_month = 1;
  spec.start_day = 1;
  spec.export_tz = "UTC";
  const int64_t first_day = DaysFromCivil(spec.start_year, 1, 1);
  const int total_days = static_cast<int>(DaysFromCivil(2025, 1, 1) - first_day);
  spec.days = total_days - 7;
  int64_t rows = 0;
  auto history = demo::MakeNinjaTraderExport(spec, &rows);
  Check(history.status(), "generating the history");
  WriteFile(root + "/history.txt", *history);
  history = std::string();
  std::fprintf(stderr, "bench_backup: importing %d years (%lld bars)...\n", years, static_cast<long long>(rows));
  RunOk({BarlakeCli(), "--vault", vault, "import", root + "/history.txt", "--symbol", "ES", "--timeframe", "1m"});
  int y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(first_day + spec.days, &y, &m, &d);
  demo::SampleSpec week = spec;
  week.start_year = y;
  week.start_month = static_cast<int>(m);
  week.start_day = static_cast<int>(d);
  week.days = 7;
  week.seed = 2;
  auto week_text = demo::MakeNinjaTraderExport(week, &rows);
  Check(week_text.status(), "generating the week");
  WriteFile(root + "/week.txt", *week_text);

  RunOk({BarlakeCli(), "--vault", vault, "backup", dest});  // the full first backup
  const auto before = Objects(dest);
  RunOk({BarlakeCli(), "--vault", vault, "import", root + "/week.txt", "--symbol", "ES", "--timeframe", "1m"});

  const ProcResult inc = RunOk({BarlakeCli(), "--vault", vault, "backup", dest, "--json"}, /*capture=*/true);
  const double backup_ms = inc.wall_ms;
  const long long bytes_sent = std::atoll(JsonField(inc.out, "bytes_sent").c_str());
  const long long objects_sent = std::atoll(JsonField(inc.out, "objects_sent").c_str());
  std::string snapshot = JsonField(inc.out, "snapshot");
  snapshot.erase(std::remove(snapshot.begin(), snapshot.end(), '"'), snapshot.end());
  PrintSentObjects(dest, snapshot, before);

  // Baseline: cp of the same objects.
  std::vector<std::string> cp = {"/bin/cp"};
  for (const auto& o : Objects(dest)) {
    if (!before.count(o)) cp.push_back(dest + "/objects/" + o);
  }
  fs::create_directories(root + "/cp");
  cp.push_back(root + "/cp/");
  const double cp_ms = RunOk(cp).wall_ms;

  uint64_t largest_partition = 0;
  size_t partitions = 0;
  for (const auto& e : fs::recursive_directory_iterator(vault + "/lake")) {
    if (e.is_regular_file()) {
      largest_partition = std::max<uint64_t>(largest_partition, e.file_size());
      ++partitions;
    }
  }
  PrintTable(Fmt("incremental backup after a one-week import, %d-year lake (%zu partitions)", years, partitions),
             {{"time: barlake backup (whole process) / cp of the same objects", Ms(backup_ms), Ms(cp_ms),
               Ratio(backup_ms, cp_ms)},
              {"objects sent", Fmt("%lld", objects_sent), "-", "-"},
              {"bytes sent / largest partition", Fmt("%lld", bytes_sent),
               Fmt("%llu", static_cast<unsigned long long>(largest_partition)),
               Ratio(static_cast<double>(bytes_sent), static_cast<double>(largest_partition))}});
  const bool bytes_ok = static_cast<uint64_t>(bytes_sent) <= 2 * largest_partition;
  const bool time_ok = backup_ms <= 1000;
  std::printf("target: bytes sent <= 2 partitions (%llu): %s; time <= 1 s: %s\n",
              static_cast<unsigned long long>(2 * largest_partition), bytes_ok ? "met" : "MISSED",
              time_ok ? "met" : "MISSED");
  fs::remove_all(root);
  return bytes_ok && time_ok ? 0 : 1;
}
