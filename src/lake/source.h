// Source: the bytes a job imports, wherever they come from: a local file (mapped, never
// read whole into memory), bytes in memory (an upload, a download), with the time they
// were last modified and where they came from. Jobs identify a source by the SHA-256 of
// its bytes (idempotency), never by its name.
//
//   Source::FromPath("ES.Last.txt")                              // mtime from the file
//   Source::FromBytes("ES.Last.txt", std::move(body), modified, "upload")
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "core/result.h"
#include "core/time_util.h"
#include "env/env.h"

namespace barlake::lake {

struct Source {
  /// Shown in messages and recorded as the job's source (a path, a file name, a URL).
  std::string name;
  /// Read from this file when `bytes` is null.
  std::string path;
  std::shared_ptr<const std::string> bytes;
  /// When the bytes were last written (the export time, which tells a bar that was still
  /// forming); 0: the file's modification time, or unknown for bytes.
  Micros modified = 0;
  /// Where the bytes came from: "upload", a URL; empty for a local file.
  std::string provenance;
  /// The format of these bytes (ingest/format.h) when it is not the request's: one source
  /// of several in a job (ImportRequest::sources) whose provider failed over. Empty: the
  /// request's format.
  std::string format;

  static Source FromPath(std::string path);
  static Source FromBytes(std::string name, std::string bytes, Micros modified = 0,
                          std::string provenance = "");
  bool empty() const { return path.empty() && !bytes; }
};

/// A source opened for parsing: its bytes and modification time.
class OpenedSource {
 public:
  virtual ~OpenedSource() = default;
  /// The bytes to parse: the file's, or what a compressed file holds (compressed_source.h).
  virtual std::string_view data() const = 0;
  /// The bytes as they came, which the job hashes and keeps: data() unless compressed.
  virtual std::string_view raw() const { return data(); }
  /// The bytes before `offset` are no longer needed (a mapped file drops those pages).
  virtual void ReleaseBefore(size_t offset) = 0;
  Micros modified() const { return modified_; }

 protected:
  Micros modified_ = 0;
};

Result<std::unique_ptr<OpenedSource>> OpenSource(const Source& source);
/// The whole source in memory: its bytes, or the file read through `env`.
Result<std::shared_ptr<const std::string>> ReadSourceBytes(Env* env, const Source& source);

/// Hashes a source's bytes and, unless `copy_to` is empty, copies them durably to that
/// file, on a thread of its own while the caller parses. Join() before using the results.
///
/// With `copy_from_file` (the file `data` was mapped from), the copy is made inside the
/// kernel (Env::CopyFileSynced) and the SHA-256 is taken of the copy, so the name the job
/// keeps it under is always the hash of the kept bytes. A copy whose size is not
/// data.size() means the file was being written while it was imported: an error.
class SourceHasher {
 public:
  SourceHasher(Env* env, std::string_view data, std::string copy_to,
               std::string copy_from_file = {});
  ~SourceHasher() { (void)Join(); }
  /// The SHA-256 (hex) of the bytes; the copy's error if it failed.
  Result<std::string> Join();

 private:
  Status CopyThenHashCopy(std::string_view data, const std::string& from);

  Env* env_;
  std::string copy_to_;
  std::string sha_;
  Status status_;
  std::thread thread_;
};

}  // namespace barlake::lake
