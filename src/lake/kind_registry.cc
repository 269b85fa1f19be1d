// The registry document (barlake.toml) as a kind: not a partition, but a file a job may
// change (declaring the datasets it creates). Writing it through the write protocol makes
// that change part of the job: staged, read back (it must parse), journaled, swapped with
// the previous file kept under versions/, undone by rollback and redone by recovery. It is
// never catalogued (a change of it names no dataset), listed by verify or queried.
#include "core/checksum.h"
#include "lake/data_kind.h"
#include "registry/registry.h"

namespace barlake::lake {
namespace {

FileFacts DocumentFacts(const std::string& text) {
  FileFacts f;
  f.rows = 1;
  f.key_order = "document";
  f.content_hash = Sha256Hex(text).substr(0, 16);
  return f;
}

class RegistryDocument final : public DataKind {
 public:
  RegistryDocument() : DataKind("registry", "" /* the vault root */, registry::kRegistryFileName) {}
  bool catalogued() const override { return false; }
  bool root_made_by_init() const override { return true; }
  bool OwnsTimeframe(const std::string&) const override { return false; }
  std::vector<std::string_view> rollback_job_kinds() const override { return {}; }
  std::string NotBarsAdvice(const std::string&, const std::string&) const override {
    return "the registry";
  }

  Status Write(const KindIo& io, const RowsPayload& payload,
               const std::string& path) const override {
    ASSIGN_OR_RETURN(const std::string* text, RowsOf<std::string>(payload));
    ASSIGN_OR_RETURN(auto file, io.env->NewWritableFile(path));
    RETURN_IF_ERROR(file->Append(*text));
    return file->Close();  // the protocol syncs it
  }
  Result<FileFacts> ReadFacts(const KindIo& io, const std::string&, const std::string& path,
                              bool) const override {
    ASSIGN_OR_RETURN(std::string text, io.env->ReadFile(path));
    RETURN_IF_ERROR(registry::Registry::Parse(text, path).status());
    return DocumentFacts(text);
  }
  Result<FileFacts> Intended(const RowsPayload& payload) const override {
    ASSIGN_OR_RETURN(const std::string* text, RowsOf<std::string>(payload));
    return DocumentFacts(*text);
  }
  std::vector<std::string> ViewSql(const VaultPaths&,
                                   const std::vector<std::string>&) const override {
    return {};
  }
};

}  // namespace

const DataKind& RegistryDocumentKind() {
  static const RegistryDocument kind;
  return kind;
}

}  // namespace barlake::lake
