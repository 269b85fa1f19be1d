// Compressed sources: a `.gz` file or a `.zip` archive holding one file is imported as the
// file inside (docs/formats/formats.md#compressed-files). Told by their magic bytes, not
// their names. The job still keeps, and is identified by, the compressed bytes as they came
// (lake/source.h: OpenedSource::raw), so importing the same archive again is skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace barlake::lake {

/// The bytes inside `bytes` when they are gzip (any number of members) or a zip archive
/// with exactly one file (stored or deflated, CRC checked); nullopt when they are neither.
/// kInvalidInput, naming `name`, for a damaged stream, an encrypted or multi-file archive.
Result<std::optional<std::string>> Decompress(std::string_view bytes, const std::string& name);

/// `bytes` (gzip, any number of members) unpacked; kInvalidInput "'<name>': <what is
/// wrong>" for a damaged or cut stream (backup/object_codec.h reads its objects with it).
/// `size_hint`: the unpacked size when known (0: not known).
Result<std::string> Gunzip(std::string_view bytes, const std::string& name, uint64_t size_hint = 0);

/// `name` without a trailing ".gz" or ".zip" (for detection by file name).
std::string WithoutCompressionSuffix(const std::string& name);

}  // namespace barlake::lake
