#include "lake/public_types.h"

#include "lake/derived_tables.h"

namespace barlake::lake {

barlake::Job ToPublic(const journal::JobRecord& r) {
  barlake::Job j;
  j.id = r.id;
  j.kind = r.kind;
  j.status = r.status;
  j.phase = r.phase;
  j.symbol = r.symbol;
  j.timeframe = r.timeframe;
  j.format = r.format;
  j.source_path = r.source_path;
  j.source_sha256 = r.source_sha256;
  j.command = r.command;
  j.rows_read = r.rows_read;
  j.rows_written = r.rows_written;
  j.rows_rejected = r.rows_rejected;
  j.rows_conflicting = r.rows_conflicting;
  j.partitions = r.partitions;
  j.error = r.error;
  j.report_json = r.report_json;
  j.created_at = r.created_at;
  j.updated_at = r.updated_at;
  j.target_job = r.target_job;
  j.rolled_back_by = r.rolled_back_by;
  return j;
}

barlake::PartitionChange ToPublic(const journal::PartitionChange& c) {
  barlake::PartitionChange p;
  p.symbol = c.symbol;
  p.timeframe = c.timeframe;
  p.period = c.period;
  p.path = c.rel_path;
  p.before_sha256 = c.before_sha256;
  p.before_rows = c.before_rows;
  p.after_sha256 = c.after_sha256;
  p.after_rows = c.after_rows;
  p.after_bytes = c.after_bytes;
  p.after_min_ts = c.after_min_ts;
  p.after_max_ts = c.after_max_ts;
  p.previous_version = c.version_path;
  return p;
}

barlake::RegenerateResult ToPublic(const RegenerateItem& it) {
  barlake::RegenerateResult r;
  r.symbol = it.symbol;
  r.timeframe = it.timeframe;
  r.job = ToPublic(it.job);
  r.skipped_because = it.skipped_because;
  r.incremental = it.incremental;
  r.partitions_written = it.partitions_written;
  r.partitions_removed = it.partitions_removed;
  r.partitions_unchanged = it.partitions_unchanged;
  r.rows_written = it.rows_written;
  r.error = it.error;
  return r;
}

barlake::QuarantinedRow ToPublic(const journal::QuarantineRow& r) {
  barlake::QuarantinedRow o;
  o.id = r.id;
  o.job = r.job_id;
  o.symbol = r.symbol;
  o.timeframe = r.timeframe;
  o.line = r.line;
  o.rule = r.rule;
  o.field = r.field;
  o.reason = r.reason;
  o.ts = r.ts;
  o.open = r.open;
  o.high = r.high;
  o.low = r.low;
  o.close = r.close;
  o.volume = r.volume;
  o.status = r.status;
  o.resolved_job = r.resolved_job;
  return o;
}

barlake::Dataset ToPublic(const journal::DatasetSummary& s, const DerivedState* derived) {
  barlake::Dataset d;
  d.symbol = s.symbol;
  d.timeframe = s.timeframe;
  d.kind = DatasetKindOf(s.timeframe);
  d.first_ts = s.first_ts;
  d.last_ts = s.last_ts;
  d.rows = s.rows;
  d.bytes = s.bytes;
  d.partitions = s.partitions;
  d.last_update = s.last_update;
  d.last_job = s.last_job;
  if (derived) {
    d.method = derived->method;
    d.inputs = derived->inputs;
    d.stale = derived->stale;
    d.stale_why = derived->why;
  }
  return d;
}

std::vector<barlake::Dataset> ToPublic(const std::vector<journal::DatasetSummary>& summaries,
                                       const std::vector<DerivedState>& derived) {
  std::vector<barlake::Dataset> out;
  out.reserve(summaries.size());
  for (const auto& s : summaries) {
    const DerivedState* state = nullptr;
    for (const auto& d : derived) {
      if (d.symbol == s.symbol && d.timeframe == s.timeframe) state = &d;
    }
    out.push_back(ToPublic(s, state));
  }
  return out;
}

}  // namespace barlake::lake
