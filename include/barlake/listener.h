// barlake::EventListener: what a Lake reports while a write job runs, for progress bars,
// dashboards and servers that must know when the lake's files change. Includes only the
// C++ standard library.
//
// Every callback runs on the thread that called the Lake method, synchronously, with no
// lock of the lake held other than the vault's writer lock. A callback must not call back
// into the same Lake, and should return quickly (the job waits for it). The default
// implementations do nothing.
#pragma once

#include <cstdint>
#include <string>

#include "barlake/status.h"

namespace barlake {

/// The job an event is about.
struct JobEvent {
  int64_t job_id = 0;
  std::string kind;  // import, import-snapshot, rollback, release, regenerate
  std::string symbol, timeframe;
};

class EventListener {
 public:
  virtual ~EventListener() = default;

  /// The job is recorded in the journal (status running); nothing is written yet.
  virtual void OnJobStarted(const JobEvent& /*job*/) {}
  /// Progress of the running operation: `phase` is "parsing" (done/total in MiB of the
  /// source) or "writing" (partitions). Not every step reports.
  virtual void OnProgress(const std::string& /*phase*/, int64_t /*done*/, int64_t /*total*/) {}
  /// Every new file is written, synced, read back and the plan is journaled: from now until
  /// OnJobCommitted (or OnJobFailed) the job replaces partition files in the lake. A reader
  /// that overlaps that window may see some partitions old and some new.
  virtual void OnJobStaged(const JobEvent& /*job*/) {}
  /// The job's journal commit is durable: the catalog describes the new files.
  virtual void OnJobCommitted(const JobEvent& /*job*/) {}
  /// The job failed and the lake is as it was before it; `why` is what the Lake method
  /// returns. (A job whose undo failed too gets no call: it stays running, and the next
  /// writer or Recover finishes it.)
  virtual void OnJobFailed(const JobEvent& /*job*/, const Status& /*why*/) {}
};

}  // namespace barlake
