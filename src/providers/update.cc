#include "providers/update.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/checksum.h"
#include "core/json_text.h"
#include "core/text.h"
#include "core/time_zone.h"
#include "ingest/format.h"
#include "lake/compressed_source.h"

namespace barlake::providers {
namespace {

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// How far back a dataset with no bars starts when no --from is given.
Micros DefaultLookback(const Timeframe& tf) {
  if (tf.seconds() <= 60) return 7 * kMicrosPerDay;
  if (tf.seconds() < 3600) return 30 * kMicrosPerDay;
  if (tf.seconds() < 86400) return 180 * kMicrosPerDay;
  if (tf.seconds() < 7 * 86400) return 5 * 365 * kMicrosPerDay;
  return 10 * 365 * kMicrosPerDay;
}

// Whether the import kept a still-forming last bar as provisional: the parser saw it
// (Yahoo's live bar at regularMarketTime, a Binance kline closing in the future) or the
// pipeline did (the fetch time falls inside the last bar).
bool KeptFormingBar(const std::vector<std::string>& notes) {
  for (const auto& note : notes) {
    if (note.rfind("kept the live last bar", 0) == 0 || note.rfind("kept the last kline as provisional", 0) == 0 ||
        note.find("): stored as provisional") != std::string::npos) {
      return true;
    }
  }
  return false;
}

// The SHA-256 a checksum file publishes (sha256sum format: "HEX  NAME"), lower case; empty
// when the text does not start with 64 hex digits.
std::string PublishedSha256(const std::string& text) {
  std::string hex;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) break;
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 64 || (text.size() > 64 && !std::isspace(static_cast<unsigned char>(text[64])))) return "";
  return hex;
}

std::string RatioText(double r) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", r);
  return buf;
}

void AddServed(UpdateItem* item, const std::string& provider, Micros from, Micros to) {
  if (!item->served.empty() && item->served.back().provider == provider && item->served.back().to == from) {
    item->served.back().to = to;
  } else {
    item->served.push_back({provider, from, to});
  }
}

}  // namespace

std::string Updater::AssetClassOf(const registry::DatasetSpec* spec, const std::string& symbol) {
  if (spec && !spec->asset_class.empty()) return spec->asset_class;
  if (spec) {
    for (const auto& [provider, psym] : spec->provider_symbols) {
      if (provider == "yahoo" && EndsWith(psym, "=F")) return "future";
      if (provider == "yahoo" && EndsWith(psym, "=X")) return "fx";
    }
  }
  for (const char* quote : {"USDT", "BUSD", "USDC", "FDUSD", "BTC", "ETH", "BNB"}) {
    if (EndsWith(symbol, quote)) return "crypto";
  }
  static const char* kCurrencies[] = {"USD", "EUR", "JPY", "GBP", "CHF", "AUD", "CAD", "NZD", "SEK", "NOK"};
  if (symbol.size() == 6) {
    int known = 0;
    for (const char* c : kCurrencies) {
      if (symbol.compare(0, 3, c) == 0) ++known;
      if (symbol.compare(3, 3, c) == 0) ++known;
    }
    if (known == 2) return "fx";
  }
  return "stock";
}

std::vector<std::string> Updater::ChainFor(const registry::Registry& reg, const std::string& asset_class,
                                           const Timeframe& tf) {
  for (const auto& rule : reg.rules()) {
    if (rule.asset_class != asset_class) continue;
    bool matches = rule.timeframes.empty();
    for (const auto& name : rule.timeframes) {
      auto t = Timeframe::Parse(name);
      if (t.ok() && *t == tf) matches = true;
    }
    if (matches) return rule.providers;
  }
  if (asset_class == "crypto") return {"binance"};
  if (asset_class == "stock") {
    if (tf.is_daily_or_longer()) return {"yahoo"};
    return {"alphavantage", "yahoo"};
  }
  return {"yahoo"};  // future, fx
}

Updater::Updater(lake::Lake* lake, UpdaterOptions options)
    : lake_(lake),
      options_(options),
      clock_(options.clock ? options.clock : SystemClock()),
      fetcher_(options.http, clock_, options.policy) {}

Result<Provider*> Updater::ProviderNamed(const std::string& name) {
  for (auto& p : providers_) {
    if (p->name() == name) return p.get();
  }
  ProviderConfig c;
  c.name = name;
  for (const auto& spec : lake_->registry().providers()) {
    if (spec.name != name) continue;
    c.origin = spec.url;
    c.api_key_env = spec.api_key_env;
    c.requests_per_minute = spec.requests_per_minute;
    c.timeout_seconds = spec.timeout_seconds;
  }
  ASSIGN_OR_RETURN(auto p, MakeProvider(std::move(c)));
  providers_.push_back(std::move(p));
  return providers_.back().get();
}

Result<std::vector<std::string>> Updater::ServingChain(const std::string& symbol, const std::string& timeframe) {
  ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(timeframe));
  const registry::Registry& reg = lake_->registry();
  std::vector<std::string> out;
  for (const auto& name : ChainFor(reg, AssetClassOf(reg.Find(symbol, timeframe), symbol), tf)) {
    ASSIGN_OR_RETURN(Provider * p, ProviderNamed(name));
    if (p->Supports(tf)) out.push_back(name);
  }
  if (out.empty()) return Status::NotFound("no provider serves " + symbol + " " + timeframe + " bars");
  return out;
}

Result<std::vector<UpdateItem>> Updater::Run(const UpdateRequest& request) {
  if (!options_.http) return Status::InvalidArgument("the updater needs an HTTP client");
  if (!request.provider.empty()) RETURN_IF_ERROR(ProviderNamed(request.provider).status());
  for (const auto& spec : lake_->registry().providers()) {
    auto p = ProviderNamed(spec.name);
    if (!p.ok()) return p.status().WithContext(spec.source + " [[provider]]");
  }
  for (const auto& rule : lake_->registry().rules()) {
    for (const auto& name : rule.providers) {
      auto p = ProviderNamed(name);
      if (!p.ok()) return p.status().WithContext(rule.source + " [[rule]]");
    }
  }
  if (request.from && request.to && request.from >= request.to) {
    return Status::InvalidArgument("--from must be before --to");
  }
  const registry::Registry& reg = lake_->registry();
  std::vector<std::pair<std::string, std::string>> targets;
  auto wanted_tf = [&](const std::string& tf) {
    if (request.timeframes.empty()) return true;
    return std::find(request.timeframes.begin(), request.timeframes.end(), tf) != request.timeframes.end();
  };
  auto downloadable = [](const registry::DatasetSpec& d) { return d.kind == "bars" && !d.is_derived(); };
  if (request.symbols.empty()) {
    // Every dataset that opted in: made by a download (its format is a provider's), or
    // given an asset class or provider symbols. A dataset imported from files (say ES from
    // NinjaTrader) is never matched to a provider by its name alone: "ES" at Alpha Vantage
    // is another instrument.
    std::vector<std::string> provider_formats;
    for (const auto& name : ProviderNames()) {
      auto p = ProviderNamed(name);
      if (p.ok()) provider_formats.push_back((*p)->format());
    }
    for (const auto& d : reg.datasets()) {
      if (!downloadable(d) || !wanted_tf(d.timeframe)) continue;
      const bool opted_in = !d.asset_class.empty() || !d.provider_symbols.empty() ||
                            std::find(provider_formats.begin(), provider_formats.end(), d.format) !=
                                provider_formats.end();
      if (!opted_in) continue;
      auto tf = Timeframe::Parse(d.timeframe);
      if (!tf.ok()) continue;
      bool served = false;
      const auto chain = request.provider.empty() ? ChainFor(reg, AssetClassOf(&d, d.symbol), *tf)
                                                  : std::vector<std::string>{request.provider};
      for (const auto& name : chain) {
        auto p = ProviderNamed(name);
        served = served || (p.ok() && (*p)->Supports(*tf));
      }
      if (served) targets.emplace_back(d.symbol, d.timeframe);
    }
  } else {
    // `barlake update CL 1m` reads like `barlake read CL 1m`, but here timeframes are an
    // option: a word that is a timeframe and no dataset's symbol was meant as one.
    std::vector<std::string> symbols, timeframes;
    for (const auto& word : request.symbols) {
      const bool is_symbol = std::any_of(reg.datasets().begin(), reg.datasets().end(),
                                         [&](const registry::DatasetSpec& d) { return d.symbol == word; });
      (!is_symbol && Timeframe::Parse(word).ok() ? timeframes : symbols).push_back(word);
    }
    if (!timeframes.empty()) {
      std::string fixed = "barlake update";
      for (const auto& symbol : symbols) fixed += " " + EscapeBytes(symbol);
      std::string list;
      for (const auto& tf : timeframes) list += (list.empty() ? "" : ",") + tf;
      return Status::InvalidArgument("'" + timeframes.front() + "' is a timeframe, not a symbol; name timeframes with "
                                     "--timeframe: `" + fixed + " --timeframe " + list + "`");
    }
    for (const auto& symbol : request.symbols) {
      if (!request.timeframes.empty()) {
        for (const auto& tf : request.timeframes) targets.emplace_back(symbol, tf);
        continue;
      }
      size_t before = targets.size();
      for (const auto& d : reg.datasets()) {
        if (d.symbol == symbol && downloadable(d)) targets.emplace_back(d.symbol, d.timeframe);
      }
      if (targets.size() == before) {
        return Status::InvalidArgument(symbol + " has no dataset yet: name the timeframe, e.g. `barlake update " +
                                       symbol + " --timeframe 1d`");
      }
    }
  }
  if (!request.dry_run) {
    usage_ = UsageState::Load(lake_->env(), JoinPath(lake_->paths().meta, "providers.json"));
    for (const auto& [name, e] : usage_->entries()) {
      if (e.open_until > clock_->Now()) fetcher_.RestoreBreaker(name, e.open_until, e.open_why);
    }
  }
  std::vector<UpdateItem> items;
  for (const auto& [symbol, tf] : targets) items.push_back(UpdateOne(symbol, tf, request));
  if (usage_) {
    // Breakers the provider opened with a time (a ban until then, an exhausted daily quota)
    // are kept for the next run; the short ones (blocks, failures: minutes) and expired
    // ones are forgotten.
    auto open = fetcher_.OpenBreakers();
    for (auto it = open.begin(); it != open.end();) {
      const std::string& why = it->second.second;
      const bool kept = why.rfind("banned: ", 0) == 0 || why.rfind("quota: ", 0) == 0;
      it = kept ? std::next(it) : open.erase(it);
    }
    for (const auto& [name, e] : usage_->entries()) {
      if (!open.count(name)) usage_->SetBreaker(name, 0, "");
    }
    for (const auto& [name, until_why] : open) usage_->SetBreaker(name, until_why.first, until_why.second);
    if (!usage_->entries().empty()) {
      Status saved = usage_->Save(lake_->env());
      if (!saved.ok() && !items.empty()) {
        items.back().notes.push_back("the providers' state was not kept: " + saved.message());
      }
    }
  }
  return items;
}

std::string Updater::QuotaUsedUp(const Provider& p) {
  if (!usage_ || p.DailyQuota() <= 0) return "";
  const int64_t used = usage_->RequestsOn(p.name(), clock_->Now());
  if (used < p.DailyQuota()) return "";
  return p.name() + " is skipped: " + std::to_string(used) + " requests were sent to it today (UTC), its daily quota is " +
         std::to_string(p.DailyQuota()) + " (counted in .barlake/providers.json across runs)";
}

void Updater::CountRequests(const Provider& p, int attempts, UpdateItem* item) {
  if (!usage_ || p.DailyQuota() <= 0 || attempts <= 0) return;
  usage_->Count(p.name(), clock_->Now(), attempts);
  // Kept at once: a run killed later must not forget requests the provider has counted.
  Status saved = usage_->Save(lake_->env());
  if (!saved.ok()) item->notes.push_back("the daily request count was not kept: " + saved.message());
}

UpdateItem Updater::UpdateOne(const std::string& symbol, const std::string& timeframe, const UpdateRequest& req) {
  UpdateItem item;
  item.symbol = symbol;
  item.timeframe = timeframe;
  auto fail = [&](Status s, const std::string& status) {
    item.result = s;
    item.error = s.message();
    item.status = status;
    return item;
  };
  auto tf_or = Timeframe::Parse(timeframe);
  if (!tf_or.ok()) return fail(tf_or.status(), "failed");
  const Timeframe tf = *tf_or;
  const registry::Registry& reg = lake_->registry();
  const registry::DatasetSpec* spec = reg.Find(symbol, timeframe);
  if (spec && (spec->kind != "bars" || spec->is_derived())) {
    return fail(Status::InvalidArgument(symbol + " " + timeframe +
                                        " is built by barlake from other datasets, not downloaded"),
                "failed");
  }
  const std::vector<std::string> chain =
      req.provider.empty() ? ChainFor(reg, AssetClassOf(spec, symbol), tf) : std::vector<std::string>{req.provider};
  const Micros now = clock_->Now();

  std::optional<journal::DatasetSummary> stored;
  auto datasets = lake_->Datasets();
  if (!datasets.ok()) return fail(datasets.status(), "failed");
  for (const auto& d : *datasets) {
    if (d.symbol == symbol && d.timeframe == timeframe && d.rows > 0) stored = d;
  }
  // Up to now, the still-forming bar included: it is stored provisional (flag
  // kBarProvisional) and the next update, which fetches from it again, completes it.
  const Micros to = std::min(req.to ? req.to : now, now);
  const bool incremental = stored && !req.from && !req.full;
  // Incremental: up to date while the bar after the stored last one has not opened (a
  // stored bar still forming is not asked for again until the next one has begun).
  if (incremental && stored->last_ts + tf.micros() >= to) {
    item.status = "up_to_date";
    return item;
  }
  Micros from;
  if (req.from) from = req.from;
  else if (stored && !req.full) {
    // One bar of overlap: the last stored bar that is final. A provisional one (stored
    // while it was forming) is fetched again anyway, and its partial prices could not tell
    // an adjusted history from a finished bar.
    auto tail = lake_->Read(symbol, timeframe, stored->last_ts - 10 * tf.micros(), stored->last_ts + 1);
    if (!tail.ok()) return fail(tail.status(), "failed");
    from = stored->last_ts;
    for (size_t i = tail->size(); i-- > 0;) {
      if (!(tail->FlagAt(i) & kBarProvisional)) {
        from = tail->ts[i];
        break;
      }
    }
  } else if (stored) from = stored->first_ts;
  else from = now - DefaultLookback(tf);
  if (from >= to) {
    item.status = "up_to_date";
    return item;
  }

  Micros cursor = from;
  bool overlap_checked = req.full || !stored;
  std::string last_error;
  Status last_status;
  int not_found = 0, asked = 0;
  // Every answer with bars, imported at the end as ONE job (rollback undoes the update).
  std::vector<lake::Source> responses;
  Micros last_fetched = 0;  // the latest bar of those answers
  // The format the dataset is declared with when the update creates it: the first serving
  // provider's API format, even when an archive (CSV) came first, so `barlake update`
  // without a symbol finds the dataset again (it opted in by a provider's format).
  std::string dataset_format;
  for (const std::string& name : chain) {
    if (cursor >= to) break;
    auto p_or = ProviderNamed(name);
    if (!p_or.ok()) {
      last_status = p_or.status();
      last_error = p_or.status().message();
      continue;
    }
    Provider* p = *p_or;
    if (!p->Supports(tf)) {
      item.notes.push_back(name + " does not serve " + timeframe + " bars");
      continue;
    }
    if (std::string why = fetcher_.BreakerOpen(*p); !why.empty()) {
      last_error = name + " is skipped: " + why;
      last_status = Status::Unavailable(last_error);
      item.attempts.push_back(last_error);
      continue;
    }
    std::string psym = symbol;
    if (spec) {
      for (const auto& [prov, s] : spec->provider_symbols) {
        if (prov == name) psym = s;
      }
    }
    std::string clamped;
    auto plan = p->Plan(PlanInput{psym, tf, cursor, to, now}, &clamped);
    if (!plan.ok()) {
      last_status = plan.status();
      last_error = name + ": " + plan.status().message();
      item.attempts.push_back(last_error);
      continue;
    }
    if (!clamped.empty()) item.notes.push_back(clamped);
    ++asked;
    if (req.dry_run) {
      for (const auto& r : *plan) item.planned.push_back(name + " GET " + r.shown_url);
      item.requests += static_cast<int64_t>(plan->size());
      item.provider = name;
      AddServed(&item, name, cursor, to);
      cursor = to;
      break;
    }
    if (plan->empty()) continue;
    // The part the provider does not serve (clamped) is skipped by its plan.
    bool failed = false;
    std::vector<FetchRequest> requests = std::move(plan).value();
    // A published archive that is missing (or refused): the rest of the range, from its
    // month on, goes to the provider's API. Archives are not asked again for this dataset.
    auto from_api_instead = [&](size_t at, const std::string& why) -> Status {
      item.notes.push_back(name + ": " + why + "; the range from " + FormatIsoUtc(requests[at].from) +
                           " comes from its API instead");
      PlanInput api{psym, tf, requests[at].from, to, now};
      api.archives = false;
      std::string unused;
      ASSIGN_OR_RETURN(auto rest, p->Plan(api, &unused));
      requests.erase(requests.begin() + static_cast<std::ptrdiff_t>(at), requests.end());
      requests.insert(requests.end(), rest.begin(), rest.end());
      return Status::OK();
    };
    for (size_t i = 0; i < requests.size();) {
      const FetchRequest r = requests[i];  // a copy: an archive's fallback replaces the plan
      if (std::string why = QuotaUsedUp(*p); !why.empty()) {
        last_error = why;
        last_status = Status::Unavailable(why);
        item.attempts.push_back(why);
        failed = true;
        break;
      }
      const bool archive = r.kind == RequestKind::kArchive;
      std::string published_sha;  // an archive's SHA-256 as its checksum file states it
      if (archive) {
        FetchRequest sum = r;
        sum.kind = RequestKind::kChecksum;
        sum.url = r.checksum_url;
        sum.shown_url = RedactUrl(r.checksum_url);
        FetchResult fs = fetcher_.Fetch(*p, sum);
        CountRequests(*p, fs.attempts, &item);
        item.requests += fs.attempts;
        std::string why;
        if (fs.classified.outcome != Outcome::kOk) {
          why = fs.classified.message.empty() ? OutcomeName(fs.classified.outcome) : fs.classified.message;
        } else if ((published_sha = PublishedSha256(fs.response.body)).empty()) {
          why = "the checksum file is not in sha256sum format (" + BodyExcerpt(fs.response.body, 80) + ")";
        }
        item.attempts.push_back(name + " GET " + sum.shown_url + ": " + fs.statuses + " -> " +
                                (why.empty() ? "ok" : why));
        if (!why.empty()) {
          Status replanned = from_api_instead(i, "no checksum for " + r.shown_url + ": " + why);
          if (!replanned.ok()) return fail(replanned, "failed");
          continue;
        }
      }
      FetchResult fr = fetcher_.Fetch(*p, r);
      CountRequests(*p, fr.attempts, &item);
      item.requests += fr.attempts;
      Classified c = fr.classified;
      std::optional<ingest::ParsedBars> parsed;
      const ingest::BarFormat* format = nullptr;
      std::optional<std::string> inflated;  // an archive's CSV
      if (c.outcome == Outcome::kOk && archive) {
        // Checked before anything is read from it: a damaged or replaced archive stops the
        // dataset, and nothing of this update is written.
        const std::string got = Sha256Hex(fr.response.body);
        if (got != published_sha) {
          item.attempts.push_back(name + " GET " + r.shown_url + ": " + fr.statuses + " -> checksum mismatch");
          return fail(Status::InvalidInput(
                          symbol + " " + timeframe + ": " + name + "'s monthly archive " + r.shown_url +
                          " has SHA-256 " + got + " but its checksum file (" + r.checksum_url + ") says " +
                          published_sha + ": the download is damaged or the archive was replaced. Nothing was "
                          "written; run the update again (or take the range from the API: `--from` a date in "
                          "the current month)"),
                      "failed");
        }
        auto unzipped = lake::Decompress(fr.response.body, r.shown_url);
        if (!unzipped.ok()) c = {Outcome::kMalformed, unzipped.status().message()};
        else if (!*unzipped) c = {Outcome::kMalformed, "the monthly archive is not a zip archive"};
        else inflated = std::move(**unzipped);
      }
      if (c.outcome == Outcome::kOk) {
        // Parse as the import will, to check the body and the overlap before anything is
        // written: a body the parser refuses is a malformed answer, and changes nothing.
        auto f = ingest::FindFormat(r.format.empty() ? p->format() : r.format);
        auto tz = TimeZone::Locate(reg.SourceTzFor(symbol, timeframe));
        if (!f.ok() || !tz.ok()) {
          item.result = !f.ok() ? f.status() : tz.status();
          item.error = item.result.message();
          item.status = "failed";
          return item;
        }
        format = *f;
        ingest::ParseOptions popt{tf, &*tz, name + " " + r.shown_url};
        popt.keep_live_last_bar = true;  // as the import will (ImportRequest::keep_forming_last_bar)
        auto got = format->Parse(inflated ? *inflated : fr.response.body, popt);
        if (!got.ok()) {
          c = {Outcome::kMalformed, got.status().message()};
        } else {
          parsed = std::move(got).value();
          if (parsed->bars.empty()) c = {Outcome::kEmptyWindow, "no bars in this window"};
        }
      }
      item.attempts.push_back(name + " GET " + r.shown_url + ": " + fr.statuses + " -> " + OutcomeName(c.outcome) +
                              (c.message.empty() ? "" : ": " + c.message));
      ++i;
      if (c.outcome == Outcome::kEmptyWindow) {
        AddServed(&item, name, r.from, r.to);
        cursor = r.to;
        item.provider = name;
        continue;
      }
      if (archive && c.outcome != Outcome::kOk) {
        Status replanned = from_api_instead(i - 1, "no usable archive " + r.shown_url + " (" +
                                                       OutcomeName(c.outcome) + ": " + c.message + ")");
        if (!replanned.ok()) return fail(replanned, "failed");
        --i;
        continue;
      }
      if (c.outcome != Outcome::kOk) {
        if (c.outcome == Outcome::kNotFound) ++not_found;
        last_error = name + ": " + OutcomeName(c.outcome) + ": " + c.message;
        last_status = c.outcome == Outcome::kNotFound      ? Status::NotFound(last_error)
                      : c.outcome == Outcome::kMalformed   ? Status::InvalidInput(last_error)
                      : c.outcome == Outcome::kBadRequest  ? Status::InvalidInput(last_error)
                                                           : Status::Unavailable(last_error);
        failed = true;
        break;
      }
      ingest::SortByTime(&*parsed);
      const BarColumns& bars = parsed->bars;
      item.rows_fetched += static_cast<int64_t>(bars.size());
      last_fetched = std::max(last_fetched, bars.ts.back());
      if (!overlap_checked) {
        // The bars this answer shares with the stored ones (the overlap bar at least).
        const Micros lo = std::max(bars.ts.front(), stored->first_ts);
        const Micros hi = std::min({bars.ts.back(), stored->last_ts, lo + 200 * tf.micros()});
        if (lo <= hi) {
          overlap_checked = true;
          auto old = lake_->Read(symbol, timeframe, lo, hi + 1);
          if (!old.ok()) return fail(old.status(), "failed");
          double ratio = 0;
          bool constant = true;
          size_t matched = 0, j = 0;
          for (size_t k = 0; k < old->size(); ++k) {
            while (j < bars.size() && bars.ts[j] < old->ts[k]) ++j;
            if (j == bars.size() || bars.ts[j] != old->ts[k]) continue;
            if (old->FlagAt(k) & kBarProvisional) continue;  // partial prices tell nothing
            ++matched;
            const double o[4] = {old->open[k], old->high[k], old->low[k], old->close[k]};
            const double n[4] = {bars.open[j], bars.high[j], bars.low[j], bars.close[j]};
            for (int f = 0; f < 4; ++f) {
              if (o[f] == 0) {
                constant = false;
                continue;
              }
              const double rk = n[f] / o[f];
              if (ratio == 0) ratio = rk;
              if (std::fabs(rk - ratio) > 1e-6 * std::fabs(ratio)) constant = false;
            }
          }
          if (matched > 0 && constant && std::fabs(ratio - 1) > 1e-6) {
            item.provider = name;
            return fail(Status::Conflict(
                            symbol + " " + timeframe + ": " + name + "'s bars from " + FormatIsoUtc(lo) +
                            " differ from the stored ones by a constant ratio of " + RatioText(ratio) +
                            " (the provider adjusted its history, e.g. for a split or dividend); nothing was "
                            "merged. Download the whole dataset again with `barlake update " + symbol +
                            " --timeframe " + timeframe + " --full`"),
                        "adjusted");
          }
        }
      }
      // Kept for the dataset's one import job. The fetch time is the body's modification
      // time: the import pipeline then drops a last bar that was still forming when it was
      // fetched (lake/import_bars.cc). The provenance is the redacted URL and the statuses.
      // An archive is kept as it came (the zip, whose SHA-256 its checksum file states).
      lake::Source src = lake::Source::FromBytes(name + " " + r.shown_url, std::move(fr.response.body),
                                                 clock_->Now(), name + " GET " + r.shown_url + " -> " + fr.statuses);
      src.format = r.format.empty() ? p->format() : r.format;
      responses.push_back(std::move(src));
      if (dataset_format.empty()) dataset_format = p->format();
      AddServed(&item, name, r.from, r.to);
      item.provider = name;
      cursor = r.to;
    }
    if (!failed) break;
  }
  if (!responses.empty()) {
    lake::ImportRequest ir;
    ir.symbol = symbol;
    ir.timeframe = timeframe;
    ir.format = dataset_format;
    ir.on_conflict = req.full ? lake::ConflictPolicy::kReplace : lake::ConflictPolicy::kKeep;
    ir.keep_forming_last_bar = true;  // stored provisional; the next update completes it
    ir.description = symbol + " " + timeframe + " bars downloaded from " + item.provider;
    ir.source.name = responses.front().name +
                     (responses.size() > 1 ? " and " + std::to_string(responses.size() - 1) + " more responses" : "");
    ir.sources = std::move(responses);
    auto imported = lake_->Import(ir);
    if (!imported.ok()) {
      item.served.clear();
      return fail(imported.status().WithContext(symbol + " " + timeframe + ": importing what " + item.provider +
                                                " sent"),
                  "failed");
    }
    const lake::ImportResult& res = *imported;
    item.rows_written += res.rows_added + res.rows_replaced + res.provisional_completed;
    item.rows_rejected += res.job.rows_rejected;
    if (KeptFormingBar(res.notes)) item.provisional = 1;
    item.provisional_completed = res.provisional_completed;
    if (res.provisional_completed > 0) {
      item.notes.push_back("completed " + std::to_string(res.provisional_completed) + " provisional bar" +
                           (res.provisional_completed == 1 ? "" : "s") + " stored by an earlier update");
    }
    if (item.provisional > 0) {
      item.notes.push_back("the last bar (" + FormatIsoUtc(last_fetched) +
                           ") was still forming: stored provisional, the next update completes it");
    }
    if (res.job.id > 0) item.jobs.push_back(res.job.id);
  }
  if (cursor >= to) {
    item.status = req.dry_run ? "planned" : "ok";
    return item;
  }
  if (last_status.ok()) {
    last_status = Status::Unavailable("no provider serves " + symbol + " " + timeframe +
                                      (item.notes.empty() ? "" : ": " + item.notes.back()));
    last_error = last_status.message();
  }
  item.result = last_status;
  item.error = last_error;
  if (!item.served.empty()) item.status = "partial";
  else if (not_found > 0 && not_found == asked) item.status = "not_found";
  else item.status = "failed";
  return item;
}

std::string UpdateItemsJson(const std::vector<UpdateItem>& items) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& it : items) {
    nlohmann::json served = nlohmann::json::array();
    for (const auto& s : it.served) {
      served.push_back({{"provider", s.provider}, {"from", FormatIsoUtc(s.from)}, {"to", FormatIsoUtc(s.to)}});
    }
    nlohmann::json j = {{"symbol", it.symbol},
                        {"timeframe", it.timeframe},
                        {"provider", it.provider},
                        {"requests", it.requests},
                        {"rows_fetched", it.rows_fetched},
                        {"rows_written", it.rows_written},
                        {"rows_rejected", it.rows_rejected},
                        {"provisional", it.provisional},
                        {"provisional_completed", it.provisional_completed},
                        {"status", it.status},
                        {"error", it.error.empty() ? nlohmann::json() : nlohmann::json(it.error)},
                        {"served", served},
                        {"jobs", it.jobs},
                        {"attempts", it.attempts},
                        {"notes", it.notes}};
    if (!it.planned.empty()) j["planned"] = it.planned;
    arr.push_back(std::move(j));
  }
  return ToJsonText(arr, 2);
}

}  // namespace barlake::providers
