// TaskQueue: the server's jobs run one at a time, first in first out, on one worker
// thread. A task is what an API call asked for (an import, a rollback); the journal job it
// creates is named in `job` once the lake has created it. Readers of the queue (GET
// /api/tasks, the event streams) never wait for the worker: they read snapshots under a
// mutex and wait on a version counter for changes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"

namespace barlake::server {

struct TaskSnapshot {
  int64_t id = 0;
  std::string kind;   // import | rollback
  std::string state;  // queued | running | succeeded | failed | cancelled
  std::string phase;  // the lake's progress phase (parsing, writing, ...)
  int64_t done = 0, total = 0;
  int64_t job = 0;  // journal job id, 0 until known
  nlohmann::json request;
  nlohmann::json result;  // set when succeeded
  std::string error_code, error_message;
  int http_status = 0;  // of the error, when failed
  int64_t created_at = 0, started_at = 0, finished_at = 0;
  bool finished() const { return state == "succeeded" || state == "failed" || state == "cancelled"; }
  nlohmann::json Json() const;
};

/// What a task's work reports while it runs.
class TaskProgress {
 public:
  virtual ~TaskProgress() = default;
  virtual void Update(const std::string& phase, int64_t done, int64_t total) = 0;
  virtual void SetJob(int64_t job_id) = 0;
};

class TaskQueue {
 public:
  /// The work's result (kept as the task's `result`) or its error.
  using Work = std::function<Result<nlohmann::json>(TaskProgress&)>;
  /// Called on the worker thread once a task has finished (e.g. to remove an upload).
  using Cleanup = std::function<void()>;

  TaskQueue();
  ~TaskQueue();  // Shutdown()

  int64_t Enqueue(std::string kind, nlohmann::json request, Work work, Cleanup cleanup = nullptr);
  std::optional<TaskSnapshot> Get(int64_t id) const;
  /// Newest first.
  std::vector<TaskSnapshot> List(size_t limit) const;
  int64_t queued() const;
  std::optional<TaskSnapshot> running() const;

  /// Monotonic; bumps on every change of any task.
  uint64_t version() const;
  /// Wait until version() != seen, the queue shuts down or `timeout_ms` passes.
  uint64_t WaitForChange(uint64_t seen, int timeout_ms) const;

  /// Stop taking tasks: the running one finishes, queued ones become cancelled. Joins.
  void Shutdown();
  bool shutting_down() const;

 private:
  struct Item {
    TaskSnapshot snap;
    Work work;
    Cleanup cleanup;
  };
  class Progress;
  void Run();
  void Touch();  // with mu_ held

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::condition_variable wake_;
  std::map<int64_t, Item> tasks_;
  std::deque<int64_t> pending_;
  int64_t next_id_ = 1;
  uint64_t version_ = 0;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace barlake::server
