// barlake::DataManager: the facade of the users' design over an open vault: bars of a
// symbol and timeframe from the lake, with what is missing fetched from the online providers
// (Yahoo, Binance, Alpha Vantage; docs/providers.md) first when asked.
//
//   #include <barlake/data_manager.h>
//   auto lake = barlake::Lake::Open("/data/vault");
//   barlake::DataManager dm(**lake);
//   auto bars = dm.GetOhlcv("BTCUSDT", "1m", from, to, {.fetch_missing = true});
//   auto symbols = dm.ListSymbols();
//   auto chain = dm.ProviderFor("AAPL", "1d");   // "yahoo"
//
// Includes only the C++ standard library and barlake/*.h (docs/library.md). Every method
// returns a Status or Result<T> and never throws. A DataManager uses its Lake as that Lake's
// one caller meanwhile (thread-compatible, like Lake).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "barlake/lake.h"
#include "barlake/result.h"
#include "barlake/status.h"
#include "barlake/types.h"

namespace barlake {

struct GetOhlcvOptions {
  /// Before reading, fetch the bars of [from, to) the lake does not hold yet from the
  /// dataset's provider chain (the `[[rule]]`s of barlake.toml, docs/providers.md), as one
  /// journaled import job, exactly as `barlake update SYMBOL --timeframe TF` would. Off: the
  /// lake only, no network.
  bool fetch_missing = false;
  /// Only this provider ("yahoo", "binance", "alphavantage"; no failover). Empty: the chain.
  std::string provider;
};

/// What the last GetOhlcv fetched (all zero and status empty when it fetched nothing).
struct FetchReport {
  std::string provider;  // the provider that served (the last one when several did)
  int64_t requests = 0, rows_fetched = 0, rows_written = 0, rows_rejected = 0;
  /// ok | up_to_date | partial | not_found | adjusted | failed (as `barlake update --json`)
  std::string status;
  std::string error;
  std::vector<int64_t> jobs;  // the import job (one per provider that served)
};

class DataManager {
 public:
  /// Over `lake` (not owned; it must outlive the DataManager).
  explicit DataManager(Lake& lake);
  ~DataManager();
  DataManager(const DataManager&) = delete;
  DataManager& operator=(const DataManager&) = delete;

  /// Bars of symbol/timeframe with from <= ts < to, sorted (as Lake::Read). With
  /// fetch_missing, the missing part of the range is fetched first: bars after the last
  /// stored one (with one bar of overlap), or the whole range for a dataset that has none;
  /// a bar still forming is never stored. Returns kNotFound when the dataset does not exist
  /// (and, fetching, when the provider does not know the symbol), kInvalidArgument for a
  /// malformed timeframe or from >= to, kConflict when the provider's history was adjusted
  /// (a split: the message names the ratio and `barlake update --full`), kUnavailable when
  /// every provider of the chain failed (rate limit, ban, quota, network) or another writer
  /// holds the lock. A fetch that fails leaves the lake as it was.
  Result<Bars> GetOhlcv(const std::string& symbol, const std::string& timeframe, Micros from, Micros to,
                        const GetOhlcvOptions& options = {});

  /// The fetch half of GetOhlcv on its own: fetch the part of [from, to) the lake lacks
  /// (nothing when it holds it all: status "up_to_date") and say what was fetched. A `from`
  /// <= 0 means "after the last stored bar" (a new dataset: the provider's default lookback,
  /// docs/providers.md); a `to` past now means now. Errors as GetOhlcv; the report is also
  /// last_fetch().
  Result<FetchReport> FetchMissing(const std::string& symbol, const std::string& timeframe, Micros from, Micros to,
                                   const GetOhlcvOptions& options = {});

  /// The symbols of the bar datasets, stored or declared in barlake.toml, sorted, once each.
  Result<std::vector<std::string>> ListSymbols();
  /// The timeframes of `symbol`'s bar datasets, shortest first. kNotFound when it has none.
  Result<std::vector<std::string>> ListTimeframes(const std::string& symbol);
  /// The provider chain that serves symbol/timeframe, in failover order (the first `[[rule]]`
  /// of barlake.toml matching the dataset's asset class and timeframe, or the defaults),
  /// leaving out providers that do not serve the timeframe. kNotFound when none does,
  /// kInvalidArgument for a malformed timeframe. Registry only: no network, no Parquet.
  Result<std::vector<std::string>> ProviderFor(const std::string& symbol, const std::string& timeframe);

  /// What the last GetOhlcv with fetch_missing fetched.
  const FetchReport& last_fetch() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace barlake
