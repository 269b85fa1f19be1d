#include "lake/documents.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/checksum.h"
#include "core/json_text.h"
#include "core/time_util.h"
#include "lake/data_kind.h"
#include "lake/job_scope.h"
#include "lake/lake.h"
#include "lake/partition_writes.h"
#include "lake/writer_lock.h"
#include "storage/partition_layout.h"

namespace barlake::lake {

using journal::JobRecord;
using journal::PartitionEntry;

const std::vector<DocumentField>& FundamentalFields() {
  static const std::vector<DocumentField> fields = {
      {"name", false},        {"exchange", false},           {"currency", false},
      {"sector", false},      {"industry", false},           {"market_cap", true},
      {"shares_outstanding", true}, {"pe_ratio", true},      {"forward_pe", true},
      {"eps", true},          {"dividend_yield", true},      {"beta", true},
      {"week52_high", true},  {"week52_low", true},
  };
  return fields;
}

std::string KeyedDocument::ContentHash() const {
  nlohmann::json numbers = nlohmann::json::object();
  for (const auto& [k, v] : number_fields) numbers[k] = v;
  const nlohmann::json canonical = {symbol,      provider,   priority,      fetched_at,  ttl_seconds, source_sha256,
                                    source_url,  document,   text_fields,   numbers};
  return Sha256Hex(ToJsonText(canonical)).substr(0, 16);
}

std::string DocumentRelPath(const std::string& collection, const std::string& symbol, const std::string& provider) {
  return "doc=" + collection + "/symbol=" + symbol + "/provider=" + provider + "/data.parquet";
}

namespace {

Result<std::vector<PartitionEntry>> DocumentEntries(Lake* lake, const std::string& collection,
                                                    const std::string& symbol) {
  std::vector<PartitionEntry> out;
  if (symbol.empty()) {
    ASSIGN_OR_RETURN(auto all, lake->AllPartitions());
    for (auto& p : all) {
      if (p.timeframe == collection && KindOfRelPath(p.rel_path).name() == "document") out.push_back(std::move(p));
    }
    return out;
  }
  return lake->PartitionsInRange(symbol, collection, std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::max());
}

Result<KeyedDocument> ReadEntry(Lake* lake, const std::string& collection, const PartitionEntry& p) {
  ASSIGN_OR_RETURN(storage::DuckConn * duck, LakeModuleAccess::Duck(lake));
  const std::string path = lake->paths().LakeFile(p.rel_path);
  ASSIGN_OR_RETURN(KeyedDocument d, ReadDocumentFile(duck, path));
  d.collection = collection;
  if (d.ContentHash() != p.content_hash) {
    return Status::Corruption("'" + path + "' does not hold the document the journal recorded (content hash " +
                              d.ContentHash() + ", expected " + p.content_hash + "); run `barlake verify`");
  }
  return d;
}

PartitionWrite DocumentWrite(const KeyedDocument& doc, const PartitionEntry* stored, int64_t job_id) {
  PartitionWrite w;
  w.change.symbol = doc.symbol;
  w.change.timeframe = doc.collection;
  w.change.period = doc.provider;
  w.change.rel_path = DocumentRelPath(doc.collection, doc.symbol, doc.provider);
  if (stored) {
    w.change.before_sha256 = stored->sha256;
    w.change.before_rows = stored->rows;
    w.change.before_version = stored->version;
  }
  w.change.after_version = job_id;
  w.rows = MakePayload(doc);
  return w;
}

}  // namespace

Result<std::optional<KeyedDocument>> ReadDocument(Lake* lake, const std::string& collection,
                                                  const std::string& symbol, const std::string& provider) {
  ASSIGN_OR_RETURN(auto entries, DocumentEntries(lake, collection, symbol));
  for (const auto& p : entries) {
    if (p.period != provider) continue;
    ASSIGN_OR_RETURN(KeyedDocument d, ReadEntry(lake, collection, p));
    return std::optional<KeyedDocument>(std::move(d));
  }
  return std::optional<KeyedDocument>();
}

Result<std::vector<KeyedDocument>> ReadDocuments(Lake* lake, const std::string& collection,
                                                 const std::string& symbol) {
  ASSIGN_OR_RETURN(auto entries, DocumentEntries(lake, collection, symbol));
  std::vector<KeyedDocument> out;
  for (const auto& p : entries) {
    ASSIGN_OR_RETURN(KeyedDocument d, ReadEntry(lake, collection, p));
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const KeyedDocument& a, const KeyedDocument& b) {
    return std::tie(a.symbol, a.priority, a.provider) < std::tie(b.symbol, b.priority, b.provider);
  });
  return out;
}

MergedDocument MergeDocuments(const std::vector<KeyedDocument>& docs) {
  std::vector<const KeyedDocument*> order;
  for (const auto& d : docs) order.push_back(&d);
  std::stable_sort(order.begin(), order.end(),
                   [](const KeyedDocument* a, const KeyedDocument* b) { return a->priority < b->priority; });
  MergedDocument m;
  for (const KeyedDocument* d : order) {
    if (m.symbol.empty()) m.symbol = d->symbol;
    for (const auto& [k, v] : d->text_fields) m.text.emplace(k, std::make_pair(v, d->provider));
    for (const auto& [k, v] : d->number_fields) m.numbers.emplace(k, std::make_pair(v, d->provider));
  }
  return m;
}

// ---------------------------------------------------------------------------------------

Result<JobRecord> Lake::PutDocuments(const std::vector<KeyedDocument>& docs) {
  if (docs.empty()) return Status::InvalidArgument("no document to store");
  for (const auto& d : docs) {
    RETURN_IF_ERROR(storage::ValidateSymbol(d.symbol));
    if (d.collection.empty() || d.provider.empty() || d.provider.find('/') != std::string::npos) {
      return Status::InvalidArgument("a document needs a collection and a provider name without '/'");
    }
  }
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  JobRecord job;
  job.kind = kDocumentJobKind;
  job.symbol = docs.front().symbol;
  job.timeframe = docs.front().collection;
  job.command = options_.command;
  job.source_sha256 = docs.front().source_sha256;
  job.source_path = docs.front().source_url;
  auto plan = [&](std::vector<PartitionWrite>* writes) -> Status {
    nlohmann::json stored = nlohmann::json::array();
    for (const auto& d : docs) {
      ASSIGN_OR_RETURN(auto entries, DatasetPartitions(d.symbol, d.collection));
      const PartitionEntry* before = nullptr;
      for (const auto& p : entries) {
        if (p.period == d.provider) before = &p;
      }
      writes->push_back(DocumentWrite(d, before, job.id));
      stored.push_back({{"symbol", d.symbol},
                        {"provider", d.provider},
                        {"fetched_at", FormatIsoUtc(d.fetched_at)},
                        {"ttl_seconds", d.ttl_seconds},
                        {"source_sha256", d.source_sha256},
                        {"replaced", before != nullptr}});
    }
    job.rows_read = job.rows_written = static_cast<int64_t>(docs.size());
    job.report_json = ToJsonText(nlohmann::json{{"stored", stored}});
    return Status::OK();
  };
  RETURN_IF_ERROR(RunPlannedWrites(Context(), ScopeEvents(), Protocol(store), &job, plan));
  return journal_->GetJob(job.id);
}

Result<JobRecord> Lake::DropExpiredDocuments(const std::string& collection, Micros now) {
  ASSIGN_OR_RETURN(auto lock, LockAndRecover());
  ASSIGN_OR_RETURN(auto entries, DocumentEntries(this, collection, ""));
  std::vector<PartitionWrite> writes;
  nlohmann::json dropped = nlohmann::json::array();
  for (const auto& p : entries) {
    ASSIGN_OR_RETURN(KeyedDocument d, ReadEntry(this, collection, p));
    if (d.Fresh(now)) continue;
    writes.push_back(RemoveWrite(p));
    dropped.push_back({{"symbol", p.symbol}, {"provider", p.period}, {"expired_at", FormatIsoUtc(d.expires_at())}});
  }
  JobRecord job;
  if (writes.empty()) return job;
  ASSIGN_OR_RETURN(storage::ParquetStore * store, Store());
  job.kind = kDocumentJobKind;
  job.timeframe = collection;
  job.command = options_.command;
  auto plan = [&](std::vector<PartitionWrite>* planned) -> Status {
    job.rows_written = static_cast<int64_t>(writes.size());
    job.report_json = ToJsonText(nlohmann::json{{"dropped", dropped}});
    *planned = std::move(writes);
    return Status::OK();
  };
  RETURN_IF_ERROR(RunPlannedWrites(Context(), ScopeEvents(), Protocol(store), &job, plan));
  return journal_->GetJob(job.id);
}

}  // namespace barlake::lake
