// Snapshot manifests as JSON (docs/backup.md#manifest). nlohmann throws on bad input; every
// exception is caught here and becomes kCorruption naming the manifest.
#include <nlohmann/json.hpp>

#include "backup/backup.h"
#include "core/json_text.h"
#include "core/text.h"
#include "core/time_util.h"

namespace barlake::backup {

uint64_t Manifest::TotalBytes() const {
  uint64_t n = journal.size;
  for (const auto& f : files) n += f.size;
  return n;
}

namespace {

nlohmann::json FileJson(const SnapshotFile& f) {
  nlohmann::json j = {{"sha256", f.sha256}, {"size", f.size}};
  if (f.stored_size > 0) j["stored"] = f.stored_size;
  return j;
}

SnapshotFile FileFromJson(std::string path, const nlohmann::json& j) {
  return {std::move(path), j.at("sha256").get<std::string>(), j.at("size").get<uint64_t>(),
          j.value("stored", uint64_t{0})};
}

}  // namespace

std::string ManifestToJson(const Manifest& m) {
  nlohmann::json j;
  // Format 1 unless an object is compressed: a backup without compressed objects stays
  // readable by a barlake from before compression.
  bool compressed = m.journal.stored_size > 0;
  for (const auto& f : m.files) compressed = compressed || f.stored_size > 0;
  j["format"] = compressed ? 2 : 1;
  j["id"] = m.id;
  j["created"] = FormatIsoUtc(m.created_micros);
  j["created_micros"] = m.created_micros;
  j["vault"] = m.vault;
  j["vault_name"] = m.vault_name;
  j["last_job"] = m.last_job;
  j["journal"] = FileJson(m.journal);
  j["journal"]["path"] = m.journal.path;
  nlohmann::json files = nlohmann::json::object();
  for (const auto& f : m.files) files[f.path] = FileJson(f);
  j["files"] = std::move(files);
  return ToJsonText(j, 1) + "\n";
}

namespace {

bool IsSha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

/// A path inside the vault: relative, no "..", no empty part (a manifest is input too).
bool IsSafeRelPath(const std::string& p) {
  if (p.empty() || p.front() == '/') return false;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    const std::string part = p.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

Result<Manifest> ManifestFromJson(std::string_view text, const std::string& what) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    Manifest m;
    m.format = j.at("format").get<int>();
    if (m.format != 1 && m.format != 2) {
      return Status::Corruption(what + ": manifest format " + std::to_string(m.format) +
                                " is not known to this barlake (it reads formats 1 and 2)");
    }
    m.id = j.at("id").get<std::string>();
    m.created_micros = j.at("created_micros").get<int64_t>();
    m.vault = j.value("vault", "");
    m.vault_name = j.value("vault_name", "");
    m.last_job = j.value("last_job", int64_t{0});
    const auto& jr = j.at("journal");
    m.journal = FileFromJson(jr.at("path").get<std::string>(), jr);
    for (const auto& [path, f] : j.at("files").items()) m.files.push_back(FileFromJson(path, f));
    for (const SnapshotFile* f : [&] {
           std::vector<const SnapshotFile*> all{&m.journal};
           for (const auto& x : m.files) all.push_back(&x);
           return all;
         }()) {
      if (!IsSha256(f->sha256)) {
        return Status::Corruption(what + ": file " + QuoteBytes(f->path) + " has a malformed sha256 " +
                                  QuoteBytes(f->sha256));
      }
      if (!IsSafeRelPath(f->path)) {
        return Status::Corruption(what + ": file path " + QuoteBytes(f->path) + " is not a path inside a vault");
      }
    }
    return m;
  } catch (const std::exception& e) {
    return Status::Corruption(what + " is not a valid snapshot manifest: " + ToValidUtf8(e.what()));
  }
}

}  // namespace barlake::backup
