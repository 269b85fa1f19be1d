// Plan files: .barlake/migrations/<id>.json, written atomically (migration.h).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "core/text.h"
#include "migrate/migration.h"

namespace barlake::migrate {

using nlohmann::json;

namespace {

std::string MigrationsDir(const lake::VaultPaths& paths) { return JoinPath(paths.meta, "migrations"); }

}  // namespace

uint64_t DiskNeeded(uint64_t legacy_bytes) { return legacy_bytes * 5 / 2; }

std::string PlanPath(const lake::VaultPaths& paths, const std::string& id) {
  return JoinPath(MigrationsDir(paths), id + ".json");
}

std::string PlanToJson(const Plan& p) {
  json datasets = json::array();
  for (const auto& d : p.datasets) {
    json files = json::array();
    for (const auto& f : d.files) {
      files.push_back({{"path", f.path}, {"bytes", f.bytes}, {"rows", f.rows}, {"format", f.format}});
    }
    json item = {{"symbol", d.symbol}, {"timeframe", d.timeframe}, {"rows", d.rows},     {"bytes", d.bytes},
                 {"state", d.state},   {"job", d.job},             {"rows_written", d.rows_written},
                 {"error", d.error},   {"files", files}};
    if (!d.verify.empty()) {
      item["verify"] = {{"result", d.verify},         {"legacy_rows", d.legacy_rows}, {"lake_rows", d.lake_rows},
                        {"legacy_hash", d.legacy_hash}, {"lake_hash", d.lake_hash},     {"error", d.verify_error}};
    }
    datasets.push_back(std::move(item));
  }
  json j = {{"schema_version", p.schema_version},
            {"id", p.id},
            {"created_at", p.created_at},
            {"source_dir", p.source_dir},
            {"layout", p.layout},
            {"layout_why", p.layout_why},
            {"tz", p.tz},
            {"name_pattern", p.name_pattern},
            {"status", p.status},
            {"totals", {{"datasets", p.datasets.size()}, {"rows", p.rows}, {"bytes", p.bytes},
                        {"disk_needed", p.disk_needed}, {"free_bytes", p.free_bytes}}},
            {"verified_at", p.verified_at},
            {"activated_at", p.activated_at},
            {"rolled_back_at", p.rolled_back_at},
            {"trash", p.trash},
            {"notes", p.notes},
            {"datasets", datasets}};
  return ToJsonText(j, 2) + "\n";
}

Result<Plan> PlanFromJson(const std::string& text, const std::string& path) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption(path + ": not a migration plan (the JSON does not parse)");
  }
  Plan p;
  try {
    p.schema_version = j.value("schema_version", 0);
    if (p.schema_version != 1) {
      return Status::InvalidInput(path + ": plan schema_version " + std::to_string(p.schema_version) +
                                  " is not one this barlake reads (1)");
    }
    p.id = j.at("id").get<std::string>();
    p.created_at = j.value("created_at", "");
    p.source_dir = j.at("source_dir").get<std::string>();
    p.layout = j.at("layout").get<std::string>();
    p.layout_why = j.value("layout_why", "");
    p.tz = j.value("tz", "");
    p.name_pattern = j.value("name_pattern", "");
    p.status = j.value("status", "planned");
    const json& t = j.at("totals");
    p.rows = t.value("rows", int64_t{0});
    p.bytes = t.value("bytes", uint64_t{0});
    p.disk_needed = t.value("disk_needed", uint64_t{0});
    p.free_bytes = t.value("free_bytes", uint64_t{0});
    p.verified_at = j.value("verified_at", "");
    p.activated_at = j.value("activated_at", "");
    p.rolled_back_at = j.value("rolled_back_at", "");
    p.trash = j.value("trash", "");
    if (j.contains("notes")) p.notes = j.at("notes").get<std::vector<std::string>>();
    for (const json& d : j.at("datasets")) {
      PlannedDataset ds;
      ds.symbol = d.at("symbol").get<std::string>();
      ds.timeframe = d.at("timeframe").get<std::string>();
      ds.rows = d.value("rows", int64_t{0});
      ds.bytes = d.value("bytes", uint64_t{0});
      ds.state = d.value("state", "pending");
      ds.job = d.value("job", int64_t{0});
      ds.rows_written = d.value("rows_written", int64_t{0});
      ds.error = d.value("error", "");
      for (const json& f : d.at("files")) {
        ds.files.push_back({f.at("path").get<std::string>(), f.value("bytes", uint64_t{0}), f.value("rows", int64_t{0}),
                            f.at("format").get<std::string>()});
      }
      if (d.contains("verify")) {
        const json& v = d.at("verify");
        ds.verify = v.value("result", "");
        ds.legacy_rows = v.value("legacy_rows", int64_t{0});
        ds.lake_rows = v.value("lake_rows", int64_t{0});
        ds.legacy_hash = v.value("legacy_hash", "");
        ds.lake_hash = v.value("lake_hash", "");
        ds.verify_error = v.value("error", "");
      }
      p.datasets.push_back(std::move(ds));
    }
  } catch (const std::exception& e) {
    return Status::Corruption(path + ": not a complete migration plan: " + ToValidUtf8(e.what()));
  }
  return p;
}

Status SavePlan(Env* env, const lake::VaultPaths& paths, const Plan& plan) {
  RETURN_IF_ERROR(env->CreateDirs(MigrationsDir(paths)));
  return WriteFileAtomic(env, PlanPath(paths, plan.id), PlanToJson(plan));
}

Result<std::vector<std::string>> ListPlans(Env* env, const lake::VaultPaths& paths) {
  std::vector<std::string> ids;
  if (!env->FileExists(MigrationsDir(paths))) return ids;
  ASSIGN_OR_RETURN(auto names, env->GetChildren(MigrationsDir(paths)));
  for (const auto& n : names) {
    if (n.size() > 5 && n.compare(n.size() - 5, 5, ".json") == 0 && n[0] != '.') ids.push_back(n.substr(0, n.size() - 5));
  }
  std::sort(ids.begin(), ids.end());  // ids start with the creation time
  return ids;
}

Result<Plan> LoadPlan(Env* env, const lake::VaultPaths& paths, const std::string& id) {
  const std::string path = PlanPath(paths, id);
  if (id.empty() || id.find('/') != std::string::npos || !env->FileExists(path)) {
    ASSIGN_OR_RETURN(auto ids, ListPlans(env, paths));
    std::string known;
    for (const auto& i : ids) known += (known.empty() ? "" : ", ") + i;
    return Status::NotFound("no migration plan " + QuoteBytes(id) + " in this vault" +
                            (known.empty() ? std::string("; it has none: make one with `barlake migrate plan SOURCE_DIR`")
                                           : "; its plans are " + known + " (`barlake migrate status` shows them)"));
  }
  ASSIGN_OR_RETURN(std::string text, env->ReadFile(path));
  return PlanFromJson(text, path);
}

}  // namespace barlake::migrate
