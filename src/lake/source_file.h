// SourceFile: a read-only memory map of an input file. Pages are released behind the
// parser (ReleaseBefore) so a multi-GB import does not keep the whole file resident.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace barlake::lake {

class SourceFile {
 public:
  static Result<std::unique_ptr<SourceFile>> Open(const std::string& path);
  ~SourceFile();
  std::string_view data() const { return {data_, size_}; }
  /// When the file was last written (micros since the epoch): the export time, for
  /// telling a bar that was still forming from a finished one.
  int64_t modified_micros() const { return modified_micros_; }
  /// Tell the kernel the bytes before `offset` are no longer needed in this process.
  void ReleaseBefore(size_t offset);

 private:
  SourceFile() = default;
  const char* data_ = nullptr;
  size_t size_ = 0;
  int64_t modified_micros_ = 0;
};

}  // namespace barlake::lake
