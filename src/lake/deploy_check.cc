// gitignore block and deploy check (deploy_check.h, docs/deploy.md).
#include "lake/deploy_check.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/byte_size.h"
#include "core/json_text.h"
#include "lake/data_kind.h"
#include "lake/lake.h"
#include "registry/deploy_config.h"
#include "storage/partition_layout.h"

namespace barlake::lake {
namespace {

// Sizes in the block's comments, 1000-based like max_size.
std::string SizeText(int64_t bytes) { return ByteSizeText(bytes, 1000); }

// A path as a .gitignore pattern matches it literally: git's wildcard and escape
// characters get a backslash, and so do a leading '#' or '!'.
std::string GitPattern(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '\\' || c == '*' || c == '?' || c == '[' || c == ']' || ((c == '#' || c == '!') && i == 0)) out += '\\';
    out += c;
  }
  return out;
}

// The vault-relative folder of a dataset's partitions ("lake/symbol=ES/timeframe=1m/"):
// that of a stored partition, else where the bar layout would put it; "" for a snapshot
// or table dataset with nothing stored.
std::string DatasetFolder(const VaultPaths& paths, const registry::DatasetSpec& d,
                          const std::vector<journal::PartitionEntry>& catalog) {
  std::string rel;
  for (const auto& e : catalog) {
    if (e.symbol == d.symbol && e.timeframe == d.timeframe) {
      rel = e.rel_path;
      break;
    }
  }
  if (rel.empty()) {
    if (d.kind != "bars") return "";
    rel = storage::PartitionRelPath(d.symbol, d.timeframe, "2000-01");
  }
  const size_t period = rel.find("/period=");
  if (period == std::string::npos) return "";
  const std::string abs = JoinPath(paths.DataRoot(rel), rel.substr(0, period));
  return abs.substr(paths.root.size() + 1) + "/";
}

}  // namespace

Result<std::string> GitignoreBlock(Lake* lake, const std::string& gitignore_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path vault = fs::weakly_canonical(fs::absolute(lake->paths().root), ec);
  const fs::path dir = fs::weakly_canonical(fs::absolute(gitignore_dir), ec);
  if (ec) return Status::InvalidArgument("cannot resolve " + gitignore_dir + ": " + ec.message());
  const fs::path rel = vault.lexically_relative(dir);
  if (rel.empty() || *rel.begin() == "..") {
    return Status::InvalidArgument("the vault " + vault.string() + " is not inside " + dir.string() +
                                   ", the folder of the .gitignore; pass --file inside the repository that holds the vault");
  }
  const std::string prefix = rel == "." ? "/" : "/" + rel.generic_string() + "/";
  ASSIGN_OR_RETURN(auto catalog, lake->AllPartitions());
  ASSIGN_OR_RETURN(auto summaries, lake->Datasets());
  std::map<std::pair<std::string, std::string>, const journal::DatasetSummary*> by_dataset;
  for (const auto& s : summaries) by_dataset[{s.symbol, s.timeframe}] = &s;

  std::string out = std::string(kGitignoreBegin) + "\n";
  out += "# The journal, kept versions and sources: the vault's working state, never committed.\n";
  out += GitPattern(prefix + ".barlake/") + "\n";
  for (const char* category : {"published", "pipeline", "raw"}) {
    std::vector<const registry::DatasetSpec*> specs;
    for (const auto& d : lake->registry().datasets()) {
      if (d.category == category) specs.push_back(&d);
    }
    int64_t bytes = 0;
    for (const auto* d : specs) {
      auto it = by_dataset.find({d->symbol, d->timeframe});
      if (it != by_dataset.end()) bytes += it->second->bytes;
    }
    const bool tracked = std::string(category) == "published";
    out += "# " + std::string(category) + ": " + std::to_string(specs.size()) +
           (specs.size() == 1 ? " dataset, " : " datasets, ") + SizeText(bytes) +
           (tracked ? " (tracked)" : " (ignored)") + "\n";
    for (const auto* d : specs) {
      auto it = by_dataset.find({d->symbol, d->timeframe});
      const std::string size = it == by_dataset.end() ? "no data yet" : SizeText(it->second->bytes);
      const std::string folder = DatasetFolder(lake->paths(), *d, catalog);
      out += "#   " + d->symbol + " " + d->timeframe + " (" + size + ")" + (folder.empty() ? "" : ": " + folder) + "\n";
      if (!tracked && !folder.empty()) out += GitPattern(prefix + folder) + "\n";
    }
  }
  out += std::string(kGitignoreEnd) + "\n";
  return out;
}

Result<std::string> WithManagedBlock(const std::string& existing, const std::string& block, const std::string& path) {
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < existing.size();) {
    size_t nl = existing.find('\n', pos);
    const size_t end = nl == std::string::npos ? existing.size() : nl + 1;
    lines.push_back(existing.substr(pos, end - pos));
    pos = end;
  }
  auto is = [](const std::string& line, const char* marker) {
    std::string l = line;
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
    return l == marker;
  };
  int begin = -1, end = -1;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (is(lines[i], kGitignoreBegin)) {
      if (begin >= 0) return Status::InvalidInput(path + ":" + std::to_string(i + 1) + ": a second barlake block begins here; remove one");
      begin = static_cast<int>(i);
    } else if (is(lines[i], kGitignoreEnd)) {
      if (begin < 0 || end >= 0) {
        return Status::InvalidInput(path + ":" + std::to_string(i + 1) + ": an end marker without its begin marker; fix the file by hand");
      }
      end = static_cast<int>(i);
    }
  }
  if (begin >= 0 && end < 0) {
    return Status::InvalidInput(path + ":" + std::to_string(begin + 1) + ": the barlake block has no end marker ('" +
                                kGitignoreEnd + "'); fix the file by hand");
  }
  std::string out;
  if (begin < 0) {
    out = existing;
    if (!out.empty() && out.back() != '\n') out += '\n';
    if (!out.empty()) out += '\n';
    return out + block;
  }
  for (int i = 0; i < begin; ++i) out += lines[i];
  out += block;
  for (size_t i = static_cast<size_t>(end) + 1; i < lines.size(); ++i) out += lines[i];
  return out;
}

Result<DeployReport> CheckDeploy(Lake* lake, Micros now) {
  DeployReport report;
  const VaultPaths& paths = lake->paths();
  ASSIGN_OR_RETURN(std::string text, lake->env()->ReadFile(paths.registry));
  ASSIGN_OR_RETURN(auto limits, registry::ParseDeployLimits(text, paths.registry));
  ASSIGN_OR_RETURN(auto summaries, lake->Datasets());
  ASSIGN_OR_RETURN(auto catalog, lake->AllPartitions());
  std::map<std::pair<std::string, std::string>, const journal::DatasetSummary*> by_dataset;
  for (const auto& s : summaries) by_dataset[{s.symbol, s.timeframe}] = &s;
  auto add = [&](const std::string& where, const char* reason, const std::string& message) {
    report.problems.push_back({where, reason, message});
  };

  for (const auto& d : lake->registry().datasets()) {
    const std::string name = d.symbol + " " + d.timeframe;
    const bool published = d.category == "published";
    report.published += published ? 1 : 0;
    auto it = by_dataset.find({d.symbol, d.timeframe});
    if (it == by_dataset.end() || it->second->partitions == 0) {
      if (published) {
        add(name, "missing", "published dataset " + name + " has no data; import it (or regenerate it) before deploying");
      } else {
        add(name, "no_data", d.category + " dataset " + name +
                                 " is declared in barlake.toml but has no data; import it, or remove its [[dataset]] table");
      }
      continue;
    }
    const journal::DatasetSummary& s = *it->second;
    const registry::DeployLimits* limit = registry::FindDeployLimits(limits, d.symbol, d.timeframe);
    if (!published || !limit) continue;
    if (limit->max_age_seconds > 0 && now - s.last_ts > limit->max_age_seconds * kMicrosPerSecond) {
      add(name, "stale", "published dataset " + name + ": its last bar (" + FormatIsoUtc(s.last_ts) + ") is older than max_age (" +
                              std::to_string(limit->max_age_seconds / 3600) + "h, " + limit->source +
                              "); update it before deploying");
    }
    if (limit->max_bytes > 0 && s.bytes > limit->max_bytes) {
      add(name, "too_large", "published dataset " + name + " takes " + SizeText(s.bytes) + ", over its max_size of " +
                                  SizeText(limit->max_bytes) + " (" + limit->source + ")");
    }
  }

  // Every file under the data roots must be a catalogued partition of a declared dataset.
  std::map<std::string, const journal::PartitionEntry*> by_path;
  for (const auto& e : catalog) by_path[e.rel_path] = &e;
  std::map<std::string, int64_t> undeclared;  // "SYMBOL TF" -> files
  for (const DataKind* kind : AllDataKinds()) {
    if (!kind->catalogued()) continue;
    const std::string root = kind->Root(paths);
    if (!lake->env()->FileExists(root)) continue;
    ASSIGN_OR_RETURN(auto files, ListFilesRecursive(lake->env(), root));
    for (const auto& f : files) {
      const std::string rel = JoinPath(root, f).substr(paths.root.size() + 1);
      auto it = by_path.find(f);
      if (it == by_path.end() || paths.DataRoot(f) != root) {
        add(rel, "stray", rel + " is not a partition the journal knows; move it out of the vault (`barlake gc` removes "
                                "stray .parquet files)");
        continue;
      }
      if (!lake->registry().Find(it->second->symbol, it->second->timeframe)) {
        ++undeclared[it->second->symbol + " " + it->second->timeframe];
      }
    }
  }
  for (const auto& [name, files] : undeclared) {
    add(name, "undeclared", "dataset " + name + " has " + std::to_string(files) +
                                (files == 1 ? " file" : " files") +
                                " in the vault but no [[dataset]] table in barlake.toml; declare it with a category");
  }
  return report;
}

std::string DeployReportJson(const DeployReport& r) {
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : r.problems) {
    problems.push_back({{"dataset", p.dataset}, {"reason", p.reason}, {"message", p.message}});
  }
  return ToJsonText({{"ok", r.ok()}, {"published", r.published}, {"problems", problems}}, 2);
}

}  // namespace barlake::lake
