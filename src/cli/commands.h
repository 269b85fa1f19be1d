// The barlake command line: parses arguments (CLI11), calls the library, prints results
// and maps every Status to an exit code. Nothing below cli/ prints or exits.
#pragma once

namespace barlake::cli {

/// Run the CLI; returns the process exit code (docs/exit-codes.md).
int Run(int argc, char** argv);

}  // namespace barlake::cli
