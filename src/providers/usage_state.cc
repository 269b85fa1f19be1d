#include "providers/usage_state.h"

#include <nlohmann/json.hpp>

#include "core/json_text.h"

namespace barlake::providers {
namespace {

std::string UtcDay(Micros t) { return FormatIsoUtc(t).substr(0, 10); }

}  // namespace

UsageState UsageState::Load(Env* env, const std::string& path) {
  UsageState s;
  s.path_ = path;
  if (!env->FileExists(path)) return s;
  auto text = env->ReadFile(path);
  if (!text.ok()) {
    s.note_ = "could not read " + path + " (" + text.status().message() + "); provider counts start again";
    return s;
  }
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("providers") || !j["providers"].is_object()) {
    s.note_ = path + " is not a provider state file; provider counts start again";
    return s;
  }
  for (const auto& [name, e] : j["providers"].items()) {
    if (!e.is_object()) continue;
    Entry entry;
    entry.day = e.value("day", std::string());
    entry.requests = e.value("requests", int64_t{0});
    entry.open_until = e.value("open_until", int64_t{0});
    entry.open_why = e.value("open_why", std::string());
    s.entries_[name] = entry;
  }
  return s;
}

int64_t UsageState::RequestsOn(const std::string& provider, Micros now) const {
  auto it = entries_.find(provider);
  return it != entries_.end() && it->second.day == UtcDay(now) ? it->second.requests : 0;
}

void UsageState::Count(const std::string& provider, Micros now, int64_t requests) {
  Entry& e = entries_[provider];
  const std::string day = UtcDay(now);
  if (e.day != day) {
    e.day = day;
    e.requests = 0;
  }
  e.requests += requests;
}

void UsageState::SetBreaker(const std::string& provider, Micros until, const std::string& why) {
  Entry& e = entries_[provider];
  e.open_until = until;
  e.open_why = why;
}

Status UsageState::Save(Env* env) const {
  nlohmann::json providers = nlohmann::json::object();
  for (const auto& [name, e] : entries_) {
    providers[name] = {{"day", e.day}, {"requests", e.requests}, {"open_until", e.open_until}, {"open_why", e.open_why}};
  }
  const nlohmann::json j = {{"format", "barlake provider state 1"}, {"providers", providers}};
  return WriteFileAtomic(env, path_, ToJsonText(j, 2) + "\n");
}

}  // namespace barlake::providers
