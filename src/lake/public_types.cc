#include "lake/public_types.h"

#include <utility>

#include "lake/derived_tables.h"
#include "lake/lake.h"

namespace barlake::lake {

namespace {

// A conversion is a table of fields: each pairs a member of the public type with the
// member of the lake's record it mirrors, and the table copies (or moves) them all, in
// either direction. Fields that need more than a copy are set by hand after the table.
template <auto kPublic, auto kInternal>
struct Field {
  template <class P, class I>
  static void ToPublic(P& out, const I& in) { out.*kPublic = in.*kInternal; }
  template <class P, class I>
  static void MoveToPublic(P& out, I& in) { out.*kPublic = std::move(in.*kInternal); }
  template <class P, class I>
  static void FromPublic(I& out, const P& in) { out.*kInternal = in.*kPublic; }
};

template <class... Fields>
struct FieldTable {
  template <class P, class I>
  static void ToPublic(P& out, const I& in) { (Fields::ToPublic(out, in), ...); }
  template <class P, class I>
  static void MoveToPublic(P& out, I& in) { (Fields::MoveToPublic(out, in), ...); }
  template <class P, class I>
  static void FromPublic(I& out, const P& in) { (Fields::FromPublic(out, in), ...); }
};

#define BL_JOB(m) Field<&barlake::Job::m, &journal::JobRecord::m>
using JobFields = FieldTable<BL_JOB(id), BL_JOB(kind), BL_JOB(status), BL_JOB(phase), BL_JOB(symbol),
                             BL_JOB(timeframe), BL_JOB(format), BL_JOB(source_path), BL_JOB(source_sha256),
                             BL_JOB(command), BL_JOB(rows_read), BL_JOB(rows_written), BL_JOB(rows_rejected),
                             BL_JOB(rows_conflicting), BL_JOB(partitions), BL_JOB(error), BL_JOB(report_json),
                             BL_JOB(created_at), BL_JOB(updated_at), BL_JOB(target_job), BL_JOB(rolled_back_by)>;
#undef BL_JOB

#define BL_CHANGE(m) Field<&barlake::PartitionChange::m, &journal::PartitionChange::m>
using ChangeFields =
    FieldTable<BL_CHANGE(symbol), BL_CHANGE(timeframe), BL_CHANGE(period), BL_CHANGE(before_sha256),
               BL_CHANGE(before_rows), BL_CHANGE(after_sha256), BL_CHANGE(after_rows), BL_CHANGE(after_bytes),
               BL_CHANGE(after_min_ts), BL_CHANGE(after_max_ts),
               Field<&barlake::PartitionChange::path, &journal::PartitionChange::rel_path>,
               Field<&barlake::PartitionChange::previous_version, &journal::PartitionChange::version_path>>;
#undef BL_CHANGE

#define BL_REGEN(m) Field<&barlake::RegenerateResult::m, &RegenerateItem::m>
using RegenerateFields =
    FieldTable<BL_REGEN(symbol), BL_REGEN(timeframe), BL_REGEN(skipped_because), BL_REGEN(incremental),
               BL_REGEN(partitions_written), BL_REGEN(partitions_removed), BL_REGEN(partitions_unchanged),
               BL_REGEN(rows_written), BL_REGEN(truncated_bars), BL_REGEN(error)>;
#undef BL_REGEN

#define BL_QROW(m) Field<&barlake::QuarantinedRow::m, &journal::QuarantineRow::m>
using QuarantineFields =
    FieldTable<BL_QROW(id), BL_QROW(symbol), BL_QROW(timeframe), BL_QROW(line), BL_QROW(rule), BL_QROW(field),
               BL_QROW(reason), BL_QROW(ts), BL_QROW(open), BL_QROW(high), BL_QROW(low), BL_QROW(close),
               BL_QROW(volume), BL_QROW(status), BL_QROW(resolved_job),
               Field<&barlake::QuarantinedRow::job, &journal::QuarantineRow::job_id>>;
#undef BL_QROW

#define BL_BARS(m) Field<&barlake::Bars::m, &BarColumns::m>
using BarFields = FieldTable<BL_BARS(ts), BL_BARS(open), BL_BARS(high), BL_BARS(low), BL_BARS(close),
                             BL_BARS(volume), BL_BARS(job), BL_BARS(flags)>;
#undef BL_BARS

// The import options the request shares by name; on_conflict and the source are set apart.
#define BL_IMPORT(m) Field<&barlake::ImportOptions::m, &ImportRequest::m>
using ImportFields =
    FieldTable<BL_IMPORT(symbol), BL_IMPORT(timeframe), BL_IMPORT(format), BL_IMPORT(tz), BL_IMPORT(stamp),
               BL_IMPORT(columns), BL_IMPORT(on_conflict), BL_IMPORT(dry_run), BL_IMPORT(force),
               BL_IMPORT(skip_alignment_check), BL_IMPORT(description), BL_IMPORT(calendar),
               BL_IMPORT(reimport), BL_IMPORT(end_date)>;
#undef BL_IMPORT

#define BL_DATASET(m) Field<&barlake::Dataset::m, &journal::DatasetSummary::m>
using DatasetFields =
    FieldTable<BL_DATASET(symbol), BL_DATASET(timeframe), BL_DATASET(first_ts), BL_DATASET(last_ts),
               BL_DATASET(rows), BL_DATASET(bytes), BL_DATASET(partitions), BL_DATASET(last_update),
               BL_DATASET(last_job)>;
#undef BL_DATASET

template <class Table, class P, class I>
P Converted(const I& in) {
  P out;
  Table::ToPublic(out, in);
  return out;
}

}  // namespace

barlake::Job ToPublic(const journal::JobRecord& r) { return Converted<JobFields, barlake::Job>(r); }

barlake::PartitionChange ToPublic(const journal::PartitionChange& c) {
  return Converted<ChangeFields, barlake::PartitionChange>(c);
}

barlake::RegenerateResult ToPublic(const RegenerateItem& it) {
  auto r = Converted<RegenerateFields, barlake::RegenerateResult>(it);
  r.job = ToPublic(it.job);
  return r;
}

barlake::QuarantinedRow ToPublic(const journal::QuarantineRow& r) {
  return Converted<QuarantineFields, barlake::QuarantinedRow>(r);
}

barlake::ImportReport ToPublic(const ImportResult& r) {
  barlake::ImportReport o;
  static_cast<barlake::ImportFindings&>(o) = r;  // the same type on both sides
  o.job = ToPublic(r.job);
  for (const auto& it : r.regenerated) o.regenerated.push_back(ToPublic(it));
  o.report_json = r.ReportJson();
  return o;
}

barlake::Bars ToPublic(BarColumns&& b) {
  barlake::Bars out;
  const size_t n = b.size();
  BarFields::MoveToPublic(out, b);
  out.job.resize(n, 0);
  out.flags.resize(n, 0);  // the store's "all zero" may come back empty
  return out;
}

BarColumns FromPublic(const barlake::Bars& b) {
  BarColumns out;
  BarFields::FromPublic(out, b);
  return out;
}

ImportRequest FromPublic(const barlake::ImportOptions& options) {
  ImportRequest req;
  ImportFields::FromPublic(req, options);
  return req;
}

barlake::Dataset ToPublic(const journal::DatasetSummary& s, const DerivedState* derived) {
  auto d = Converted<DatasetFields, barlake::Dataset>(s);
  d.kind = DatasetKindOf(s.timeframe);
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
