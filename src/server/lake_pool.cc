#include "server/lake_pool.h"

namespace barlake::server {

void WriteWindow::Open() {
  std::lock_guard lock(mu_);
  if (seq_ % 2 == 0) ++seq_;
}

void WriteWindow::Close() {
  {
    std::lock_guard lock(mu_);
    if (seq_ % 2 == 1) ++seq_;
  }
  closed_.notify_all();
}

uint64_t WriteWindow::WaitClosed() {
  std::unique_lock lock(mu_);
  closed_.wait(lock, [&] { return seq_ % 2 == 0; });
  return seq_;
}

uint64_t WriteWindow::value() const {
  std::lock_guard lock(mu_);
  return seq_;
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
