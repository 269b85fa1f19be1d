#include "lake/live_session.h"

#include <algorithm>
#include <map>

#include "lake/lake.h"
#include "lake/writer_lock.h"

namespace barlake::lake {

using journal::JobRecord;
using journal::PartitionChange;

std::string LiveSessionLabel(Micros now) {
  return "live session " + FormatIsoUtc(now - ((now % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay).substr(0, 10);
}

Result<std::vector<PartitionChange>> CombinedSessionChanges(journal::Journal* journal, int64_t session,
                                                            std::vector<int64_t>* members) {
  ASSIGN_OR_RETURN(*members, journal->SessionMembers(session));
  std::map<std::string, PartitionChange> by_path;  // rel_path -> combined change
  std::vector<std::string> order;
  for (int64_t m : *members) {
    ASSIGN_OR_RETURN(JobRecord poll, journal->GetJob(m));
    if (poll.status != "completed") continue;  // a poll that failed changed nothing
    ASSIGN_OR_RETURN(auto changes, journal->GetChanges(m));
    for (auto& c : changes) {
      auto it = by_path.find(c.rel_path);
      if (it == by_path.end()) {
        order.push_back(c.rel_path);
        by_path.emplace(c.rel_path, std::move(c));
        continue;
      }
      // Keep the first poll's "before" (and where its previous file is kept), take the
      // last poll's "after".
      PartitionChange& k = it->second;
      k.after_sha256 = c.after_sha256;
      k.after_rows = c.after_rows;
      k.after_min_ts = c.after_min_ts;
      k.after_max_ts = c.after_max_ts;
      k.after_bytes = c.after_bytes;
      k.after_content_hash = c.after_content_hash;
      k.after_version = c.after_version;
    }
  }
  std::vector<PartitionChange> out;
  for (const auto& p : order) out.push_back(by_path.at(p));
  return out;
}

Result<JobRecord> Lake::AddToLiveSession(const std::string& symbol, const std::string& timeframe,
                                         const std::string& command, const std::vector<int64_t>& polls, Micros now) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  const std::string label = LiveSessionLabel(now);
  // The visible jobs (a session's polls are not listed): today's session, and polls of
  // this dataset left outside a session by a crash between their commit and their adding.
  ASSIGN_OR_RETURN(auto recent, journal_->ListJobs(2000));
  JobRecord session;
  std::vector<int64_t> members;
  for (int64_t id : polls) {
    // Only what changed the lake: a failed or skipped poll stays a job of its own.
    ASSIGN_OR_RETURN(JobRecord poll, journal_->GetJob(id));
    if (poll.status == "completed" && poll.kind == "import") members.push_back(id);
  }
  const int64_t day_ago = env_->NowMicros() - kMicrosPerDay;
  for (const auto& j : recent) {
    if (j.symbol != symbol || j.timeframe != timeframe) continue;
    if (j.kind == kLiveSessionJobKind && j.status == "completed" && j.source_path == label && session.id == 0) {
      session = j;
    } else if (j.kind == "import" && j.status == "completed" && j.command == command && j.created_at > day_ago &&
               std::find(members.begin(), members.end(), j.id) == members.end()) {
      members.push_back(j.id);
    }
  }
  std::sort(members.begin(), members.end());
  if (members.empty()) return session;  // nothing to add (id 0)
  if (session.id == 0) {
    session.kind = kLiveSessionJobKind;
    session.status = "completed";
    session.phase = "done";
    session.symbol = symbol;
    session.timeframe = timeframe;
    session.source_path = label;
    session.command = command;
  }
  return journal_->AddToSession(session, members);
}

}  // namespace barlake::lake
