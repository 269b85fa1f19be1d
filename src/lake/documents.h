// Keyed JSON documents (docs/fundamentals.md): one provider answer per (collection,
// symbol, provider), such as a company's fundamentals, kept with when it was fetched, how
// long it stays fresh (TTL) and the SHA-256 of the provider's bytes.
//
// Each document is one partition of the `document` kind (kind_documents.cc):
//   documents/doc=<collection>/symbol=<S>/provider=<P>/data.parquet
// a one-row Parquet file whose columns are GZIP-compressed (the document text dominates),
// catalogued as (S, <collection>) with the provider as its period. So a document is
// written like every partition: staged, fsynced, read back, journaled, swapped with the
// previous version kept, and undone by `barlake rollback JOB`. Storing a newer answer
// replaces the file; `--cleanup` removes expired ones in one job.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"

namespace barlake::lake {

class Lake;
}  // namespace barlake::lake
namespace barlake::storage {
class DuckConn;
}  // namespace barlake::storage
namespace barlake::lake {

/// The one collection barlake fills today; the kind takes any name of this shape.
inline constexpr const char* kFundamentalsCollection = "fundamentals";
/// The journal job kind of document writes (stores and cleanups).
inline constexpr const char* kDocumentJobKind = "documents";

/// The normalized fields every fundamentals provider maps its answer onto, in column
/// order: the merged view `fundamentals` takes each from the first provider (by priority)
/// that has it.
struct DocumentField {
  const char* name;
  bool numeric;  // DOUBLE, else VARCHAR
};
const std::vector<DocumentField>& FundamentalFields();

struct KeyedDocument {
  std::string collection = kFundamentalsCollection;
  std::string symbol, provider;
  int priority = 0;  // lower wins in the merged view
  Micros fetched_at = 0;
  int64_t ttl_seconds = 0;
  std::string source_sha256;  // of the provider's answer bytes
  std::string source_url;     // redacted (no key)
  std::string document;       // the provider's JSON answer, as received
  /// The normalized fields present in the answer (text, or shortest round-trip numbers).
  std::map<std::string, std::string> text_fields;
  std::map<std::string, double> number_fields;

  /// One row: the payload size the write protocol counts.
  size_t size() const { return 1; }
  Micros expires_at() const { return fetched_at + ttl_seconds * kMicrosPerSecond; }
  bool Fresh(Micros now) const { return now < expires_at(); }
  /// The fingerprint stored in the catalog and checked on read-back.
  std::string ContentHash() const;
};

/// "doc=<collection>/symbol=<S>/provider=<P>/data.parquet".
std::string DocumentRelPath(const std::string& collection, const std::string& symbol,
                            const std::string& provider);

/// Read one document file (kind_documents.cc); kCorruption unless it holds one row.
Result<KeyedDocument> ReadDocumentFile(storage::DuckConn* conn, const std::string& path);

/// The stored document of (collection, symbol, provider), nullopt when none.
Result<std::optional<KeyedDocument>> ReadDocument(Lake* lake, const std::string& collection,
                                                  const std::string& symbol, const std::string& provider);
/// Every stored document of a collection (all symbols when `symbol` is empty).
Result<std::vector<KeyedDocument>> ReadDocuments(Lake* lake, const std::string& collection,
                                                 const std::string& symbol);

/// The documents of one symbol merged by priority: each field from the first document
/// (lowest priority number) that has it, with the provider it came from.
struct MergedDocument {
  std::string symbol;
  std::map<std::string, std::pair<std::string, std::string>> text;  // field -> (value, provider)
  std::map<std::string, std::pair<double, std::string>> numbers;
};
MergedDocument MergeDocuments(const std::vector<KeyedDocument>& docs);

}  // namespace barlake::lake
