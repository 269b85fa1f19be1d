#pragma once
// Reserving big columns on transparent huge pages.

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace barlake {

/// Reserves room for `n` elements and, when that is a fresh buffer of several MiB, asks the
/// kernel to back it with transparent huge pages before anything touches it.
///
/// Why: a parser fills columns of millions of rows page by page. With 4 KiB pages that is
/// one page fault per 4 KiB; the kernels these run on grant huge pages on request only
/// (`madvise` mode), and then it is one fault per 2 MiB. On a 20-year import the faults were
/// about a fifth of the process's CPU time, and this removed most of them. Only whole
/// 2 MiB pieces inside the buffer are advised, so nothing outside it is affected; a kernel
/// without THP refuses, which changes nothing but the speed.
template <typename T>
void ReserveOnHugePages(std::vector<T>* v, size_t n) {
  if (n <= v->capacity()) return;
  v->reserve(n);
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const size_t bytes = v->capacity() * sizeof(T);
  if (bytes < 4 * kHuge) return;
  const auto begin = reinterpret_cast<uintptr_t>(v->data());
  const uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (last > first) (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

}  // namespace barlake
