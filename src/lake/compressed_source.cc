#include "lake/compressed_source.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/text.h"

namespace barlake::lake {
namespace {

// Sizes are refused above this: a few-kilobyte "zip bomb" must not fill the memory.
constexpr uint64_t kMaxInflated = uint64_t{16} << 30;

uint32_t Le32(std::string_view b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<size_t>(i)]);
  return v;
}
uint16_t Le16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) | (static_cast<unsigned char>(b[at + 1]) << 8));
}

constexpr std::string_view kImportHint = "fetch the file again, or unpack it and import the file inside";

Status Damaged(const std::string& name, const std::string& what, std::string_view hint = kImportHint) {
  return Status::InvalidInput("'" + ToValidUtf8(name) + "': " + what + (hint.empty() ? "" : "; ") + std::string(hint));
}

// Inflate `in`; window_bits 15+32: gzip or zlib header, -15: raw deflate (zip). gzip files
// may hold several members one after the other (cat a.gz b.gz).
// `hint` ends every error message (what to do about it).
Result<std::string> Inflate(std::string_view in, int window_bits, const std::string& name, uint64_t size_hint,
                            std::string_view hint = kImportHint) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, window_bits) != Z_OK) return Status::Internal("zlib: inflateInit2 failed");
  std::string out;
  out.reserve(static_cast<size_t>(std::min<uint64_t>(size_hint ? size_hint : in.size() * 4, kMaxInflated)));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), UINT32_MAX));
  size_t fed = zs.avail_in;
  char buf[1 << 16];
  Status status;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > kMaxInflated) {
      status = Damaged(name, "unpacks to more than 16 GiB", hint);
      break;
    }
    if (zs.avail_in == 0 && fed < in.size()) {
      const size_t more = std::min<size_t>(in.size() - fed, UINT32_MAX);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + fed));
      zs.avail_in = static_cast<uInt>(more);
      fed += more;
    }
    if (rc == Z_STREAM_END) {
      if (window_bits > 0 && zs.avail_in > 0) {  // another gzip member
        if (inflateReset(&zs) != Z_OK) {
          status = Damaged(name, "the compressed stream is damaged", hint);
          break;
        }
        continue;
      }
      break;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      status = Damaged(name, "the compressed stream is cut short", hint);
      break;
    }
    status = Damaged(name, std::string("the compressed stream is damaged (") + (zs.msg ? zs.msg : "zlib error") + ")",
                     hint);
    break;
  }
  inflateEnd(&zs);
  if (!status.ok()) return status;
  return out;
}

Result<std::string> Unzip(std::string_view b, const std::string& name) {
  // The end of central directory record: 22 bytes plus a comment of up to 64 KiB.
  if (b.size() < 22) return Damaged(name, "the zip archive is cut short");
  size_t eocd = std::string_view::npos;
  const size_t lowest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
  for (size_t i = b.size() - 22 + 1; i-- > lowest;) {
    if (Le32(b, i) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string_view::npos) return Damaged(name, "the zip archive has no central directory (cut short?)");
  const uint16_t entries = Le16(b, eocd + 10);
  const uint32_t cd_offset = Le32(b, eocd + 16);
  if (entries == 0xFFFF || cd_offset == 0xFFFFFFFFu) return Damaged(name, "ZIP64 archives are not supported");
  size_t at = cd_offset;
  struct Entry {
    std::string file;
    uint16_t flags, method;
    uint32_t crc, csize, usize, local;
  };
  std::vector<Entry> files;
  for (uint16_t k = 0; k < entries; ++k) {
    if (at + 46 > b.size() || Le32(b, at) != 0x02014b50) return Damaged(name, "the zip central directory is damaged");
    Entry e{std::string(b.substr(at + 46, std::min<size_t>(Le16(b, at + 28), b.size() - at - 46))),
            Le16(b, at + 8), Le16(b, at + 10), Le32(b, at + 16), Le32(b, at + 20), Le32(b, at + 24),
            Le32(b, at + 42)};
    at += 46u + Le16(b, at + 28) + Le16(b, at + 30) + Le16(b, at + 32);
    // Folders and the metadata macOS adds are not data.
    if (e.file.empty() || e.file.back() == '/' || e.file.rfind("__MACOSX/", 0) == 0) continue;
    files.push_back(std::move(e));
  }
  if (files.size() != 1) {
    return Status::InvalidInput("'" + ToValidUtf8(name) + "' is a zip archive of " + std::to_string(files.size()) +
                                " files; barlake imports an archive of one file. Unpack it and import the folder "
                                "(`barlake import DIR ...`)");
  }
  const Entry& e = files[0];
  if (e.flags & 1) return Damaged(name, "the zip archive is encrypted");
  if (e.csize == 0xFFFFFFFFu || e.usize == 0xFFFFFFFFu) return Damaged(name, "ZIP64 archives are not supported");
  if (static_cast<size_t>(e.local) + 30 > b.size() || Le32(b, e.local) != 0x04034b50)
    return Damaged(name, "the zip archive is damaged");
  const size_t data = static_cast<size_t>(e.local) + 30 + Le16(b, e.local + 26) + Le16(b, e.local + 28);
  if (data + e.csize > b.size()) return Damaged(name, "the zip archive is cut short");
  const std::string_view packed = b.substr(data, e.csize);
  std::string out;
  if (e.method == 0) {
    out = std::string(packed);
  } else if (e.method == 8) {
    ASSIGN_OR_RETURN(out, Inflate(packed, -15, name, e.usize));
  } else {
    return Damaged(name, "the zip archive uses compression method " + std::to_string(e.method) +
                             " (only stored and deflate are read)");
  }
  uLong sum = crc32(0L, Z_NULL, 0);
  for (size_t off = 0; off < out.size(); off += 1u << 30) {
    const size_t n = std::min<size_t>(out.size() - off, 1u << 30);
    sum = crc32(sum, reinterpret_cast<const Bytef*>(out.data() + off), static_cast<uInt>(n));
  }
  if (out.size() != e.usize || sum != e.crc) return Damaged(name, "the file inside the zip archive fails its CRC check");
  return out;
}

}  // namespace

Result<std::optional<std::string>> Decompress(std::string_view bytes, const std::string& name) {
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b) {
    ASSIGN_OR_RETURN(std::string out, Inflate(bytes, 15 + 16, name, 0));
    return std::optional<std::string>(std::move(out));
  }
  if (bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4)) {
    ASSIGN_OR_RETURN(std::string out, Unzip(bytes, name));
    return std::optional<std::string>(std::move(out));
  }
  return std::optional<std::string>();
}

Result<std::string> Gunzip(std::string_view bytes, const std::string& name, uint64_t size_hint) {
  return Inflate(bytes, 15 + 16, name, size_hint, /*hint=*/"");
}

std::string WithoutCompressionSuffix(const std::string& name) {
  for (const char* suffix : {".gz", ".zip", ".GZ", ".ZIP"}) {
    const size_t n = std::strlen(suffix);
    if (name.size() > n && name.compare(name.size() - n, n, suffix) == 0) return name.substr(0, name.size() - n);
  }
  return name;
}

}  // namespace barlake::lake
