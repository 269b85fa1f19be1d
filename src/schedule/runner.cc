#include "schedule/runner.h"

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "calendar/calendar.h"
#include "core/json_text.h"
#include "core/text.h"
#include "health/health.h"
#include "lake/dataset_health.h"
#include "lake/vault.h"
#include "providers/update.h"
#include "registry/registry.h"
#include "schedule/alerts.h"
#include "schedule/live.h"
#include "schedule/timing.h"

namespace barlake::schedule {
namespace {

using json = nlohmann::json;

std::mutex& ActionsMutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, ActionFn>& ExtraActions() {
  static std::map<std::string, ActionFn> actions;
  return actions;
}

Micros SystemNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Micros NowOf(const RunnerOptions& o) { return o.now ? o.now() : SystemNow(); }

std::string DatasetText(const std::string& symbol, const std::string& timeframe) { return symbol + " " + timeframe; }

ActionResult RunUpdate(ActionContext& ctx) {
  ActionResult out;
  providers::UpdaterOptions uo;
  uo.http = ctx.http;
  uo.clock = ctx.clock;
  providers::Updater updater(ctx.lake, uo);
  std::vector<providers::UpdateRequest> requests;
  if (ctx.spec->datasets.empty()) {
    requests.emplace_back();  // every dataset that opted in
  } else {
    for (const auto& d : ctx.spec->datasets) {
      auto name = registry::ParseDatasetName(d);
      if (!name.ok()) continue;  // checked when the registry was parsed
      providers::UpdateRequest r;
      r.symbols = {name->symbol};
      r.timeframes = {name->timeframe};
      requests.push_back(std::move(r));
    }
  }
  int64_t written = 0, datasets = 0, failed = 0;
  std::string first_error;
  for (const auto& r : requests) {
    auto items = updater.Run(r);
    if (!items.ok()) {
      out.status = items.status();
      out.events.push_back({"job_failed", "", 0, items.status().message()});
      return out;
    }
    for (const auto& it : *items) {
      ++datasets;
      written += it.rows_written;
      out.jobs.insert(out.jobs.end(), it.jobs.begin(), it.jobs.end());
      const std::string ds = DatasetText(it.symbol, it.timeframe);
      if (it.rows_rejected > 0) {
        out.events.push_back({"quarantine", ds, it.jobs.empty() ? 0 : it.jobs.back(),
                              std::to_string(it.rows_rejected) + " rows rejected into quarantine"});
      }
      if (it.result.ok()) continue;
      ++failed;
      if (first_error.empty()) first_error = ds + ": " + it.error;
      // A provider that cannot be reached or keeps failing is kUnavailable (providers/
      // update.cc); anything else (an import refused, an adjusted history) is a job failure.
      const bool provider = it.result.code() == ErrorCode::kUnavailable;
      out.events.push_back({provider ? "provider_down" : "job_failed", ds, it.jobs.empty() ? 0 : it.jobs.back(),
                            it.error});
    }
  }
  out.message = std::to_string(datasets) + " dataset" + (datasets == 1 ? "" : "s") + ", " + std::to_string(written) +
                " rows written";
  if (failed > 0) {
    out.status = Status::Unavailable(std::to_string(failed) + " of " + std::to_string(datasets) +
                                     " datasets failed; first: " + first_error);
  }
  return out;
}

ActionResult RunRegenerate(ActionContext& ctx) {
  ActionResult out;
  lake::RegenerateRequest req;
  if (ctx.spec->datasets.empty()) req.stale_only = true;
  else req.datasets = ctx.spec->datasets;
  auto items = ctx.lake->Regenerate(req);
  if (!items.ok()) {
    out.status = items.status();
    out.events.push_back({"job_failed", "", 0, items.status().message()});
    return out;
  }
  int64_t built = 0;
  for (const auto& it : *items) {
    if (it.job.id > 0) {
      out.jobs.push_back(it.job.id);
      ++built;
    }
    if (!it.error.empty()) {
      out.events.push_back({"job_failed", DatasetText(it.symbol, it.timeframe), it.job.id, it.error});
      if (out.status.ok()) out.status = Status::Internal(DatasetText(it.symbol, it.timeframe) + ": " + it.error);
    }
  }
  out.message = std::to_string(built) + " derived dataset" + (built == 1 ? "" : "s") + " rebuilt";
  return out;
}

ActionResult RunHealth(ActionContext& ctx) {
  ActionResult out;
  std::vector<std::pair<std::string, std::string>> targets;
  if (ctx.spec->datasets.empty()) {
    targets.emplace_back("", "");
  } else {
    for (const auto& d : ctx.spec->datasets) {
      auto name = registry::ParseDatasetName(d);
      if (name.ok()) targets.emplace_back(name->symbol, name->timeframe);
    }
  }
  int64_t checked = 0, failing = 0, stale = 0;
  std::string first;
  for (const auto& [symbol, timeframe] : targets) {
    lake::HealthRequest req;
    req.symbol = symbol;
    req.timeframe = timeframe;
    req.now = ctx.now;
    req.calendar = lake::RegistryCalendars(ctx.lake);
    auto reports = lake::CheckHealth(ctx.lake, req);
    if (!reports.ok()) {
      out.status = reports.status();
      out.events.push_back({"health_failed", symbol.empty() ? "" : DatasetText(symbol, timeframe), 0,
                            reports.status().message()});
      return out;
    }
    for (const auto& d : *reports) {
      ++checked;
      const std::string ds = DatasetText(d.symbol, d.timeframe);
      const std::string status = health::StatusName(d.report.status);
      if (status == "fail") {
        ++failing;
        if (first.empty()) first = ds;
        out.events.push_back({"health_failed", ds, 0, ds + " scores " + std::to_string(d.report.score) + " (fail)"});
      }
      if (d.report.staleness.stale) {
        ++stale;
        out.events.push_back({"stale", ds, 0, ds + " is stale"});
      }
    }
  }
  out.message = std::to_string(checked) + " checked, " + std::to_string(failing) + " failing, " +
                std::to_string(stale) + " stale";
  if (failing > 0) out.status = Status::Unavailable(out.message + "; first failing: " + first);
  return out;
}

std::optional<ActionFn> FindAction(const std::string& action) {
  if (action == "update") return ActionFn(RunUpdate);
  if (action == "regenerate") return ActionFn(RunRegenerate);
  if (action == "health") return ActionFn(RunHealth);
  std::lock_guard<std::mutex> lock(ActionsMutex());
  auto it = ExtraActions().find(action);
  if (it == ExtraActions().end()) return std::nullopt;
  return it->second;
}

Result<registry::Registry> LoadRegistry(const std::string& vault) {
  lake::VaultPaths paths(vault);
  RETURN_IF_ERROR(lake::CheckIsVault(Env::Default(), vault));
  return registry::Registry::Load(Env::Default(), paths.registry);
}

// A live poll's jobs join the dataset's live session job (lake/live_session.h), which the
// run then names: `barlake jobs` shows one job per dataset and trading session (or UTC day
// without a calendar), with its poll count.
// The polls are committed already; if adding them fails they stay jobs of their own (the
// next poll adds them) and the run says so.
void AddPollsToSession(lake::Lake* lake, const registry::ScheduleSpec& spec, const std::string& command, Micros now,
                       ActionResult* result) {
  if (spec.datasets.size() != 1) return;
  auto name = registry::ParseDatasetName(spec.datasets[0]);
  if (!name.ok()) return;
  auto session = lake->AddToLiveSession(name->symbol, name->timeframe, command, result->jobs, now);
  if (!session.ok()) {
    result->message += " (the poll stays outside its live session: " + session.status().message() + ")";
    return;
  }
  if (session->id == 0) return;  // the poll changed nothing
  result->message += "; live session job " + std::to_string(session->id) + " (" + session->report_json + ")";
  result->jobs.push_back(session->id);
}

// The [[schedule]] tables, then (with `live`) the implicit schedules of live datasets.
std::vector<registry::ScheduleSpec> WithLive(const registry::Registry& reg, bool live) {
  std::vector<registry::ScheduleSpec> specs = reg.schedules();
  if (live) {
    for (auto& s : LiveSchedules(reg)) specs.push_back(std::move(s));
  }
  return specs;
}

// Run one schedule for `slot`: take its lease, run the action, record the result.
RunOutcome RunOne(const RunnerOptions& o, const registry::Registry& reg, RunStore* store,
                  const registry::ScheduleSpec& spec, Micros slot) {
  RunOutcome out;
  out.schedule = spec.name;
  out.action = spec.action;
  out.slot = slot;
  const Micros started = NowOf(o);
  auto action = FindAction(spec.action);
  if (!action) {
    out.status = "unavailable";
    out.message = "action " + spec.action + " is not available in this build";
    RunRecord r{0, spec.name, spec.action, slot, out.status, started, started, 0, {}, out.message, o.trigger};
    if (Status s = store->Record(r); !s.ok()) out.message += " (not recorded: " + s.message() + ")";
    return out;
  }
  auto begun = store->Begin(spec.name, spec.action, slot, started, o.trigger);
  if (!begun.ok()) {
    out.status = "failed";
    out.message = "could not record the run: " + begun.status().message();
    return out;
  }
  if (begun->run_id == 0) {
    const RunRecord& b = *begun->blocked_by;
    if (b.status == "running") {
      out.status = "skipped";
      out.message = "run " + std::to_string(b.id) + " of " + spec.name + " (process " + std::to_string(b.pid) +
                    ", started " + FormatIsoUtc(b.started_at) + ") is still going";
      // Recorded once per slot: serve looks every second while the other run goes on.
      auto last = store->LastRun(spec.name);
      if (!last.ok() || !*last || (*last)->status != "skipped" || (*last)->slot != slot) {
        RunRecord r{0, spec.name, spec.action, slot, out.status, started, started, 0, {}, out.message, o.trigger};
        (void)store->Record(r);  // best effort: the listing shows it; the lease holder is unaffected
      }
    } else {
      out.status = "done_elsewhere";
      out.message = "run " + std::to_string(b.id) + " already ran this slot";
    }
    return out;
  }
  out.run_id = begun->run_id;
  ActionResult result;
  try {
    lake::LakeOptions lo;
    lo.lock_wait_seconds = o.lock_wait_seconds;
    lo.command = "barlake schedule " + spec.name + " (" + spec.action + ")";
    lo.crash_hook = o.crash_hook;
    auto lake = lake::Lake::Open(o.vault, lo);
    if (!lake.ok()) {
      result.status = lake.status();
    } else {
      std::unique_ptr<providers::HttpClient> own_http;
      ActionContext ctx;
      ctx.lake = lake->get();
      ctx.spec = &spec;
      ctx.http = o.http;
      if (!ctx.http) {
        own_http = providers::NewCurlHttpClient();
        ctx.http = own_http.get();
      }
      ctx.clock = o.provider_clock;
      ctx.now = started;
      result = (*action)(ctx);
      if (IsLiveSchedule(spec)) AddPollsToSession(lake->get(), spec, lo.command, started, &result);
    }
  } catch (const std::exception& e) {
    result.status = Status::Internal(std::string("the action threw: ") + e.what());
  } catch (...) {
    result.status = Status::Internal("the action threw an unknown exception");
  }
  out.jobs = result.jobs;
  out.status = result.status.ok() ? "completed" : "failed";
  out.message = result.status.ok() ? result.message
                                   : result.status.message() + (result.message.empty() ? "" : " (" + result.message + ")");
  if (Status s = store->Finish(out.run_id, out.status, out.jobs, out.message, NowOf(o)); !s.ok()) {
    out.message += " (the result was not recorded: " + s.message() + ")";
  }
  // A run that failed before its action could say why (the lock, the vault) is a job failure.
  if (!result.status.ok() && result.events.empty()) {
    result.events.push_back({"job_failed", "", 0, "schedule " + spec.name + ": " + result.status.message()});
  }
  if (!result.events.empty() && !reg.alerts().empty()) {
    auto alerter = Alerter::Open(lake::VaultPaths(o.vault).journal, reg.settings().name, reg.alerts(),
                                 o.provider_clock);
    if (!alerter.ok()) {
      out.message += " (alerts not sent: " + alerter.status().message() + ")";
    } else {
      for (const auto& e : result.events) {
        for (const auto& d : (*alerter)->Send(e, NowOf(o))) {
          if (d.status != "delivered") out.message += " (alert " + d.event + " to " + d.webhook + " failed: " + d.error + ")";
        }
      }
    }
  }
  if (o.on_event) {
    for (const auto& e : result.events) o.on_event(spec, e);
  }
  return out;
}

}  // namespace

void RegisterAction(const std::string& action, ActionFn fn) {
  std::lock_guard<std::mutex> lock(ActionsMutex());
  ExtraActions()[action] = std::move(fn);
}

bool ActionAvailable(const std::string& action) { return FindAction(action).has_value(); }

Result<std::vector<ScheduleView>> ListSchedules(const std::string& vault, Micros now) {
  ASSIGN_OR_RETURN(registry::Registry reg, LoadRegistry(vault));
  ASSIGN_OR_RETURN(auto store, RunStore::Open(lake::VaultPaths(vault).journal));
  std::vector<ScheduleView> out;
  for (const auto& spec : WithLive(reg, true)) {
    ScheduleView v;
    v.spec = spec;
    v.live = IsLiveSchedule(spec);
    const Micros delay = v.live ? kLiveDelaySeconds * kMicrosPerSecond : 0;
    ASSIGN_OR_RETURN(v.last, store->LastRun(spec.name));
    ASSIGN_OR_RETURN(auto next, NextSlot(spec, reg.calendars(), now - delay));
    v.next = next ? *next + delay : 0;
    ASSIGN_OR_RETURN(Micros last_slot, store->LastSlot(spec.name));
    ASSIGN_OR_RETURN(auto due, DueSlot(spec, reg.calendars(), now - delay, last_slot));
    v.due = due.has_value();
    v.available = ActionAvailable(spec.action);
    out.push_back(std::move(v));
  }
  return out;
}

std::string ScheduleViewsJson(const std::vector<ScheduleView>& views) {
  json arr = json::array();
  for (const auto& v : views) {
    json last = nullptr;
    if (v.last) {
      const RunRecord& r = *v.last;
      last = {{"id", r.id},
              {"status", r.status},
              {"slot", FormatIsoUtc(r.slot)},
              {"started_at", FormatIsoUtc(r.started_at)},
              {"finished_at", r.finished_at ? json(FormatIsoUtc(r.finished_at)) : json(nullptr)},
              {"jobs", r.jobs},
              {"message", r.message},
              {"trigger", r.trigger}};
    }
    arr.push_back({{"name", v.spec.name},
                   {"action", v.spec.action},
                   {"when", v.spec.WhenText()},
                   {"datasets", v.spec.datasets},
                   {"source", v.spec.source},
                   {"available", v.available},
                   {"live", v.live},
                   {"due", v.due},
                   {"next_run", v.next ? json(FormatIsoUtc(v.next)) : json(nullptr)},
                   {"last_run", last}});
  }
  return ToJsonText(json{{"schedules", arr}});
}

Result<std::vector<RunOutcome>> RunDue(const RunnerOptions& o) {
  ASSIGN_OR_RETURN(registry::Registry reg, LoadRegistry(o.vault));
  std::vector<RunOutcome> out;
  if (reg.schedules().empty() && (!o.live || LiveSchedules(reg).empty())) return out;
  ASSIGN_OR_RETURN(auto store, RunStore::Open(lake::VaultPaths(o.vault).journal));
  for (const auto& spec : WithLive(reg, o.live)) {
    // A live dataset's bar is polled a moment after it closes (schedule/live.h).
    const Micros delay = IsLiveSchedule(spec) ? kLiveDelaySeconds * kMicrosPerSecond : 0;
    ASSIGN_OR_RETURN(Micros last_slot, store->LastSlot(spec.name));
    ASSIGN_OR_RETURN(auto slot, DueSlot(spec, reg.calendars(), NowOf(o) - delay, last_slot));
    if (!slot) continue;
    out.push_back(RunOne(o, reg, store.get(), spec, *slot));
  }
  return out;
}

Result<RunOutcome> RunNamed(const RunnerOptions& o, const std::string& name) {
  ASSIGN_OR_RETURN(registry::Registry reg, LoadRegistry(o.vault));
  for (const auto& spec : reg.schedules()) {
    if (spec.name != name) continue;
    ASSIGN_OR_RETURN(auto store, RunStore::Open(lake::VaultPaths(o.vault).journal));
    return RunOne(o, reg, store.get(), spec, NowOf(o));
  }
  std::string names;
  for (const auto& spec : reg.schedules()) names += (names.empty() ? "" : ", ") + spec.name;
  return Status::NotFound("no schedule named " + QuoteBytes(name) + " in barlake.toml" +
                          (names.empty() ? " (it has no [[schedule]] tables)" : "; schedules: " + names));
}

Scheduler::Scheduler(RunnerOptions options, std::function<void(const std::string&)> log)
    : options_(std::move(options)), log_(std::move(log)) {
  options_.trigger = "serve";
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::Loop() {
  auto say = [this](const std::string& line) {
    if (log_) log_(line);
  };
  std::string last_error;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
    }
    try {
      // The registry is read on every pass, so an edited barlake.toml takes effect
      // without a restart; a file that no longer parses is reported once and retried.
      auto outcomes = RunDue(options_);
      if (!outcomes.ok()) {
        if (outcomes.status().message() != last_error) {
          last_error = outcomes.status().message();
          say("schedules: " + last_error);
        }
      } else {
        last_error.clear();
        for (const auto& r : *outcomes) {
          std::string jobs;
          for (int64_t j : r.jobs) jobs += (jobs.empty() ? " jobs " : ",") + std::to_string(j);
          say("schedule " + r.schedule + " (" + r.action + "): " + r.status + jobs +
              (r.message.empty() ? "" : ": " + r.message));
        }
      }
    } catch (const std::exception& e) {
      say(std::string("schedules: internal error: ") + e.what());
    } catch (...) {
      say("schedules: internal error");
    }
    // Wake at the next whole second: every slot is a whole second (at most 1 s late).
    const Micros now = NowOf(options_);
    const Micros wait = kMicrosPerSecond - (now % kMicrosPerSecond) + 1000;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::microseconds(wait), [this] { return stop_; });
  }
}

}  // namespace barlake::schedule
