// JobScope: the life of one journal job, so no path out of a write leaves it behind.
//
//   ASSIGN_OR_RETURN(auto scope, JobScope::Begin(journal, env, &result.job, dry_run));
//   scope->AddTemp(incoming_copy);
//   return scope->Finish(RunTheStages(scope.get()));   // any error fails the job
//
// Finish records a job that is still running as failed with the real error, unless the
// write protocol had recorded its plan (phase staged: the next writer's recovery finishes
// it), and removes the job's temporary files on every path. A scope left without Finish
// (a bug) fails the job as an internal error; an exception passing through (a simulated
// crash in tests) leaves everything as a kill would, for recovery to handle.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "env/env.h"
#include "journal/journal.h"

namespace barlake::lake {

/// What a scope reports to its Lake's listener (LakeOptions::listener): the job was
/// created, or was recorded as failed.
struct JobScopeEvents {
  std::function<void(const journal::JobRecord&)> started;
  std::function<void(const journal::JobRecord&, const Status&)> failed;
};

class JobScope {
 public:
  /// Create `*job` (status running) in the journal, unless `dry_run`, which records
  /// nothing. `job` is the caller's record (e.g. its result's) and must outlive the scope.
  static Result<std::unique_ptr<JobScope>> Begin(journal::Journal* journal, Env* env,
                                                 journal::JobRecord* job, bool dry_run,
                                                 JobScopeEvents events = {});
  ~JobScope();
  JobScope(const JobScope&) = delete;
  JobScope& operator=(const JobScope&) = delete;

  journal::JobRecord& job() { return *job_; }
  bool dry_run() const { return dry_run_; }
  /// A file the job made that must not outlive it (removed by Finish).
  void AddTemp(std::string path) { temps_.push_back(std::move(path)); }
  /// `path` was renamed into place: it is no longer the job's to remove.
  void KeepTemp(const std::string& path);

  /// End the job with `outcome` (see above) and return it.
  Status Finish(Status outcome);
  template <typename T>
  Result<T> Finish(Result<T> outcome) {
    Status s = Finish(outcome.ok() ? Status::OK() : outcome.status());
    if (!s.ok()) return s;
    return outcome;
  }
  /// Record the job failed with `why` now; returns `why` (with the journal's error if the
  /// failure could not be recorded).
  Status Fail(const Status& why);

 private:
  JobScope(journal::Journal* journal, Env* env, journal::JobRecord* job, bool dry_run);
  void RemoveTemps();

  journal::Journal* journal_;
  Env* env_;
  journal::JobRecord* job_;
  bool dry_run_;
  JobScopeEvents events_;
  bool finished_ = false;
  int exceptions_at_begin_;
  std::vector<std::string> temps_;
};

}  // namespace barlake::lake
