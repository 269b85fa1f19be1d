// ResponseCache: rendered /api/bars pages, least recently used out first.
//
// A key names the request (symbol, timeframe, range, format, limit) and the identity of
// every partition file the page was read from: its catalog SHA-256 plus the file's inode,
// modification time and size. A job that changes a partition changes its catalog entry
// and replaces the file by a rename (a new inode), so a changed lake never matches an old
// key, whether the server or another process wrote it. Dashboards ask for the same
// windows again and again; a hit costs a catalog query and a few stat calls.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace barlake::server {

struct CachedPage {
  std::string body, content_type;
  std::string next;  // ISO stamp of the next page, empty when this is the last
};

class ResponseCache {
 public:
  explicit ResponseCache(size_t max_bytes) : max_bytes_(max_bytes) {}
  std::shared_ptr<const CachedPage> Get(const std::string& key);
  void Put(const std::string& key, std::shared_ptr<const CachedPage> page);
  size_t bytes() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const CachedPage>>;
  size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace barlake::server
