// The keyed-document kind (lake/documents.h): one provider answer per file under
// documents/doc=<collection>/symbol=<S>/provider=<P>/data.parquet, catalogued as
// (S, <collection>) with the provider as the period, written by `documents` jobs.
#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "lake/data_kind.h"
#include "lake/documents.h"

namespace barlake::lake {
namespace {

constexpr std::string_view kPrefix = "doc=";

std::string CollectionOfRelPath(const std::string& rel_path) {
  const auto slash = rel_path.find('/');
  return rel_path.substr(kPrefix.size(), slash == std::string::npos ? std::string::npos : slash - kPrefix.size());
}

std::string TimestampSql(Micros t) {
  return "(TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds(" + std::to_string(t) + "::BIGINT))";
}

std::string NumberSql(double v) {
  return ToJsonText(nlohmann::json(v)) + "::DOUBLE";  // shortest round-trip text
}

// The one-row SELECT a document is written from; its column order is the file's schema.
std::string DocumentSelectSql(const KeyedDocument& d) {
  using storage::SqlQuote;
  std::string sql = "SELECT " + SqlQuote(d.symbol) + "::VARCHAR AS symbol, " + SqlQuote(d.provider) +
                    "::VARCHAR AS provider, " + std::to_string(d.priority) + "::INTEGER AS priority, " +
                    TimestampSql(d.fetched_at) + " AS fetched_at, " + std::to_string(d.ttl_seconds) +
                    "::BIGINT AS ttl_seconds, " + TimestampSql(d.expires_at()) + " AS expires_at, " +
                    SqlQuote(d.source_sha256) + "::VARCHAR AS source_sha256, " + SqlQuote(d.source_url) +
                    "::VARCHAR AS source_url";
  for (const DocumentField& f : FundamentalFields()) {
    std::string value = "NULL";
    if (f.numeric) {
      if (auto it = d.number_fields.find(f.name); it != d.number_fields.end()) value = NumberSql(it->second);
      sql += ", " + value + "::DOUBLE AS \"" + f.name + "\"";
    } else {
      if (auto it = d.text_fields.find(f.name); it != d.text_fields.end()) value = SqlQuote(it->second);
      sql += ", " + value + "::VARCHAR AS \"" + f.name + "\"";
    }
  }
  return sql + ", " + SqlQuote(d.document) + "::VARCHAR AS document";
}

FileFacts FactsOfDocument(const KeyedDocument& d) {
  FileFacts f;
  f.rows = 1;
  f.key_order = "document";
  f.min_ts = f.max_ts = d.fetched_at;
  f.content_hash = d.ContentHash();
  return f;
}

class Documents final : public DataKind {
 public:
  Documents() : DataKind("document", "documents", kPrefix) {}
  bool OwnsTimeframe(const std::string& timeframe) const override { return timeframe == kFundamentalsCollection; }
  std::vector<std::string_view> rollback_job_kinds() const override { return {kDocumentJobKind}; }
  std::string NotBarsAdvice(const std::string& symbol, const std::string& timeframe) const override {
    return symbol + " " + timeframe + " holds keyed documents, not bars; show them with `barlake " + timeframe +
           " " + symbol + "`";
  }

  Status Write(const KindIo& io, const RowsPayload& payload, const std::string& path) const override {
    ASSIGN_OR_RETURN(const KeyedDocument* doc, RowsOf<KeyedDocument>(payload));
    return io.conn->Execute("COPY (" + DocumentSelectSql(*doc) + ") TO " + storage::SqlQuote(path) +
                            " (FORMAT parquet, COMPRESSION gzip)");
  }

  Result<FileFacts> ReadFacts(const KindIo& io, const std::string& rel_path, const std::string& path,
                              bool check_schema) const override {
    ASSIGN_OR_RETURN(KeyedDocument d, lake::ReadDocumentFile(io.conn, path));
    d.collection = CollectionOfRelPath(rel_path);
    if (check_schema && DocumentRelPath(d.collection, d.symbol, d.provider) != rel_path) {
      return Status::Corruption("'" + rel_path + "' holds the document of " + d.symbol + " from " + d.provider);
    }
    return FactsOfDocument(d);
  }

  Result<FileFacts> Intended(const RowsPayload& payload) const override {
    ASSIGN_OR_RETURN(const KeyedDocument* doc, RowsOf<KeyedDocument>(payload));
    return FactsOfDocument(*doc);
  }

  // `fundamentals_documents`: one row per stored document; `fundamentals`: one row per
  // symbol, each field from the provider of lowest priority that has it.
  std::vector<std::string> ViewSql(const VaultPaths& paths, const std::vector<std::string>& stored) const override {
    const std::string c = kFundamentalsCollection;
    const std::string prefix = std::string(kPrefix) + c + "/";
    bool any = false;
    for (const auto& rel : stored) any = any || rel.rfind(prefix, 0) == 0;
    std::string raw = "CREATE OR REPLACE TEMP VIEW " + c + "_documents AS ";
    if (any) {
      raw += "SELECT * FROM read_parquet(" + storage::SqlQuote(Root(paths) + "/" + prefix + "**/*.parquet") +
             ", hive_partitioning=false)";
    } else {
      raw += "SELECT * FROM (" + DocumentSelectSql(KeyedDocument{}) + ") WHERE false";
    }
    std::string merged = "CREATE OR REPLACE TEMP VIEW " + c +
                         " AS SELECT symbol, string_agg(provider, ',' ORDER BY priority) AS providers, "
                         "min(fetched_at) AS fetched_at, min(expires_at) AS expires_at";
    for (const DocumentField& f : FundamentalFields()) {
      merged += std::string(", first(\"") + f.name + "\" ORDER BY priority) FILTER (WHERE \"" + f.name +
                "\" IS NOT NULL) AS \"" + f.name + "\"";
    }
    merged += " FROM " + c + "_documents GROUP BY symbol";
    return {raw, merged};
  }

};

}  // namespace

const DataKind& DocumentKind() {
  static const Documents kind;
  return kind;
}

Result<KeyedDocument> ReadDocumentFile(storage::DuckConn* conn, const std::string& path) {
  std::string cols = "symbol, provider, priority, epoch_us(fetched_at), ttl_seconds, source_sha256, source_url, document";
  for (const DocumentField& f : FundamentalFields()) {
    // Numbers as their shortest round-trip text, so the content hash sees what was written.
    cols += std::string(", \"") + f.name + "\"" + (f.numeric ? "::VARCHAR" : "") + ", \"" + f.name + "\" IS NULL";
  }
  ASSIGN_OR_RETURN(auto r, conn->Query("SELECT " + cols + " FROM read_parquet(" + storage::SqlQuote(path) + ")"));
  if (r->RowCount() != 1) {
    return Status::Corruption("'" + path + "' holds " + std::to_string(r->RowCount()) + " rows; a document file holds one");
  }
  KeyedDocument d;
  d.symbol = r->Text(0, 0);
  d.provider = r->Text(1, 0);
  d.priority = static_cast<int>(r->Int(2, 0));
  d.fetched_at = r->Int(3, 0);
  d.ttl_seconds = r->Int(4, 0);
  d.source_sha256 = r->Text(5, 0);
  d.source_url = r->Text(6, 0);
  d.document = r->Text(7, 0);
  idx_t col = 8;
  for (const DocumentField& f : FundamentalFields()) {
    const std::string text = r->Text(col, 0);
    const bool is_null = r->Text(col + 1, 0) == "true";
    col += 2;
    if (is_null) continue;
    if (f.numeric) {
      d.number_fields[f.name] = std::strtod(text.c_str(), nullptr);
    } else {
      d.text_fields[f.name] = text;
    }
  }
  return d;
}

}  // namespace barlake::lake
