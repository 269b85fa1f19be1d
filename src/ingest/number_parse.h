// Fast, exact decimal parsing for price and volume fields.
#pragma once

#include <string_view>

namespace barlake::ingest {

/// Parse a whole field as a double. Decimal numbers with up to 15 significant digits
/// take a fast exact path (mantissa / 10^k, correctly rounded by IEEE division);
/// anything else (exponents, long mantissas, "nan") falls back to std::from_chars.
/// Returns false when the field is not a number.
bool ParseDouble(std::string_view field, double* out);

}  // namespace barlake::ingest
