#include "lake/weekly_anchor.h"

#include <array>

#include "core/text.h"
#include "core/time_util.h"

namespace barlake::lake {
namespace {

int64_t DayOf(Micros ts) {
  return ts >= 0 ? ts / kMicrosPerDay : (ts - kMicrosPerDay + 1) / kMicrosPerDay;
}

// 0 = Sunday ... 6 = Saturday; day 0 (1970-01-01) was a Thursday.
int Weekday(int64_t day) { return static_cast<int>(((day % 7) + 11) % 7); }

constexpr std::array<const char*, 7> kDayNames = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                  "Thursday", "Friday", "Saturday"};

std::string DateOf(int64_t day) { return FormatIsoUtc(day * kMicrosPerDay).substr(0, 10); }

}  // namespace

Status AnchorWeeklyBars(const std::string& label, ingest::ParsedBars* parsed) {
  BarColumns& b = parsed->bars;
  if (b.empty()) return Status::OK();
  std::array<int64_t, 7> count{};
  for (Micros ts : b.ts) ++count[static_cast<size_t>(Weekday(DayOf(ts)))];
  if (count[1] == static_cast<int64_t>(b.size())) return Status::OK();  // all on Mondays
  const bool end_stamped = count[5] > 0 && count[0] == 0 && count[1] == 0 && count[6] == 0;
  if (!end_stamped) {
    // The first row that is off the anchor, to name in the message.
    size_t at = 0;
    while (at < b.size() && Weekday(DayOf(b.ts[at])) == 1) ++at;
    const int64_t day = DayOf(b.ts[at]);
    return Status::InvalidInput(
        "'" + ToValidUtf8(label) + "' line " + std::to_string(parsed->line[at]) +
        ": a weekly bar stamped " + DateOf(day) + " (a " + kDayNames[static_cast<size_t>(Weekday(day))] +
        "). barlake stamps 1w bars with their week's Monday and re-anchors files stamped with the "
        "week's last trading day (Friday, as Alpha Vantage does); this file is neither (" +
        std::to_string(count[1]) + " rows on a Monday, " + std::to_string(count[5]) +
        " on a Friday, " + std::to_string(static_cast<int64_t>(b.size()) - count[1] - count[5]) +
        " on other days). Nothing was imported. Export weekly bars that start on Monday, or "
        "import the daily bars instead.");
  }
  for (size_t i = 0; i < b.size(); ++i) {
    const int64_t day = DayOf(b.ts[i]);
    b.ts[i] = (day - (Weekday(day) - 1)) * kMicrosPerDay;
    if (i > 0 && b.ts[i] == b.ts[i - 1]) {
      return Status::InvalidInput("'" + ToValidUtf8(label) + "' lines " +
                                  std::to_string(parsed->line[i - 1]) + " and " +
                                  std::to_string(parsed->line[i]) + " are both in the week of " +
                                  DateOf(DayOf(b.ts[i])) +
                                  "; a weekly file has one row a week. Nothing was imported.");
    }
  }
  parsed->notes.push_back(
      "weekly bars stamped with the week's last trading day (" + std::to_string(count[5]) +
      " on a Friday): each stored at its week's Monday, the 1w anchor (docs/validation.md)");
  return Status::OK();
}

}  // namespace barlake::lake
