#include "lake/dataset_ops.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/checksum.h"
#include "core/json_text.h"
#include "core/lines.h"
#include "lake/data_kind.h"
#include "lake/lake.h"
#include "lake/partition_writes.h"
#include "lake/writer_lock.h"
#include "storage/partition_layout.h"

namespace barlake::lake {

using journal::JobRecord;
using journal::PartitionEntry;

namespace {

// The string value of `key = "v"` (or 'v') on `line`, or nullopt when the line sets
// another key. Symbols and timeframes never need escapes (storage::ValidateSymbol).
std::optional<std::string> StringValue(const std::string& line, const std::string& key) {
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string::npos || line.compare(i, key.size(), key) != 0) return std::nullopt;
  i = line.find_first_not_of(" \t", i + key.size());
  if (i == std::string::npos || line[i] != '=') return std::nullopt;
  i = line.find_first_not_of(" \t", i + 1);
  if (i == std::string::npos || (line[i] != '"' && line[i] != '\'')) return std::nullopt;
  const size_t close = line.find(line[i], i + 1);
  if (close == std::string::npos) return std::nullopt;
  return line.substr(i + 1, close - i - 1);
}

bool IsHeader(const std::string& line) {
  const auto first = line.find_first_not_of(" \t");
  return first != std::string::npos && line[first] == '[';
}

// [begin, end) line ranges of every [[dataset]] table.
std::vector<std::pair<size_t, size_t>> DatasetBlocks(const std::vector<std::string>& lines) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("[[dataset]]", 0) != 0) continue;
    size_t end = i + 1;
    while (end < lines.size() && !IsHeader(lines[end])) ++end;
    out.emplace_back(i, end);
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string DatasetBlockText(const std::string& text, const std::string& symbol,
                             const std::string& timeframe) {
  const auto lines = SplitLinesKeepingEnds(text);
  for (const auto& [begin, end] : DatasetBlocks(lines)) {
    std::optional<std::string> s, tf;
    for (size_t k = begin + 1; k < end; ++k) {
      if (!s) s = StringValue(lines[k], "symbol");
      if (!tf) tf = StringValue(lines[k], "timeframe");
    }
    if (s != symbol || tf != timeframe) continue;
    std::string block;
    for (size_t k = begin; k < end; ++k) block += lines[k];
    while (!block.empty() && (block.back() == '\n' || block.back() == '\r' || block.back() == ' '))
      block.pop_back();
    return block + "\n";
  }
  return "";
}

std::string WithBlockSymbol(const std::string& block, const std::string& symbol) {
  std::string out;
  for (const auto& line : SplitLinesKeepingEnds(block)) {
    if (StringValue(line, "symbol")) {
      out += "symbol = \"" + symbol + "\"\n";
    } else {
      out += line;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------

Result<std::vector<PartitionEntry>> Lake::DatasetPartitions(const std::string& symbol,
                                                            const std::string& timeframe) {
  return journal_->PartitionsInRange(symbol, timeframe, std::numeric_limits<int64_t>::min(),
                                     std::numeric_limits<int64_t>::max());
}

// Derived datasets built (transitively) from "SYMBOL TF", whatever their auto_regenerate.
static std::vector<registry::DatasetSpec> AllDependents(const registry::Registry& reg,
                                                        const std::string& dataset) {
  std::set<std::string> reached = {dataset};
  std::vector<registry::DatasetSpec> out;
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& d : reg.datasets()) {
      const std::string name = d.symbol + " " + d.timeframe;
      if (reached.count(name)) continue;
      if (std::any_of(d.inputs.begin(), d.inputs.end(), [&](const std::string& in) { return reached.count(in) > 0; })) {
        reached.insert(name);
        out.push_back(d);
        grew = true;
      }
    }
  }
  return out;
}

static std::string NamesOf(const std::vector<registry::DatasetSpec>& specs) {
  std::string s;
  for (const auto& d : specs) s += (s.empty() ? "" : ", ") + d.symbol + " " + d.timeframe;
  return s;
}

PartitionWrite RemoveWrite(const PartitionEntry& p) {
  PartitionWrite w = WriteTo(p);
  w.change.before_sha256 = p.sha256;
  w.change.before_rows = p.rows;
  w.change.before_version = p.version;
  w.remove = true;
  return w;
}

namespace {

JobRecord DatasetJob(const char* kind, const std::string& symbol, const std::string& timeframe,
                     const std::string& command) {
  JobRecord job;
  job.kind = kind;
  job.symbol = symbol;
  job.timeframe = timeframe;
  job.command = command;
  return job;
}

}  // namespace

Status Lake::CheckSymbolCase(const std::string& symbol, const std::string& timeframe) {
  // Two symbols that differ only in case would share one folder on a file system that
  // folds case (macOS, Windows), mixing their bars.
  const std::string folded = Lower(symbol);
  auto clash = [&](const std::string& other) -> Status {
    if (other == symbol || Lower(other) != folded) return Status::OK();
    return Status::InvalidArgument("symbol '" + symbol + "' differs from the existing symbol '" + other +
                                   "' only in case; both would share one folder on file systems that fold "
                                   "case. Use '" + other + "' (timeframe " + timeframe + "), or another symbol");
  };
  for (const auto& d : registry_.datasets()) RETURN_IF_ERROR(clash(d.symbol));
  ASSIGN_OR_RETURN(auto datasets, journal_->Datasets());
  for (const auto& d : datasets) RETURN_IF_ERROR(clash(d.symbol));
  return Status::OK();
}

Result<JobRecord> Lake::DropDataset(const DropRequest& req) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  const std::string name = req.symbol + " " + req.timeframe;
  ASSIGN_OR_RETURN(auto parts, DatasetPartitions(req.symbol, req.timeframe));
  if (parts.empty() && !registry_.Find(req.symbol, req.timeframe)) {
    return Status::NotFound("there is no dataset " + name + "; `barlake status` lists the datasets");
  }
  const auto dependents = AllDependents(registry_, name);
  if (!dependents.empty() && !req.with_dependents) {
    return Status::Conflict("derived datasets are built from " + name + ": " + NamesOf(dependents) +
                            ". Drop them with it (--with-dependents), or drop them first "
                            "(`barlake dataset drop SYMBOL TF`); nothing was changed");
  }
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  ASSIGN_OR_RETURN(const std::string before, env_->ReadFile(paths_.registry));
  JobRecord job = DatasetJob(kDropJobKind, req.symbol, req.timeframe, options_.command);
  auto plan = [&](std::vector<PartitionWrite>* writes) -> Status {
    std::string after = before;
    nlohmann::json dropped = nlohmann::json::array();
    auto drop_one = [&](const std::string& symbol, const std::string& timeframe,
                        std::vector<PartitionEntry> entries) -> Status {
      int64_t rows = 0;
      for (const auto& p : entries) {
        rows += p.rows;
        job.rows_written += p.rows;
        writes->push_back(RemoveWrite(p));
      }
      ASSIGN_OR_RETURN(after, registry::Registry::WithoutDataset(after, paths_.registry, symbol, timeframe));
      dropped.push_back({{"dataset", symbol + " " + timeframe},
                         {"partitions", static_cast<int64_t>(entries.size())},
                         {"rows", rows}});
      return Status::OK();
    };
    RETURN_IF_ERROR(drop_one(req.symbol, req.timeframe, parts));
    for (const auto& d : dependents) {
      ASSIGN_OR_RETURN(auto dp, DatasetPartitions(d.symbol, d.timeframe));
      RETURN_IF_ERROR(drop_one(d.symbol, d.timeframe, std::move(dp)));
    }
    if (auto reg = RegistryTextWrite(before, std::move(after), job.id)) writes->push_back(std::move(*reg));
    job.report_json = ToJsonText(nlohmann::json{{"dropped", dropped}});
    return Status::OK();
  };
  RETURN_IF_ERROR(RunPlannedWrites(Context(), ScopeEvents(), Protocol(store), &job, plan));
  RETURN_IF_ERROR(ReloadRegistry());
  return journal_->GetJob(job.id);
}

Result<JobRecord> Lake::RenameDataset(const RenameRequest& req) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  const std::string name = req.symbol + " " + req.timeframe;
  const std::string new_name = req.new_symbol + " " + req.timeframe;
  RETURN_IF_ERROR(storage::ValidateSymbol(req.new_symbol));
  if (req.new_symbol == req.symbol) return Status::InvalidArgument(name + " already has that symbol");
  ASSIGN_OR_RETURN(auto parts, DatasetPartitions(req.symbol, req.timeframe));
  const registry::DatasetSpec* spec = registry_.Find(req.symbol, req.timeframe);
  if (parts.empty() && !spec) {
    return Status::NotFound("there is no dataset " + name + "; `barlake status` lists the datasets");
  }
  if (parts.empty()) {
    // Its rollback could not tell which entry to take back: there is nothing to move.
    return Status::InvalidArgument(name + " has no bars; edit its symbol in barlake.toml instead");
  }
  if (KindOfRelPath(parts.front().rel_path).name() != "bars") {
    return Status::InvalidArgument(name + " is not a bar dataset; only bar datasets can be renamed");
  }
  ASSIGN_OR_RETURN(auto existing, DatasetPartitions(req.new_symbol, req.timeframe));
  if (!existing.empty() || registry_.Find(req.new_symbol, req.timeframe)) {
    return Status::AlreadyExists("dataset " + new_name + " exists already; drop it first or pick another symbol");
  }
  if (Lower(req.new_symbol) == Lower(req.symbol)) {
    return Status::InvalidArgument("'" + req.new_symbol + "' differs from '" + req.symbol +
                                   "' only in case, and file systems that fold case see one folder; rename "
                                   "it to another symbol first, then to '" + req.new_symbol + "'");
  }
  RETURN_IF_ERROR(CheckSymbolCase(req.new_symbol, req.timeframe));
  // Held quarantine rows name their dataset; renamed under them they would stay behind
  // under the old name, where a later release would recreate the old dataset.
  ASSIGN_OR_RETURN(auto held, journal_->ListQuarantine(req.symbol, req.timeframe, "held", 0, 1));
  if (!held.empty()) {
    return Status::Conflict(name + " has quarantined rows waiting for a decision; release or drop them first "
                            "(`barlake quarantine list --symbol " + req.symbol + " --timeframe " +
                            req.timeframe + "`), then rename; nothing was changed");
  }
  const auto dependents = AllDependents(registry_, name);
  if (!dependents.empty()) {
    return Status::Conflict("derived datasets are built from " + name + ": " + NamesOf(dependents) +
                            ". Drop them first (`barlake dataset drop " + name +
                            " --with-dependents` drops all), rename, then declare them again for " + new_name +
                            " (`barlake resample`); nothing was changed");
  }
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  ASSIGN_OR_RETURN(const std::string before, env_->ReadFile(paths_.registry));
  JobRecord job = DatasetJob(kRenameJobKind, req.symbol, req.timeframe, options_.command);
  auto plan = [&](std::vector<PartitionWrite>* writes) -> Status {
    for (const auto& p : parts) {
      // The file holds no symbol (it is in the path), so the copy is the same bytes.
      PartitionWrite w;
      w.change.symbol = req.new_symbol;
      w.change.timeframe = p.timeframe;
      w.change.period = p.period;
      w.change.rel_path = storage::PartitionRelPath(req.new_symbol, p.timeframe, p.period);
      w.change.after_version = job.id;
      w.copy_from = paths_.LakeFile(p.rel_path);
      w.expected_sha256 = p.sha256;
      job.rows_written += p.rows;
      writes->push_back(std::move(w));
    }
    for (const auto& p : parts) writes->push_back(RemoveWrite(p));
    std::string after = before;
    if (spec) {
      const std::string block = DatasetBlockText(before, req.symbol, req.timeframe);
      ASSIGN_OR_RETURN(after, registry::Registry::WithoutDataset(before, paths_.registry, req.symbol, req.timeframe));
      if (!after.empty() && after.back() != '\n') after += '\n';
      after += "\n" + WithBlockSymbol(block, req.new_symbol);
      ASSIGN_OR_RETURN(auto parsed, registry::Registry::Parse(after, paths_.registry));
      if (!parsed.Find(req.new_symbol, req.timeframe) || parsed.Find(req.symbol, req.timeframe)) {
        return Status::InvalidInput(paths_.registry + ": the [[dataset]] table of " + name +
                                    " could not be rewritten; change its symbol by hand");
      }
    }
    if (auto reg = RegistryTextWrite(before, std::move(after), job.id)) writes->push_back(std::move(*reg));
    job.report_json = ToJsonText(nlohmann::json{{"renamed", name},
                                                {"to", new_name},
                                                {"partitions", static_cast<int64_t>(parts.size())},
                                                {"rows", job.rows_written}});
    return Status::OK();
  };
  RETURN_IF_ERROR(RunPlannedWrites(Context(), ScopeEvents(), Protocol(store), &job, plan));
  RETURN_IF_ERROR(ReloadRegistry());
  return journal_->GetJob(job.id);
}

}  // namespace barlake::lake
