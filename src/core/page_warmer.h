#pragma once
// PageWarmer: faults in freshly reserved column buffers on a second core, just ahead of the
// loop that fills them.
//
// Why: a parser appends millions of rows to columns reserved up front. The first write to
// each page costs a page fault in which the kernel zeroes the page (a whole 2 MiB one for
// columns on huge pages, see huge_pages.h). On a 20-year import that zeroing was about a
// fifth of the parsing thread's time, and it is time the second core, otherwise idle
// while a file is parsed, can spend instead. The warmer asks the kernel to populate the
// pages (madvise MADV_POPULATE_WRITE): it never reads or writes the buffers itself, so it
// cannot race with the filler, and populating a page the filler reached first, or memory
// that was since freed, changes nothing but where the fault was taken.
//
// It keeps at most `lead_rows` ahead of what the filler reported (Reached), so a
// reservation larger than the file needs is not populated to the end. Without kernel
// support (before Linux 5.14) it does nothing.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace barlake {

class PageWarmer {
 public:
  /// One column: its first byte, the bytes per row and the rows reserved.
  struct Column {
    const void* data = nullptr;
    size_t row_bytes = 0;
    size_t rows = 0;
  };
  /// Starts warming when the columns are big enough to be worth a thread (several MiB);
  /// otherwise the warmer is idle and Reached costs one comparison.
  PageWarmer(std::vector<Column> columns, size_t lead_rows = size_t{1} << 19);
  /// Stops and joins the thread.
  ~PageWarmer();
  PageWarmer(const PageWarmer&) = delete;
  PageWarmer& operator=(const PageWarmer&) = delete;

  /// The filler has written `rows` rows of every column. Cheap: call it once per row.
  void Reached(size_t rows) {
    if (rows >= next_report_) Report(rows);
  }
  /// How many rows of every column the warmer has populated so far (for tests).
  size_t warmed_rows() const { return warmed_.load(std::memory_order_acquire); }
  /// Whether a thread was started.
  bool active() const { return thread_.joinable(); }

 private:
  void Report(size_t rows);
  void Run();
  // Populates rows [from, to) of every column; false when the kernel cannot.
  bool Populate(size_t from, size_t to);

  std::vector<Column> columns_;
  size_t rows_ = 0;  // the fewest rows reserved in any column
  size_t lead_;
  size_t step_;
  size_t next_report_ = SIZE_MAX;
  std::atomic<size_t> warmed_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  size_t reached_ = 0;  // guarded by mu_
  bool stop_ = false;   // guarded by mu_
  std::thread thread_;
};

}  // namespace barlake
