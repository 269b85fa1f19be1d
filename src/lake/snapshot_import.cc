#include "lake/snapshot_import.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "core/checksum.h"
#include "core/json_text.h"
#include "ingest/gex_snapshot.h"
#include "lake/job_pipeline.h"
#include "lake/range_files.h"
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

// Parse a snapshot file into sorted, unique rows per ticker (the job's symbol lists the
// tickers).
Status ParseSnapshotRows(const std::string& data, const std::string& label, SnapshotImportResult* result,
                         std::map<std::string, storage::SnapshotRows>* out) {
  ASSIGN_OR_RETURN(ingest::ParsedGexSnapshots parsed, ingest::ParseGexSnapshots(data, label));
  result->notes = parsed.notes;
  result->snapshots = static_cast<int64_t>(parsed.snapshots.size());
  result->job.rows_read = parsed.strikes_read;
  // Flatten one snapshot at a time, releasing its strikes, so the file's rows are held
  // once, not twice (and reserved: growing by doubling would hold them twice too).
  std::map<std::string, TickerRows> by_ticker;
  std::map<std::string, size_t> strikes_of;
  for (const auto& snap : parsed.snapshots) strikes_of[snap.ticker] += snap.strikes.size();
  for (const auto& [ticker, n] : strikes_of) {
    RowTraits<storage::SnapshotRows>::Reserve(&by_ticker[ticker].rows, n);
    by_ticker[ticker].where.reserve(n);
  }
  for (auto& snap : parsed.snapshots) {
    if (Status valid = storage::ValidateSymbol(snap.ticker); !valid.ok()) {
      return Status::InvalidInput(label + ": " + (snap.where.empty() ? "" : snap.where + ".") + "ticker: " +
                                  valid.message());
    }
    AppendSnapshot(snap, &by_ticker[snap.ticker]);
    snap.strikes = std::vector<ingest::GexStrike>();
  }
  for (auto& [ticker, rows] : by_ticker) {
    result->tickers.push_back(ticker);
    RETURN_IF_ERROR(SortAndDedupe(label, ticker, &rows, &result->duplicate_rows_dropped));
    (*out)[ticker] = std::move(rows.rows);
  }
  for (const auto& t : result->tickers) result->job.symbol += (result->job.symbol.empty() ? "" : ",") + t;
  return Status::OK();
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
  const Source source = req.source.empty() ? Source::FromPath(req.path) : req.source;
  job.kind = kSnapshotImportJobKind;
  job.source_path = source.name;
  job.timeframe = kGexTimeframe;
  job.format = ingest::kGexFormatName;
  job.command = options_.command;

  // Read and parse first (pure work): the job's symbol is the file's ticker.
  ASSIGN_OR_RETURN(std::shared_ptr<const std::string> bytes, ReadSourceBytes(env_, source));
  const std::string& data = *bytes;
  job.source_sha256 = Sha256Hex(data);
  std::map<std::string, storage::SnapshotRows> by_ticker;
  Status checked = ParseSnapshotRows(data, source.name, &result, &by_ticker);

  std::unique_ptr<WriterLock> lock;
  if (!req.dry_run) {
    ASSIGN_OR_RETURN(lock, LockAndRecover());
  }
  ASSIGN_OR_RETURN(auto scope, JobScope::Begin(journal_.get(), env_, &job, req.dry_run, ScopeEvents()));
  if (checked.ok()) checked = CommitSnapshots(scope.get(), req, source.name, data, by_ticker, &result);
  RETURN_IF_ERROR(scope->Finish(checked));
  return result;
}

Status Lake::CommitSnapshots(JobScope* scope, const SnapshotImportRequest& req, const std::string& label,
                             const std::string& data, const std::map<std::string, storage::SnapshotRows>& by_ticker,
                             SnapshotImportResult* result) {
  JobRecord& job = scope->job();
  const JobContext ctx = Context();
  auto report = [result] { return result->ReportJson(); };
  // Idempotency: the same bytes into the same datasets are imported once.
  ASSIGN_OR_RETURN(bool skipped, SkipIfImported(ctx, scope, job.source_sha256, job.symbol,
                                                kGexTimeframe, &result->skipped_because, report));
  if (skipped) return Status::OK();
  if (!req.dry_run) {
    // Keep the source bytes, like bar imports (.barlake/sources/<sha256>).
    const std::string incoming = IncomingSourcePath(paths_, job.id);
    scope->AddTemp(incoming);
    if (!env_->FileExists(JoinPath(paths_.sources, job.source_sha256))) {
      RETURN_IF_ERROR(SourceHasher(env_, data, incoming).Join().status().WithContext("copying the source into the vault"));
    }
    RETURN_IF_ERROR(KeepSource(ctx, scope, incoming, job.source_sha256));
  }
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  std::vector<PlanInput<storage::SnapshotRows>> inputs;
  std::vector<registry::DatasetSpec> specs;
  for (const auto& [ticker, t] : by_ticker) {
    PlanInput<storage::SnapshotRows> in;
    in.symbol = ticker;
    in.timeframe = kGexTimeframe;
    in.rows = &t;
    in.rel_path = [ticker = ticker](const std::string& period) {
      return storage::SnapshotRelPath(kGexTimeframe, ticker, period);
    };
    in.on_conflict = [result, ticker = ticker, &t](const storage::SnapshotRows& stored, size_t i, size_t j) {
      if (result->conflicts.size() >= 20) return;
      SnapshotConflict c{ticker, t.ts[j], t.strike[j], "", 0, 0};
      for (size_t k = 0; k < storage::kSnapshotValueCount; ++k) {
        if (stored.values[i][k] != t.values[j][k]) {
          c.column = storage::kSnapshotValueColumns[k];
          c.stored = stored.values[i][k];
          c.incoming = t.values[j][k];
          break;
        }
      }
      result->conflicts.push_back(c);
    };
    inputs.push_back(std::move(in));
    registry::DatasetSpec spec;
    spec.kind = "snapshot";
    spec.symbol = ticker;
    spec.timeframe = kGexTimeframe;
    spec.format = ingest::kGexFormatName;
    spec.description = req.description.empty() ? ticker + " GEX option snapshots (GexBot)" : req.description;
    specs.push_back(std::move(spec));
  }
  PartitionPlanner<storage::SnapshotRows> planner(journal_.get(), &paths_, KindIo{store, duck_.get(), env_},
                                                  req.on_conflict, job.id, std::move(inputs));
  PlanOptions opt;
  opt.dry_run = req.dry_run;
  opt.policy = req.on_conflict;
  opt.bytes_per_row = 100;
  opt.report = report;
  opt.on_counts = [result](const PlanCounts& c) {
    result->rows_added = c.rows_added;
    result->rows_identical = c.rows_identical;
    result->rows_replaced = c.rows_replaced;
    result->partitions = c.partitions;
  };
  opt.on_reset = [result] { result->conflicts.clear(); };
  opt.conflict_failure = [result, &label](int64_t n) {
    std::vector<std::string> lines;
    for (const auto& e : result->conflicts) {
      lines.push_back(e.ticker + " " + FormatIsoUtc(e.ts) + " strike " + Num(e.strike) + ": " + e.column + " stored " +
                      Num(e.stored) + ", new " + Num(e.incoming));
    }
    return OnConflictFailure(n, "snapshot rows", label, lines);
  };
  if (!req.dry_run) {
    ASSIGN_OR_RETURN(auto declare, RegistryWrite(ctx, specs, job.id));
    if (declare) opt.tail.push_back(std::move(*declare));
  }
  WriteProtocol protocol = Protocol(store);
  const bool declares = !opt.tail.empty();
  RETURN_IF_ERROR(PlanAndCommit(ctx, scope, &protocol, &planner, std::move(opt)));
  return declares ? ReloadRegistry() : Status::OK();
}

Result<storage::SnapshotRows> Lake::ReadSnapshots(const std::string& ticker, Micros from, Micros to) {
  ASSIGN_OR_RETURN(RangeFiles range,
                   FilesInRange(journal_.get(), paths_, ticker, kGexTimeframe, from, to,
                                "there is no snapshot dataset " + ticker + "; `barlake snapshots list` lists them"));
  if (range.files.empty()) return storage::SnapshotRows{};
  ASSIGN_OR_RETURN(storage::DuckConn * duck, Duck());
  return storage::SnapshotStore(duck).ReadRange(range.files, range.from, range.to);
}

}  // namespace barlake::lake
