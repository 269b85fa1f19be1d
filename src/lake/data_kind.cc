#include "lake/data_kind.h"

#include <algorithm>

namespace barlake::lake {


namespace {

std::vector<const DataKind*>& Kinds() {
#define BARLAKE_KIND_ENTRY(fn) &fn(),
  static std::vector<const DataKind*> kinds = {BARLAKE_DATA_KINDS(BARLAKE_KIND_ENTRY)};
#undef BARLAKE_KIND_ENTRY
  return kinds;
}

}  // namespace

const std::vector<const DataKind*>& AllDataKinds() { return Kinds(); }

void RegisterDataKind(const DataKind* kind) {
  auto& kinds = Kinds();
  // Before bars, which claim every timeframe they can parse.
  kinds.insert(kinds.end() - 1, kind);
}

void UnregisterDataKind(const DataKind* kind) {
  auto& kinds = Kinds();
  kinds.erase(std::remove(kinds.begin(), kinds.end(), kind), kinds.end());
}

const DataKind& KindOfRelPath(const std::string& rel_path) {
  for (const DataKind* k : Kinds()) {
    if (k->OwnsRelPath(rel_path)) return *k;
  }
  return BarsKind();
}

const DataKind& KindOfTimeframe(const std::string& timeframe) {
  for (const DataKind* k : Kinds()) {
    if (k->OwnsTimeframe(timeframe)) return *k;
  }
  return BarsKind();
}

const DataKind* FindDataKind(std::string_view name) {
  for (const DataKind* k : Kinds()) {
    if (k->name() == name) return k;
  }
  return nullptr;
}

std::string DatasetKindOf(const std::string& timeframe) {
  return std::string(KindOfTimeframe(timeframe).name());
}

bool IsRollbackJobKind(const std::string& job_kind) {
  for (const DataKind* k : Kinds()) {
    for (std::string_view j : k->rollback_job_kinds()) {
      if (j == job_kind) return true;
    }
  }
  return false;
}

}  // namespace barlake::lake
