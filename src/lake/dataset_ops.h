// Dataset operations beyond imports: `drop` and `rename` (docs/cli.md#dataset-drop).
//
// Each is one journaled job through the write protocol, so it is crash-safe and can be
// rolled back like an import:
//   - drop:   every partition of the dataset (and, when asked, of the derived datasets
//             built from it) is removed, its previous file kept under .barlake/versions/,
//             and its [[dataset]] table leaves barlake.toml as a write of the same job.
//             `barlake rollback JOB` copies the kept files back and restores the table.
//   - rename: every partition is copied byte for byte to the new symbol's folder and
//             removed from the old one, and the [[dataset]] table is rewritten with the
//             new symbol, all in one job; its rollback does the reverse.
// Datasets that others are derived from are refused unless the caller says what to do
// with the dependents.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace barlake::lake {

struct DropRequest {
  std::string symbol, timeframe;
  /// Also drop the derived datasets built (transitively) from it, in the same job.
  bool with_dependents = false;
};

struct RenameRequest {
  std::string symbol, timeframe;
  std::string new_symbol;
};

/// The job kinds of these operations (journal `kind`).
constexpr const char* kDropJobKind = "drop";
constexpr const char* kRenameJobKind = "rename";

/// The [[dataset]] table of symbol/timeframe in `text` exactly as written (comments and
/// keys the serializer does not know included), or "" when it is not there.
std::string DatasetBlockText(const std::string& text, const std::string& symbol,
                             const std::string& timeframe);

/// `block` (a [[dataset]] table) with its `symbol` key set to `symbol`.
std::string WithBlockSymbol(const std::string& block, const std::string& symbol);

}  // namespace barlake::lake
