#include "server/lake_pool.h"

namespace barlake::server {

void WriteWindow::Open(const std::string& dataset) {
  std::lock_guard lock(mu_);
  if (!open_.empty()) return;
  open_ = dataset;
  ++opened_[dataset];
}

void WriteWindow::Close() {
  {
    std::lock_guard lock(mu_);
    open_.clear();
  }
  closed_.notify_all();
}

bool WriteWindow::CoveredLocked(const std::string& dataset) const {
  return !open_.empty() && (open_ == "*" || open_ == dataset);
}

uint64_t WriteWindow::StampLocked(const std::string& dataset) const {
  uint64_t n = 0;
  if (auto it = opened_.find(dataset); it != opened_.end()) n += it->second;
  if (auto it = opened_.find("*"); it != opened_.end()) n += it->second;
  return n;
}

uint64_t WriteWindow::WaitClosed(const std::string& dataset) {
  std::unique_lock lock(mu_);
  closed_.wait(lock, [&] { return !CoveredLocked(dataset); });
  return StampLocked(dataset);
}

bool WriteWindow::Changed(const std::string& dataset, uint64_t stamp) const {
  std::lock_guard lock(mu_);
  return CoveredLocked(dataset) || StampLocked(dataset) != stamp;
}

ReaderPool::ReaderPool(std::string vault, size_t size, WriteWindow* window)
    : vault_(std::move(vault)), size_(std::max<size_t>(1, size)), window_(window) {}

ReaderPool::Lease::~Lease() {
  if (!pool || !lake) return;
  {
    std::lock_guard lock(pool->mu_);
    pool->idle_.push_back(std::move(lake));
  }
  pool->returned_.notify_one();
}

Result<ReaderPool::Lease> ReaderPool::Borrow() {
  {
    std::unique_lock lock(mu_);
    returned_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      auto l = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(l));
    }
    ++open_;  // reserve a slot, open outside the mutex
  }
  lake::LakeOptions o;
  o.command = "barlake serve";
  auto l = lake::Lake::Open(vault_, std::move(o));
  if (!l.ok()) {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    returned_.notify_one();
    return l.status();
  }
  return Lease(this, std::move(l).value());
}

}  // namespace barlake::server
