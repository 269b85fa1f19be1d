// BarFormat: one importer per real-world file format, behind one interface, plus the
// registry that lists them and picks one for `--format auto` (and `barlake detect`).
//
// A format turns a whole file into ParsedBars: bar OPEN times in UTC (applying its own
// stamp convention, the source zone for naive stamps, and ParseOptions::stamp), prices
// and volume, and the source line of every row. Parse errors are kInvalidInput naming
// file, line and field (ProblemList). A format never writes anything.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/parsed_bars.h"

namespace barlake::ingest {

struct Detection {
  int score = 0;    // 0: not this format; 100: certain
  std::string why;  // one sentence a user can check, e.g. "first line is 'Date,Open,...'"
};

class BarFormat {
 public:
  virtual ~BarFormat() = default;
  /// The --format name: "ninjatrader", "csv", ...
  std::string_view name() const { return name_; }
  /// One line for `barlake import --help` and docs.
  std::string_view description() const { return description_; }
  /// Look at the start of a file (up to 64 KiB) and its name. Must be cheap, never fail.
  virtual Detection Detect(std::string_view head, std::string_view file_name) const = 0;
  /// Whether each row is one line of text (ParseProblem::line is a line number), so a file
  /// whose last line has no newline and does not parse looks cut short. JSON formats: no.
  virtual bool rows_are_lines() const { return true; }
  /// Parse a whole file.
  virtual Result<ParsedBars> Parse(std::string_view data, const ParseOptions& options) const = 0;

 protected:
  BarFormat(std::string_view name, std::string_view description) : name_(name), description_(description) {}

 private:
  const std::string name_;
  const std::string description_;
};

/// Every format barlake knows, in detection priority order. Never empty.
const std::vector<const BarFormat*>& AllFormats();
/// The format with this name; kInvalidArgument listing the known names otherwise.
Result<const BarFormat*> FindFormat(std::string_view name);

struct DetectResult {
  const BarFormat* format = nullptr;
  std::string why;                          // why this one won
  std::vector<std::pair<std::string, Detection>> candidates;  // every format's score
};
/// Pick the best-scoring format for a file. kInvalidInput (with every format's reason)
/// when none scores above zero.
Result<DetectResult> DetectFormat(std::string_view data, std::string_view file_name);

}  // namespace barlake::ingest
