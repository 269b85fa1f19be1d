#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "cli/commands.h"

int main(int argc, char** argv) {
  // Jobs allocate and free row buffers of a few MB for every partition. glibc's defaults
  // hand those back to the kernel each time (munmap, or madvise on the staging threads'
  // arenas) and fault them in again: a 20-year resample spent ~20% of its CPU there. Keep
  // up to 512 MB of freed memory for reuse and serve blocks under 64 MB from the heap
  // (measured: resample CPU -27%, import peak memory +3%; bench/README.md section 6).
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  int rc = 1;
  // Catch-all: a bug must still end with a message and a documented exit code.
  try {
    rc = barlake::cli::Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "barlake: internal error: %s\nPlease report this with the command you ran.\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "barlake: internal error (unknown exception)\n");
  }
  // Every command has committed (journal) or released (lock) what it must by now; skip
  // the static teardown of DuckDB (a few ms per process, measured in bench/).
  std::fflush(nullptr);
  ::_exit(rc);
}
