// Subcommands of the derive area (registered from Run() in commands.cc).
#include "cli/cli_common.h"

namespace barlake::cli {

void AddDeriveCommands(CLI::App& /*app*/, Globals& /*g*/, int& /*rc*/) {}

}  // namespace barlake::cli
