#include "storage/partition_layout.h"

#include <cstdio>

namespace barlake::storage {

Status ValidateSymbol(const std::string& symbol) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("symbol '" + symbol + "' " + why +
                                   "; use letters, digits and . _ - ^ + ! = (e.g. ES, BTCUSDT, ^GSPC, EURUSD=X)");
  };
  if (symbol.empty() || symbol.size() > 40) return bad("must be 1 to 40 characters");
  if (symbol[0] == '.' || symbol[0] == '_') return bad("must not start with '.' or '_'");
  for (unsigned char c : symbol) {
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '^' || c == '+' || c == '!' || c == '=')) {
      return bad("has a character that cannot be a folder name");
    }
  }
  return Status::OK();
}

std::string PeriodOf(Micros ts, bool yearly) {
  int64_t days = ts / kMicrosPerDay;
  if (ts % kMicrosPerDay < 0) --days;
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[16];
  if (yearly) {
    std::snprintf(buf, sizeof buf, "%04d", y);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u", y, m);
  }
  return buf;
}

Result<std::pair<Micros, Micros>> PeriodRange(const std::string& period) {
  int y = 0;
  unsigned m = 0;
  if (period.size() == 4 && std::sscanf(period.c_str(), "%4d", &y) == 1) {
    return std::make_pair(DaysFromCivil(y, 1, 1) * kMicrosPerDay,
                          DaysFromCivil(y + 1, 1, 1) * kMicrosPerDay);
  }
  if (period.size() == 7 && std::sscanf(period.c_str(), "%4d-%2u", &y, &m) == 2 && m >= 1 &&
      m <= 12) {
    const int ny = m == 12 ? y + 1 : y;
    const unsigned nm = m == 12 ? 1 : m + 1;
    return std::make_pair(DaysFromCivil(y, m, 1) * kMicrosPerDay,
                          DaysFromCivil(ny, nm, 1) * kMicrosPerDay);
  }
  return Status::InvalidArgument("'" + period + "' is not a partition period (YYYY or YYYY-MM)");
}

std::string SymbolFolderValue(const std::string& symbol) {
  std::string out;
  for (char c : symbol) {
    if (c == '=') {
      out += "%3D";
    } else {
      out += c;
    }
  }
  return out;
}

std::string PartitionRelPath(const std::string& symbol, const std::string& timeframe,
                             const std::string& period) {
  return "symbol=" + SymbolFolderValue(symbol) + "/timeframe=" + timeframe + "/period=" + period + "/" +
         kPartitionFileName;
}

std::string SnapshotRelPath(const std::string& kind, const std::string& ticker,
                            const std::string& period) {
  return "kind=" + kind + "/ticker=" + SymbolFolderValue(ticker) + "/period=" + period + "/" + kPartitionFileName;
}

std::string TableRelPath(const std::string& table, const std::string& symbol, const std::string& period) {
  return "table=" + table + "/symbol=" + SymbolFolderValue(symbol) + "/period=" + period + "/" + kPartitionFileName;
}

}  // namespace barlake::storage
