// Query views over the stored files: each data kind gives its own (lake/data_kind.h).
#include <algorithm>
#include <set>

#include "lake/data_kind.h"
#include "lake/lake.h"
#include "storage/partition_layout.h"

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

// The views of `only` (every kind when nullptr) over what the catalog lists. Bars get two:
// `bars` (imported) and `derived_bars` (what the registry says barlake builds).
Status CreateKindViews(journal::Journal* journal, const VaultPaths& vault_paths, storage::DuckConn* duck,
                       const DataKind* only, const registry::Registry& registry) {
  const VaultPaths paths(GlobLiteral(vault_paths.root));
  ASSIGN_OR_RETURN(auto parts, journal->AllPartitions());
  RETURN_IF_ERROR(duck->Execute("SET TimeZone='UTC'"));
  for (const DataKind* kind : AllDataKinds()) {
    if ((only && kind != only) || !kind->catalogued()) continue;
    std::vector<std::string> stored;
    for (const auto& p : parts) {
      if (&KindOfRelPath(p.rel_path) == kind) stored.push_back(p.rel_path);
    }
    std::vector<std::string> sqls;
    if (kind == &BarsKind()) {
      std::set<std::pair<std::string, std::string>> derived;
      for (const auto& d : registry.datasets()) {
        if (!d.is_derived() || d.is_table()) continue;
        const std::string rel = storage::PartitionRelPath(d.symbol, d.timeframe, "0000");
        // The folder values, as the views' hive columns read them.
        auto value = [&](const std::string& key) {
          const size_t at = rel.find(key + "=") + key.size() + 1;
          return rel.substr(at, rel.find('/', at) - at);
        };
        derived.insert({value("symbol"), value("timeframe")});
      }
      sqls = BarViewsSql(paths, stored, derived);
    } else {
      sqls = kind->ViewSql(paths, stored);
    }
    for (const std::string& sql : sqls) RETURN_IF_ERROR(duck->Execute(sql));
  }
  return Status::OK();
}

}  // namespace

Status Lake::CreateViews(storage::DuckConn* duck) {
  return CreateKindViews(journal_.get(), paths_, duck, nullptr, registry_);
}

Status Lake::CreateBarsView(storage::DuckConn* duck) {
  return CreateKindViews(journal_.get(), paths_, duck, &BarsKind(), registry_);
}

Status Lake::CreateTableViews(storage::DuckConn* duck) {
  return CreateKindViews(journal_.get(), paths_, duck, FindDataKind("table"), registry_);
}

}  // namespace barlake::lake
