// How the server reads while a job writes.
//
// WriteWindow marks the part of a job that changes files in lake/ (from the swap of the
// first partition to the journal commit; lake/write_protocol.h), per dataset. A read of a
// dataset waits while a window on it is open, and is redone when one opened while it
// ran, so every read the server returns comes from one committed state of that dataset:
// all its partitions before a job or all after it, never a mix. Reads of other datasets
// do not wait. Writers never wait for readers.
//
// ReaderPool holds a few reader Lakes (a Lake is not thread-safe); request threads borrow
// one for the duration of a read.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "lake/lake.h"

namespace barlake::server {

class WriteWindow {
 public:
  /// Open a window on one dataset ("ES 1m"), or on every dataset with "*" (a job whose
  /// partitions are not known in advance, e.g. a rollback). Idempotent while open.
  void Open(const std::string& dataset);
  /// Close the open window, if any.
  void Close();
  /// Wait until no window covers `dataset`; returns a stamp for Changed().
  uint64_t WaitClosed(const std::string& dataset);
  /// Whether a window covering `dataset` opened since WaitClosed returned `stamp`.
  bool Changed(const std::string& dataset, uint64_t stamp) const;

 private:
  uint64_t StampLocked(const std::string& dataset) const;
  bool CoveredLocked(const std::string& dataset) const;
  mutable std::mutex mu_;
  std::condition_variable closed_;
  std::string open_;  // the dataset of the open window, "" when closed
  // Windows opened so far, per dataset and for "*": a read compares the sum of both.
  std::map<std::string, uint64_t> opened_;
};

class ReaderPool {
 public:
  ReaderPool(std::string vault, size_t size, WriteWindow* window);

  /// Run `read` with a borrowed Lake. With a `dataset` ("ES 1m"), the read waits for a
  /// write window on it to close and is done again if one opened meanwhile (see above);
  /// reads of the catalog or journal alone (one SQLite transaction) pass "".
  template <class T>
  Result<T> Read(const std::string& dataset, const std::function<Result<T>(lake::Lake&)>& read) {
    ASSIGN_OR_RETURN(Lease lease, Borrow());
    if (dataset.empty()) return read(*lease.lake);
    for (int attempt = 0;; ++attempt) {
      const uint64_t stamp = window_->WaitClosed(dataset);
      Result<T> r = read(*lease.lake);
      if (!window_->Changed(dataset, stamp) || attempt >= 50) return r;
    }
  }

 private:
  struct Lease {
    Lease(ReaderPool* p, std::unique_ptr<lake::Lake> l) : pool(p), lake(std::move(l)) {}
    Lease(Lease&& o) noexcept : pool(o.pool), lake(std::move(o.lake)) { o.pool = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    ReaderPool* pool;
    std::unique_ptr<lake::Lake> lake;
  };
  Result<Lease> Borrow();

  std::string vault_;
  size_t size_;
  WriteWindow* window_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<lake::Lake>> idle_;
  size_t open_ = 0;  // lakes created (idle or lent)
};

}  // namespace barlake::server
