#include "lake/source.h"

#include "core/checksum.h"
#include "core/text.h"
#include "lake/compressed_source.h"
#include "lake/source_file.h"

namespace barlake::lake {

Source Source::FromPath(std::string path) {
  Source s;
  s.name = path;
  s.path = std::move(path);
  return s;
}

Source Source::FromBytes(std::string name, std::string bytes, Micros modified,
                         std::string provenance) {
  Source s;
  s.name = std::move(name);
  s.bytes = std::make_shared<const std::string>(std::move(bytes));
  s.modified = modified;
  s.provenance = std::move(provenance);
  return s;
}

namespace {

class MappedSource final : public OpenedSource {
 public:
  MappedSource(std::unique_ptr<SourceFile> file, Micros modified) : file_(std::move(file)) {
    modified_ = modified ? modified : file_->modified_micros();
  }
  std::string_view data() const override { return file_->data(); }
  void ReleaseBefore(size_t offset) override { file_->ReleaseBefore(offset); }

 private:
  std::unique_ptr<SourceFile> file_;
};

class MemorySource final : public OpenedSource {
 public:
  MemorySource(std::shared_ptr<const std::string> bytes, Micros modified)
      : bytes_(std::move(bytes)) {
    modified_ = modified;
  }
  std::string_view data() const override { return *bytes_; }
  void ReleaseBefore(size_t) override {}

 private:
  std::shared_ptr<const std::string> bytes_;
};

// A .gz or .zip source: parsed as the file inside, hashed and kept as it came.
class InflatedSource final : public OpenedSource {
 public:
  InflatedSource(std::unique_ptr<OpenedSource> raw, std::string inflated)
      : raw_(std::move(raw)), inflated_(std::move(inflated)) {
    modified_ = raw_->modified();
  }
  std::string_view data() const override { return inflated_; }
  std::string_view raw() const override { return raw_->data(); }
  void ReleaseBefore(size_t) override {}

 private:
  std::unique_ptr<OpenedSource> raw_;
  std::string inflated_;
};

Result<std::unique_ptr<OpenedSource>> OpenPlain(const Source& source) {
  if (source.bytes)
    return std::unique_ptr<OpenedSource>(new MemorySource(source.bytes, source.modified));
  if (source.path.empty()) return Status::InvalidArgument("the import names no source file");
  ASSIGN_OR_RETURN(auto file, SourceFile::Open(source.path));
  return std::unique_ptr<OpenedSource>(new MappedSource(std::move(file), source.modified));
}

}  // namespace

Result<std::unique_ptr<OpenedSource>> OpenSource(const Source& source) {
  ASSIGN_OR_RETURN(auto plain, OpenPlain(source));
  ASSIGN_OR_RETURN(auto inflated, Decompress(plain->data(), source.name));
  if (!inflated) return plain;
  return std::unique_ptr<OpenedSource>(new InflatedSource(std::move(plain), std::move(*inflated)));
}

Result<std::shared_ptr<const std::string>> ReadSourceBytes(Env* env, const Source& source) {
  if (source.bytes) return source.bytes;
  if (source.path.empty()) return Status::InvalidArgument("the import names no source file");
  ASSIGN_OR_RETURN(std::string data, env->ReadFile(source.path));
  return std::make_shared<const std::string>(std::move(data));
}

SourceHasher::SourceHasher(Env* env, std::string_view data, std::string copy_to,
                           std::string copy_from_file)
    : env_(env), copy_to_(std::move(copy_to)) {
  thread_ = std::thread([this, data, from = std::move(copy_from_file)] {
    if (!from.empty() && !copy_to_.empty()) {
      status_ = CopyThenHashCopy(data, from);
      return;
    }
    Sha256 h;
    std::unique_ptr<WritableFile> out;
    if (!copy_to_.empty()) {
      auto f = env_->NewWritableFile(copy_to_);
      if (!f.ok()) {
        status_ = f.status();
        return;
      }
      out = std::move(f).value();
    }
    constexpr size_t kChunk = 8 << 20;
    for (size_t off = 0; off < data.size(); off += kChunk) {
      const std::string_view piece = data.substr(off, kChunk);
      h.Update(piece.data(), piece.size());
      if (out) {
        status_ = out->Append(piece);
        if (!status_.ok()) return;
      }
    }
    if (out) {
      status_ = out->Sync();
      Status c = out->Close();
      if (status_.ok()) status_ = c;
    }
    sha_ = h.HexDigest();
  });
}

Status SourceHasher::CopyThenHashCopy(std::string_view data, const std::string& from) {
  RETURN_IF_ERROR(env_->CopyFileSynced(from, copy_to_));
  ASSIGN_OR_RETURN(auto copy, SourceFile::Open(copy_to_));
  const std::string_view kept = copy->data();
  if (kept.size() != data.size()) {
    return Status::InvalidInput(
        "'" + ToValidUtf8(from) + "' changed while it was being imported (" +
        std::to_string(data.size()) + " bytes when opened, " + std::to_string(kept.size()) +
        " when copied); import it again once whatever writes it has finished");
  }
  Sha256 h;
  constexpr size_t kChunk = 8 << 20;
  for (size_t off = 0; off < kept.size(); off += kChunk) {
    const std::string_view piece = kept.substr(off, kChunk);
    h.Update(piece.data(), piece.size());
    // Hashed pages leave this process's memory: the parser holds the source's pages, and
    // the copy's must not add a second file's worth to the import's peak memory.
    copy->ReleaseBefore(off + piece.size());
  }
  sha_ = h.HexDigest();
  return Status::OK();
}

Result<std::string> SourceHasher::Join() {
  if (thread_.joinable()) thread_.join();
  if (!status_.ok()) return status_;
  return sha_;
}

}  // namespace barlake::lake
