// PartitionWrite builders shared by the jobs that write the same kinds of change: removing
// or repointing a catalogued partition (dataset drop and rename, rollback, repair, the keyed
// documents' cleanup) and rewriting barlake.toml as part of a job; and the run of a job
// whose writes are all known before it commits.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "journal/journal.h"
#include "lake/job_pipeline.h"
#include "lake/job_scope.h"
#include "lake/write_protocol.h"

namespace barlake::lake {

/// A write to the partition `p` names: a catalog entry (journal::PartitionEntry) or a
/// journaled change (journal::PartitionChange), which both carry its symbol, timeframe,
/// period and path. The caller says what it holds before and what replaces it.
template <class Partition>
PartitionWrite WriteTo(const Partition& p) {
  PartitionWrite w;
  w.change.symbol = p.symbol;
  w.change.timeframe = p.timeframe;
  w.change.period = p.period;
  w.change.rel_path = p.rel_path;
  return w;
}

/// The write removing one catalogued partition (its file is kept under versions/ by the
/// write protocol).
PartitionWrite RemoveWrite(const journal::PartitionEntry& p);

/// The write of job `job_id` replacing barlake.toml, whose text is `before`, with `after`;
/// nullopt when they are equal.
std::optional<PartitionWrite> RegistryTextWrite(const std::string& before, std::string after, int64_t job_id);

/// Runs a job whose writes are known before it commits (dataset drop and rename, keyed
/// documents): `plan` fills the writes (and the job's counts and report; `job` has its id
/// by then); they are committed as one job, which fails (JobScope) on any error.
Status RunPlannedWrites(const JobContext& ctx, JobScopeEvents events, WriteProtocol protocol,
                        journal::JobRecord* job, const std::function<Status(std::vector<PartitionWrite>*)>& plan);

}  // namespace barlake::lake
