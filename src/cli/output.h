// Terminal output helpers: aligned tables, human sizes, and a progress bar that only
// draws on a terminal (plain output when piped).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace barlake::cli {

/// Print rows as an aligned table with a header row.
std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);
std::string HumanBytes(int64_t bytes);
std::string WithThousands(int64_t n);

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { Finish(); }
  void Update(const std::string& phase, int64_t done, int64_t total);
  void Finish();

 private:
  bool enabled_;
  bool drawn_ = false;
  int last_permille_ = -1;
  std::string last_phase_;
};

}  // namespace barlake::cli
