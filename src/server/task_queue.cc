#include "server/task_queue.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "core/time_util.h"
#include "server/api_error.h"

namespace barlake::server {

namespace {
int64_t NowMicrosUtc() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
nlohmann::json TimeOrNull(int64_t t) { return t ? nlohmann::json(FormatIsoUtc(t)) : nlohmann::json(nullptr); }
}  // namespace

nlohmann::json TaskSnapshot::Json() const {
  nlohmann::json o = {{"id", id},
                      {"kind", kind},
                      {"state", state},
                      {"phase", phase},
                      {"done", done},
                      {"total", total},
                      {"job", job ? nlohmann::json(job) : nlohmann::json(nullptr)},
                      {"request", request},
                      {"created_at", TimeOrNull(created_at)},
                      {"started_at", TimeOrNull(started_at)},
                      {"finished_at", TimeOrNull(finished_at)}};
  o["result"] = state == "succeeded" ? result : nlohmann::json(nullptr);
  o["error"] = error_code.empty() ? nlohmann::json(nullptr)
                                  : nlohmann::json{{"code", error_code}, {"message", error_message}, {"http_status", http_status}};
  return o;
}

class TaskQueue::Progress : public TaskProgress {
 public:
  Progress(TaskQueue* q, int64_t id) : q_(q), id_(id) {}
  void Update(const std::string& phase, int64_t done, int64_t total) override {
    std::lock_guard lock(q_->mu_);
    auto& s = q_->tasks_.at(id_).snap;
    // The lake reports often (every MiB parsed); only real changes wake the streams.
    if (s.phase == phase && s.done == done && s.total == total) return;
    s.phase = phase;
    s.done = done;
    s.total = total;
    q_->Touch();
  }
  void SetJob(int64_t job_id) override {
    std::lock_guard lock(q_->mu_);
    q_->tasks_.at(id_).snap.job = job_id;
    q_->Touch();
  }

 private:
  TaskQueue* q_;
  int64_t id_;
};

TaskQueue::TaskQueue(int nice) : nice_(nice), worker_([this] { Run(); }) {}

TaskQueue::~TaskQueue() { Shutdown(); }

void TaskQueue::Touch() {
  ++version_;
  changed_.notify_all();
}

int64_t TaskQueue::Enqueue(std::string kind, nlohmann::json request, Work work, Cleanup cleanup) {
  std::lock_guard lock(mu_);
  const int64_t id = next_id_++;
  Item item;
  item.snap.id = id;
  item.snap.kind = std::move(kind);
  item.snap.state = "queued";
  item.snap.request = std::move(request);
  item.snap.created_at = NowMicrosUtc();
  item.work = std::move(work);
  item.cleanup = std::move(cleanup);
  if (stop_) {
    item.snap.state = "cancelled";
    item.snap.error_code = "unavailable";
    item.snap.error_message = "the server is shutting down";
    item.snap.http_status = 503;
    if (item.cleanup) item.cleanup();
  } else {
    pending_.push_back(id);
  }
  tasks_.emplace(id, std::move(item));
  Touch();
  wake_.notify_one();
  return id;
}

std::optional<TaskSnapshot> TaskQueue::Get(int64_t id) const {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return std::nullopt;
  return it->second.snap;
}

std::vector<TaskSnapshot> TaskQueue::List(size_t limit) const {
  std::lock_guard lock(mu_);
  std::vector<TaskSnapshot> out;
  for (auto it = tasks_.rbegin(); it != tasks_.rend() && out.size() < limit; ++it) out.push_back(it->second.snap);
  return out;
}

int64_t TaskQueue::queued() const {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(pending_.size());
}

std::optional<TaskSnapshot> TaskQueue::running() const {
  std::lock_guard lock(mu_);
  for (const auto& [id, item] : tasks_) {
    if (item.snap.state == "running") return item.snap;
  }
  return std::nullopt;
}

uint64_t TaskQueue::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

uint64_t TaskQueue::WaitForChange(uint64_t seen, int timeout_ms) const {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return version_ != seen || stop_; });
  return version_;
}

bool TaskQueue::shutting_down() const {
  std::lock_guard lock(mu_);
  return stop_;
}

void TaskQueue::Shutdown() {
  {
    std::lock_guard lock(mu_);
    if (!stop_) {
      stop_ = true;
      for (int64_t id : pending_) {
        auto& item = tasks_.at(id);
        item.snap.state = "cancelled";
        item.snap.error_code = "cancelled";
        item.snap.error_message = "the server stopped before this task started; nothing was changed";
        item.snap.http_status = 503;
        item.snap.finished_at = NowMicrosUtc();
        if (item.cleanup) item.cleanup();
      }
      pending_.clear();
      Touch();
    }
    wake_.notify_all();
  }
  if (worker_.joinable() && worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

void TaskQueue::Run() {
  if (nice_ != 0) {
    // On Linux a thread's niceness is its own (PRIO_PROCESS with a thread id).
    const int tid = static_cast<int>(::syscall(SYS_gettid));
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0) (void)::setpriority(PRIO_PROCESS, tid, std::min(19, current + nice_));
  }
  for (;;) {
    int64_t id = 0;
    Work work;
    Cleanup cleanup;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping
      id = pending_.front();
      pending_.pop_front();
      auto& item = tasks_.at(id);
      item.snap.state = "running";
      item.snap.started_at = NowMicrosUtc();
      work = std::move(item.work);
      cleanup = std::move(item.cleanup);
      Touch();
    }
    Progress progress(this, id);
    Result<nlohmann::json> r = Status::Internal("the task threw an exception");
    try {
      r = work(progress);
    } catch (const std::exception& e) {
      r = Status::Internal(std::string("the task threw: ") + e.what());
    } catch (...) {
      r = Status::Internal("the task threw an exception");
    }
    try {
      if (cleanup) cleanup();
    } catch (...) {  // a leftover upload is removed by the next server start
    }
    std::lock_guard lock(mu_);
    auto& s = tasks_.at(id).snap;
    s.finished_at = NowMicrosUtc();
    if (r.ok()) {
      s.state = "succeeded";
      s.result = std::move(r).value();
    } else {
      ApiError e = ApiError::FromStatus(r.status());
      s.state = "failed";
      s.error_code = e.code;
      s.error_message = e.message;
      s.http_status = e.http_status;
    }
    Touch();
  }
}

}  // namespace barlake::server
