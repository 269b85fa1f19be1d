#include "ingest/alphavantage.h"

#include <limits>
#include <optional>

#include "core/json_text.h"
#include "core/text.h"
#include "ingest/vendor_common_internal.h"

namespace barlake::ingest {
namespace {

using internal::kBarFields;
using json = internal::Json;

constexpr const char* kDefaultZone = "US/Eastern";

struct Row {
  int64_t local = 0;  // wall-clock micros (intraday) or the date at 00:00 (daily)
  bool has_time = false;
  double v[5] = {};
  uint32_t line = 0;
};

// "5. volume" -> "volume"; keys without a "N. " prefix stay as they are.
std::string_view FieldName(std::string_view key) {
  const size_t dot = key.find(". ");
  return dot == std::string_view::npos ? key : key.substr(dot + 2);
}

bool IsEasternZone(const std::string& name) {
  return name == "America/New_York" || name == "US/Eastern" || name == "EST5EDT";
}

// Turns rows into bars: checks daily vs intraday stamps, picks the stamp convention,
// converts local times to UTC open times, sorts.
Result<ParsedBars> Finish(std::vector<Row> rows, TimeZone* zone, const ParseOptions& opt,
                          ParsedBars out) {
  const bool daily = opt.timeframe.is_daily_or_longer();
  for (const Row& r : rows) {
    if (r.has_time == daily) {
      return Status::InvalidInput(
          opt.file_label + ":" + std::to_string(r.line) + ": field 'timestamp': the file has " +
          (r.has_time ? "intraday stamps (yyyy-MM-dd HH:mm:ss)" : "daily stamps (yyyy-MM-dd)") +
          " but the timeframe is " + opt.timeframe.name() + "; pass --timeframe " +
          (r.has_time ? "1m (or the file's bar size)" : "1d"));
    }
  }
  Micros shift = 0;
  if (!daily && !rows.empty()) {
    bool at_0400 = false, at_2000 = false;
    for (const Row& r : rows) {
      const int64_t tod = (r.local / kMicrosPerSecond) % 86400;
      at_0400 |= tod == 4 * 3600;
      at_2000 |= tod == 20 * 3600;
    }
    std::string why;
    bool close = true;
    if (opt.stamp == "open" || opt.stamp == "close") {
      close = opt.stamp == "close";
      why = "as asked (--stamp " + opt.stamp + ")";
    } else if (at_0400 && !at_2000) {
      close = false;
      why = "the file has a bar at 04:00 and none at 20:00, so stamps mark the bar open";
    } else {
      why = at_2000 ? "the file has a bar at 20:00, the end of extended hours"
                    : "Alpha Vantage's convention in the files we know (04:01..20:00); pass "
                      "--stamp open if this file marks bar opens";
    }
    if (close) shift = opt.timeframe.micros();
    out.notes.push_back(std::string("intraday stamps read as bar ") + (close ? "CLOSE" : "OPEN") +
                        " times: " + why);
  }
  // Convert in chronological order so the DST rule (time_zone.h) sees the file's order;
  // Alpha Vantage lists newest first.
  const bool newest_first = rows.size() > 1 && rows.front().local > rows.back().local;
  std::vector<Micros> utc(rows.size());
  Micros previous = std::numeric_limits<Micros>::min();
  for (size_t k = 0; k < rows.size(); ++k) {
    const size_t i = newest_first ? rows.size() - 1 - k : k;
    if (daily) {
      utc[i] = rows[i].local;
      continue;
    }
    TimeZone::LocalKind kind;
    utc[i] = zone->LocalToUtc(rows[i].local, previous, &kind);
    if (kind == TimeZone::LocalKind::kNonexistent) ++out.nonexistent_local;
    if (kind == TimeZone::LocalKind::kAmbiguous) ++out.ambiguous_local;
    previous = utc[i];
  }
  out.bars.Reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) internal::PushBar(&out, utc[i] - shift, rows[i].v, rows[i].line);
  internal::SortAndNote(&out);
  return out;
}

// Seconds of a series key: "Time Series (5min)" -> 300, "Time Series (Daily)" -> 86400,
// "Weekly ..." -> 604800; 0 for monthly or unknown.
int64_t SeriesSeconds(const std::string& key) {
  if (key.find("Daily") != std::string::npos) return 86400;
  if (key.find("Weekly") != std::string::npos) return 604800;
  const size_t open = key.find('('), min = key.find("min)");
  if (open != std::string::npos && min != std::string::npos && min > open + 1) {
    int64_t n = 0;
    for (size_t i = open + 1; i < min; ++i) {
      if (key[i] < '0' || key[i] > '9') return 0;
      n = n * 10 + (key[i] - '0');
    }
    return n * 60;
  }
  return 0;
}

// The refusal when Alpha Vantage answered with a message (an error, or a rate-limit
// note) instead of data; nothing when `doc` holds none.
std::optional<Status> MessageInsteadOfData(const json& doc, const std::string& file) {
  for (const char* k : {"Error Message", "Note", "Information"}) {
    if (doc.contains(k)) {
      return Status::InvalidInput(file + ": Alpha Vantage sent a message instead of data: " + k + ": " +
                                  (doc[k].is_string() ? doc[k].get<std::string>() : ToJsonText(doc[k])));
    }
  }
  return std::nullopt;
}

// Reads a stamp into `row`; reports it and returns false when it is not a date or time.
bool ReadStamp(std::string_view stamp, uint32_t line, ProblemList* problems, Row* row) {
  if (internal::ParseLocalStamp(stamp, &row->local, &row->has_time)) return true;
  problems->Add(line, "timestamp", QuoteBytes(stamp, 30) + " is not 'yyyy-MM-dd[ HH:mm:ss]'");
  return false;
}

class AlphaVantageJson : public internal::JsonDocumentFormat {
 public:
  AlphaVantageJson()
      : JsonDocumentFormat("alphavantage-json",
                           "Alpha Vantage TIME_SERIES_* JSON ({\"Meta Data\":..., \"Time Series (1min)\":...}), zone "
                           "from \"Time Zone\"") {}

  Detection Detect(std::string_view head, std::string_view) const override {
    if (internal::FirstJsonKeyIs(head, "Meta Data")) {
      return {95, "a JSON object whose first key is \"Meta Data\" (Alpha Vantage time series)"};
    }
    for (const char* k : {"Error Message", "Note", "Information"}) {
      if (internal::FirstJsonKeyIs(head, k)) {
        return {40, std::string("a JSON object with only \"") + k +
                        "\": looks like an Alpha Vantage error or rate-limit message"};
      }
    }
    return {0, "not a JSON object starting with the key \"Meta Data\""};
  }

 private:
  Result<ParsedBars> ParseDocument(json& doc, const ParseOptions& opt) const override {
    const std::string& file = opt.file_label;
    if (!doc.is_object()) return Status::InvalidInput(file + ": not an Alpha Vantage response (not a JSON object)");
    if (!doc.contains("Meta Data")) {
      if (auto refused = MessageInsteadOfData(doc, file)) return *refused;
      return Status::InvalidInput(file + ": not an Alpha Vantage time series (no \"Meta Data\")");
    }
    const json& meta = doc["Meta Data"];
    std::string zone_name, interval;
    if (meta.is_object()) {
      for (const auto& [key, value] : meta.items()) {
        if (!value.is_string()) continue;
        if (FieldName(key) == "Time Zone") zone_name = value.get<std::string>();
        if (FieldName(key) == "Interval") interval = value.get<std::string>();
      }
    }
    const json* series = nullptr;
    std::string series_key;
    for (const auto& [key, value] : doc.items()) {
      if (key != "Meta Data" && key.find("Time Series") != std::string::npos && value.is_object()) {
        series = &value;
        series_key = key;
        break;
      }
    }
    if (!series) return Status::InvalidInput(file + ": no \"Time Series\" object next to \"Meta Data\"");
    const int64_t secs = SeriesSeconds(series_key);
    if (secs == 0) {
      return Status::InvalidInput(file + ": '" + series_key +
                                  "' bars cannot be stored (barlake keeps intraday, daily and weekly bars)");
    }
    if (secs != opt.timeframe.seconds()) {
      return Status::InvalidInput(file + ": the series is '" + series_key + "' (" +
                                  internal::TimeframeName(secs) + " bars) but the timeframe is " +
                                  opt.timeframe.name() + "; pass --timeframe " + internal::TimeframeName(secs));
    }

    ParsedBars out;
    std::optional<TimeZone> zone;
    if (!opt.timeframe.is_daily_or_longer()) {
      if (zone_name.empty()) {
        zone_name = kDefaultZone;
        out.notes.push_back("Meta Data has no \"Time Zone\": stamps read in US/Eastern (Alpha Vantage's zone)");
      } else {
        out.notes.push_back("stamps read in " + zone_name + " from Meta Data \"Time Zone\"" +
                            (opt.source_tz && opt.source_tz->name() != zone_name
                                 ? " (not the source zone " + opt.source_tz->name() + ")"
                                 : ""));
      }
      Result<TimeZone> z = TimeZone::Locate(zone_name);
      if (!z.ok()) return Status::InvalidInput(file + ": Meta Data \"Time Zone\" '" + zone_name + "' is not a known zone");
      zone = std::move(z).value();
    }

    ProblemList problems = internal::ProblemsFor(opt, &out);
    std::vector<Row> rows;
    rows.reserve(series->size());
    uint32_t n = 0;
    for (const auto& [stamp, bar] : series->items()) {
      ++n;
      ++out.rows_read;
      Row row;
      row.line = n;
      if (!ReadStamp(stamp, n, &problems, &row)) continue;
      bool found[5] = {};
      bool ok = bar.is_object();
      if (ok) {
        for (const auto& [key, value] : bar.items()) {
          const std::string_view f = FieldName(key);
          for (int i = 0; i < 5; ++i) {
            if (f != kBarFields[i]) continue;
            found[i] = true;
            if (!internal::JsonBarValue(value, i, n, &problems, &row.v[i])) ok = false;
          }
        }
        for (int i = 0; i < 5 && ok; ++i) {
          if (!found[i]) {
            problems.Add(n, kBarFields[i], "missing in the bar of " + stamp);
            ok = false;
          }
        }
      } else {
        problems.Add(n, "bar", "the value of " + stamp + " is not an object");
      }
      if (ok) rows.push_back(row);
    }
    RETURN_IF_ERROR(problems.ToStatus("Fetch the series again (N is the bar's position in the series)."));
    return Finish(std::move(rows), zone ? &*zone : nullptr, opt, std::move(out));
  }
};

class AlphaVantageCsv : public internal::GuardedFormat {
 public:
  AlphaVantageCsv()
      : GuardedFormat("alphavantage-csv",
                      "Alpha Vantage datatype=csv: timestamp,open,high,low,close,volume (newest first, US/Eastern)") {}

  Detection Detect(std::string_view head, std::string_view) const override {
    const std::string_view line = internal::FirstLine(head);
    if (line == "timestamp,open,high,low,close,volume" || line == "time,open,high,low,close,volume") {
      return {80, "first line is '" + std::string(line) + "', Alpha Vantage's CSV header"};
    }
    return {0, "first line is not 'timestamp,open,high,low,close,volume' (Alpha Vantage CSV)"};
  }

 private:
  Result<ParsedBars> ParseImpl(std::string_view data, const ParseOptions& opt) const override {
    const std::string& file = opt.file_label;
    const std::string_view trimmed = internal::SkipBomAndSpace(data);
    if (!trimmed.empty() && trimmed[0] == '{') {
      // Alpha Vantage answers datatype=csv requests with a JSON body when it refuses.
      Result<json> doc = internal::ParseJsonDocument(trimmed, file);
      if (doc.ok() && doc->is_object()) {
        if (auto refused = MessageInsteadOfData(*doc, file)) return *refused;
      }
      return Status::InvalidInput(file + ": a JSON body, not Alpha Vantage CSV; try --format alphavantage-json");
    }
    ParsedBars out;
    std::optional<TimeZone> own_zone;
    TimeZone* zone = opt.source_tz;
    if (!opt.timeframe.is_daily_or_longer()) {
      if (!zone) {
        own_zone = TimeZone::Locate(kDefaultZone).value();
        zone = &*own_zone;
        out.notes.push_back("the file does not name its zone: stamps read in US/Eastern (Alpha Vantage's documented zone)");
      } else if (IsEasternZone(zone->name())) {
        out.notes.push_back("the file does not name its zone: stamps read in " + zone->name() +
                            " (the source zone; Alpha Vantage serves US/Eastern)");
      } else {
        out.notes.push_back("the file does not name its zone: stamps read in " + zone->name() +
                            " (the source zone), but Alpha Vantage serves US/Eastern: pass --tz "
                            "America/New_York unless the file was converted");
      }
      out.source_tz_used = zone == opt.source_tz;
    }
    ProblemList problems = internal::ProblemsFor(opt, &out);
    std::vector<Row> rows;
    rows.reserve(data.size() / 50 + 4);
    bool header = false;
    LineReader reader(data, &opt.on_progress);
    std::string_view line;
    while (internal::NextNonEmptyLine(&reader, &line, &out)) {
      const uint32_t line_no = reader.line_no();
      if (!header && rows.empty() && out.rows_read == 0) {
        if (line.substr(0, 10) == "timestamp," || line.substr(0, 5) == "time,") {
          header = true;
          continue;
        }
      }
      ++out.rows_read;
      Row row;
      row.line = line_no;
      std::string_view fields[6];
      // Extra fields are ignored: only fewer than six is a problem.
      const size_t count = internal::SplitCommas(line, fields, 6);
      if (count < 6) {
        problems.Add(line_no, count == 1 ? "open" : kBarFields[count - 1],
                     "missing (expected timestamp,open,high,low,close,volume)");
        continue;
      }
      if (!ReadStamp(fields[0], line_no, &problems, &row)) continue;
      if (internal::TextBarValues(&fields[1], line_no, &problems, row.v)) rows.push_back(row);
    }
    RETURN_IF_ERROR(problems.ToStatus(
        "Each line must be 'timestamp,open,high,low,close,volume'. Fix these lines or download the file again."));
    return Finish(std::move(rows), zone, opt, std::move(out));
  }
};

}  // namespace

const BarFormat* AlphaVantageJsonFormat() { return internal::FormatInstance<AlphaVantageJson>(); }

const BarFormat* AlphaVantageCsvFormat() { return internal::FormatInstance<AlphaVantageCsv>(); }

}  // namespace barlake::ingest
