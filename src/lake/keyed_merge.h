// One keyed merge for every rows type, and one partition planner on top of it.
//
// RowTraits<Rows> gives a rows type's merge key ("strictly before") and "same values"
// compare, how rows are appended (stored rows keep their job, new rows get the writing
// job's) and how a stored partition file is read and fingerprinted. MergeSorted merges
// sorted, unique incoming rows into sorted, unique stored rows under a ConflictPolicy;
// PartitionPlanner splits sorted incoming rows by period, loads each stored partition
// (checking it holds what the journal recorded), merges and counts, and yields the
// PartitionWrites of the partitions that change: the write protocol pulls them one at a
// time, so only a few partitions' rows are in memory at once.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "barlake/types.h"
#include "core/bars.h"
#include "core/checksum.h"
#include "journal/journal.h"
#include "lake/data_kind.h"
#include "lake/write_protocol.h"
#include "storage/partition_layout.h"
#include "storage/snapshot_store.h"

namespace barlake::lake {

using ConflictPolicy = barlake::OnConflict;  // the public enum (barlake/types.h)

template <typename Rows>
struct RowTraits;

/// How a stored row and an incoming row with the same key are settled before their values
/// are compared (RowTraits::Settle): compared under the conflict policy, the incoming row
/// taken without a conflict (it completes a provisional bar), or the stored row kept
/// without a conflict.
enum class MergeSettle { kCompare, kComplete, kKeepStored };

template <>
struct RowTraits<BarColumns> {
  static bool KeyLess(const BarColumns& a, size_t i, const BarColumns& b, size_t j) {
    return a.ts[i] < b.ts[j];
  }
  static bool SameValues(const BarColumns& a, size_t i, const BarColumns& b, size_t j) {
    return BarColumns::SameValues(a, i, b, j);
  }
  static Micros Time(const BarColumns& r, size_t i) { return r.ts[i]; }
  static void Reserve(BarColumns* r, size_t n) { r->Reserve(n); }
  static void AppendStored(BarColumns* out, const BarColumns& src, size_t i) {
    out->Append(src, i);
  }
  // Parsed bars carry no job column; their flags are empty (all 0) or mark the file's
  // provisional last bar.
  static void AppendNew(BarColumns* out, const BarColumns& src, size_t i, int64_t job) {
    out->AppendPrices(src, i);
    out->job.push_back(job);
    const uint8_t f = src.FlagAt(i);
    if (f != 0 && out->flags.size() + 1 < out->ts.size()) out->flags.resize(out->ts.size() - 1, 0);
    if (f != 0 || !out->flags.empty()) out->flags.push_back(f);
  }
  // Rows [from, to) of `src`, all new: column by column when no row carries a flag (a
  // first import's whole partition is one such run; row by row it was a fifth of the
  // producer's time).
  static void AppendNewRun(BarColumns* out, const BarColumns& src, size_t from, size_t to, int64_t job) {
    if (!src.flags.empty() || !out->flags.empty()) {
      for (size_t i = from; i < to; ++i) AppendNew(out, src, i, job);
      return;
    }
    auto run = [&](auto* dst, const auto& column) {
      dst->insert(dst->end(), column.begin() + static_cast<std::ptrdiff_t>(from),
                  column.begin() + static_cast<std::ptrdiff_t>(to));
    };
    run(&out->ts, src.ts);
    run(&out->open, src.open);
    run(&out->high, src.high);
    run(&out->low, src.low);
    run(&out->close, src.close);
    run(&out->volume, src.volume);
    out->job.insert(out->job.end(), to - from, job);
  }
  // A provisional bar (the last of its file, maybe still forming) against the same bar:
  // a final one completes it without a conflict; a provisional one never overrides a
  // final stored bar; of two provisional ones the one with more volume is the later
  // snapshot of the forming bar.
  static MergeSettle Settle(const BarColumns& stored, size_t i, const BarColumns& in, size_t j) {
    const bool stored_prov = stored.FlagAt(i) & kBarProvisional;
    const bool new_prov = in.FlagAt(j) & kBarProvisional;
    if (stored_prov && !new_prov) return MergeSettle::kComplete;
    if (!stored_prov && new_prov) return MergeSettle::kKeepStored;
    if (stored_prov && new_prov && !BarColumns::SameValues(stored, i, in, j)) {
      return in.volume[j] > stored.volume[i] ? MergeSettle::kComplete : MergeSettle::kKeepStored;
    }
    return MergeSettle::kCompare;
  }
  static int64_t Job(const BarColumns& r, size_t i) { return r.job[i]; }
  static Result<BarColumns> ReadStored(const KindIo& io, const std::string& path) {
    return io.bars->ReadFile(path);
  }
  static std::string Fingerprint(const BarColumns& r) { return ContentHash(r); }
};

template <>
struct RowTraits<storage::SnapshotRows> {
  using Rows = storage::SnapshotRows;
  static bool KeyLess(const Rows& a, size_t i, const Rows& b, size_t j) {
    return Rows::KeyLess(a, i, b, j);
  }
  static bool SameValues(const Rows& a, size_t i, const Rows& b, size_t j) {
    return Rows::SameValues(a, i, b, j);
  }
  static Micros Time(const Rows& r, size_t i) { return r.ts[i]; }
  static void Reserve(Rows* r, size_t n) {
    r->ts.reserve(n);
    r->strike.reserve(n);
    r->values.reserve(n);
    r->job.reserve(n);
  }
  static void AppendStored(Rows* out, const Rows& src, size_t i) { out->Append(src, i); }
  static void AppendNew(Rows* out, const Rows& src, size_t i, int64_t job) {
    out->Append(src, i);
    out->job.back() = job;
  }
  static void AppendNewRun(Rows* out, const Rows& src, size_t from, size_t to, int64_t job) {
    for (size_t i = from; i < to; ++i) AppendNew(out, src, i, job);
  }
  static int64_t Job(const Rows& r, size_t i) { return r.job[i]; }
  static Result<Rows> ReadStored(const KindIo& io, const std::string& path) {
    return storage::SnapshotStore(io.conn).ReadFile(path);
  }
  static std::string Fingerprint(const Rows& r) { return storage::SnapshotContentHash(r); }
  static MergeSettle Settle(const Rows&, size_t, const Rows&, size_t) { return MergeSettle::kCompare; }
};

/// What a merge did to one partition.
template <typename Rows>
struct MergeOutcome {
  Rows rows;
  int64_t added = 0, identical = 0, replaced = 0, conflicting = 0;
  int64_t completed = 0;  // provisional rows replaced by their final version (RowTraits::Settle)
};

/// Called for each conflicting pair: row `stored_row` of the stored rows, row `new_row`
/// of the incoming ones (for examples in reports and messages).
using ConflictFn = std::function<void(size_t stored_row, size_t new_row)>;

/// Merge sorted, unique `incoming` rows [begin, end) into sorted, unique `stored`: a new
/// key is added, an identical row kept as stored, a differing one kept or replaced by
/// `policy` (kFail keeps it; the caller refuses the job when any conflicted).
template <typename Rows, typename Traits = RowTraits<Rows>>
MergeOutcome<Rows> MergeSorted(const Rows& stored, const Rows& incoming, size_t begin, size_t end,
                               ConflictPolicy policy, int64_t job_id,
                               const ConflictFn& on_conflict) {
  MergeOutcome<Rows> m;
  Traits::Reserve(&m.rows, stored.size() + (end - begin));
  size_t i = 0, j = begin;
  while (i < stored.size() || j < end) {
    if (j >= end || (i < stored.size() && Traits::KeyLess(stored, i, incoming, j))) {
      Traits::AppendStored(&m.rows, stored, i++);
    } else if (i >= stored.size()) {
      // Past the stored rows the rest are new: one run (a first import's whole partition).
      Traits::AppendNewRun(&m.rows, incoming, j, end, job_id);
      m.added += static_cast<int64_t>(end - j);
      j = end;
    } else if (Traits::KeyLess(incoming, j, stored, i)) {
      Traits::AppendNew(&m.rows, incoming, j++, job_id);
      ++m.added;
    } else {
      // --on-conflict replace is the user saying the file's values win: a provisional
      // bar in it (the last of a one-line correction file) replaces a final stored one.
      const MergeSettle settle = policy == ConflictPolicy::kReplace ? MergeSettle::kCompare
                                                                    : Traits::Settle(stored, i, incoming, j);
      if (settle == MergeSettle::kComplete) {
        Traits::AppendNew(&m.rows, incoming, j, job_id);
        ++m.completed;
      } else if (settle == MergeSettle::kKeepStored) {
        ++m.identical;
        Traits::AppendStored(&m.rows, stored, i);
      } else if (Traits::SameValues(stored, i, incoming, j)) {
        ++m.identical;
        Traits::AppendStored(&m.rows, stored, i);
      } else {
        ++m.conflicting;
        if (on_conflict) on_conflict(i, j);
        if (policy == ConflictPolicy::kReplace) {
          Traits::AppendNew(&m.rows, incoming, j, job_id);
          ++m.replaced;
        } else {
          Traits::AppendStored(&m.rows, stored, i);
        }
      }
      ++i;
      ++j;
    }
  }
  return m;
}

/// What a plan has counted so far over every partition of a job.
struct PlanCounts {
  int64_t rows_added = 0, rows_identical = 0, rows_replaced = 0, rows_conflicting = 0;
  int64_t rows_completed = 0;           // provisional bars completed by their final version
  int64_t rows_removed = 0;             // rows of a replaced job (--reimport) not written again
  int64_t bytes_estimate = 0;           // of the files to write
  std::vector<std::string> partitions;  // rel_paths that change
  int64_t rows_written() const { return rows_added + rows_replaced + rows_completed; }
};

/// Everything a planner needs to know about one dataset's incoming rows.
template <typename Rows>
struct PlanInput {
  std::string symbol, timeframe;
  const Rows* rows = nullptr;  // sorted and unique by key
  bool yearly = false;         // a file per year (else per month)
  /// The rel_path of a period's partition.
  std::function<std::string(const std::string& period)> rel_path;
  /// Conflict examples: `stored` rows, `incoming` row index.
  std::function<void(const Rows& stored, size_t stored_row, size_t new_row)> on_conflict;
  /// `import --reimport`: the rows this earlier job wrote are dropped from every partition
  /// visited before the merge, and `replace_periods` (sorted: the periods it changed) are
  /// visited even where no incoming row falls, so one job replaces its bars.
  int64_t replace_job = 0;
  std::vector<std::string> replace_periods;
};

/// Yields, partition by partition, the merged writes of one or more datasets' rows.
template <typename Rows, typename Traits = RowTraits<Rows>>
class PartitionPlanner {
 public:
  PartitionPlanner(journal::Journal* journal, const VaultPaths* paths, KindIo io,
                   ConflictPolicy policy, int64_t job_id, std::vector<PlanInput<Rows>> inputs)
      : journal_(journal),
        paths_(paths),
        io_(io),
        policy_(policy),
        job_id_(job_id),
        inputs_(std::move(inputs)) {}

  /// The next partition that changes, or nullopt; with `keep_rows` false only counts.
  Result<std::optional<PartitionWrite>> Next(bool keep_rows) {
    for (; input_ < inputs_.size(); ++input_, begin_ = 0, extra_ = 0) {
      const PlanInput<Rows>& in = inputs_[input_];
      const Rows& rows = *in.rows;
      const std::vector<std::string>& extra = in.replace_periods;
      while (begin_ < rows.size() || extra_ < extra.size()) {
        std::string period;
        if (begin_ < rows.size()) period = storage::PeriodOf(Traits::Time(rows, begin_), in.yearly);
        if (extra_ < extra.size() && (period.empty() || extra[extra_] < period)) period = extra[extra_];
        while (extra_ < extra.size() && extra[extra_] <= period) ++extra_;
        ASSIGN_OR_RETURN(auto range, storage::PeriodRange(period));
        size_t end = begin_;
        while (end < rows.size() && Traits::Time(rows, end) < range.second) ++end;
        PartitionWrite w;
        journal::PartitionChange& c = w.change;
        c.symbol = in.symbol;
        c.timeframe = in.timeframe;
        c.period = period;
        c.rel_path = in.rel_path(period);
        c.after_version = job_id_;
        Rows stored;
        ASSIGN_OR_RETURN(auto entry, journal_->GetPartition(c.rel_path));
        if (entry) {
          c.before_sha256 = entry->sha256;
          c.before_rows = entry->rows;
          c.before_version = entry->version;
          ASSIGN_OR_RETURN(stored, Traits::ReadStored(io_, paths_->LakeFile(c.rel_path)));
          if (Traits::Fingerprint(stored) != entry->content_hash) {
            return Status::Corruption("'" + paths_->LakeFile(c.rel_path) +
                                      "' does not hold the rows the journal recorded; run "
                                      "`barlake verify` before importing more data");
          }
        }
        int64_t removed = 0;
        if (in.replace_job != 0 && stored.size() > 0) {
          Rows kept;
          Traits::Reserve(&kept, stored.size());
          for (size_t i = 0; i < stored.size(); ++i) {
            if (Traits::Job(stored, i) == in.replace_job) {
              ++removed;
            } else {
              Traits::AppendStored(&kept, stored, i);
            }
          }
          if (removed > 0) stored = std::move(kept);
        }
        const ConflictFn conflict = [&](size_t i, size_t j) {
          if (in.on_conflict) in.on_conflict(stored, i, j);
        };
        MergeOutcome<Rows> m =
            MergeSorted<Rows, Traits>(stored, rows, begin_, end, policy_, job_id_, conflict);
        begin_ = end;
        counts_.rows_added += m.added;
        counts_.rows_identical += m.identical;
        counts_.rows_replaced += m.replaced;
        counts_.rows_conflicting += m.conflicting;
        counts_.rows_completed += m.completed;
        counts_.rows_removed += removed;
        if (m.added == 0 && m.replaced == 0 && m.completed == 0 && removed == 0) continue;
        const double per_row = entry && entry->rows > 0 ? static_cast<double>(entry->bytes) /
                                                              static_cast<double>(entry->rows)
                                                        : 10.0;
        counts_.bytes_estimate +=
            static_cast<int64_t>(per_row * static_cast<double>(m.rows.size())) + 1024;
        counts_.partitions.push_back(c.rel_path);
        if (m.rows.size() == 0) {
          if (!entry) continue;  // nothing stored, nothing to write
          w.remove = true;       // every row was the replaced job's
        } else if (keep_rows) {
          w.rows = MakePayload(std::move(m.rows));
        }
        return std::optional<PartitionWrite>(std::move(w));
      }
    }
    return std::optional<PartitionWrite>();
  }

  /// Start again from the first row (after a counting pass).
  void Reset() {
    input_ = 0;
    begin_ = 0;
    extra_ = 0;
    counts_ = PlanCounts();
  }

  /// How many periods the rows fall in (for progress and the number of staging threads).
  int64_t Periods() const {
    int64_t n = 0;
    for (const auto& in : inputs_) {
      const Rows& rows = *in.rows;
      for (size_t i = 0; i < rows.size();) {
        ++n;
        auto range = storage::PeriodRange(storage::PeriodOf(Traits::Time(rows, i), in.yearly));
        if (!range.ok()) break;
        size_t lo = i, hi = rows.size();  // the first row of the next period
        while (lo < hi) {
          const size_t mid = lo + (hi - lo) / 2;
          if (Traits::Time(rows, mid) < range->second)
            lo = mid + 1;
          else
            hi = mid;
        }
        i = lo;
      }
    }
    return n;
  }

  /// Free space the plan needs: `bytes_per_row` per incoming row, twice the catalogued
  /// size of the partitions the rows fall in (the new file beside the kept one), 16 MB.
  Result<uint64_t> BytesNeeded(int64_t bytes_per_row) const {
    uint64_t need = 16 << 20;
    for (const auto& in : inputs_) {
      const Rows& rows = *in.rows;
      if (rows.size() == 0) continue;
      need += static_cast<uint64_t>(rows.size()) * static_cast<uint64_t>(bytes_per_row);
      ASSIGN_OR_RETURN(auto touched,
                       journal_->PartitionsInRange(in.symbol, in.timeframe, Traits::Time(rows, 0),
                                                   Traits::Time(rows, rows.size() - 1) + 1));
      for (const auto& p : touched) need += static_cast<uint64_t>(p.bytes) * 2;
    }
    return need;
  }

  const PlanCounts& counts() const { return counts_; }

 private:
  journal::Journal* journal_;
  const VaultPaths* paths_;
  KindIo io_;
  ConflictPolicy policy_;
  int64_t job_id_;
  std::vector<PlanInput<Rows>> inputs_;
  size_t input_ = 0, begin_ = 0, extra_ = 0;
  PlanCounts counts_;
};

}  // namespace barlake::lake
