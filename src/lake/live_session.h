// Live sessions (docs/live.md): the poll jobs of a live dataset grouped under one `live`
// job per dataset and UTC day. Each poll stays a complete job of its own (staged, fsynced,
// journaled, recovered like any import); the group is recorded after a poll completed
// (journal table job_sessions), so a crash can only leave a poll outside its session,
// which the next poll adds. `barlake jobs` lists the session with its poll count, and a
// rollback of the session undoes all its polls as one rollback job.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"
#include "journal/journal.h"

namespace barlake::lake {

inline constexpr const char* kLiveSessionJobKind = "live";

/// "live session 2026-01-02": the session job's source, naming its UTC day.
std::string LiveSessionLabel(Micros now);

/// The changes of a session's polls as if one job had made them: per partition, the state
/// before the first poll that changed it and after the last. `members` gets the polls.
Result<std::vector<journal::PartitionChange>> CombinedSessionChanges(journal::Journal* journal, int64_t session,
                                                                     std::vector<int64_t>* members);

}  // namespace barlake::lake
