#include "core/page_warmer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>


namespace barlake {
namespace {

// Whether this kernel can populate pages on request (Linux 5.14 and later).
bool KernelPopulates() {
#ifdef MADV_POPULATE_WRITE
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  void* p = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return false;
  const bool ok = ::madvise(p, page, MADV_POPULATE_WRITE) == 0;
  ::munmap(p, page);
  return ok;
#else
  return false;
#endif
}

// Resident pages among the pages of [data, data + bytes) (mincore works on anonymous
// memory: a page nobody has touched or populated is not resident).
size_t ResidentPages(const void* data, size_t bytes) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(data) & ~(page - 1);
  const auto end = (reinterpret_cast<uintptr_t>(data) + bytes + page - 1) & ~(page - 1);
  std::vector<unsigned char> v((end - begin) / page);
  if (::mincore(reinterpret_cast<void*>(begin), end - begin, v.data()) != 0) return 0;
  size_t n = 0;
  for (unsigned char c : v) n += c & 1;
  return n;
}

size_t WaitForWarmed(const PageWarmer& w, size_t at_least) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (w.warmed_rows() < at_least && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return w.warmed_rows();
}

TEST(PageWarmerTest, PopulatesAheadOfTheFillerButNoFurtherThanTheLead) {
  if (!KernelPopulates()) GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE";
  constexpr size_t kRows = size_t{8} << 20;  // 64 MiB of int64: fresh pages from mmap
  constexpr size_t kLead = size_t{1} << 20;
  std::vector<int64_t> column;
  column.reserve(kRows);
  ASSERT_LT(ResidentPages(column.data(), kRows * sizeof(int64_t)), 64u) << "fresh memory";
  PageWarmer warmer({{column.data(), sizeof(int64_t), column.capacity()}}, kLead);
  ASSERT_TRUE(warmer.active());
  // Nothing written yet: the warmer goes one lead ahead and waits there.
  EXPECT_EQ(WaitForWarmed(warmer, kLead), kLead);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(warmer.warmed_rows(), kLead) << "went past the lead without a report";
  const size_t resident = ResidentPages(column.data(), kRows * sizeof(int64_t));
  const size_t lead_pages = kLead * sizeof(int64_t) / static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_GE(resident, lead_pages) << "the lead's pages are not resident";
  EXPECT_LT(resident, lead_pages * 3) << "populated far beyond the lead";  // huge pages round up

  // The filler writes; the warmer follows; every value the filler wrote stays as written.
  for (size_t i = 0; i < kRows / 2; ++i) {
    column.push_back(static_cast<int64_t>(i * 2654435761u));
    warmer.Reached(column.size());
  }
  EXPECT_GE(WaitForWarmed(warmer, kRows / 2 + kLead / 2), kRows / 2 + kLead / 2);
  EXPECT_LE(warmer.warmed_rows(), kRows / 2 + kLead);
  for (size_t i = 0; i < column.size(); ++i) {
    ASSERT_EQ(column[i], static_cast<int64_t>(i * 2654435761u)) << "row " << i;
  }
}

TEST(PageWarmerTest, StaysIdleForSmallColumnsAndStopsWhenTheColumnsMove) {
  std::vector<double> small;
  small.reserve(1000);
  PageWarmer idle({{small.data(), sizeof(double), small.capacity()}});
  EXPECT_FALSE(idle.active());
  idle.Reached(500);  // harmless

  // More rows than reserved: the vector reallocates, the warmer stops (and the filler's
  // rows are intact whatever the warmer was doing).
  std::vector<int64_t> column;
  column.reserve(size_t{4} << 20);
  PageWarmer warmer({{column.data(), sizeof(int64_t), column.capacity()}}, size_t{1} << 16);
  const size_t reserved = column.capacity();
  for (size_t i = 0; i < reserved + 1000; ++i) {
    column.push_back(static_cast<int64_t>(i));
    warmer.Reached(column.size());
  }
  for (size_t i = 0; i < column.size(); ++i) ASSERT_EQ(column[i], static_cast<int64_t>(i));
}

}  // namespace
}  // namespace barlake
