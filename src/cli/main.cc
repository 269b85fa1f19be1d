#include <unistd.h>

#include <cstdio>
#include <exception>

#include "cli/commands.h"

int main(int argc, char** argv) {
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
