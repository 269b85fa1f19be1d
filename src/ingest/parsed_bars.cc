#include "ingest/parsed_bars.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/text.h"

namespace barlake::ingest {

ProblemList::ProblemList(std::string file_label) : file_(ToValidUtf8(file_label)) {}

void ProblemList::Add(uint32_t line, std::string_view field, const std::string& what) {
  ++count_;
  // Parsers quote input with core/text.h; checked again here because problems go on to
  // the quarantine, the job report and JSON output, which all need valid UTF-8.
  const bool valid = IsValidUtf8(what) && what.find('\0') == std::string::npos;
  if (sink_ && count_ <= kMaxKept) kept_.push_back({line, std::string(field), valid ? what : ToValidUtf8(what)});
  if (shown_.size() < 10) {
    shown_.push_back(file_ + ":" + std::to_string(line) + ": field '" + std::string(field) +
                     "': " + (valid ? what : ToValidUtf8(what)));
  }
}

Status ProblemList::ToStatus(const std::string& advice) const {
  if (count_ == 0) return Status::OK();
  if (sink_ && count_ <= kMaxKept) {
    sink_->insert(sink_->end(), kept_.begin(), kept_.end());
    return Status::OK();
  }
  std::string msg = std::to_string(count_) + " problem" + (count_ == 1 ? "" : "s") + " in '" +
                    file_ + "'; nothing was imported:";
  for (const auto& s : shown_) msg += "\n  " + s;
  if (count_ > static_cast<int64_t>(shown_.size())) {
    msg += "\n  ... and " + std::to_string(count_ - static_cast<int64_t>(shown_.size())) + " more";
  }
  if (!advice.empty()) msg += "\n" + advice;
  return Status::InvalidInput(msg);
}

bool LineReader::Next(std::string_view* line) {
  if (pos_ >= data_.size()) return false;
  if (on_progress_ && pos_ >= next_report_) {
    (*on_progress_)(pos_);
    next_report_ = pos_ + (32 << 20);
  }
  size_t eol = data_.find('\n', pos_);
  if (eol == std::string_view::npos) eol = data_.size();
  *line = data_.substr(pos_, eol - pos_);
  pos_ = eol + 1;
  ++line_no_;
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  if (line_no_ == 1 && line->substr(0, 3) == "\xEF\xBB\xBF") line->remove_prefix(3);
  return true;
}

namespace {
// Reorder one column by `idx` with a single temporary the size of that column, so a
// sort never holds two copies of every column at once.
template <typename T>
void Permute(std::vector<T>* v, const std::vector<uint32_t>& idx) {
  if (v->empty()) return;
  std::vector<T> tmp(v->size());
  for (size_t i = 0; i < idx.size(); ++i) tmp[i] = (*v)[idx[i]];
  v->swap(tmp);
}
}  // namespace

void SortByTime(ParsedBars* p) {
  BarColumns& b = p->bars;
  if (std::is_sorted(b.ts.begin(), b.ts.end())) return;
  std::vector<uint32_t> idx(b.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](uint32_t x, uint32_t y) { return b.ts[x] < b.ts[y]; });
  int64_t moved = 0;
  for (size_t i = 0; i < idx.size(); ++i) moved += idx[i] != i;
  Permute(&b.ts, idx);
  Permute(&b.open, idx);
  Permute(&b.high, idx);
  Permute(&b.low, idx);
  Permute(&b.close, idx);
  Permute(&b.volume, idx);
  Permute(&b.job, idx);
  Permute(&p->line, idx);
  p->reordered = moved;
}

namespace {
std::string Interval(int64_t seconds) {
  if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}
}  // namespace

Status CheckSpacing(const ParsedBars& p, const Timeframe& tf, const std::string& file_label) {
  const BarColumns& b = p.bars;
  if (tf.is_daily_or_longer() || b.size() < 2) return Status::OK();
  const int64_t step = tf.micros();
  int64_t gcd = 0;
  for (size_t i = 1; i < b.size(); ++i) {
    const int64_t gap = b.ts[i] - b.ts[i - 1];
    // Closer than one bar: the file has a smaller bar size. (A longer gap that is not a
    // whole number of bars is legal: a bar cut short by the session end.)
    if (gap < step) {
      return Status::InvalidInput(
          file_label + ":" + std::to_string(p.line[i]) + ": field 'timestamp': this bar is " +
          Interval(gap / kMicrosPerSecond) + " after the bar on line " + std::to_string(p.line[i - 1]) +
          ", closer than one " + tf.name() + " bar" +
          "; pass the file's bar size as --timeframe (nothing was imported)");
    }
    gcd = std::gcd(gcd, gap);
  }
  // 20 bars are enough: every gap of a real finer file a multiple of a coarser bar is
  // rare, and hourly bars on the half hour must not slip in as 30m ones.
  if (b.size() >= 20 && gcd > step) {
    return Status::InvalidInput(
        file_label + ": field 'timestamp': all " + std::to_string(b.size()) + " bars are a multiple of " +
        Interval(gcd / kMicrosPerSecond) + " apart, so this looks like a " + Interval(gcd / kMicrosPerSecond) +
        " file, not " + tf.name() + "; pass --timeframe " + Interval(gcd / kMicrosPerSecond) +
        " (nothing was imported)");
  }
  return Status::OK();
}


}  // namespace barlake::ingest
