#include "ingest/gex_snapshot.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "ingest/vendor_common_internal.h"

namespace barlake::ingest {
namespace {

using Json = nlohmann::json;

// 1990-01-01 .. 2100-01-01 in epoch seconds: anything else is not a snapshot time.
constexpr double kMinEpochSeconds = 631152000.0;
constexpr double kMaxEpochSeconds = 4102444800.0;

const char* TypeName(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "a number";
}

class Parser {
 public:
  Parser(std::string file_label) : file_(std::move(file_label)) {}

  // `prefix` is the JSON path of the record ("" or "[3]"), `line` its line (JSON Lines).
  Result<GexSnapshot> Record(const Json& j, const std::string& prefix, const std::string& where) {
    prefix_ = prefix;
    where_ = where;
    if (!j.is_object()) return Error("", std::string("expected a snapshot object, found ") + TypeName(j));
    GexSnapshot s;
    s.where = where;
    // timestamp: epoch seconds (GexBot); a 13-digit value is taken as milliseconds.
    ASSIGN_OR_RETURN(double t, Number(j, "timestamp"));
    double seconds = t;
    if (t > 1e11) {
      seconds = t / 1000.0;
      AddNote("timestamps are epoch milliseconds");
    }
    if (!(seconds >= kMinEpochSeconds && seconds < kMaxEpochSeconds)) {
      return Error("timestamp", "value " + Num(t) + " is not a time in epoch seconds between 1990 and 2100");
    }
    s.ts = static_cast<Micros>(std::llround(seconds * 1e6));
    const Json* ticker = Field(j, "ticker");
    if (!ticker) return Error("ticker", "is missing");
    if (!ticker->is_string()) return Error("ticker", std::string("expected a string, found ") + TypeName(*ticker));
    s.ticker = ticker->get<std::string>();
    if (s.ticker.empty()) return Error("ticker", "is empty");
    for (size_t k = 0; k < kGexScalarFields.size(); ++k) {
      ASSIGN_OR_RETURN(s.scalars[k], Number(j, kGexScalarFields[k]));
    }
    // max_priors: [[strike, value] x 6]
    {
      const Json* mp = Field(j, "max_priors");
      if (!mp) return Error("max_priors", "is missing");
      if (!mp->is_array()) return Error("max_priors", std::string("expected an array, found ") + TypeName(*mp));
      if (mp->size() != kGexMaxPriorCount) {
        return Error("max_priors", "expected " + std::to_string(kGexMaxPriorCount) + " [strike, value] pairs, found " +
                                       std::to_string(mp->size()));
      }
      for (size_t i = 0; i < kGexMaxPriorCount; ++i) {
        const std::string path = "max_priors[" + std::to_string(i) + "]";
        const Json& pair = (*mp)[i];
        if (!pair.is_array() || pair.size() != 2) {
          return Error(path, std::string("expected a [strike, value] pair, found ") +
                                 (pair.is_array() ? "an array of " + std::to_string(pair.size()) : TypeName(pair)));
        }
        for (size_t k = 0; k < 2; ++k) {
          ASSIGN_OR_RETURN(s.max_priors[i][k], Element(pair[k], path + "[" + std::to_string(k) + "]"));
        }
      }
    }
    // strikes: [[strike, gex_vol, gex_oi, [5 prior gex_vol]], ...]
    const Json* strikes = Field(j, "strikes");
    if (!strikes) return Error("strikes", "is missing");
    if (!strikes->is_array()) return Error("strikes", std::string("expected an array, found ") + TypeName(*strikes));
    if (strikes->empty()) return Error("strikes", "is empty: a snapshot without strikes cannot be stored");
    s.strikes.reserve(strikes->size());
    for (size_t i = 0; i < strikes->size(); ++i) {
      const std::string path = "strikes[" + std::to_string(i) + "]";
      const Json& row = (*strikes)[i];
      if (!row.is_array() || row.size() != 4) {
        return Error(path, std::string("expected [strike, gex_vol, gex_oi, [priors]], found ") +
                               (row.is_array() ? "an array of " + std::to_string(row.size()) : TypeName(row)));
      }
      GexStrike g;
      ASSIGN_OR_RETURN(g.strike, Element(row[0], path + "[0]"));
      ASSIGN_OR_RETURN(g.gex_vol, Element(row[1], path + "[1]"));
      ASSIGN_OR_RETURN(g.gex_oi, Element(row[2], path + "[2]"));
      const Json& priors = row[3];
      if (!priors.is_array()) {
        return Error(path + "[3]", std::string("expected an array of ") + std::to_string(kGexPriorCount) +
                                       " prior gex_vol values, found " + TypeName(priors));
      }
      if (priors.size() != kGexPriorCount) {
        return Error(path + "[3]", "expected " + std::to_string(kGexPriorCount) + " prior gex_vol values, found " +
                                       std::to_string(priors.size()));
      }
      for (size_t k = 0; k < kGexPriorCount; ++k) {
        ASSIGN_OR_RETURN(g.prior_gex_vol[k], Element(priors[k], path + "[3][" + std::to_string(k) + "]"));
      }
      s.strikes.push_back(g);
    }
    // Strikes are listed ascending in every response seen; sort anything else and refuse a
    // strike listed twice (which of the two would be right?).
    std::vector<size_t> order(s.strikes.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return s.strikes[a].strike < s.strikes[b].strike; });
    bool sorted = true;
    for (size_t i = 0; i < order.size(); ++i) {
      sorted = sorted && order[i] == i;
      if (i > 0 && s.strikes[order[i]].strike == s.strikes[order[i - 1]].strike) {
        const size_t a = std::min(order[i], order[i - 1]), b = std::max(order[i], order[i - 1]);
        return Error("strikes[" + std::to_string(b) + "][0]",
                     "strike " + Num(s.strikes[b].strike) + " is listed twice (also strikes[" + std::to_string(a) + "])");
      }
    }
    if (!sorted) {
      std::vector<GexStrike> ordered;
      ordered.reserve(order.size());
      for (size_t i : order) ordered.push_back(s.strikes[i]);
      s.strikes = std::move(ordered);
      AddNote("strikes were not in ascending order: sorted");
    }
    return s;
  }

  Status ParseError(const Json::parse_error& e, std::string_view text, const std::string& where) {
    return Status::InvalidInput(file_ + (where.empty() ? "" : ":" + where) + ": not valid JSON (" +
                                internal::DescribeJsonSyntaxError(e, text) + ")");
  }

  std::vector<std::string> notes;

 private:
  Status Error(const std::string& path, const std::string& what) const {
    std::string full = prefix_;
    if (!path.empty()) full += (full.empty() || path[0] == '[' ? "" : ".") + path;
    std::string at = file_;
    if (!where_.empty() && where_[0] != '[') at += ":" + where_.substr(5);  // "line N" -> ":N"
    return Status::InvalidInput(at + ": " + (full.empty() ? "" : full + ": ") + what);
  }
  void AddNote(const std::string& n) {
    if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(n);
  }
  static std::string Num(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
  }
  static const Json* Field(const Json& j, const char* name) {
    auto it = j.find(name);
    return it == j.end() ? nullptr : &*it;
  }
  Result<double> Number(const Json& j, const char* name) {
    const Json* v = Field(j, name);
    if (!v) return Error(name, "is missing");
    return Element(*v, name);
  }
  Result<double> Element(const Json& v, const std::string& path) {
    if (!v.is_number()) return Error(path, std::string("expected a number, found ") + TypeName(v));
    const double d = v.get<double>();
    if (!std::isfinite(d)) return Error(path, "is not a finite number");
    return d == 0 ? 0.0 : d;  // -0 (Python writes round(-0.004, 2) as -0.0) is 0
  }

  std::string file_, prefix_, where_;
};

bool IsJsonLines(std::string_view data) {
  int lines = 0;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view line = data.substr(pos, end - pos);
    pos = end + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.front() != '{' || line.back() != '}') return false;
    ++lines;
  }
  return lines > 1;
}

std::string_view SkipBom(std::string_view d) {
  if (d.substr(0, 3) == "\xEF\xBB\xBF") d.remove_prefix(3);
  return d;
}

// "2026-02-25" in the file name, if any.
std::string DateInName(const std::string& label) {
  const std::string base = label.substr(label.find_last_of('/') == std::string::npos ? 0 : label.find_last_of('/') + 1);
  for (size_t i = 0; i + 10 <= base.size(); ++i) {
    const char* p = base.data() + i;
    auto digit = [&](int k) { return std::isdigit(static_cast<unsigned char>(p[k])) != 0; };
    if (digit(0) && digit(1) && digit(2) && digit(3) && p[4] == '-' && digit(5) && digit(6) && p[7] == '-' &&
        digit(8) && digit(9) && (i + 10 == base.size() || !std::isdigit(static_cast<unsigned char>(p[10])))) {
      return std::string(p, 10);
    }
  }
  return "";
}

}  // namespace

double GexSnapshot::scalar(std::string_view name) const {
  for (size_t k = 0; k < kGexScalarFields.size(); ++k) {
    if (name == kGexScalarFields[k]) return scalars[k];
  }
  return 0;
}

int DetectGexSnapshot(std::string_view head) {
  head = SkipBom(head);
  size_t i = 0;
  while (i < head.size() && std::isspace(static_cast<unsigned char>(head[i]))) ++i;
  if (i >= head.size() || (head[i] != '{' && head[i] != '[')) return 0;
  const std::string_view rest = head.substr(i);
  const bool keys = rest.find("\"timestamp\"") != std::string_view::npos &&
                    rest.find("\"ticker\"") != std::string_view::npos;
  if (!keys) return 0;
  // The strikes array can start past a short head; the keys before it are distinctive too.
  if (rest.find("\"strikes\"") != std::string_view::npos) return 95;
  if (rest.find("\"zero_gamma\"") != std::string_view::npos || rest.find("\"major_pos_vol\"") != std::string_view::npos) {
    return 90;
  }
  return 0;
}

Result<ParsedGexSnapshots> ParseGexSnapshots(std::string_view data, const std::string& file_label) {
  data = SkipBom(data);
  Parser p(file_label);
  ParsedGexSnapshots out;
  try {
    if (IsJsonLines(data)) {
      size_t pos = 0;
      int line_no = 0;
      while (pos < data.size()) {
        size_t end = data.find('\n', pos);
        if (end == std::string_view::npos) end = data.size();
        const std::string_view line = data.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        const std::string where = "line " + std::to_string(line_no);
        Json j;
        try {
          j = Json::parse(line);
        } catch (const Json::parse_error& e) {
          return p.ParseError(e, line, std::to_string(line_no));
        }
        ASSIGN_OR_RETURN(GexSnapshot s, p.Record(j, "", where));
        out.snapshots.push_back(std::move(s));
      }
      out.notes.push_back("JSON Lines: " + std::to_string(out.snapshots.size()) + " snapshots, one a line");
    } else {
      Json doc;
      try {
        doc = Json::parse(data);
      } catch (const Json::parse_error& e) {
        return p.ParseError(e, data, "");
      }
      if (doc.is_array()) {
        if (doc.empty()) return Status::InvalidInput(file_label + ": the array holds no snapshots");
        for (size_t i = 0; i < doc.size(); ++i) {
          const std::string where = "[" + std::to_string(i) + "]";
          ASSIGN_OR_RETURN(GexSnapshot s, p.Record(doc[i], where, where));
          out.snapshots.push_back(std::move(s));
        }
      } else {
        ASSIGN_OR_RETURN(GexSnapshot s, p.Record(doc, "", ""));
        out.snapshots.push_back(std::move(s));
      }
    }
  } catch (const std::exception& e) {  // nlohmann type errors, bad_alloc: never escape
    return Status::InvalidInput(file_label + ": cannot read the file (" + ToValidUtf8(e.what()) + ")");
  }
  for (const auto& s : out.snapshots) out.strikes_read += static_cast<int64_t>(s.strikes.size());
  out.notes.insert(out.notes.begin(), p.notes.begin(), p.notes.end());
  // GexBot stamps a saved response with the previous session's close: say so when the file
  // name carries another date, so nobody looks for the snapshot under the name's day.
  const std::string named = DateInName(file_label);
  if (!named.empty() && !out.snapshots.empty()) {
    const std::string stamped = FormatIsoUtc(out.snapshots.front().ts);
    if (stamped.substr(0, 10) != named) {
      out.notes.push_back("the file name says " + named + " but the snapshot is stamped " + stamped +
                          " (GexBot stamps the previous close); stored under the stamp");
    }
  }
  return out;
}

}  // namespace barlake::ingest
