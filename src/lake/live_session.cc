#include "lake/live_session.h"

#include <algorithm>
#include <map>

#include "lake/lake.h"
#include "lake/writer_lock.h"

namespace barlake::lake {

using journal::JobRecord;
using journal::PartitionChange;

namespace {

constexpr const char* kLabelPrefix = "live session ";

// A calendar open around the clock on every day (Crypto): its sessions are days, and the
// UTC day names them as well as any.
bool AroundTheClock(const calendar::Calendar& cal) {
  return cal.week.trade_weekdays == 0x7f && cal.week.open_minutes == 0 && cal.week.close_minutes == 24 * 60 &&
         cal.week.open_day_offset == 0;
}

LiveSessionKey UtcDay(Micros now) {
  LiveSessionKey k;
  k.start = now - ((now % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay;
  k.label = kLabelPrefix + FormatIsoUtc(k.start).substr(0, 10);
  return k;
}

}  // namespace

LiveSessionKey LiveSessionFor(const registry::Registry& reg, const std::string& symbol, const std::string& timeframe,
                              Micros now) {
  const registry::DatasetSpec* spec = reg.Find(symbol, timeframe);
  if (!spec || spec->calendar.empty()) return UtcDay(now);
  const calendar::Calendar* cal = reg.calendars().Find(spec->calendar);
  if (!cal || AroundTheClock(*cal)) return UtcDay(now);
  // Two weeks back reach the last session across any holiday break.
  auto sessions = cal->SessionsBetween(now - 14 * kMicrosPerDay, now + 1);
  if (!sessions.ok()) return UtcDay(now);
  for (auto it = sessions->rbegin(); it != sessions->rend(); ++it) {
    if (it->open > now) continue;
    LiveSessionKey k;
    k.calendar = cal->name;
    k.start = it->open;
    k.label = kLabelPrefix + calendar::FormatDate(it->trade_date) + " (" + cal->name + ")";
    return k;
  }
  return UtcDay(now);
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
      // The later poll's change, from the state before the first poll's: its "before"
      // and where that file is kept.
      PartitionChange first = std::move(it->second);
      it->second = std::move(c);
      it->second.before_sha256 = std::move(first.before_sha256);
      it->second.before_rows = first.before_rows;
      it->second.before_version = first.before_version;
      it->second.version_path = std::move(first.version_path);
    }
  }
  std::vector<PartitionChange> out;
  for (const auto& p : order) out.push_back(by_path.at(p));
  return out;
}

Result<JobRecord> Lake::AddToLiveSession(const std::string& symbol, const std::string& timeframe,
                                         const std::string& command, const std::vector<int64_t>& polls, Micros now) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  const std::string label = LiveSessionFor(registry_, symbol, timeframe, now).label;
  // The visible jobs (a session's polls are not listed): the current session, and polls of
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

Result<std::vector<LiveSessionState>> LiveSessionStates(Lake* lake, Micros now) {
  std::vector<LiveSessionState> out;
  for (const auto& d : lake->registry().datasets()) {
    if (!d.live) continue;
    LiveSessionState s;
    s.symbol = d.symbol;
    s.timeframe = d.timeframe;
    s.session = LiveSessionFor(lake->registry(), d.symbol, d.timeframe, now);
    out.push_back(std::move(s));
  }
  if (out.empty()) return out;
  // Session jobs are listed (their polls are not), newest first: the first match is it.
  ASSIGN_OR_RETURN(auto jobs, lake->Jobs(2000));
  for (auto& s : out) {
    for (const auto& j : jobs) {
      if (j.kind != kLiveSessionJobKind || j.status != "completed" || j.symbol != s.symbol ||
          j.timeframe != s.timeframe || j.source_path != s.session.label) {
        continue;
      }
      s.job = j.id;
      const auto report = nlohmann::json::parse(j.report_json, nullptr, false);
      if (report.is_object()) s.polls = report.value("polls", int64_t{0});
      s.last_poll = j.updated_at;
      break;
    }
  }
  return out;
}

nlohmann::json LiveSessionJson(const LiveSessionState& s) {
  using nlohmann::json;
  return {{"dataset", s.symbol + " " + s.timeframe},
          {"symbol", s.symbol},
          {"timeframe", s.timeframe},
          {"session", s.session.label.substr(std::string(kLabelPrefix).size())},
          {"calendar", s.session.calendar.empty() ? json(nullptr) : json(s.session.calendar)},
          {"session_start", FormatIsoUtc(s.session.start)},
          {"job", s.job == 0 ? json(nullptr) : json(s.job)},
          {"polls", s.polls},
          {"last_poll", s.last_poll == 0 ? json(nullptr) : json(FormatIsoUtc(s.last_poll))}};
}

}  // namespace barlake::lake
