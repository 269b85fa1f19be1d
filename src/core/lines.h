// Splitting text into lines for the code that edits text files line by line (barlake.toml)
// and must write back every byte it did not mean to change.
#pragma once

#include <string>
#include <vector>

namespace barlake {

/// The lines of `text`, each with its '\n' (the last one without, when the text does not
/// end in one): joined again they give `text` back byte for byte.
inline std::vector<std::string> SplitLinesKeepingEnds(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return lines;
}

}  // namespace barlake
