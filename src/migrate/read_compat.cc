// Read-compatibility while a migration is not activated (migration.h): a dataset the lake
// does not hold yet is served from the legacy files its [[legacy]] entry names.
#include "migrate/migration.h"
#include "registry/legacy_config.h"

namespace barlake::migrate {

Result<std::optional<LegacyRows>> ReadFromLegacy(lake::Lake* lake, const std::string& symbol,
                                                 const std::string& timeframe, Micros from, Micros to) {
  const lake::VaultPaths& paths = lake->paths();
  Env* env = lake->env();
  ASSIGN_OR_RETURN(std::string text, env->ReadFile(paths.registry));
  ASSIGN_OR_RETURN(auto legacy, registry::ParseLegacySources(text, paths.registry));
  for (const auto& l : legacy) {
    if (l.activated) continue;
    auto plan = LoadPlan(env, paths, l.name);
    if (!plan.ok()) continue;  // a [[legacy]] whose plan is gone serves nothing
    for (const auto& d : plan->datasets) {
      if (d.symbol != symbol || d.timeframe != timeframe) continue;
      ASSIGN_OR_RETURN(BarColumns all, ReadLegacyRows(*plan, d));
      LegacyRows out{plan->id, plan->source_dir, {}};
      for (size_t i = 0; i < all.size(); ++i) {
        if (all.ts[i] >= from && all.ts[i] < to) out.bars.AppendPrices(all, i);
      }
      return std::optional<LegacyRows>(std::move(out));
    }
  }
  return std::optional<LegacyRows>();
}

}  // namespace barlake::migrate
