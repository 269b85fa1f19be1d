// AddCommand: the usual shape of a CLI subcommand, one that runs a function and exits
// with the code it returns.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <utility>

namespace barlake::cli {

/// Add subcommand `name` (with `description` for --help) to `parent`; when it runs, it
/// calls `run` and stores the exit code `run` returns in `rc`. The callback keeps `run`:
/// what `run` refers to must live as long as `parent` (the statics options are bound to).
template <class Run>
CLI::App* AddCommand(CLI::App& parent, std::string name, std::string description, int& rc, Run run) {
  CLI::App* command = parent.add_subcommand(std::move(name), std::move(description));
  command->callback([&rc, run = std::move(run)] { rc = run(); });
  return command;
}

}  // namespace barlake::cli
