// Live sessions (docs/live.md): the poll jobs of a live dataset grouped under one `live`
// job per dataset and trading session of its calendar (a CME session from 18:00 to 17:00
// New York spans two UTC days), or per UTC day for a dataset without a calendar or with a
// 24/7 one (crypto). Each poll stays a complete job of its own (staged, fsynced,
// journaled, recovered like any import); the group is recorded after a poll completed
// (journal table job_sessions), so a crash can only leave a poll outside its session,
// which the next poll adds. `barlake jobs` lists the session with its poll count, and a
// rollback of the session undoes all its polls as one rollback job.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/time_util.h"
#include "journal/journal.h"
#include "registry/registry.h"

namespace barlake::lake {

inline constexpr const char* kLiveSessionJobKind = "live";

class Lake;

/// The live session a poll at `now` belongs to.
struct LiveSessionKey {
  /// The session job's source, which names it: "live session 2026-01-06 (CME_Globex)" (the
  /// trade date of a calendar session) or "live session 2026-01-02" (a UTC day).
  std::string label;
  std::string calendar;  // empty: the UTC day
  Micros start = 0;      // the session's open, or the UTC day's midnight
};

/// The session of the dataset's calendar that is open at `now`, else the last one that
/// closed before it (a poll just after the close brings the session's last bar, and polls
/// made up over a weekend join Friday's session). The UTC day of `now` for a dataset
/// without a calendar, with an unknown one or with a 24/7 one.
LiveSessionKey LiveSessionFor(const registry::Registry& reg, const std::string& symbol, const std::string& timeframe,
                              Micros now);

/// One live dataset's current session, for `barlake status` and GET /api/status.
struct LiveSessionState {
  std::string symbol, timeframe;
  LiveSessionKey session;
  int64_t job = 0;        // the session job; 0 when no poll has landed in this session yet
  int64_t polls = 0;      // polls that stored bars in it
  Micros last_poll = 0;   // when the last of them was added; 0 when none
};
/// The current session of every `live = true` dataset of the registry, in registry order.
Result<std::vector<LiveSessionState>> LiveSessionStates(Lake* lake, Micros now);
/// {"dataset", "symbol", "timeframe", "session", "calendar", "session_start", "job", "polls",
/// "last_poll"} (times ISO 8601 UTC; calendar, job and last_poll null when there is none).
nlohmann::json LiveSessionJson(const LiveSessionState& s);

/// The changes of a session's polls as if one job had made them: per partition, the state
/// before the first poll that changed it and after the last. `members` gets the polls.
Result<std::vector<journal::PartitionChange>> CombinedSessionChanges(journal::Journal* journal, int64_t session,
                                                                     std::vector<int64_t>* members);

}  // namespace barlake::lake
