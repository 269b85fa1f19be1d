// The partition files a read of one dataset opens: those the catalog says overlap the
// range, with the range narrowed to what they hold (so the SQL only sees real timestamps).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "core/result.h"
#include "journal/journal.h"
#include "lake/vault.h"

namespace barlake::lake {

struct RangeFiles {
  std::vector<std::string> files;  // absolute paths; empty: the dataset holds nothing there
  std::string first_rel_path;      // of the first file (its kind)
  std::vector<journal::PartitionEntry> entries;  // the catalog's entries of `files`
  Micros from = 0, to = 0;
};

/// kNotFound with `unknown` when the catalog has no such dataset.
inline Result<RangeFiles> FilesInRange(journal::Journal* journal, const VaultPaths& paths, const std::string& symbol,
                                       const std::string& timeframe, Micros from, Micros to,
                                       const std::string& unknown) {
  ASSIGN_OR_RETURN(auto parts, journal->PartitionsInRange(symbol, timeframe, from, to));
  RangeFiles out;
  if (parts.empty()) {
    ASSIGN_OR_RETURN(auto all, journal->Datasets());
    for (const auto& d : all) {
      if (d.symbol == symbol && d.timeframe == timeframe) return out;
    }
    return Status::NotFound(unknown);
  }
  out.first_rel_path = parts.front().rel_path;
  Micros lo = parts.front().min_ts, hi = parts.front().max_ts;
  for (const auto& p : parts) {
    out.files.push_back(paths.LakeFile(p.rel_path));
    out.entries.push_back(p);
    lo = std::min(lo, p.min_ts);
    hi = std::max(hi, p.max_ts);
  }
  out.from = std::max(from, lo);
  out.to = std::min(to, hi + 1);
  return out;
}

}  // namespace barlake::lake
