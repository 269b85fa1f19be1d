#include "server/response_cache.h"

namespace barlake::server {

namespace {
size_t Cost(const std::string& key, const CachedPage& p) { return key.size() + p.body.size() + p.next.size() + 64; }
}  // namespace

std::shared_ptr<const CachedPage> ResponseCache::Get(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void ResponseCache::Put(const std::string& key, std::shared_ptr<const CachedPage> page) {
  const size_t cost = Cost(key, *page);
  if (max_bytes_ == 0 || cost > max_bytes_ / 4) return;  // one huge page must not flush the rest
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= Cost(key, *it->second->second);
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.emplace_front(key, std::move(page));
  index_[key] = lru_.begin();
  bytes_ += cost;
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    auto& last = lru_.back();
    bytes_ -= Cost(last.first, *last.second);
    index_.erase(last.first);
    lru_.pop_back();
  }
}

size_t ResponseCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}
uint64_t ResponseCache::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}
uint64_t ResponseCache::misses() const {
  std::lock_guard lock(mu_);
  return misses_;
}

}  // namespace barlake::server
