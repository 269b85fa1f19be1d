// `barlake migrate` (commands_migrate.cc, docs/migration.md) and the read path's fallback
// to the legacy files of a migration not activated yet.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "barlake/lake.h"
#include "cli/cli_common.h"

namespace barlake::cli {

void AddMigrateCommands(CLI::App& app, Globals& g, int& rc);
/// `read`: when the lake holds no partition of SYMBOL TF and `*read` is empty or kNotFound,
/// the bars of [from, to) from the legacy files of a migration not activated yet (with a
/// note on stderr); otherwise `*read` is left as it is.
void ServeFromLegacyIfMissing(barlake::Lake& lk, const std::string& symbol, const std::string& timeframe, Micros from,
                              Micros to, Result<barlake::Bars>* read);
/// `query`: `sql` over the lake's views plus the legacy-served datasets (`bars` includes
/// them; `legacy_datasets` and `legacy_bars` list them), with a note on stderr naming them.
Result<barlake::QueryResult> QueryWithLegacy(barlake::Lake& lk, const std::string& sql);

}  // namespace barlake::cli
