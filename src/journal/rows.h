// Reading query rows into records, shared by the journal and the stores that keep their
// own tables in the journal's database (schedule runs, alert deliveries).
#pragma once

#include <vector>

#include "core/result.h"
#include "journal/sqlite_db.h"

namespace barlake::journal {

/// Step through every row of `s`, converting each with `read`.
template <typename T, typename Fn>
Result<std::vector<T>> CollectRows(Statement* s, Fn read) {
  std::vector<T> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(read(*s));
  }
  return out;
}

}  // namespace barlake::journal
