#include "lake/lake_json.h"

#include "core/time_util.h"
#include "lake/data_kind.h"
#include "lake/derived_tables.h"
#include "lake/public_types.h"

namespace barlake::lake {

using nlohmann::json;

json JobJson(const barlake::Job& j) {
  json o = {{"id", j.id},
            {"kind", j.kind},
            {"status", j.status},
            {"phase", j.phase},
            {"command", j.command},
            {"source_path", j.source_path},
            {"source_sha256", j.source_sha256},
            {"symbol", j.symbol},
            {"timeframe", j.timeframe},
            {"format", j.format},
            {"rows_read", j.rows_read},
            {"rows_written", j.rows_written},
            {"rows_rejected", j.rows_rejected},
            {"rows_conflicting", j.rows_conflicting},
            {"partitions", j.partitions},
            {"error", j.error},
            {"created_at", FormatIsoUtc(j.created_at)},
            {"updated_at", FormatIsoUtc(j.updated_at)}};
  if (j.target_job) o["target_job"] = j.target_job;
  if (j.rolled_back_by) o["rolled_back_by"] = j.rolled_back_by;
  if (!j.report_json.empty()) {
    try {
      o["report"] = json::parse(j.report_json);
    } catch (...) {
      o["report"] = j.report_json;
    }
  }
  return o;
}

json JobJson(const journal::JobRecord& job) { return JobJson(ToPublic(job)); }

json JobDetailJson(const barlake::JobDetail& detail) {
  json o = JobJson(detail.job);
  json parts = json::array();
  if (detail.registry_changed) o["registry_changed"] = true;
  for (const auto& c : detail.changes) {
    parts.push_back({{"path", c.path},
                     {"before_sha256", c.before_sha256},
                     {"before_rows", c.before_rows},
                     {"after_sha256", c.after_sha256},
                     {"after_rows", c.after_rows},
                     {"previous_version", c.previous_version}});
  }
  o["partitions_touched"] = parts;
  return o;
}

json JobDetailJson(const journal::JobRecord& job, const std::vector<journal::PartitionChange>& changes) {
  barlake::JobDetail detail;
  detail.job = ToPublic(job);
  for (const auto& c : changes) {
    if (KindOfRelPath(c.rel_path).catalogued()) {
      detail.changes.push_back(ToPublic(c));
    } else {
      detail.registry_changed = true;
    }
  }
  return JobDetailJson(detail);
}

json DatasetJson(const barlake::Dataset& d) {
  json derived_json = nullptr;
  if (!d.method.empty()) {
    derived_json = {{"method", d.method}, {"inputs", d.inputs}, {"stale", d.stale}, {"why", d.stale_why}};
  }
  return {{"symbol", d.symbol},
          {"timeframe", d.timeframe},
          {"kind", d.kind},
          {"derived", derived_json},
          {"first_bar", FormatIsoUtc(d.first_ts)},
          {"last_bar", FormatIsoUtc(d.last_ts)},
          {"rows", d.rows},
          {"bytes", d.bytes},
          {"partitions", d.partitions},
          {"last_update", FormatIsoUtc(d.last_update)},
          {"last_job", d.last_job}};
}

json DatasetJson(const journal::DatasetSummary& d, const DerivedState* derived) {
  return DatasetJson(ToPublic(d, derived));
}

json StatusJson(const std::string& vault, const std::string& display_tz,
                const std::vector<barlake::Dataset>& datasets) {
  json arr = json::array();
  for (const auto& d : datasets) arr.push_back(DatasetJson(d));
  return {{"vault", vault}, {"display_tz", display_tz}, {"datasets", arr}};
}

json StatusJson(const std::string& vault, const std::string& display_tz,
                const std::vector<journal::DatasetSummary>& datasets, const std::vector<DerivedState>* derived) {
  return StatusJson(vault, display_tz, ToPublic(datasets, derived ? *derived : std::vector<DerivedState>{}));
}

namespace {

// One shape for the lake's item and the public result (the same member names).
template <class Item>
json RegenerateJsonOf(const Item& r) {
  json o = {{"dataset", r.symbol + " " + r.timeframe},
            {"job", r.job.id},
            {"incremental", r.incremental},
            {"partitions_written", r.partitions_written},
            {"partitions_removed", r.partitions_removed},
            {"partitions_unchanged", r.partitions_unchanged},
            {"rows_written", r.rows_written},
            {"truncated_bars", r.truncated_bars}};
  if (!r.skipped_because.empty()) o["skipped_because"] = r.skipped_because;
  if (!r.error.empty()) o["error"] = r.error;
  return o;
}

}  // namespace

json RegenerateItemJson(const RegenerateItem& r) { return RegenerateJsonOf(r); }
json RegenerateItemJson(const barlake::RegenerateResult& r) { return RegenerateJsonOf(r); }

json DetectJson(const std::string& file, const Result<ingest::DetectResult>& d) {
  json cands = json::array();
  if (d.ok()) {
    for (const auto& [name, det] : d->candidates) cands.push_back({{"format", name}, {"score", det.score}, {"why", det.why}});
  }
  return {{"file", file},
          {"format", d.ok() ? json(std::string(d->format->name())) : json(nullptr)},
          {"why", d.ok() ? d->why : d.status().message()},
          {"candidates", cands}};
}

}  // namespace barlake::lake
