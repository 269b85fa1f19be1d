// Text of input files that is not UTF-8. European broker exports are often written by
// Windows programs in Windows-1252 (cp1252, a superset of Latin-1's printable range), so a
// header such as "Eröffnung" arrives as the single byte 0xF6 for 'ö'. Names the importer
// compares with what the user typed (--columns, aliases) are decoded first.
#pragma once

#include <string>
#include <string_view>

namespace barlake::ingest {

/// `s` decoded as Windows-1252 into UTF-8. Bytes below 0x80 are kept; 0x80..0x9F map to
/// cp1252's characters (the five it leaves undefined map to the C1 controls, as in
/// Latin-1); 0xA0..0xFF are Latin-1. Always valid UTF-8.
std::string Cp1252ToUtf8(std::string_view s);

/// `s` unchanged when it is valid UTF-8, else decoded as Windows-1252. Sets `*decoded`
/// (when given) to whether it was decoded.
std::string AsUtf8Text(std::string_view s, bool* decoded = nullptr);

}  // namespace barlake::ingest
