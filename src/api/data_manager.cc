// barlake::DataManager (include/barlake/data_manager.h): reads through the public Lake, and
// fetches what is missing with the providers' Updater (providers/update.h) on the Lake's
// own lake::Lake, so a fetch is the same journaled import job `barlake update` makes.
#include "barlake/data_manager.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <map>
#include <set>

#include "api/guard.h"
#include "api/lake_access.h"
#include "core/timeframe.h"
#include "providers/http_client.h"
#include "providers/update.h"

namespace barlake {

struct DataManager::Impl {
  Lake* lake = nullptr;
  FetchReport last;
};

namespace {

using internal::Guard;

// Adds `item` to the report of the calls so far (two when the range reaches both before the
// first stored bar and after the last). The first item (the report has no status yet) sets
// every field.
void Accumulate(const providers::UpdateItem& item, FetchReport* report) {
  const bool first = report->status.empty();
  if (first || !item.provider.empty()) report->provider = item.provider;
  report->requests += item.requests;
  report->rows_fetched += item.rows_fetched;
  report->rows_written += item.rows_written;
  report->rows_rejected += item.rows_rejected;
  report->jobs.insert(report->jobs.end(), item.jobs.begin(), item.jobs.end());
  if (first || report->status == "up_to_date" || !item.result.ok()) report->status = item.status;
  if (first || !item.error.empty()) report->error = item.error;
}

}  // namespace

DataManager::DataManager(Lake& lake) : impl_(std::make_unique<Impl>()) { impl_->lake = &lake; }
DataManager::~DataManager() = default;

const FetchReport& DataManager::last_fetch() const { return impl_->last; }

Result<Bars> DataManager::GetOhlcv(const std::string& symbol, const std::string& timeframe, Micros from, Micros to,
                                   const GetOhlcvOptions& options) {
  if (from >= to) return Status::InvalidArgument("GetOhlcv: from must be before to");
  if (options.fetch_missing) RETURN_IF_ERROR(FetchMissing(symbol, timeframe, from, to, options).status());
  return impl_->lake->Read(symbol, timeframe, from, to);
}

Result<FetchReport> DataManager::FetchMissing(const std::string& symbol, const std::string& timeframe, Micros from,
                                              Micros to, const GetOhlcvOptions& options) {
  return Guard("FetchMissing", [&]() -> Result<FetchReport> {
    impl_->last = FetchReport{};
    ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(timeframe));
    if (from >= to) return Status::InvalidArgument("FetchMissing: from must be before to");
    from = std::max<Micros>(from, 0);
    ASSIGN_OR_RETURN(auto datasets, impl_->lake->Datasets());
    const Dataset* stored = nullptr;
    for (const auto& d : datasets) {
      if (d.symbol == symbol && d.timeframe == timeframe && d.rows > 0) stored = &d;
    }
    // The missing parts of [from, to): before the first stored bar, and after the last one
    // (from the last one: the overlap bar tells whether the provider adjusted its history).
    std::vector<providers::UpdateRequest> requests;
    auto request = [&](Micros f, Micros t) {
      providers::UpdateRequest req;
      req.symbols = {symbol};
      req.timeframes = {timeframe};
      req.provider = options.provider;
      req.from = f;
      req.to = t;
      requests.push_back(std::move(req));
    };
    // The Updater clips `to` to the last closed bar; 0 asks for "up to now".
    const Micros now_bound = std::numeric_limits<Micros>::max() / 4;
    const Micros end = to >= now_bound ? 0 : to;
    if (!stored) {
      request(from, end);
    } else {
      if (from > 0 && from < stored->first_ts) request(from, std::min(to, stored->first_ts));
      if (to > stored->last_ts + tf.micros()) request(0, end);
    }
    FetchReport report;
    report.status = "up_to_date";
    if (!requests.empty()) {
      lake::Lake* inner = internal::LakeAccess::Inner(*impl_->lake);
      if (!inner) return Status::Internal("FetchMissing: the Lake has no vault open");
      auto http = providers::NewCurlHttpClient();
      providers::UpdaterOptions o;
      o.http = http.get();
      providers::Updater updater(inner, o);
      report.status.clear();
      for (const auto& req : requests) {
        ASSIGN_OR_RETURN(auto items, updater.Run(req));
        for (const auto& item : items) {
          Accumulate(item, &report);
          impl_->last = report;
          if (!item.result.ok()) return item.result;
        }
      }
    }
    impl_->last = report;
    return report;
  });
}

Result<std::vector<std::string>> DataManager::ListSymbols() {
  return Guard("ListSymbols", [&]() -> Result<std::vector<std::string>> {
    std::set<std::string> symbols;
    ASSIGN_OR_RETURN(auto stored, impl_->lake->Datasets());
    for (const auto& d : stored) {
      if (d.kind == "bars") symbols.insert(d.symbol);
    }
    ASSIGN_OR_RETURN(auto declared, impl_->lake->RegisteredDatasets());
    for (const auto& d : declared) {
      if (d.kind == "bars") symbols.insert(d.symbol);
    }
    return std::vector<std::string>(symbols.begin(), symbols.end());
  });
}

Result<std::vector<std::string>> DataManager::ListTimeframes(const std::string& symbol) {
  return Guard("ListTimeframes", [&]() -> Result<std::vector<std::string>> {
    std::map<int64_t, std::string> by_length;
    auto add = [&](const std::string& kind, const std::string& name) {
      auto tf = Timeframe::Parse(name);
      if (kind == "bars" && tf.ok()) by_length.emplace(tf->micros(), name);
    };
    ASSIGN_OR_RETURN(auto stored, impl_->lake->Datasets());
    for (const auto& d : stored) {
      if (d.symbol == symbol) add(d.kind, d.timeframe);
    }
    ASSIGN_OR_RETURN(auto declared, impl_->lake->RegisteredDatasets());
    for (const auto& d : declared) {
      if (d.symbol == symbol) add(d.kind, d.timeframe);
    }
    if (by_length.empty()) return Status::NotFound("no bar dataset of symbol '" + symbol + "'");
    std::vector<std::string> out;
    for (auto& [len, name] : by_length) out.push_back(name);
    return out;
  });
}

Result<std::vector<std::string>> DataManager::ProviderFor(const std::string& symbol, const std::string& timeframe) {
  return Guard("ProviderFor", [&]() -> Result<std::vector<std::string>> {
    lake::Lake* inner = internal::LakeAccess::Inner(*impl_->lake);
    if (!inner) return Status::Internal("ProviderFor: the Lake has no vault open");
    providers::UpdaterOptions o;  // no HTTP client: nothing is fetched
    providers::Updater updater(inner, o);
    return updater.ServingChain(symbol, timeframe);
  });
}

}  // namespace barlake
