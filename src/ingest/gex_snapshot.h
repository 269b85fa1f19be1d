// GexBot option/GEX snapshots (`gex-json`): one JSON record per snapshot with a time, a
// ticker, scalar fields and per-strike arrays. Not a BarFormat: a snapshot is not a bar
// and is stored as its own dataset kind (docs/formats/gex-snapshots.md).
//
//   {"timestamp": 1771966800, "ticker": "SPX", "min_dte": 0, "sec_min_dte": 1,
//    "spot": 6891.04, "zero_gamma": 0, "major_pos_vol": 6880, "major_pos_oi": 0,
//    "major_neg_vol": 6890, "major_neg_oi": 0,
//    "strikes": [[6650, -0.24, 0, [0, 0, 0, -0.31, -0.31]], ...],
//    "sum_gex_vol": -398.044, "sum_gex_oi": 0, "delta_risk_reversal": 0,
//    "max_priors": [[6880, 176.0], ... 6 pairs]}
//
// A file holds one such object (the API response as saved), a JSON array of them, or one
// per line (JSON Lines). Values are kept exactly as the source sent them: the source's `0`
// for "not available" (zero_gamma, *_oi, sum_gex_oi, delta_risk_reversal) stays 0 here;
// the `snapshots` query view shows it as NULL. Errors name the file and the JSON path of
// the bad value, e.g. "SPX.json: strikes[12][3][4]: expected a number, found a string".
// Pure: parses a string_view, no I/O.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"

namespace barlake::ingest {

constexpr const char* kGexFormatName = "gex-json";
/// Prior gex_vol values per strike (`strikes[i][3]`).
constexpr size_t kGexPriorCount = 5;
/// [strike, value] pairs in `max_priors`.
constexpr size_t kGexMaxPriorCount = 6;

/// The snapshot's scalar fields, in this order in GexSnapshot::scalars.
constexpr std::array<const char*, 11> kGexScalarFields = {
    "spot",          "min_dte",       "sec_min_dte", "zero_gamma", "major_pos_vol",      "major_pos_oi",
    "major_neg_vol", "major_neg_oi",  "sum_gex_vol", "sum_gex_oi", "delta_risk_reversal"};
/// Scalar fields in which the source writes 0 for "not available" (SOURCES.md section 7).
constexpr std::array<const char*, 5> kGexZeroMeansMissingScalars = {
    "zero_gamma", "major_pos_oi", "major_neg_oi", "sum_gex_oi", "delta_risk_reversal"};

struct GexStrike {
  double strike = 0;
  double gex_vol = 0;
  double gex_oi = 0;  // 0 = not available in the GexBot "classic" responses
  std::array<double, kGexPriorCount> prior_gex_vol{};  // in the source's order
};

struct GexSnapshot {
  Micros ts = 0;  // the record's `timestamp` (epoch seconds) as UTC micros
  std::string ticker;
  std::array<double, kGexScalarFields.size()> scalars{};
  std::array<std::array<double, 2>, kGexMaxPriorCount> max_priors{};  // [strike, value]
  std::vector<GexStrike> strikes;  // sorted by strike, unique
  std::string where;  // "" (single object), "[3]" (array element) or "line 3" (JSON Lines)

  double scalar(std::string_view name) const;
};

struct ParsedGexSnapshots {
  std::vector<GexSnapshot> snapshots;  // in file order
  int64_t strikes_read = 0;
  std::vector<std::string> notes;  // what the parser decided, for the import report
};

/// Score 0..100 that `head` (the first bytes of a file) is a GexBot snapshot: a JSON object
/// (or an array / lines of them) whose keys include "timestamp", "ticker" and "strikes".
int DetectGexSnapshot(std::string_view head);

/// Parse a whole file. `file_label` names the file in messages and, when it holds a date
/// (SPX_2026-02-25_rt.json), a note says when the snapshot stamp is on another day.
Result<ParsedGexSnapshots> ParseGexSnapshots(std::string_view data, const std::string& file_label);

}  // namespace barlake::ingest
