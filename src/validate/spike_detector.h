// Bad ticks and unit errors: bars whose prices are extreme against their neighbours and
// the local volatility, judged so that a real crash is kept.
//
// For each bar the reference level is the middle of the median close of the K bars
// before and the K bars after it, and the local scale is the median absolute
// close-to-close change around it (the bar itself excluded). A bar is flagged when
//  * unit error: a price is about 100x or 1/100 of the reference (GBP vs GBp, cents vs
//    dollars), or its own high/low span such a ratio; or
//  * bad tick: a price is more than `spike_scale_multiple` local scales and more than
//    `spike_min_fraction` of the reference away from it, AND the price returns: the
//    medians before and after the bar agree with each other much better than with it.
// The "returns" test is what keeps genuine moves: in a crash the levels before and after
// differ, so a 20% one-minute fall is not a spike (CL 06-20, April 2020).
// Negative prices are handled (no logarithms): CL traded below zero in April 2020.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bars.h"

namespace barlake::validate {

struct SpikeOptions {
  int neighbours = 5;                 // K bars each side
  double spike_scale_multiple = 25;   // distance in local scales
  double spike_min_fraction = 0.05;   // and at least this share of the reference level
  double return_fraction = 0.25;      // before/after medians within this share of the distance
  double unit_ratio = 100;            // the unit error looked for (and its inverse)
  double unit_tolerance = 0.35;       // accept ratios within +-35% of it
};

enum class SpikeKind { kBadTick, kUnitError };

struct SpikeFinding {
  size_t row = 0;
  SpikeKind kind = SpikeKind::kBadTick;
  std::string field;    // open high low close
  double value = 0;
  double reference = 0;
  std::string reason;   // one sentence, with the numbers
};

/// Scan sorted bars. Never fails; an empty result means nothing suspicious.
std::vector<SpikeFinding> FindSpikes(const BarColumns& bars, const SpikeOptions& options = {});

}  // namespace barlake::validate
