// Every write path of the lake, as a table the fault tests run over
// (tests/lake/write_path_conformance_test.cc, tests/lake/power_loss_test.cc), plus what
// they check after each run: the vault's files, the journal's invariants and stray files.
//
// A path is a starting vault (built once per process on a healthy disk, then copied for
// every run) and one call of the public `lake::Lake` API. Everything here goes through
// that API or the documented on-disk formats (docs/formats/journal.md), never through
// lake internals, so the suite outlives a refactor of them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "lake/lake.h"

namespace barlake::testutil {

/// The files a write changes, relative path -> SHA-256: everything under lake/,
/// snapshots/, tables/ and .barlake/versions/, plus barlake.toml. (Not .barlake/sources/,
/// which keeps the source of an import that failed later, and not the SQLite journal,
/// which gains a failed job: JournalFacts covers it.)
using VaultFiles = std::map<std::string, std::string>;
VaultFiles CaptureVaultFiles(const std::string& vault);
/// The same without barlake.toml.
VaultFiles DataFiles(const VaultFiles& files);
/// "" when equal, else the first few differences, for messages.
std::string DiffFiles(const VaultFiles& got, const VaultFiles& want);

/// One job, read with SQLite straight from .barlake/journal.sqlite.
struct JobFact {
  int64_t id = 0;
  std::string kind, status, phase, error;
  bool operator==(const JobFact& o) const {
    return id == o.id && kind == o.kind && status == o.status;
  }
};
struct JournalFacts {
  std::vector<JobFact> jobs;  // by id
  std::vector<int64_t> held_quarantine;
  /// Broken invariants of docs/formats/journal.md: integrity_check, a job still running,
  /// a failed job without its reason, a rolled-back job without its rollback, a dataset
  /// row without partitions or the reverse. Empty: consistent.
  std::vector<std::string> problems;
  int64_t max_job_id() const { return jobs.empty() ? 0 : jobs.back().id; }
};
JournalFacts ReadJournal(const std::string& vault);
/// "id kind status" per job, for messages.
std::string JobsText(const std::vector<JobFact>& jobs);

/// Files a write must not leave behind: anything under .barlake/staging/, *.tmp files,
/// .barlake/sources/.incoming-* copies.
std::vector<std::string> StrayFiles(const std::string& vault);

/// A starting vault and the sources its write path reads.
struct PathBase {
  std::string vault;
  std::string sources;  // folder of source files outside the vault
};

struct WritePath {
  std::string name;
  /// Builds the starting vault at base.vault (and its sources) on a healthy disk.
  std::function<void(const PathBase& base)> build;
  /// The write under test, on a copy of the starting vault.
  std::function<Status(lake::Lake& lake, const PathBase& base)> run;
  /// Crash points an uninterrupted run reaches.
  std::vector<lake::CrashPoint> reaches;
  /// A new dataset is declared in barlake.toml after the job commits (journal.md, Import
  /// step 11): a fault in that append, or a crash before it, leaves the data imported and
  /// the dataset undeclared.
  bool declares_after_commit = false;
};

/// Every write path: bar import (new dataset, merge into an existing one), snapshot
/// import, quarantine release, rollback, resample / SQL / table regenerate,
/// DeclareResample, DeclareTable.
const std::vector<WritePath>& WritePaths();
const WritePath& FindWritePath(const std::string& name);

/// The starting vault of `path`, built on first use and kept for the process.
const PathBase& BaseOf(const WritePath& path);

/// A fresh copy of the starting vault at `dir` (sources are shared).
PathBase CopyOfBase(const WritePath& path, const std::string& dir);

/// The vault after an uninterrupted run (built on first use and kept for the process):
/// what recovery must reach once a job passed its plan.
struct AfterRun {
  VaultFiles files;
  JournalFacts journal;
  int64_t steps = 0;                                 // mutating Env calls of the run
  std::vector<std::string> calls;                    // those calls, "op path"
  std::map<lake::CrashPoint, int> crash_hits;        // how often each point was reached
  std::map<lake::CrashPoint, int64_t> steps_before;  // mutating calls made when first reached
};
const AfterRun& AfterOf(const WritePath& path);

/// Where a run left the vault, against the starting vault and the uninterrupted run.
enum class VaultState {
  kBefore,           // as it started
  kAfter,            // as after an uninterrupted run
  kAfterUndeclared,  // the data of kAfter, barlake.toml as before (declares_after_commit)
  kNeither,
};
const char* VaultStateName(VaultState s);
bool IsAfter(VaultState s);  // kAfter or kAfterUndeclared: the job completed

/// Opens the vault of a finished (failed, crashed or completed) run on a healthy disk,
/// runs Recover() and Verify(), and checks what every run must leave: Verify clean, the
/// journal consistent (ReadJournal), no stray files, a state the path allows, and jobs
/// that agree with it (kAfter*: the jobs of the uninterrupted run; otherwise the
/// starting jobs unchanged and every new job failed). Returns the state.
VaultState RecoverAndCheck(const WritePath& path, const std::string& vault,
                           const std::string& context);

}  // namespace barlake::testutil
