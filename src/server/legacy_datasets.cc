#include "server/legacy_datasets.h"

#include <sys/stat.h>

#include "core/time_util.h"
#include "migrate/migration.h"

namespace barlake::server {

using nlohmann::json;

Result<json> LegacyDatasetList::Entries(lake::Lake& lake) {
  ASSIGN_OR_RETURN(auto served, migrate::LegacyServedDatasets(&lake));
  json out = json::array();
  for (const migrate::LegacyServed& s : served) {
    const migrate::PlannedDataset& d = *s.dataset;
    std::string identity;
    uint64_t bytes = 0;
    for (const auto& f : d.files) {
      struct stat st {};
      const std::string path = s.plan->source_dir + "/" + f.path;
      (void)::stat(path.c_str(), &st);
      identity += path + " " + std::to_string(st.st_size) + " " +
                  std::to_string(st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec) + "\n";
      bytes += f.bytes;
    }
    const std::string key = s.plan->id + " " + d.symbol + " " + d.timeframe;
    Span span;
    bool known = false;
    {
      std::lock_guard lock(mu_);
      auto it = spans_.find(key);
      if (it != spans_.end() && it->second.identity == identity) span = it->second, known = true;
    }
    if (!known) {
      auto rows = migrate::ReadLegacyRows(*s.plan, d);
      // One unreadable legacy dataset does not fail the list: it shows without a span.
      if (rows.ok()) {
        span = Span{identity, static_cast<int64_t>(rows->size()), rows->empty() ? 0 : rows->ts.front(),
                    rows->empty() ? 0 : rows->ts.back()};
        std::lock_guard lock(mu_);
        spans_[key] = span;
      } else {
        span.rows = d.rows;
      }
    }
    const bool has_span = span.first != 0 || span.last != 0;
    out.push_back({{"symbol", d.symbol},
                   {"timeframe", d.timeframe},
                   {"kind", "bars"},
                   {"derived", nullptr},
                   {"first_bar", has_span ? json(FormatIsoUtc(span.first)) : json(nullptr)},
                   {"last_bar", has_span ? json(FormatIsoUtc(span.last)) : json(nullptr)},
                   {"rows", span.rows},
                   {"bytes", bytes},
                   {"partitions", 0},
                   {"last_update", nullptr},
                   {"last_job", nullptr},
                   {"legacy", true},
                   {"legacy_source",
                    {{"migration", s.plan->id},
                     {"path", s.plan->source_dir},
                     {"layout", s.layout},
                     {"files", d.files.size()}}}});
  }
  return out;
}

}  // namespace barlake::server
