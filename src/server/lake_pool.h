// How the server reads while a job writes.
//
// WriteWindow is a sequence counter around the part of a job that changes files in lake/
// (from the swap of the first partition to the journal commit; lake/write_protocol.h). It
// is odd while a window is open. A read remembers the even value it started at, waits
// while it is odd, and is redone when the value changed under it, so every read the
// server returns comes from one committed state of the lake: all partitions before a job
// or all after it, never a mix. Writers never wait for readers.
//
// ReaderPool holds a few reader Lakes (a Lake is not thread-safe); request threads borrow
// one for the duration of a read.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "lake/lake.h"

namespace barlake::server {

class WriteWindow {
 public:
  void Open();   // idempotent while open
  void Close();  // idempotent while closed
  /// The current even value, after waiting for an open window to close.
  uint64_t WaitClosed();
  uint64_t value() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable closed_;
  uint64_t seq_ = 0;
};

class ReaderPool {
 public:
  ReaderPool(std::string vault, size_t size, WriteWindow* window);

  /// Run `read` with a borrowed Lake so it sees one committed state (see above).
  template <class T>
  Result<T> Read(const std::function<Result<T>(lake::Lake&)>& read) {
    ASSIGN_OR_RETURN(Lease lease, Borrow());
    for (int attempt = 0;; ++attempt) {
      const uint64_t start = window_->WaitClosed();
      Result<T> r = read(*lease.lake);
      if (window_->value() == start || attempt >= 50) return r;
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
