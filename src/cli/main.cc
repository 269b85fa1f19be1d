#include <cstdio>
#include <exception>

#include "cli/commands.h"

int main(int argc, char** argv) {
  // Catch-all: a bug must still end with a message and a documented exit code.
  try {
    return barlake::cli::Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "barlake: internal error: %s\nPlease report this with the command you ran.\n", e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "barlake: internal error (unknown exception)\n");
    return 1;
  }
}
