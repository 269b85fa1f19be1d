#include "cli/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "core/byte_size.h"

namespace barlake::cli {

std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < r.size() ? r[c] : "";
      out += cell;
      if (c + 1 < width.size()) out += std::string(width[c] - cell.size() + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
  };
  line(header);
  std::vector<std::string> rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto& r : rows) line(r);
  return out;
}

std::string HumanBytes(int64_t b) { return ByteSizeText(b, 1024); }

std::string WithThousands(int64_t n) {
  // The magnitude in unsigned arithmetic: -INT64_MIN does not fit an int64_t.
  const uint64_t magnitude = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  const std::string digits = std::to_string(magnitude);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3 + 1);
  if (n < 0) out.push_back('-');
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

void ProgressBar::Update(const std::string& phase, int64_t done, int64_t total) {
  if (!enabled_) return;
  const int permille = total > 0 ? static_cast<int>(done * 1000 / total) : 0;
  if (permille == last_permille_ && phase == last_phase_) return;
  last_permille_ = permille;
  last_phase_ = phase;
  const int filled = permille * 30 / 1000;
  std::fprintf(stderr, "\r%-10s [%s%s] %3d%% %lld/%lld ", phase.c_str(), std::string(static_cast<size_t>(filled), '#').c_str(),
               std::string(static_cast<size_t>(30 - filled), ' ').c_str(), permille / 10,
               static_cast<long long>(done), static_cast<long long>(total));
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (drawn_) {
    std::fprintf(stderr, "\r%70s\r", "");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace barlake::cli
