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
  /// Tell the kernel the bytes before `offset` are no longer needed in this process.
  void ReleaseBefore(size_t offset);

 private:
  SourceFile() = default;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace barlake::lake
