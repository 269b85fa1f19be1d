// Update: bring datasets up to date from the online providers, through the normal import
// pipeline. For each dataset it picks the provider chain of the first matching [[rule]]
// (or the defaults), works out what is missing (after the last stored bar, with one bar of
// overlap, or the asked range, up to now: the still-forming bar is stored provisional and
// completed by the next update), fetches it request by request
// through the Fetcher, and imports every answer with bars as a Source of bytes whose name
// is the provider and the URL with any key redacted: each answer is one import job, kept
// under .barlake/sources/ with its SHA-256, so rollback, verify, repair and recover treat
// it like an imported file. A provider that fails (banned, blocked, out of quota, failing,
// unknown symbol, bad body) hands the rest of the range to the next one of the chain.
//
// Answers that are archives (Binance's monthly zips, RequestKind::kArchive) are checked
// against their published SHA-256 before use (a mismatch fails the dataset and writes
// nothing), parsed as the CSV inside, and kept as the zip; a missing archive hands the rest
// of the range to the provider's API.
//
// Before the first answer of a dataset is imported, its overlap bar is compared with the
// stored one: if every price differs by the same ratio (a split or dividend the provider
// applied to its history), nothing is merged and the dataset stops with kConflict naming
// the ratio and --full.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lake/lake.h"
#include "providers/fetcher.h"
#include "providers/provider.h"
#include "providers/usage_state.h"

namespace barlake::providers {

struct UpdateRequest {
  /// Empty: every bar dataset that opted in (made by a download, or given asset_class or
  /// provider_symbols) and that a provider of its chain serves.
  std::vector<std::string> symbols;
  std::vector<std::string> timeframes;  // empty: every timeframe declared for the symbol
  std::string provider;                 // set: only this provider (no failover)
  Micros from = 0, to = 0;              // 0: from the last stored bar / up to now
  bool full = false;                    // fetch the whole range again; new bars replace stored ones
  bool dry_run = false;                 // plan the requests only
};

/// Which provider served which range.
struct ServedRange {
  std::string provider;
  Micros from = 0, to = 0;
};

struct UpdateItem {
  std::string symbol, timeframe;
  std::string provider;  // the one that served (the last one when several did)
  int64_t requests = 0, rows_fetched = 0, rows_written = 0, rows_rejected = 0;
  /// Still-forming bars stored provisional (kBarProvisional: the last bar, when it had not
  /// closed at the fetch); the next update fetches it again and completes it.
  int64_t provisional = 0;
  /// Provisional bars of earlier updates (or imports) this update completed.
  int64_t provisional_completed = 0;
  /// ok | up_to_date | partial | not_found | adjusted | failed | planned (dry run)
  std::string status;
  std::string error;
  Status result;  // the error as a Status (for the exit code)
  std::vector<ServedRange> served;
  std::vector<int64_t> jobs;             // import jobs, one per answer with bars
  std::vector<std::string> planned;      // dry run: the requests (URLs redacted)
  std::vector<std::string> attempts;     // "provider URL: statuses -> outcome: message"
  std::vector<std::string> notes;
};

struct UpdaterOptions {
  HttpClient* http = nullptr;  // not owned
  Clock* clock = nullptr;      // not owned; nullptr: SystemClock()
  FetchPolicy policy;
};

class Updater {
 public:
  Updater(lake::Lake* lake, UpdaterOptions options);
  /// One item per dataset, in the order asked. Errors that stop every dataset (a bad
  /// request, an unknown provider) are a Status; a dataset's failure is in its item.
  Result<std::vector<UpdateItem>> Run(const UpdateRequest& request);
  const Fetcher& fetcher() const { return fetcher_; }
  /// The providers of symbol/timeframe's chain that serve the timeframe, in failover order
  /// (the facade's ProviderFor). kNotFound when none does.
  Result<std::vector<std::string>> ServingChain(const std::string& symbol, const std::string& timeframe);

  /// The asset class of a dataset: its `asset_class`, else guessed from the symbol
  /// (USDT/BUSD/USDC/BTC/ETH quote: crypto; a Yahoo future "=F": future; six letters
  /// that are two ISO currencies: fx; else stock).
  static std::string AssetClassOf(const registry::DatasetSpec* spec, const std::string& symbol);
  /// The provider chain for an asset class and timeframe: the first [[rule]] that matches,
  /// else crypto -> binance; stock daily/weekly -> yahoo; stock intraday -> alphavantage,
  /// yahoo; future and fx -> yahoo.
  static std::vector<std::string> ChainFor(const registry::Registry& reg, const std::string& asset_class,
                                           const Timeframe& tf);

 private:
  UpdateItem UpdateOne(const std::string& symbol, const std::string& timeframe, const UpdateRequest& request);
  Result<Provider*> ProviderNamed(const std::string& name);
  /// Before a request: why `p`'s daily quota is used up (counted in the vault), or "".
  std::string QuotaUsedUp(const Provider& p);
  /// After a request: count its attempts against a daily quota, kept in the vault at once.
  void CountRequests(const Provider& p, int attempts, UpdateItem* item);

  lake::Lake* lake_;
  UpdaterOptions options_;
  Clock* clock_;
  Fetcher fetcher_;
  std::vector<std::unique_ptr<Provider>> providers_;
  /// .barlake/providers.json: daily counts and breakers across runs (loaded by Run, except
  /// for a dry run).
  std::optional<UsageState> usage_;
};

/// The items as the `--json` array: {symbol, timeframe, provider, requests, rows_fetched,
/// rows_written, rows_rejected, provisional, provisional_completed, status, error, served,
/// jobs, planned}.
std::string UpdateItemsJson(const std::vector<UpdateItem>& items);

}  // namespace barlake::providers
