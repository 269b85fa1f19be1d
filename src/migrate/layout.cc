// The legacy layouts a migration reads, and how `--layout auto` tells them apart
// (docs/migration.md#layouts).
#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "core/text.h"
#include "core/timeframe.h"
#include "ingest/format.h"
#include "migrate/migration.h"

namespace barlake::migrate {

namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsHidden(const std::vector<std::string>& parts) {
  for (const auto& p : parts) {
    if (!p.empty() && p[0] == '.') return true;
  }
  return false;
}

/// A timeframe as the legacy names write it ("1d", "1wk", "60min", "daily") in barlake's
/// spelling, or "" when `text` is none.
std::string NormalizeTimeframe(const std::string& text) {
  std::string t = Lower(text);
  static const std::map<std::string, std::string> words = {
      {"daily", "1d"}, {"day", "1d"}, {"1day", "1d"}, {"hourly", "1h"}, {"minute", "1m"},
      {"weekly", "1w"}, {"1wk", "1w"}, {"monthly", "1mo"}, {"1month", "1mo"}};
  if (auto it = words.find(t); it != words.end()) t = it->second;
  if (EndsWith(t, "min")) t = t.substr(0, t.size() - 3) + "m";
  if (t.empty() || !std::isdigit(static_cast<unsigned char>(t[0]))) return "";
  auto tf = Timeframe::Parse(t);
  return tf.ok() ? tf->name() : "";
}

/// "stocks_1d" -> "1d", "1m" -> "1m", "ES_1m" -> "1m" (the last _ or - separated token).
std::string TimeframeSuffix(const std::string& name, std::string* rest) {
  size_t cut = name.find_last_of("_-");
  const std::string token = cut == std::string::npos ? name : name.substr(cut + 1);
  std::string tf = NormalizeTimeframe(token);
  if (!tf.empty() && rest) *rest = cut == std::string::npos ? "" : name.substr(0, cut);
  return tf;
}

/// The name without its data extensions (.parquet, .pq, .csv, .txt, and .gz/.zip after them).
std::string Stem(const std::string& name) {
  std::string s = name;
  for (std::string_view ext : {".gz", ".zip"}) {
    if (EndsWith(Lower(s), ext)) s = s.substr(0, s.size() - ext.size());
  }
  size_t dot = s.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? s : s.substr(0, dot);
}

bool IsParquet(const std::string& name) {
  const std::string l = Lower(name);
  return EndsWith(l, ".parquet") || EndsWith(l, ".pq");
}
bool IsCsv(const std::string& name) {
  const std::string l = Lower(name);
  return EndsWith(l, ".csv") || EndsWith(l, ".csv.gz");
}
bool IsYear(const std::string& s) {
  return s.size() == 4 && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

struct Files {
  std::vector<std::string> all;  // relative, sorted, hidden ones left out
  bool tickers_json = false;
  std::set<std::string> metadata_dirs;  // folders holding a .metadata.json
};

Result<Files> ListTree(Env* env, const std::string& dir) {
  ASSIGN_OR_RETURN(bool is_dir, env->IsDirectory(dir));
  if (!is_dir) return Status::InvalidArgument("the legacy folder " + QuotePath(dir) + " is not a folder");
  ASSIGN_OR_RETURN(auto rel, ListFilesRecursive(env, dir));
  Files f;
  for (auto& r : rel) {
    auto parts = Split(r);
    if (parts.back() == ".metadata.json") {
      f.metadata_dirs.insert(r.size() > 15 ? r.substr(0, r.size() - 15) : "");
      continue;
    }
    if (IsHidden(parts)) continue;
    if (parts.back() == "tickers.json") {
      f.tickers_json = true;
      continue;
    }
    f.all.push_back(std::move(r));
  }
  return f;
}

// yf_parqed: <root>/<market>/<source>/stocks_<interval>/ticker=T/year=Y/month=M/data.parquet
bool YfParts(const std::vector<std::string>& parts, std::string* ticker, std::string* tf) {
  const size_t n = parts.size();
  if (n < 5 || !IsParquet(parts[n - 1])) return false;
  if (parts[n - 2].rfind("month=", 0) != 0 || parts[n - 3].rfind("year=", 0) != 0 ||
      parts[n - 4].rfind("ticker=", 0) != 0 || parts[n - 5].rfind("stocks_", 0) != 0) {
    return false;
  }
  *ticker = parts[n - 4].substr(7);
  *tf = NormalizeTimeframe(parts[n - 5].substr(7));
  return !ticker->empty() && !tf->empty();
}

// csv-cache: SYMBOL/TF/YYYY.csv.gz (a .metadata.json beside)
bool CsvCacheParts(const std::vector<std::string>& parts, std::string* symbol, std::string* tf) {
  const size_t n = parts.size();
  if (n < 3 || !IsCsv(parts[n - 1]) || !IsYear(Stem(parts[n - 1]))) return false;
  *symbol = parts[n - 3];
  *tf = NormalizeTimeframe(parts[n - 2]);
  return !tf->empty();
}

// flat: stocks_1d/AAPL.parquet, ES1_1m.parquet, data/ES_1m.csv
bool FlatParts(const std::vector<std::string>& parts, const std::string& default_tf, std::string* symbol,
               std::string* tf) {
  const std::string& name = parts.back();
  if (!IsParquet(name) && !IsCsv(name)) return false;
  const std::string stem = Stem(name);
  std::string rest;
  *tf = TimeframeSuffix(stem, &rest);
  if (!tf->empty() && !rest.empty()) {
    *symbol = rest;
    return true;
  }
  *symbol = stem;
  *tf = parts.size() >= 2 ? TimeframeSuffix(parts[parts.size() - 2], nullptr) : "";
  if (tf->empty()) *tf = default_tf;
  return !tf->empty() && !symbol->empty();
}

/// --name-pattern as a regular expression over the file name: {symbol}, {timeframe},
/// {contract} and {any} (or *) match any run of characters; the rest literally.
Result<std::pair<std::regex, std::vector<std::string>>> PatternRegex(const std::string& pattern) {
  std::string re;
  std::vector<std::string> fields;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] == '{') {
      size_t close = pattern.find('}', i);
      if (close == std::string::npos) return Status::InvalidArgument("--name-pattern: '{' without '}' in " + QuoteBytes(pattern));
      const std::string field = pattern.substr(i + 1, close - i - 1);
      if (field != "symbol" && field != "timeframe" && field != "contract" && field != "any") {
        return Status::InvalidArgument("--name-pattern: unknown field {" + field +
                                       "} (known: {symbol}, {timeframe}, {contract}, {any})");
      }
      fields.push_back(field);
      re += "(.+?)";
      i = close + 1;
    } else if (pattern[i] == '*') {
      fields.push_back("any");
      re += "(.*?)";
      ++i;
    } else {
      if (std::string_view(".^$|()[]+?\\").find(pattern[i]) != std::string_view::npos) re += '\\';
      re += pattern[i++];
    }
  }
  if (std::find(fields.begin(), fields.end(), "symbol") == fields.end()) {
    return Status::InvalidArgument("--name-pattern needs {symbol}, e.g. \"{symbol} {contract}.Last.txt\"");
  }
  try {
    return std::make_pair(std::regex(re), fields);
  } catch (const std::regex_error& e) {
    return Status::InvalidArgument("--name-pattern " + QuoteBytes(pattern) + " is not usable: " + e.what());
  }
}

/// The first 64 KiB of a file (decompressed when .gz/.zip), for format detection.
Result<std::string> Head(const std::string& path) {
  ASSIGN_OR_RETURN(auto opened, lake::OpenSource(lake::Source::FromPath(path)));
  std::string_view d = opened->data();
  return std::string(d.substr(0, std::min<size_t>(d.size(), 64 << 10)));
}

/// Data lines of a text file: its lines, less a header line when the first does not start
/// with a digit.
Result<int64_t> CountTextRows(const std::string& path) {
  ASSIGN_OR_RETURN(auto opened, lake::OpenSource(lake::Source::FromPath(path)));
  std::string_view d = opened->data();
  int64_t lines = std::count(d.begin(), d.end(), '\n');
  if (!d.empty() && d.back() != '\n') ++lines;
  if (!d.empty() && !std::isdigit(static_cast<unsigned char>(d[0]))) --lines;
  return std::max<int64_t>(lines, 0);
}

}  // namespace

Result<std::pair<std::string, std::string>> DetectLayout(Env* env, const std::string& source_dir) {
  ASSIGN_OR_RETURN(Files f, ListTree(env, source_dir));
  if (f.all.empty()) return Status::InvalidArgument("the legacy folder " + QuotePath(source_dir) + " holds no files");
  size_t yf = 0, cache = 0, flat = 0;
  std::string yf_example, cache_example, flat_example;
  for (const auto& r : f.all) {
    auto parts = Split(r);
    std::string a, b;
    if (YfParts(parts, &a, &b) && yf++ == 0) yf_example = r;
    if (CsvCacheParts(parts, &a, &b) && cache++ == 0) cache_example = r;
    if (FlatParts(parts, "", &a, &b) && flat++ == 0) flat_example = r;
  }
  if (yf > 0) {
    return std::make_pair(std::string("yf_parqed"),
                          std::to_string(yf) + " files like " + yf_example +
                              " (stocks_<interval>/ticker=T/year=Y/month=M/data.parquet)" +
                              (f.tickers_json ? " and a tickers.json" : ""));
  }
  if (cache > 0) {
    return std::make_pair(std::string("csv-cache"),
                          std::to_string(cache) + " files like " + cache_example + " (SYMBOL/TF/YYYY.csv.gz)" +
                              (f.metadata_dirs.empty() ? "" : " with .metadata.json beside them"));
  }
  if (flat > 0) {
    return std::make_pair(std::string("flat"), std::to_string(flat) + " Parquet/CSV files like " + flat_example +
                                                   " (one file per symbol, the timeframe in the name or folder)");
  }
  // Anything barlake imports, named by a pattern.
  for (const auto& r : f.all) {
    auto head = Head(JoinPath(source_dir, r));
    if (!head.ok()) continue;
    auto det = ingest::DetectFormat(*head, Stem(Split(r).back()));
    if (det.ok()) {
      return std::make_pair(std::string("vendor-files"),
                            "files in formats barlake imports, like " + r + " (" + std::string(det->format->name()) +
                                "); name them with --name-pattern");
    }
  }
  return Status::InvalidArgument(
      "cannot tell the layout of " + QuotePath(source_dir) +
      ": no stocks_<interval>/ticker=T/year=Y/month=M/data.parquet (yf_parqed), no SYMBOL/TF/YYYY.csv.gz "
      "(csv-cache), no SYMBOL_TF.parquet or <tf>/SYMBOL.csv (flat), and no file in a format barlake imports "
      "(vendor-files); pass --layout");
}

Result<std::vector<PlannedDataset>> ScanLayout(Env* env, const ScanRequest& req, const std::string& layout,
                                               std::vector<std::string>* notes) {
  ASSIGN_OR_RETURN(Files f, ListTree(env, req.source_dir));
  const std::string default_tf = req.timeframe.empty() ? "" : NormalizeTimeframe(req.timeframe);
  if (!req.timeframe.empty() && default_tf.empty()) {
    return Status::InvalidArgument("--timeframe " + QuoteBytes(req.timeframe) + " is not a timeframe (1m, 1h, 1d, ...)");
  }
  std::optional<std::pair<std::regex, std::vector<std::string>>> pattern;
  if (layout == "vendor-files") {
    if (req.name_pattern.empty()) {
      return Status::InvalidArgument("the vendor-files layout needs --name-pattern, e.g. \"{symbol} {contract}.Last.txt\" "
                                     "or \"{symbol}_{timeframe}.csv\"");
    }
    auto p = PatternRegex(req.name_pattern);
    if (!p.ok()) return p.status();
    pattern = std::move(*p);
  } else if (layout != "flat" && layout != "yf_parqed" && layout != "csv-cache") {
    return Status::InvalidArgument("--layout must be auto, flat, yf_parqed, csv-cache or vendor-files, not " +
                                   QuoteBytes(layout));
  }
  std::set<std::string> wanted(req.symbols.begin(), req.symbols.end());
  std::map<std::pair<std::string, std::string>, PlannedDataset> by_key;
  size_t skipped = 0;
  for (const auto& r : f.all) {
    auto parts = Split(r);
    std::string symbol, tf, format;
    bool ok = false;
    if (layout == "yf_parqed") {
      ok = YfParts(parts, &symbol, &tf);
      format = "parquet";
    } else if (layout == "csv-cache") {
      ok = CsvCacheParts(parts, &symbol, &tf);
      format = "csv";
    } else if (layout == "flat") {
      ok = FlatParts(parts, default_tf, &symbol, &tf);
      format = IsParquet(parts.back()) ? "parquet" : "csv";
    } else {
      std::smatch m;
      const std::string& name = parts.back();
      if (std::regex_match(name, m, pattern->first)) {
        for (size_t i = 0; i < pattern->second.size(); ++i) {
          if (pattern->second[i] == "symbol") symbol = m[i + 1];
          if (pattern->second[i] == "timeframe") tf = NormalizeTimeframe(m[i + 1]);
        }
        if (tf.empty()) tf = default_tf;
        auto head = Head(JoinPath(req.source_dir, r));
        if (!head.ok()) return head.status().WithContext("reading " + r);
        auto det = ingest::DetectFormat(*head, Stem(name));
        if (!det.ok()) {
          if (notes) notes->push_back("skipped " + r + ": not in a format barlake imports");
          continue;
        }
        format = std::string(det->format->name());
        ok = !symbol.empty() && !tf.empty();
        if (!ok && !symbol.empty() && notes) {
          notes->push_back("skipped " + r + ": the pattern gives no timeframe; pass --timeframe");
          continue;
        }
      }
    }
    if (!ok) {
      if (skipped++ < 20 && notes) notes->push_back("skipped " + r + ": not a " + layout + " data file");
      continue;
    }
    if (!wanted.empty() && !wanted.count(symbol)) continue;
    PlannedDataset& d = by_key[{symbol, tf}];
    d.symbol = symbol;
    d.timeframe = tf;
    LegacyFile file{r, 0, 0, format};
    ASSIGN_OR_RETURN(file.bytes, env->GetFileSize(JoinPath(req.source_dir, r)));
    if (format == "parquet") {
      auto rows = ParquetRowCount(JoinPath(req.source_dir, r));
      if (!rows.ok()) return rows.status();
      file.rows = *rows;
    } else {
      ASSIGN_OR_RETURN(file.rows, CountTextRows(JoinPath(req.source_dir, r)));
    }
    d.rows += file.rows;
    d.bytes += file.bytes;
    d.files.push_back(std::move(file));
  }
  if (skipped > 20 && notes) notes->push_back("... and " + std::to_string(skipped - 20) + " more files skipped");
  std::vector<PlannedDataset> out;
  for (auto& [key, d] : by_key) out.push_back(std::move(d));
  if (out.empty()) {
    return Status::InvalidArgument("no " + layout + " datasets in " + QuotePath(req.source_dir) +
                                   (wanted.empty() ? std::string() : " for --symbols") +
                                   (layout == "flat" && default_tf.empty()
                                        ? "; when neither names nor folders give the timeframe, pass --timeframe"
                                        : ""));
  }
  return out;
}

}  // namespace barlake::migrate
