// Every command, positional and option of the barlake CLI has a help line: walks the whole
// command tree as `barlake CMD --help` shows it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/cli_common.h"

namespace barlake::cli {
namespace {

void CollectUndescribed(const CLI::App& cmd, const std::string& path, std::vector<std::string>* missing,
                        int* checked) {
  if (cmd.get_description().empty()) missing->push_back(path + " (the command itself)");
  for (const CLI::Option* opt : cmd.get_options()) {
    ++*checked;
    if (opt->get_description().empty()) missing->push_back(path + " " + opt->get_name());
  }
  for (const CLI::App* sub : cmd.get_subcommands({})) {
    CollectUndescribed(*sub, path + " " + sub->get_name(), missing, checked);
  }
}

TEST(CliHelpTest, EveryCommandPositionalAndOptionHasAHelpLine) {
  CLI::App app{"barlake: a local-first, crash-safe lake for market bars (OHLCV)", "barlake"};
  Globals g;
  int rc = 0;
  AddCommands(app, g, rc);
  std::vector<std::string> missing;
  int checked = 0;
  CollectUndescribed(app, "barlake", &missing, &checked);
  EXPECT_GT(checked, 100) << "the walk reached the options of every subcommand";
  std::string list;
  for (const auto& m : missing) list += "\n  " + m;
  EXPECT_TRUE(missing.empty()) << "without a help line:" << list;
  // What --help prints carries those lines: one subcommand's help names its options'.
  const CLI::App* read = app.get_subcommand("read");
  const std::string help = read->help();
  EXPECT_NE(help.find("Dataset symbol, e.g. ES"), std::string::npos) << help;
}

}  // namespace
}  // namespace barlake::cli
