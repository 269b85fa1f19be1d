#include "lake/job_scope.h"

#include <algorithm>
#include <exception>

namespace barlake::lake {

JobScope::JobScope(journal::Journal* journal, Env* env, journal::JobRecord* job, bool dry_run)
    : journal_(journal),
      env_(env),
      job_(job),
      dry_run_(dry_run),
      exceptions_at_begin_(std::uncaught_exceptions()) {}

Result<std::unique_ptr<JobScope>> JobScope::Begin(journal::Journal* journal, Env* env,
                                                  journal::JobRecord* job, bool dry_run,
                                                  JobScopeEvents events) {
  std::unique_ptr<JobScope> scope(new JobScope(journal, env, job, dry_run));
  scope->events_ = std::move(events);
  job->status = "running";
  if (!dry_run) {
    ASSIGN_OR_RETURN(job->id, journal->CreateJob(*job));
    if (scope->events_.started) scope->events_.started(*job);
  }
  return scope;
}

JobScope::~JobScope() {
  if (finished_ || std::uncaught_exceptions() > exceptions_at_begin_) return;
  (void)Finish(Status::Internal("the job ended without recording its outcome"));
}

void JobScope::KeepTemp(const std::string& path) {
  temps_.erase(std::remove(temps_.begin(), temps_.end(), path), temps_.end());
}

void JobScope::RemoveTemps() {
  for (const auto& t : temps_) {
    if (env_->FileExists(t)) (void)env_->RemoveFile(t);
  }
  temps_.clear();
}

Status JobScope::Fail(const Status& why) {
  if (dry_run_ || job_->id == 0) return why;
  if (events_.failed) events_.failed(*job_, why);
  job_->status = "failed";
  job_->error = why.message();
  Status s = journal_->UpdateJob(*job_);
  if (!s.ok())
    return why.WithContext("(and the journal could not record the failure: " + s.message() + ")");
  return why;
}

Status JobScope::Finish(Status outcome) {
  finished_ = true;
  RemoveTemps();
  if (outcome.ok()) return outcome;
  // A recorded plan is finished by recovery, and the journal already says so.
  if (job_->status != "running" || job_->phase == "staged") return outcome;
  return Fail(outcome);
}

}  // namespace barlake::lake
