// Query views over the stored files: each data kind gives its own (lake/data_kind.h).
#include <algorithm>

#include "lake/data_kind.h"
#include "lake/lake.h"

namespace barlake::lake {
namespace {

// The vault folder as a DuckDB glob pattern that matches only itself: the views read
// `<root>/lake/**/*.parquet`, and a folder named like `data[2024]` or `what?` would
// otherwise be read as a pattern. Each glob character becomes a one-character class.
std::string GlobLiteral(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '[' || c == ']' || c == '*' || c == '?') {
      out += '[';
      out += c;
      out += ']';
    } else {
      out += c;
    }
  }
  return out;
}

// The views of `only` (every kind when nullptr) over what the catalog lists.
Status CreateKindViews(journal::Journal* journal, const VaultPaths& vault_paths, storage::DuckConn* duck,
                       const DataKind* only) {
  const VaultPaths paths(GlobLiteral(vault_paths.root));
  ASSIGN_OR_RETURN(auto parts, journal->AllPartitions());
  RETURN_IF_ERROR(duck->Execute("SET TimeZone='UTC'"));
  for (const DataKind* kind : AllDataKinds()) {
    if ((only && kind != only) || !kind->catalogued()) continue;
    std::vector<std::string> stored;
    for (const auto& p : parts) {
      if (&KindOfRelPath(p.rel_path) == kind) stored.push_back(p.rel_path);
    }
    for (const std::string& sql : kind->ViewSql(paths, stored)) RETURN_IF_ERROR(duck->Execute(sql));
  }
  return Status::OK();
}

}  // namespace

Status Lake::CreateViews(storage::DuckConn* duck) {
  return CreateKindViews(journal_.get(), paths_, duck, nullptr);
}

Status Lake::CreateBarsView(storage::DuckConn* duck) {
  return CreateKindViews(journal_.get(), paths_, duck, &BarsKind());
}

Status Lake::CreateTableViews(storage::DuckConn* duck) {
  return CreateKindViews(journal_.get(), paths_, duck, FindDataKind("table"));
}

}  // namespace barlake::lake
