// Text that quotes input bytes. Every message the library builds must be valid UTF-8:
// messages end up in JSON (the CLI's --json output, the HTTP API, job reports), and a JSON
// writer either refuses invalid UTF-8 or loses the bytes. Input files are arbitrary bytes
// (cp1252 exports, a UTF-16 byte-order mark, NUL padding), so any part of them a message
// quotes goes through these helpers first. The escaped forms are documented in
// docs/cli.md ("Messages that quote the input").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace barlake {

/// True when `s` is well-formed UTF-8 (RFC 3629: shortest form, no surrogates, at most
/// U+10FFFF).
bool IsValidUtf8(std::string_view s);

/// Length in bytes of the well-formed UTF-8 sequence starting at s[0], or 0 when s[0] does
/// not start one (a stray continuation byte, an overlong form, a surrogate, a value above
/// U+10FFFF, or a sequence cut short).
size_t Utf8SequenceLength(std::string_view s);

/// `s` with every byte that is not part of a well-formed UTF-8 sequence written as
/// `\xHH`, and NUL as `\x00` (C strings stop at NUL). Valid text, including line breaks,
/// is returned unchanged. For messages and names that may hold foreign bytes (paths,
/// exception texts of third-party parsers).
std::string ToValidUtf8(std::string_view s);

/// The input bytes `s` as printable, valid UTF-8 for quoting in a message: invalid bytes,
/// NUL, control characters (below 0x20, and 0x7F) are written as `\xHH` and a backslash as
/// `\\`, so the quoted text is unambiguous. At most `max_bytes` input bytes are shown; a
/// longer input is cut at a code point boundary (never inside a UTF-8 sequence) and gets
/// "..." appended.
std::string EscapeBytes(std::string_view s, size_t max_bytes = 40);

/// EscapeBytes in single quotes: `'1.25\xFF\xFE'`.
std::string QuoteBytes(std::string_view s, size_t max_bytes = 40);

/// RFC 3986 percent-encoding: unreserved characters (A-Z a-z 0-9 - _ . ~) stay, every
/// other byte is %XX (upper-case hex); '/' stays too when `keep_slash` (URL paths). What
/// URL query values and AWS SigV4 canonical requests both want.
std::string PercentEncode(std::string_view s, bool keep_slash = false);

/// The longest prefix of `s` of at most `max_bytes` bytes that does not end inside a
/// well-formed UTF-8 sequence.
std::string_view Utf8Prefix(std::string_view s, size_t max_bytes);

}  // namespace barlake
