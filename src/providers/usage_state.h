// What the providers' limits need to remember between runs, kept in the vault as
// .barlake/providers.json (written whole and atomically: temp file, fsync, rename):
//  - requests sent per provider per UTC day, so a daily quota (Alpha Vantage's free 25 a
//    day) is not overrun by several `barlake update` runs in one day;
//  - a breaker left open (a ban until a stated time, an exhausted quota, a block), so the
//    next run does not ask a provider that said to stop.
// A missing or unreadable file is an empty state (it only ever makes barlake more polite,
// never less): the update goes on and the file is written again.
#pragma once

#include <map>
#include <string>

#include "core/result.h"
#include "core/time_util.h"
#include "env/env.h"

namespace barlake::providers {

class UsageState {
 public:
  struct Entry {
    std::string day;  // YYYY-MM-DD (UTC) the count belongs to
    int64_t requests = 0;
    Micros open_until = 0;  // breaker open until then (0: closed)
    std::string open_why;
  };

  /// The state in `path` (missing or malformed: empty, with `note()` saying so).
  static UsageState Load(Env* env, const std::string& path);
  /// Requests sent to `provider` on the UTC day of `now`.
  int64_t RequestsOn(const std::string& provider, Micros now) const;
  void Count(const std::string& provider, Micros now, int64_t requests);
  void SetBreaker(const std::string& provider, Micros until, const std::string& why);
  const std::map<std::string, Entry>& entries() const { return entries_; }
  const std::string& note() const { return note_; }
  Status Save(Env* env) const;

 private:
  std::string path_;
  std::map<std::string, Entry> entries_;
  std::string note_;
};

}  // namespace barlake::providers
