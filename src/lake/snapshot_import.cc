#include "lake/snapshot_import.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "core/checksum.h"
#include "core/json_text.h"
#include "ingest/gex_snapshot.h"
#include "lake/writer_lock.h"
#include "storage/partition_layout.h"

namespace barlake::lake {

using journal::JobRecord;
using journal::PartitionChange;

namespace {

// Flattened value layout (storage/snapshot_store.h): gex_vol, gex_oi, 5 priors, the 11
// snapshot scalars in ingest's order, then 6 [strike, value] max_priors.
constexpr size_t kScalarOffset = 2 + ingest::kGexPriorCount;
constexpr size_t kMaxPriorOffset = kScalarOffset + ingest::kGexScalarFields.size();
static_assert(kMaxPriorOffset + 2 * ingest::kGexMaxPriorCount == storage::kSnapshotValueCount,
              "the snapshot file columns must hold every parsed field");

// One ticker's rows, sorted by (ts, strike), with where each came from (for messages).
struct TickerRows {
  storage::SnapshotRows rows;
  std::vector<std::string> where;
};

void AppendSnapshot(const ingest::GexSnapshot& s, TickerRows* out) {
  for (const auto& k : s.strikes) {
    std::array<double, storage::kSnapshotValueCount> v{};
    v[0] = k.gex_vol;
    v[1] = k.gex_oi;
    for (size_t i = 0; i < ingest::kGexPriorCount; ++i) v[2 + i] = k.prior_gex_vol[i];
    for (size_t i = 0; i < s.scalars.size(); ++i) v[kScalarOffset + i] = s.scalars[i];
    for (size_t i = 0; i < ingest::kGexMaxPriorCount; ++i) {
      v[kMaxPriorOffset + 2 * i] = s.max_priors[i][0];
      v[kMaxPriorOffset + 2 * i + 1] = s.max_priors[i][1];
    }
    out->rows.ts.push_back(s.ts);
    out->rows.strike.push_back(k.strike);
    out->rows.values.push_back(v);
    out->rows.job.push_back(0);
    out->where.push_back(s.where);
  }
}

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

// Sort by (ts, strike); drop rows repeated with identical values (a snapshot saved twice),
// refuse one repeated with other values: the file contradicts itself.
Status SortAndDedupe(const std::string& file, const std::string& ticker, TickerRows* t, int64_t* dropped) {
  const auto& r = t->rows;
  // Files list snapshots in time order: then there is nothing to do (and nothing to copy).
  bool sorted_unique = true;
  for (size_t i = 1; i < r.size() && sorted_unique; ++i) sorted_unique = storage::SnapshotRows::KeyLess(r, i - 1, r, i);
  if (sorted_unique) return Status::OK();
  std::vector<size_t> order(r.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return storage::SnapshotRows::KeyLess(r, a, r, b); });
  TickerRows out;
  for (size_t i : order) {
    const size_t last = out.rows.size();
    if (last > 0 && out.rows.ts[last - 1] == r.ts[i] && out.rows.strike[last - 1] == r.strike[i]) {
      if (!storage::SnapshotRows::SameValues(out.rows, last - 1, r, i)) {
        return Status::InvalidInput(file + ": two " + ticker + " snapshots stamped " + FormatIsoUtc(r.ts[i]) +
                                    " (" + out.where[last - 1] + " and " + t->where[i] + ") differ at strike " +
                                    Num(r.strike[i]) + "; keep one of them");
      }
      ++*dropped;
      continue;
    }
    out.rows.Append(r, i);
    out.where.push_back(t->where[i]);
  }
  *t = std::move(out);
  return Status::OK();
}

struct MergeOutcome {
  storage::SnapshotRows rows;
  int64_t added = 0, identical = 0, replaced = 0, conflicting = 0;
};

// Merge sorted, unique `in` rows [begin, end) into sorted, unique `stored`.
MergeOutcome Merge(const storage::SnapshotRows& stored, const storage::SnapshotRows& in, size_t begin, size_t end,
                   ConflictPolicy policy, int64_t job_id, const std::string& ticker,
                   std::vector<SnapshotConflict>* examples) {
  MergeOutcome m;
  const size_t n = stored.size() + (end - begin);
  m.rows.ts.reserve(n);
  m.rows.strike.reserve(n);
  m.rows.values.reserve(n);
  m.rows.job.reserve(n);
  size_t i = 0, j = begin;
  auto take_new = [&](size_t k) {
    m.rows.Append(in, k);
    m.rows.job.back() = job_id;
  };
  while (i < stored.size() || j < end) {
    if (j >= end || (i < stored.size() && storage::SnapshotRows::KeyLess(stored, i, in, j))) {
      m.rows.Append(stored, i++);
    } else if (i >= stored.size() || storage::SnapshotRows::KeyLess(in, j, stored, i)) {
      take_new(j++);
      ++m.added;
    } else {
      if (storage::SnapshotRows::SameValues(stored, i, in, j)) {
        ++m.identical;
        m.rows.Append(stored, i);
      } else {
        ++m.conflicting;
        if (examples->size() < 20) {
          SnapshotConflict c{ticker, in.ts[j], in.strike[j], "", 0, 0};
          for (size_t k = 0; k < storage::kSnapshotValueCount; ++k) {
            if (stored.values[i][k] != in.values[j][k]) {
              c.column = storage::kSnapshotValueColumns[k];
              c.stored = stored.values[i][k];
              c.incoming = in.values[j][k];
              break;
            }
          }
          examples->push_back(c);
        }
        if (policy == ConflictPolicy::kReplace) {
          take_new(j);
          ++m.replaced;
        } else {
          m.rows.Append(stored, i);
        }
      }
      ++i;
      ++j;
    }
  }
  return m;
}

}  // namespace

std::string SnapshotImportResult::ReportJson() const {
  nlohmann::json j;
  j["job"] = job.id;
  j["kind"] = kSnapshotImportJobKind;
  j["status"] = dry_run ? std::string("dry_run") : job.status;
  j["format"] = ingest::kGexFormatName;
  j["tickers"] = tickers;
  j["snapshots"] = snapshots;
  j["rows_read"] = job.rows_read;
  j["rows_written"] = job.rows_written;
  j["rows_conflicting"] = job.rows_conflicting;
  j["rows_added"] = rows_added;
  j["rows_identical"] = rows_identical;
  j["rows_replaced"] = rows_replaced;
  j["duplicate_rows_dropped"] = duplicate_rows_dropped;
  j["notes"] = notes;
  j["partitions"] = static_cast<int64_t>(partitions.size());
  j["partition_paths"] = partitions;
  if (!skipped_because.empty()) j["skipped_because"] = skipped_because;
  nlohmann::json conflicts_json = nlohmann::json::array();
  for (const auto& c : conflicts) {
    conflicts_json.push_back({{"ticker", c.ticker},
                              {"ts", FormatIsoUtc(c.ts)},
                              {"strike", c.strike},
                              {"column", c.column},
                              {"stored", c.stored},
                              {"incoming", c.incoming}});
  }
  j["conflicts"] = conflicts_json;
  return ToJsonText(j);
}

Result<SnapshotImportResult> Lake::ImportSnapshots(const SnapshotImportRequest& req) {
  SnapshotImportResult result;
  result.dry_run = req.dry_run;
  JobRecord& job = result.job;
  job.kind = kSnapshotImportJobKind;
  job.status = "running";
  job.source_path = req.path;
  job.timeframe = kGexTimeframe;
  job.format = ingest::kGexFormatName;
  job.command = options_.command;

  // Read and parse first (pure work): the job's symbol is the file's ticker.
  auto data_or = env_->ReadFile(req.path);
  if (!data_or.ok()) return data_or.status();
  const std::string data = std::move(data_or).value();
  job.source_sha256 = Sha256Hex(data);
  Result<ingest::ParsedGexSnapshots> parsed_or = ingest::ParseGexSnapshots(data, req.path);
  std::map<std::string, TickerRows> by_ticker;
  Status checked = parsed_or.status();
  if (checked.ok()) {
    result.notes = parsed_or->notes;
    result.snapshots = static_cast<int64_t>(parsed_or->snapshots.size());
    job.rows_read = parsed_or->strikes_read;
    // Flatten one snapshot at a time, releasing its strikes, so the file's rows are held
    // once, not twice (and reserved: growing by doubling would hold them twice too).
    std::map<std::string, size_t> strikes_of;
    for (const auto& s : parsed_or->snapshots) strikes_of[s.ticker] += s.strikes.size();
    for (const auto& [ticker, n] : strikes_of) {
      storage::SnapshotRows& rows = by_ticker[ticker].rows;
      rows.ts.reserve(n);
      rows.strike.reserve(n);
      rows.values.reserve(n);
      rows.job.reserve(n);
      by_ticker[ticker].where.reserve(n);
    }
    for (auto& s : parsed_or->snapshots) {
      checked = storage::ValidateSymbol(s.ticker);
      if (!checked.ok()) {
        checked = Status::InvalidInput(req.path + ": " + (s.where.empty() ? "" : s.where + ".") +
                                       "ticker: " + checked.message());
        break;
      }
      AppendSnapshot(s, &by_ticker[s.ticker]);
      s.strikes = std::vector<ingest::GexStrike>();
    }
  }
  for (auto& [ticker, rows] : by_ticker) {
    if (!checked.ok()) break;
    result.tickers.push_back(ticker);
    checked = SortAndDedupe(req.path, ticker, &rows, &result.duplicate_rows_dropped);
  }
  for (const auto& t : result.tickers) job.symbol += (job.symbol.empty() ? "" : ",") + t;

  std::unique_ptr<WriterLock> lock;
  if (!req.dry_run) {
    ASSIGN_OR_RETURN(lock, LockAndRecover());
    ASSIGN_OR_RETURN(job.id, journal_->CreateJob(job));
    JobStarted(job);
  }
  if (!checked.ok()) return req.dry_run ? checked : FailJob(&job, checked);

  // Idempotency: the same bytes into the same datasets are imported once.
  ASSIGN_OR_RETURN(auto previous, journal_->FindCompletedImport(job.source_sha256, job.symbol, kGexTimeframe));
  if (previous) {
    result.skipped_because = "this file (SHA-256 " + job.source_sha256.substr(0, 12) +
                             "...) was already imported by job " + std::to_string(previous->id);
    if (!req.dry_run) {
      job.status = "skipped";
      job.error = result.skipped_because;
      job.report_json = result.ReportJson();
      RETURN_IF_ERROR(journal_->UpdateJob(job));
    }
    return result;
  }

  // Plan every partition (snapshot files are small: a month of one ticker is a few MB).
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());
  storage::SnapshotStore snapshots(duck);
  std::vector<PartitionWrite> writes;
  auto plan = [&]() -> Status {
    for (const auto& [ticker, t] : by_ticker) {
      const storage::SnapshotRows& in = t.rows;
      size_t begin = 0;
      while (begin < in.size()) {
        const std::string period = storage::PeriodOf(in.ts[begin], false);
        ASSIGN_OR_RETURN(auto range, storage::PeriodRange(period));
        size_t end = begin;
        while (end < in.size() && in.ts[end] < range.second) ++end;
        PartitionWrite w;
        PartitionChange& c = w.change;
        c.symbol = ticker;
        c.timeframe = kGexTimeframe;
        c.period = period;
        c.rel_path = storage::SnapshotRelPath(kGexTimeframe, ticker, period);
        c.after_version = job.id;
        storage::SnapshotRows stored;
        ASSIGN_OR_RETURN(auto entry, journal_->GetPartition(c.rel_path));
        if (entry) {
          c.before_sha256 = entry->sha256;
          c.before_rows = entry->rows;
          c.before_version = entry->version;
          ASSIGN_OR_RETURN(stored, snapshots.ReadFile(paths_.LakeFile(c.rel_path)));
          if (storage::SnapshotContentHash(stored) != entry->content_hash) {
            return Status::Corruption("'" + paths_.LakeFile(c.rel_path) +
                                      "' does not hold the rows the journal recorded; run "
                                      "`barlake verify` before importing more data");
          }
        }
        MergeOutcome m = Merge(stored, in, begin, end, req.on_conflict, job.id, ticker, &result.conflicts);
        begin = end;
        result.rows_added += m.added;
        result.rows_identical += m.identical;
        result.rows_replaced += m.replaced;
        job.rows_conflicting += m.conflicting;
        job.rows_written = result.rows_added + result.rows_replaced;
        if (m.added == 0 && m.replaced == 0) continue;  // nothing changes: not rewritten
        result.partitions.push_back(c.rel_path);
        w.rows = MakePayload(std::move(m.rows));
        writes.push_back(std::move(w));
      }
    }
    job.partitions = static_cast<int64_t>(writes.size());
    return Status::OK();
  };
  Status planned = plan();
  if (planned.ok() && req.on_conflict == ConflictPolicy::kFail && job.rows_conflicting > 0) {
    std::string msg = std::to_string(job.rows_conflicting) + " snapshot rows in '" + req.path +
                      "' differ from stored ones (--on-conflict fail); nothing was imported:";
    for (size_t k = 0; k < std::min<size_t>(result.conflicts.size(), 5); ++k) {
      const auto& e = result.conflicts[k];
      msg += "\n  " + e.ticker + " " + FormatIsoUtc(e.ts) + " strike " + Num(e.strike) + ": " + e.column +
             " stored " + Num(e.stored) + ", new " + Num(e.incoming);
    }
    msg += "\nUse --on-conflict keep to keep stored rows or --on-conflict replace to take the file's.";
    planned = Status::Conflict(msg);
    job.report_json = result.ReportJson();
  }
  if (req.dry_run) {
    RETURN_IF_ERROR(planned);
    job.status = "dry_run";
    return result;
  }
  if (!planned.ok()) return FailJob(&job, planned);

  // Keep the source bytes, like bar imports (.barlake/sources/<sha256>).
  const std::string kept = JoinPath(paths_.sources, job.source_sha256);
  if (!env_->FileExists(kept)) {
    if (Status s = WriteFileAtomic(env_, kept, data); !s.ok()) {
      return FailJob(&job, s.WithContext("copying the source into the vault"));
    }
  }
  if (options_.crash_hook) options_.crash_hook(CrashPoint::kAfterSourceCopy);

  Status committed = Protocol(store).Commit(&job, &writes);
  if (!committed.ok()) {
    if (job.phase == "staged") return committed;  // recovery finishes the job; journal says so
    job.report_json = result.ReportJson();
    return FailJob(&job, committed);
  }
  job.report_json = result.ReportJson();
  RETURN_IF_ERROR(journal_->UpdateJob(job));
  // Declared only once its data is committed, so a failed import declares nothing.
  for (const auto& ticker : result.tickers) {
    if (registry_.Find(ticker, kGexTimeframe)) continue;
    registry::DatasetSpec spec;
    spec.kind = "snapshot";
    spec.symbol = ticker;
    spec.timeframe = kGexTimeframe;
    spec.format = ingest::kGexFormatName;
    spec.description = req.description.empty() ? ticker + " GEX option snapshots (GexBot)" : req.description;
    auto updated = registry::Registry::AppendDataset(env_, paths_.registry, spec);
    if (!updated.ok()) {
      return updated.status().WithContext("the snapshots were imported (job " + std::to_string(job.id) + ") but " +
                                          paths_.registry + " could not declare the dataset; add a [[dataset]] "
                                          "entry with kind = \"snapshot\" for " + ticker + " by hand");
    }
    registry_ = std::move(updated).value();
  }
  return result;
}

Result<storage::SnapshotRows> Lake::ReadSnapshots(const std::string& ticker, Micros from, Micros to) {
  ASSIGN_OR_RETURN(auto parts, journal_->PartitionsInRange(ticker, kGexTimeframe, from, to));
  if (parts.empty()) {
    ASSIGN_OR_RETURN(auto all, journal_->Datasets());
    const bool known = std::any_of(all.begin(), all.end(),
                                   [&](const auto& d) { return d.symbol == ticker && d.timeframe == kGexTimeframe; });
    if (!known) {
      return Status::NotFound("there is no snapshot dataset " + ticker + "; `barlake snapshots list` lists them");
    }
    return storage::SnapshotRows{};
  }
  std::vector<std::string> files;
  Micros lo = parts.front().min_ts, hi = parts.front().max_ts;
  for (const auto& p : parts) {
    files.push_back(paths_.LakeFile(p.rel_path));
    lo = std::min(lo, p.min_ts);
    hi = std::max(hi, p.max_ts);
  }
  // Open-ended ranges become the stored range, so the SQL only sees real timestamps.
  from = std::max(from, lo);
  to = std::min(to, hi + 1);
  ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());
  return storage::SnapshotStore(duck).ReadRange(files, from, to);
}

}  // namespace barlake::lake
