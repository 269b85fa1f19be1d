#include "server/detect_context.h"

#include "core/time_util.h"
#include "core/time_zone.h"
#include "core/timeframe.h"

namespace barlake::server {

using nlohmann::json;

namespace {

// The head up to its last whole line: a line cut at the 1 MiB mark is not the file's.
std::string_view WholeLines(std::string_view head) {
  const size_t nl = head.rfind('\n');
  return nl == std::string_view::npos ? head : head.substr(0, nl + 1);
}

}  // namespace

json DetectContext(lake::Lake& lake, const ingest::BarFormat& format, std::string_view head,
                   const std::string& file_name, const DetectContextRequest& request) {
  const registry::Registry& reg = lake.registry();
  const bool named = !request.symbol.empty() && !request.timeframe.empty();
  const registry::DatasetSpec* declared = named ? reg.Find(request.symbol, request.timeframe) : nullptr;
  // The same choice as the import (lake/import_bars.cc): --tz, the dataset's source_tz,
  // else the vault's default_source_tz.
  json zone;
  zone["zone"] = !request.tz.empty() ? request.tz
                 : named            ? reg.SourceTzFor(request.symbol, request.timeframe)
                                    : reg.settings().default_source_tz;
  zone["because"] = !request.tz.empty()                           ? "the zone you chose"
                    : declared && !declared->source_tz.empty() ? "the dataset's source_tz"
                                                               : "the vault's default_source_tz";
  // Whether the zone applies at all: parse the head as the import would. Stamps with a UTC
  // offset or epoch times carry their own zone.
  auto tz = TimeZone::Locate(zone["zone"].get<std::string>());
  auto tf = Timeframe::Parse(request.timeframe.empty() ? "1m" : request.timeframe);
  if (!tz.ok()) {
    zone["used"] = nullptr;
    zone["text"] = tz.status().message();
  } else if (tf.ok()) {
    TimeZone local = *tz;
    ingest::ParseOptions popt{*tf, &local, file_name};
    popt.keep_unparsed = true;
    auto parsed = format.Parse(WholeLines(head), popt);
    if (!parsed.ok() || parsed->bars.empty()) {
      zone["used"] = nullptr;
      zone["text"] = zone["zone"].get<std::string>() + " if the stamps carry no zone (" +
                     zone["because"].get<std::string>() + ")";
    } else if (parsed->source_tz_used) {
      zone["used"] = true;
      zone["text"] = zone["zone"].get<std::string>() + ": " + zone["because"].get<std::string>();
    } else {
      zone["used"] = false;
      zone["text"] = "UTC: the stamps carry their own zone (epoch times or UTC offsets)";
    }
  }
  json out = {{"zone", zone}};
  if (named) {
    json d = {{"symbol", request.symbol}, {"timeframe", request.timeframe}, {"exists", false}};
    if (auto all = lake.Datasets(); all.ok()) {
      for (const auto& s : *all) {
        if (s.symbol != request.symbol || s.timeframe != request.timeframe) continue;
        d["exists"] = true;
        d["rows"] = s.rows;
        d["first_bar"] = FormatIsoUtc(s.first_ts);
        d["last_bar"] = FormatIsoUtc(s.last_ts);
      }
    }
    out["dataset"] = d;
  }
  return out;
}

}  // namespace barlake::server
