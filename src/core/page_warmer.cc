#include "core/page_warmer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

namespace barlake {

namespace {
// Below this many bytes in all columns the faults cost less than starting a thread.
constexpr size_t kMinBytes = size_t{16} << 20;
}  // namespace

PageWarmer::PageWarmer(std::vector<Column> columns, size_t lead_rows)
    : columns_(std::move(columns)), lead_(std::max<size_t>(lead_rows, 1)) {
#ifdef MADV_POPULATE_WRITE
  size_t bytes = 0;
  rows_ = columns_.empty() ? 0 : SIZE_MAX;
  for (const Column& c : columns_) {
    rows_ = std::min(rows_, c.rows);
    bytes += c.row_bytes * c.rows;
  }
  if (bytes < kMinBytes || rows_ == 0) return;
  // The filler reports every eighth of the lead, so the warmer stays between 7/8 and all
  // of the lead ahead without a report per row.
  step_ = std::max<size_t>(lead_ / 8, 1);
  next_report_ = step_;
  thread_ = std::thread([this] { Run(); });
#endif
}

PageWarmer::~PageWarmer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void PageWarmer::Report(size_t rows) {
  // Past the reservation the columns have moved (reallocated): stop rather than warm memory
  // the filler no longer uses.
  next_report_ = rows > rows_ ? SIZE_MAX : rows + step_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (rows > rows_) {
      stop_ = true;
    } else {
      reached_ = rows;
    }
  }
  wake_.notify_one();
}

void PageWarmer::Run() {
  size_t warmed = 0;
  for (;;) {
    size_t target;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || std::min(rows_, reached_ + lead_) > warmed; });
      if (stop_) return;
      target = std::min(rows_, reached_ + lead_);
    }
    if (!Populate(warmed, target)) return;
    warmed = target;
    warmed_.store(warmed, std::memory_order_release);
    if (warmed == rows_) return;
  }
}

bool PageWarmer::Populate(size_t from, size_t to) {
#ifdef MADV_POPULATE_WRITE
  static const uintptr_t kPage = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  for (const Column& c : columns_) {
    const auto base = reinterpret_cast<uintptr_t>(c.data);
    // Every page holding a byte of these rows (a page shared with the allocator or the
    // next rows is mapped too, and populating it leaves its contents as they are).
    const uintptr_t begin = (base + from * c.row_bytes) & ~(kPage - 1);
    const uintptr_t end = (base + to * c.row_bytes + kPage - 1) & ~(kPage - 1);
    if (end <= begin) continue;
    if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) != 0) {
      // EINVAL: a kernel without it. Anything else (the memory went away): nothing to do.
      return false;
    }
  }
  return true;
#else
  (void)from;
  (void)to;
  return false;
#endif
}

}  // namespace barlake
