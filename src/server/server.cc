#include "server/server.h"
#include "server/server_live.h"

#include "health/health.h"
#include "lake/dataset_health.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/edit_distance.h"
#include "core/json_text.h"
#include "core/text.h"
#include "core/time_util.h"
#include "core/time_zone.h"
#include "core/timeframe.h"
#include "derive/resampler.h"
#include "ingest/format.h"
#include "ingest/gex_snapshot.h"
#include "lake/lake.h"
#include "lake/lake_json.h"
#include "lake/live_session.h"
#include "lake/snapshot_import.h"
#include "lake/source_file.h"
#include "lake/vault.h"
#include "migrate/migration.h"
#include "server/api_error.h"
#include "server/detect_context.h"
#include "server/legacy_datasets.h"
#include "server/lake_pool.h"
#include "server/price_precision.h"
#include "server/response_cache.h"
#include "server/sql_console.h"
#include "server/task_queue.h"
#include "server/update_task.h"
#include "webui/web_assets.h"

namespace barlake::server {

using httplib::Request;
using httplib::Response;
using nlohmann::json;

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "127.0.0.1" and the rest of 127.0.0.0/8 written as four decimal octets; nothing else
// ("127.evil.example", "127.1", "0x7f.0.0.1" are not).
bool IsIpv4LoopbackLiteral(std::string_view s) {
  int octets = 0;
  size_t i = 0;
  while (true) {
    const size_t start = i;
    int value = 0;
    while (i < s.size() && IsDigit(s[i]) && i - start < 3) value = value * 10 + (s[i++] - '0');
    if (i == start || value > 255 || (i < s.size() && IsDigit(s[i]))) return false;
    if (octets == 0 && value != 127) return false;
    ++octets;
    if (i == s.size()) return octets == 4;
    if (s[i] != '.' || octets == 4) return false;
    ++i;
  }
}

bool IsLocalhostName(std::string_view s) {
  constexpr std::string_view kLocalhost = "localhost";
  if (s.size() != kLocalhost.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = (s[i] >= 'A' && s[i] <= 'Z') ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
    if (c != kLocalhost[i]) return false;
  }
  return true;
}

}  // namespace

bool IsLoopbackAddress(const std::string& host) {
  return IsLocalhostName(host) || host == "::1" || host == "[::1]" || IsIpv4LoopbackLiteral(host);
}

bool IsLoopbackHostHeader(std::string_view host) {
  std::string_view name = host, port;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    name = host.substr(0, close + 1);
    port = host.substr(close + 1);
  } else if (const size_t colon = host.find(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon);
  }
  if (!port.empty()) {
    if (port.size() < 2 || port.size() > 6 || port[0] != ':') return false;
    for (char c : port.substr(1)) {
      if (!IsDigit(c)) return false;
    }
  }
  return name == "[::1]" || IsLocalhostName(name) || IsIpv4LoopbackLiteral(name);
}

namespace {

// With the charset, cpp-httplib does not compress JSON: Debian's build compresses
// "application/json" with brotli at its highest quality on every request, which took
// 2.2 s for a 5,000-bar page against 18 ms uncompressed (measured from the dashboard).
constexpr const char* kJsonType = "application/json; charset=utf-8";


constexpr const char* kVersion = "0.1.0";
// Detection looks at the head of a file (ingest/format.h); an upload to /api/detect keeps
// this much of it and discards the rest.
constexpr size_t kDetectHeadBytes = 1 << 20;
// Multipart framing and form fields around an uploaded file.
constexpr uint64_t kMultipartOverhead = 1 << 20;

void SendJson(Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(ToJsonText(body), kJsonType);
}

void SendError(Response& res, const ApiError& e) {
  SendJson(res, e.http_status, e.Json());
  if (e.http_status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"barlake\"");
}

void SendStatus(Response& res, const Status& s) { SendError(res, ApiError::FromStatus(s)); }

void SendUnauthorized(const Request& req, Response& res) {
  SendError(res, ApiError::Unauthorized(
                     req.has_header("Authorization")
                         ? "the bearer token is wrong; `barlake token` prints the right one"
                         : "this call needs 'Authorization: Bearer <token>'; `barlake token` prints the token"));
}

// Where PreRoute sends a mutating request without the token that has a body: its handler
// reads the body and answers 401. Not a path clients use.
constexpr const char* kUnauthorizedPath = "/.barlake-unauthorized";

// A chunked or streamed response's provider runs after the handler returned, outside
// httplib's exception handler: an exception there would end the process. It ends the
// response (the connection closes) instead.
httplib::ContentProvider Guarded(httplib::ContentProvider provider) {
  return [provider = std::move(provider)](size_t offset, size_t length, httplib::DataSink& sink) {
    try {
      return provider(offset, length, sink);
    } catch (...) {
      return false;
    }
  };
}
httplib::ContentProviderWithoutLength Guarded(httplib::ContentProviderWithoutLength provider) {
  return [provider = std::move(provider)](size_t offset, httplib::DataSink& sink) {
    try {
      return provider(offset, sink);
    } catch (...) {
      return false;
    }
  };
}

bool Truthy(const std::string& v) { return v == "1" || v == "true" || v == "on" || v == "yes"; }

// "ES 03-25.Last.txt" stays; anything that could leave the upload folder does not.
std::string SafeFileName(std::string name) {
  if (auto slash = name.find_last_of("/\\"); slash != std::string::npos) name = name.substr(slash + 1);
  std::string out;
  for (char c : name) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  }
  while (!out.empty() && out.front() == '.') out.erase(out.begin());
  if (out.size() > 200) out = out.substr(out.size() - 200);
  return out.empty() ? "upload" : out;
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    // Only names a private folder; uniqueness is what matters.
    for (auto& c : raw) c = static_cast<char>(std::rand());
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// Within `dir` (both absolute and normalised): equal to it or below it.
bool IsInside(const std::string& path, const std::string& dir) {
  if (path.size() <= dir.size()) return false;
  return path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

// One /api/bars page. `more_from`: where the next page starts when the read stopped
// before the requested end (after whole partitions).
// `source_json`: for resample= requests, where the bars came from (a JSON object text:
// the derived dataset, or aggregated on the fly); empty for plain reads.
CachedPage RenderBars(const BarColumns& b, const std::string& format, int64_t limit, std::optional<Micros> more_from,
                      const std::string& symbol, const std::string& timeframe, const std::string& from_json,
                      const std::string& to_json, const std::string& source_json = "") {
  CachedPage page;
  size_t n = b.size();
  std::optional<Micros> next = more_from;
  if (static_cast<int64_t>(n) > limit) {
    n = static_cast<size_t>(limit);
    next = b.ts[n];
  }
  if (next) page.next = FormatIsoUtc(*next);
  fmt::memory_buffer buf;
  auto out = std::back_inserter(buf);
  if (format == "csv") {
    page.content_type = "text/csv; charset=utf-8";
    fmt::format_to(out, "ts,open,high,low,close,volume\n");
    for (size_t i = 0; i < n; ++i) {
      fmt::format_to(out, "{},{},{},{},{},{}\n", FormatIsoUtc(b.ts[i]), b.open[i], b.high[i], b.low[i], b.close[i],
                     b.volume[i]);
    }
  } else {
    page.content_type = kJsonType;
    fmt::format_to(out, "{{\"symbol\":{},\"timeframe\":{},\"from\":{},\"to\":{},\"count\":{},\"next\":{},{}\"bars\":[",
                   ToJsonText(json(symbol)), ToJsonText(json(timeframe)), from_json, to_json, n,
                   next ? "\"" + page.next + "\"" : std::string("null"),
                   source_json.empty() ? std::string() : "\"source\":" + source_json + ",");
    for (size_t i = 0; i < n; ++i) {
      fmt::format_to(out, "{}{{\"ts\":\"{}\",\"open\":{},\"high\":{},\"low\":{},\"close\":{},\"volume\":{}}}",
                     i ? "," : "", FormatIsoUtc(b.ts[i]), b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i]);
    }
    fmt::format_to(out, "]}}");
  }
  page.body.assign(buf.data(), buf.size());
  return page;
}

// The identity of the first `used` partition files of `parts` (catalog hash, inode,
// modification time, size): a cached page is reused only while every file it read is the
// same, whoever changed it.
std::string FilesIdentity(lake::Lake& l, const std::vector<journal::PartitionEntry>& parts, size_t used) {
  std::string id;
  for (size_t i = 0; i < used && i < parts.size(); ++i) {
    struct stat st {};
    (void)::stat(l.paths().LakeFile(parts[i].rel_path).c_str(), &st);
    id += fmt::format("{} {} {} {} {}\n", parts[i].rel_path, parts[i].sha256, st.st_ino,
                      st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, st.st_size);
  }
  return id;
}

// A GEX option snapshot file (docs/formats/gex-snapshots.md), from its head: not a bar
// format but its own dataset kind, imported by Lake::ImportSnapshots.
bool LooksLikeSnapshot(std::string_view data) {
  return ingest::DetectGexSnapshot(data.substr(0, std::min<size_t>(data.size(), 64 * 1024))) > 0;
}

json SnapshotDetectJson(const std::string& file) {
  return {{"file", file},
          {"format", "gex-json"},
          {"kind", "snapshot"},
          {"why", "a JSON record with timestamp, ticker and strikes keys: a GEX option snapshot "
                  "(formats/gex-snapshots.md); importing it stores a snapshot dataset per ticker, so it needs "
                  "no symbol or timeframe"},
          {"candidates", json::array()}};
}

// Form fields or JSON members of an import or detect request, as strings.
using Fields = std::map<std::string, std::string>;

Result<Fields> FieldsFromJson(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("the request body must be a JSON object (or multipart/form-data with a file)");
  }
  Fields f;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) {
      f[k] = v.get<std::string>();
    } else if (v.is_boolean()) {
      f[k] = v.get<bool>() ? "true" : "false";
    } else if (v.is_number() || v.is_null()) {
      f[k] = v.is_null() ? "" : ToJsonText(v);
    } else {
      return Status::InvalidArgument("field '" + k + "' must be a string, number or boolean");
    }
  }
  return f;
}

// A request field the endpoint does not know is refused, naming it: ignoring it would run
// something the user did not ask for ({"dryrun": true} importing for real).
std::optional<ApiError> UnknownField(const std::vector<std::string>& given,
                                     std::initializer_list<std::string_view> known) {
  for (const std::string& name : given) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string_view nearest;
    size_t best = 3;  // suggest only a close name
    std::string list;
    for (std::string_view k : known) {
      list += (list.empty() ? "" : ", ") + std::string(k);
      if (const size_t d = EditDistance(name, k); d < best) best = d, nearest = k;
    }
    return ApiError::BadRequest("unknown field '" + name + "'" +
                                (nearest.empty() ? "" : " (did you mean '" + std::string(nearest) + "'?)") +
                                "; this call takes " + (list.empty() ? "no fields" : list));
  }
  return std::nullopt;
}

// An import task's result: the import's report and the journal's record of its job.
json ReportAndJob(lake::Lake& lk, const std::string& report_json, int64_t job_id, TaskProgress& progress) {
  json out = {{"report", json::parse(report_json, nullptr, false)}};
  if (job_id) {
    progress.SetJob(job_id);
    if (auto j = lk.Job(job_id); j.ok()) out["job"] = lake::JobJson(*j);
  }
  return out;
}

// The derived datasets built, directly or through others, from the datasets `changes`
// touched, inputs first, and what a rollback of that job does to each: the lake rebuilds
// those with auto_regenerate (as after an import), the others stay stale until
// `barlake regenerate`. Shown in the rollback's confirm dialog.
json DependentsJson(const registry::Registry& reg, const std::vector<lake::DerivedState>& derived,
                    const std::vector<journal::PartitionChange>& changes) {
  std::set<std::string> reached;
  for (const auto& c : changes) reached.insert(c.symbol + " " + c.timeframe);
  json out = json::array();
  std::set<std::string> listed;
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& d : derived) {
      const std::string name = d.symbol + " " + d.timeframe;
      if (listed.count(name) || reached.count(name)) continue;
      const bool fed = std::any_of(d.inputs.begin(), d.inputs.end(), [&](const std::string& in) { return reached.count(in) > 0; });
      if (!fed) continue;
      const registry::DatasetSpec* spec = reg.Find(d.symbol, d.timeframe);
      const bool rebuilt = !spec || spec->auto_regenerate;
      reached.insert(name);
      listed.insert(name);
      grew = true;
      out.push_back({{"dataset", name}, {"method", d.method}, {"inputs", d.inputs},
                     {"action", rebuilt ? "rebuilt" : "left_stale"},
                     {"why", rebuilt ? "built from what the rollback restores; regenerated right after it"
                                     : "auto_regenerate = false: it stays stale until `barlake regenerate " + name + "`"}});
    }
  }
  return out;
}

std::vector<std::string> NamesOf(const Fields& f) {
  std::vector<std::string> names;
  for (const auto& [k, v] : f) names.push_back(k);
  return names;
}

}  // namespace

class Server::Impl {
 public:
  explicit Impl(const ServerOptions& o)
      : o_(o), paths_(o.vault), readers_(o.vault, o.reader_lakes, &window_), cache_(o.cache_bytes),
        tasks_(o.job_nice), console_(paths_, &readers_, o.query_seconds, /*threads=*/2, /*max_concurrent=*/2) {}

  Status Init();
  void Routes();
  Status Bind(int* port);
  void Listen() { http_.listen_after_bind(); }
  bool running() const { return http_.is_running(); }
  void Stop();
  bool reads_need_token() const { return !IsLoopbackAddress(o_.bind); }

 private:
  // ---- requests -------------------------------------------------------------------------
  bool Authorized(const Request& req) const;
  httplib::Server::HandlerResponse PreRoute(const Request& req, Response& res);
  /// `barlake status --json` with each bars dataset's price precision (GET /api/status, /api/datasets).
  Result<nlohmann::json> StatusWithPrecision();
  void GetStatus(const Request& req, Response& res);
  void GetDatasets(const Request& req, Response& res);
  void GetBars(const Request& req, Response& res);
  /// A bars dataset's price precision (server/price_precision.h), from its newest partition.
  Result<PricePrecision> Precision(const std::string& symbol, const std::string& timeframe);
  /// Adds price_precision and min_move to each bars dataset of a dataset list.
  void AddPrecision(nlohmann::json& datasets);
  void GetJobs(const Request& req, Response& res);
  /// The timeframe name of a derived dataset resampled from `symbol timeframe` at
  /// `resample` that is up to date; nullopt when there is none (or it is stale).
  std::optional<std::string> UpToDateResample(const std::string& symbol, const std::string& timeframe,
                                              const std::string& resample);
  void GetResampledBars(const Request& req, Response& res, const std::string& symbol, const std::string& timeframe,
                        Micros from, Micros to, const std::string& format, int64_t limit);
  void GetJob(const Request& req, Response& res);
  void GetTasks(const Request& req, Response& res);
  void GetTask(const Request& req, Response& res);
  void TaskEvents(const Request& req, Response& res);
  void AllEvents(const Request& req, Response& res);
  void PostImport(const Request& req, Response& res, const httplib::ContentReader& reader);
  void PostDetect(const Request& req, Response& res, const httplib::ContentReader& reader);
  /// The import of a GEX snapshot file (lake/snapshot_import.h), as a task.
  void EnqueueSnapshotImport(Response& res, lake::ImportRequest ir, nlohmann::json echo, std::map<std::string, std::string>& f,
                             const std::string& file_name, const std::function<void()>& cleanup,
                             const std::function<void(const ApiError&)>& refuse);
  void GetHealth(const Request& req, Response& res);
  void GetQuery(const Request& req, Response& res);
  void PostRegenerate(const Request& req, Response& res);
  void PostRollback(const Request& req, Response& res);
  void GetAsset(const Request& req, Response& res);

  /// Read the body: a multipart form (its file part saved under .barlake/uploads/, or for
  /// detection only its head kept in `head`) or a JSON object. Sets `error` on failure.
  struct Body {
    Fields fields;
    std::string file_name;  // the uploaded file's name, empty without one
    std::string upload_dir, upload_path;  // where it was saved (import)
    std::string head;                     // its first bytes (detect)
    uint64_t file_bytes = 0;
  };
  std::optional<ApiError> ReadBody(const Request& req, const httplib::ContentReader& reader, bool keep_file,
                                   Body* body);
  /// A path named in a request, resolved inside the import folder.
  Result<std::string> ResolveImportPath(const std::string& path, ApiError* error) const;
  void Enqueue(Response& res, std::string kind, json request, TaskQueue::Work work,
               TaskQueue::Cleanup cleanup = nullptr);
  class TaskListener;
  /// The writer Lake of one task, reporting to `listener` (progress, its jobs, the write
  /// window of the dataset it writes).
  Result<std::unique_ptr<lake::Lake>> OpenWriter(TaskListener* listener, const std::string& command);
  /// The frame of every write task: a writer Lake reporting to the task (the write window
  /// of `dataset`, "*" for any), the window closed after `fn`, and a failure naming its job.
  Result<json> WithWriter(TaskProgress& progress, const std::string& dataset, const std::string& command,
                          const std::function<Result<json>(lake::Lake&)>& fn);
  void PostUpdate(const Request& req, Response& res);

  ServerOptions o_;
  lake::VaultPaths paths_;
  std::string import_dir_;       // absolute, lexically normal
  std::string import_real_;      // realpath
  std::string uploads_dir_;
  std::string display_tz_;
  WriteWindow window_;
  ReaderPool readers_;
  ResponseCache cache_;
  TaskQueue tasks_;
  SqlConsole console_;
  httplib::Server http_;
  std::atomic<bool> stopping_{false};
  // The newest journal job as the watcher last saw it (JSON text), whoever wrote it (this
  // server or a CLI import): /api/events sends it as a "lake" event when it changes.
  void WatchLake();
  std::thread lake_watch_;
  std::mutex lake_mu_;
  std::condition_variable lake_cv_;  // wakes the watcher to stop
  std::string lake_state_;
  std::atomic<uint64_t> lake_version_{0};
  std::mutex precision_mu_;
  LegacyDatasetList legacy_list_;  // GET /api/datasets: legacy-served datasets
  std::map<std::string, std::pair<std::string, PricePrecision>> precision_;  // dataset -> (sha256, precision)
};

// ---- setup ------------------------------------------------------------------------------

Status Server::Impl::Init() {
  Env* env = Env::Default();
  RETURN_IF_ERROR(lake::CheckIsVault(env, o_.vault));
  if (o_.token.size() < 32) return Status::InvalidArgument("the server needs a token of at least 32 characters");
  if (o_.max_rows_per_page < 1) return Status::InvalidArgument("max rows per page must be at least 1");
  std::error_code ec;
  const std::string dir = o_.import_dir.empty() ? JoinPath(o_.vault, "imports") : o_.import_dir;
  RETURN_IF_ERROR(env->CreateDirs(dir));
  import_dir_ = std::filesystem::absolute(dir, ec).lexically_normal().string();
  while (import_dir_.size() > 1 && import_dir_.back() == '/') import_dir_.pop_back();
  char real[PATH_MAX];
  if (!::realpath(dir.c_str(), real)) return Status::FromErrno(errno, "cannot resolve the import folder", dir);
  import_real_ = real;
  // Uploads left by a server that is gone are of no use (the lake keeps its own copy of
  // every imported source). Each upload folder names its server's pid, so another server
  // running on the same vault keeps its own.
  uploads_dir_ = JoinPath(paths_.meta, "uploads");
  RETURN_IF_ERROR(env->CreateDirs(uploads_dir_));
  ASSIGN_OR_RETURN(auto leftovers, env->GetChildren(uploads_dir_));
  for (const auto& name : leftovers) {
    const long pid = name.size() > 1 && name[0] == 'p' ? std::atol(name.c_str() + 1) : 0;
    if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) continue;
    RETURN_IF_ERROR(RemoveTree(env, JoinPath(uploads_dir_, name)));
  }
  auto tz = readers_.Read<std::string>(
      "", [](lake::Lake& l) -> Result<std::string> { return l.registry().settings().display_tz; });
  RETURN_IF_ERROR(tz.status());
  display_tz_ = *tz;
  lake_watch_ = std::thread([this] { WatchLake(); });
  return Status::OK();
}

void Server::Impl::WatchLake() {
  std::unique_lock lock(lake_mu_);
  while (!stopping_) {
    lock.unlock();
    auto jobs = readers_.Read<std::vector<journal::JobRecord>>("", [](lake::Lake& l) { return l.Jobs(1); });
    lock.lock();
    if (jobs.ok()) {
      json state = {{"last_job", nullptr}};
      if (!jobs->empty()) {
        const journal::JobRecord& j = jobs->front();
        state = {{"last_job", j.id}, {"kind", j.kind}, {"status", j.status}, {"updated_at", FormatIsoUtc(j.updated_at)}};
      }
      std::string text = ToJsonText(state);
      if (text != lake_state_) {
        lake_state_ = std::move(text);
        ++lake_version_;
      }
    }
    lake_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_.load(); });
  }
}

void Server::Impl::Routes() {
  // Each keep-alive connection and each event stream holds a thread.
  const int threads = std::max(4, o_.http_threads);
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http_.set_keep_alive_max_count(100000);
  http_.set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second
  // server bind the same port and share its connections instead of failing.
  http_.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http_.set_payload_max_length(o_.max_upload_bytes + kMultipartOverhead);
  http_.set_pre_routing_handler([this](const Request& req, Response& res) { return PreRoute(req, res); });
  http_.set_error_handler([](const Request& req, Response& res) {
    if (!res.body.empty()) return;  // a handler's own JSON error
    if (res.status == 404) {
      SendError(res, ApiError::NotFound("no such endpoint: " + req.method + " " + req.path + " (see docs/api.md)"));
    } else if (res.status == 413) {
      SendError(res, ApiError::TooLarge("the request body is larger than the server accepts"));
    } else {
      SendJson(res, res.status,
               json{{"code", "http_" + std::to_string(res.status)}, {"message", "the request failed with HTTP status " + std::to_string(res.status)}});
    }
  });
  http_.set_exception_handler([](const Request&, Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    SendError(res, ApiError{500, "internal", "internal error: " + what});
  });

  // Every response: the dashboard may not be framed (its buttons change the vault).
  http_.set_post_routing_handler([](const Request&, Response& res) {
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Content-Security-Policy", "frame-ancestors 'none'");
  });
  http_.Post(kUnauthorizedPath, [](const Request& req, Response& res, const httplib::ContentReader& reader) {
    auto drop = [](const char*, size_t) { return true; };
    // A multipart body is read through the multipart parser (httplib has no raw reader then).
    if (req.is_multipart_form_data()) {
      reader([](const httplib::MultipartFormData&) { return true; }, drop);
    } else {
      reader(drop);
    }
    SendUnauthorized(req, res);
  });

  auto get = [this](const char* pattern, void (Impl::*fn)(const Request&, Response&)) {
    http_.Get(pattern, [this, fn](const Request& req, Response& res) { (this->*fn)(req, res); });
  };
  get("/api/status", &Impl::GetStatus);
  get("/api/datasets", &Impl::GetDatasets);
  get("/api/bars", &Impl::GetBars);
  get("/api/jobs", &Impl::GetJobs);
  get(R"(/api/jobs/(\d+))", &Impl::GetJob);
  get("/api/tasks", &Impl::GetTasks);
  get(R"(/api/tasks/(\d+))", &Impl::GetTask);
  get(R"(/api/tasks/(\d+)/events)", &Impl::TaskEvents);
  get("/api/events", &Impl::AllEvents);
  http_.Post("/api/import", [this](const Request& req, Response& res, const httplib::ContentReader& reader) {
    PostImport(req, res, reader);
  });
  http_.Post("/api/detect", [this](const Request& req, Response& res, const httplib::ContentReader& reader) {
    PostDetect(req, res, reader);
  });
  http_.Post(R"(/api/rollback/(\d+))", [this](const Request& req, Response& res) { PostRollback(req, res); });
  get("/api/health", &Impl::GetHealth);
  get("/api/query", &Impl::GetQuery);
  http_.Post("/api/regenerate", [this](const Request& req, Response& res) { PostRegenerate(req, res); });
  RegisterLiveRoutes(http_, o_.vault, &stopping_);  // schedules, alerts, live bars (server_live.cc)
  http_.Post("/api/update", [this](const Request& req, Response& res) { PostUpdate(req, res); });
  http_.Get(R"(/|/index\.html|/assets/.+)", [this](const Request& req, Response& res) { GetAsset(req, res); });
}

Status Server::Impl::Bind(int* port) {
  int bound = 0;
  if (o_.port == 0) {
    bound = http_.bind_to_any_port(o_.bind);
  } else {
    bound = http_.bind_to_port(o_.bind, o_.port) ? o_.port : -1;
  }
  if (bound <= 0) {
    return Status::Unavailable("cannot listen on " + o_.bind + ":" + std::to_string(o_.port) +
                               " (in use, or not an address of this machine); pick another with --port/--bind");
  }
  *port = bound;
  return Status::OK();
}

void Server::Impl::Stop() {
  if (stopping_.exchange(true)) return;
  http_.stop();
  {
    std::lock_guard lock(lake_mu_);
  }
  lake_cv_.notify_all();
  if (lake_watch_.joinable()) lake_watch_.join();
}

// ---- auth and limits --------------------------------------------------------------------

bool Server::Impl::Authorized(const Request& req) const {
  const std::string h = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() <= kBearer.size() || h.compare(0, kBearer.size(), kBearer) != 0) return false;
  const std::string_view given = std::string_view(h).substr(kBearer.size());
  if (given.size() != o_.token.size()) return false;
  return CRYPTO_memcmp(given.data(), o_.token.data(), given.size()) == 0;
}

httplib::Server::HandlerResponse Server::Impl::PreRoute(const Request& req, Response& res) {
  using HR = httplib::Server::HandlerResponse;
  const bool api = req.path.rfind("/api/", 0) == 0;
  const bool mutating = req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS";
  // DNS rebinding: a web page whose name resolves to 127.0.0.1 would otherwise be the same
  // origin as this server and could read it without the token. On loopback only loopback
  // host names are answered.
  if (!reads_need_token()) {
    const std::string host = req.get_header_value("Host");
    if (!host.empty() && !IsLoopbackHostHeader(host)) {
      SendError(res, ApiError::Forbidden("this server answers only to loopback host names (Host: '" + host +
                                         "'); bind it with --bind to serve other names"));
      return HR::Handled;
    }
  }
  const bool chunked = req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
  if (mutating && !chunked && !req.has_header("Content-Length")) {
    // HTTP/1.1 (RFC 9112 6.3): a request with neither Content-Length nor Transfer-Encoding
    // has an empty body. httplib would instead read until the peer closes (a 5 s wait, then
    // 400); saying so in the headers it reads makes it take the empty body at once. The
    // request object is httplib's own non-const one, handed to this hook as const.
    const_cast<Request&>(req).headers.emplace("Content-Length", "0");
  }
  const bool upload = req.path == "/api/import" || req.path == "/api/detect";
  const uint64_t limit = upload ? o_.max_upload_bytes + kMultipartOverhead : o_.max_json_body_bytes;
  const uint64_t length =
      req.has_header("Content-Length") ? std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) : 0;
  if ((mutating || (api && reads_need_token())) && !Authorized(req)) {
    if (mutating && (chunked || length > 0) && length <= limit) {
      // A client that sends the whole body before reading the answer (Python's urllib and
      // requests) sees "broken pipe" or a reset, not the 401, if the server closes with the
      // body unread. Route it to a handler that reads and drops the body (bounded by the
      // payload limit), then answers 401: whatever the path, so no handler can forget.
      const_cast<Request&>(req).path = kUnauthorizedPath;
      return HR::Unhandled;
    }
    SendUnauthorized(req, res);
    if (mutating && length > limit) res.set_header("Connection", "close");
    return HR::Handled;
  }
  if (mutating && length > limit) {
    SendError(res, ApiError::TooLarge(fmt::format("the request body ({} bytes) is over the limit of {} bytes{}", length,
                                                  limit, upload ? " (serve --max-upload-mb)" : "")));
    res.set_header("Connection", "close");
    return HR::Handled;
  }
  return HR::Unhandled;
}

// ---- reads ------------------------------------------------------------------------------

Result<json> Server::Impl::StatusWithPrecision() {
  ASSIGN_OR_RETURN(auto ds, readers_.Read<std::vector<journal::DatasetSummary>>("", [](lake::Lake& l) { return l.Datasets(); }));
  ASSIGN_OR_RETURN(auto derived, readers_.Read<std::vector<lake::DerivedState>>(
                                     "", [](lake::Lake& l) -> Result<std::vector<lake::DerivedState>> {
                                       RETURN_IF_ERROR(l.ReloadRegistry());  // datasets declared since this reader opened
                                       return l.DerivedStates();
                                     }));
  json o = lake::StatusJson(o_.vault, display_tz_, ds, &derived);
  AddPrecision(o["datasets"]);
  for (json& d : o["datasets"]) d["legacy"] = false;  // what the lake holds (GET /api/datasets adds legacy ones)
  // As `barlake status --json`: each live dataset's current session (registry reloaded above).
  ASSIGN_OR_RETURN(auto live, readers_.Read<std::vector<lake::LiveSessionState>>("", [](lake::Lake& l) {
                     return lake::LiveSessionStates(&l, Env::Default()->NowMicros());
                   }));
  o["live"] = json::array();
  for (const auto& l : live) o["live"].push_back(lake::LiveSessionJson(l));
  return o;
}

void Server::Impl::GetStatus(const Request&, Response& res) {
  auto status = StatusWithPrecision();
  if (!status.ok()) return SendStatus(res, status.status());
  json& o = *status;
  auto running = tasks_.running();
  o["server"] = {{"version", kVersion},
                 {"reads_need_token", reads_need_token()},
                 {"import_dir", import_dir_},
                 {"max_upload_bytes", o_.max_upload_bytes},
                 {"max_rows_per_page", o_.max_rows_per_page},
                 {"running_task", running ? running->Json() : json(nullptr)},
                 {"queued_tasks", tasks_.queued()},
                 {"bars_cache", {{"bytes", cache_.bytes()}, {"hits", cache_.hits()}, {"misses", cache_.misses()}}}};
  SendJson(res, 200, o);
}

void Server::Impl::GetDatasets(const Request&, Response& res) {
  auto status = StatusWithPrecision();
  if (!status.ok()) return SendStatus(res, status.status());
  json& datasets = (*status)["datasets"];
  // Read-compatibility: datasets of a migration not activated yet that the lake holds none of.
  auto legacy = readers_.Read<json>("", [&](lake::Lake& l) { return legacy_list_.Entries(l); });
  if (!legacy.ok()) return SendStatus(res, legacy.status().WithContext("listing the legacy datasets of a migration"));
  for (json& d : *legacy) datasets.push_back(std::move(d));
  SendJson(res, 200, {{"datasets", datasets}});
}

void Server::Impl::AddPrecision(json& datasets) {
  for (json& d : datasets) {
    if (d.value("kind", "") != "bars") continue;
    auto p = Precision(d.value("symbol", ""), d.value("timeframe", ""));
    if (!p.ok()) continue;  // the list does not fail for one unreadable file (verify reports it)
    d["price_precision"] = p->decimals;
    d["min_move"] = p->min_move;
  }
}

Result<PricePrecision> Server::Impl::Precision(const std::string& symbol, const std::string& timeframe) {
  return readers_.Read<PricePrecision>(symbol + " " + timeframe, [&](lake::Lake& l) -> Result<PricePrecision> {
    ASSIGN_OR_RETURN(auto parts, l.PartitionsInRange(symbol, timeframe, std::numeric_limits<Micros>::min() / 2,
                                                     std::numeric_limits<Micros>::max() / 2));
    if (parts.empty()) return PricePrecision{};
    // The newest partition says how the data is quoted now; kept until it changes.
    const journal::PartitionEntry& last = parts.back();
    const std::string key = symbol + " " + timeframe;
    {
      std::lock_guard lock(precision_mu_);
      auto it = precision_.find(key);
      if (it != precision_.end() && it->second.first == last.sha256) return it->second.second;
    }
    ASSIGN_OR_RETURN(BarColumns bars, l.Read(symbol, timeframe, last.min_ts, last.max_ts + 1));
    const PricePrecision p = DerivePricePrecision(bars);
    std::lock_guard lock(precision_mu_);
    precision_[key] = {last.sha256, p};
    return p;
  });
}

void Server::Impl::GetBars(const Request& req, Response& res) {
  const std::string symbol = req.get_param_value("symbol"), timeframe = req.get_param_value("timeframe");
  if (symbol.empty() || timeframe.empty()) {
    return SendError(res, ApiError::BadRequest("symbol and timeframe are required, e.g. /api/bars?symbol=ES&timeframe=1m"));
  }
  Micros from = std::numeric_limits<Micros>::min() / 2, to = std::numeric_limits<Micros>::max() / 2;
  for (auto [name, target] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
    if (!req.has_param(name)) continue;
    auto t = ParseIsoUtc(req.get_param_value(name));
    if (!t.ok()) return SendStatus(res, t.status().WithContext(name));
    *target = *t;
  }
  std::string format = req.get_param_value("format");
  if (format.empty()) format = req.get_header_value("Accept").find("text/csv") != std::string::npos ? "csv" : "json";
  if (format != "json" && format != "csv") return SendError(res, ApiError::BadRequest("format must be json or csv"));
  int64_t limit = o_.max_rows_per_page;
  if (req.has_param("limit")) {
    const std::string l = req.get_param_value("limit");
    char* end = nullptr;
    limit = std::strtoll(l.c_str(), &end, 10);
    if (l.empty() || *end != '\0' || limit < 1 || limit > o_.max_rows_per_page) {
      return SendError(res, ApiError::BadRequest(fmt::format("limit must be between 1 and {}", o_.max_rows_per_page)));
    }
  }
  // resample=TF: a derived dataset built from this one at TF (`barlake resample`), when it
  // is up to date, is read as it is stored; otherwise the bars are aggregated now.
  std::string source_json;
  std::string read_tf = timeframe;
  if (req.has_param("resample")) {
    auto derived = UpToDateResample(symbol, timeframe, req.get_param_value("resample"));
    if (!derived) return GetResampledBars(req, res, symbol, timeframe, from, to, format, limit);
    read_tf = *derived;
    source_json = ToJsonText(json{{"kind", "derived"}, {"dataset", symbol + " " + read_tf}, {"from", timeframe}});
    res.set_header("X-Bars-Source", "derived " + symbol + " " + read_tf);
  }
  const std::string from_text = req.has_param("from") ? ToJsonText(json(req.get_param_value("from"))) : "null";
  const std::string to_text = req.has_param("to") ? ToJsonText(json(req.get_param_value("to"))) : "null";
  const std::string request_key =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}\n", symbol, read_tf, from_text, to_text, format, limit, source_json);
  std::string legacy_source;  // set when the page comes from a migration's legacy files
  auto page = readers_.Read<std::shared_ptr<const CachedPage>>(
      symbol + " " + read_tf, [&](lake::Lake& l) -> Result<std::shared_ptr<const CachedPage>> {
        // Read only the partitions this page needs: stop after the one that brings the row
        // count over the limit (the catalog's counts are an upper bound for the range).
        ASSIGN_OR_RETURN(auto parts, l.PartitionsInRange(symbol, read_tf, from, to));
        if (parts.empty() && source_json.empty()) {
          // Read-compatibility: a dataset the lake holds nothing of may be served from the
          // legacy files of a migration not activated yet (not cached: never the lake's files).
          ASSIGN_OR_RETURN(auto legacy, migrate::ReadFromLegacy(&l, symbol, read_tf, from, to));
          if (legacy) {
            legacy_source = "legacy " + legacy->plan_id;
            const std::string legacy_json = ToJsonText(
                json{{"kind", "legacy"}, {"migration", legacy->plan_id}, {"path", legacy->source_dir}});
            return std::shared_ptr<const CachedPage>(std::make_shared<CachedPage>(RenderBars(
                legacy->bars, format, limit, std::nullopt, symbol, read_tf, from_text, to_text, legacy_json)));
          }
        }
        Micros read_to = to;
        size_t used = parts.size();
        int64_t rows = 0;
        for (size_t i = 0; i + 1 < parts.size(); ++i) {
          rows += parts[i].rows;
          if (rows > limit) {
            // The next page starts on the whole second after this partition's last bar
            // (bars are at least a minute apart), so the cursor is a plain ISO stamp.
            const Micros after = (parts[i].max_ts / kMicrosPerSecond + 1) * kMicrosPerSecond;
            read_to = std::min(to, after);
            used = i + 1;
            break;
          }
        }
        auto identity = [&] { return FilesIdentity(l, parts, used); };
        const std::string files = identity();
        const std::string key = request_key + files;
        if (auto hit = cache_.Get(key)) return hit;
        ASSIGN_OR_RETURN(BarColumns bars, l.Read(symbol, read_tf, from, read_to));
        auto rendered = std::make_shared<CachedPage>(
            RenderBars(bars, format, limit, read_to < to ? std::optional<Micros>(read_to) : std::nullopt,
                       symbol, read_tf, from_text, to_text, source_json));
        // Cached only when no file changed while it was read.
        if (identity() == files) cache_.Put(key, rendered);
        return std::shared_ptr<const CachedPage>(std::move(rendered));
      });
  if (!page.ok()) return SendStatus(res, page.status());
  if (!legacy_source.empty()) res.set_header("X-Bars-Source", legacy_source);
  const CachedPage& p = **page;
  if (!p.next.empty()) {
    if (format == "csv") {
      res.set_header("X-Next-From", p.next);
      res.set_header("Link", "<" + req.path + "?symbol=" + httplib::detail::encode_query_param(symbol) +
                                 "&timeframe=" + httplib::detail::encode_query_param(timeframe) +
                                 (req.has_param("resample") ? "&resample=" + httplib::detail::encode_query_param(req.get_param_value("resample")) : "") +
                                 "&from=" + httplib::detail::encode_query_param(p.next) +
                                 (req.has_param("to") ? "&to=" + httplib::detail::encode_query_param(req.get_param_value("to")) : "") +
                                 "&format=csv&limit=" + std::to_string(limit) + ">; rel=\"next\"");
    }
  }
  res.status = 200;
  // Sent straight from the (shared, immutable) cached page: no copy of the body.
  std::shared_ptr<const CachedPage> keep = *page;
  res.set_content_provider(keep->body.size(), keep->content_type,
                           Guarded([keep](size_t offset, size_t length, httplib::DataSink& sink) {
                             return sink.write(keep->body.data() + offset, length);
                           }));
}

std::optional<std::string> Server::Impl::UpToDateResample(const std::string& symbol, const std::string& timeframe,
                                                          const std::string& resample) {
  auto target = Timeframe::Parse(resample);
  if (!target.ok()) return std::nullopt;  // GetResampledBars names the error
  auto found = readers_.Read<std::optional<std::string>>(
      "", [&](lake::Lake& l) -> Result<std::optional<std::string>> {
        RETURN_IF_ERROR(l.ReloadRegistry());  // declared since this reader opened
        const registry::DatasetSpec* spec = l.registry().Find(symbol, target->name());
        const std::string input = symbol + " " + timeframe;
        if (!spec || spec->method != "resample" || spec->is_table() ||
            std::find(spec->inputs.begin(), spec->inputs.end(), input) == spec->inputs.end()) {
          return std::optional<std::string>();
        }
        ASSIGN_OR_RETURN(auto states, l.DerivedStates());
        for (const auto& d : states) {
          if (d.symbol == symbol && d.timeframe == spec->timeframe && d.built && !d.stale) {
            return std::optional<std::string>(spec->timeframe);
          }
        }
        return std::optional<std::string>();
      });
  return found.ok() ? *found : std::nullopt;
}

// GET /api/bars?...&resample=1h: the bars aggregated on the server, anchored to the
// dataset's sessions as `barlake resample` does (derive/resampler.h), so a chart can show
// years of 1-minute data at a coarser resolution. Buckets starting in [from, to).
void Server::Impl::GetResampledBars(const Request& req, Response& res, const std::string& symbol,
                                    const std::string& timeframe, Micros from, Micros to, const std::string& format,
                                    int64_t limit) {
  auto source_tf = Timeframe::Parse(timeframe);
  auto target_tf = Timeframe::Parse(req.get_param_value("resample"));
  if (!target_tf.ok()) return SendStatus(res, target_tf.status().WithContext("resample"));
  if (!source_tf.ok() || source_tf->is_daily_or_longer() || target_tf->is_daily_or_longer() ||
      target_tf->seconds() % source_tf->seconds() != 0) {
    return SendError(res, ApiError::BadRequest("resample must be an intraday timeframe that is a multiple of the "
                                               "dataset's (e.g. 1h for 1m bars)"));
  }
  constexpr int64_t kMaxInputRows = 5000000;
  auto page = readers_.Read<std::shared_ptr<const CachedPage>>(
      symbol + " " + timeframe, [&](lake::Lake& l) -> Result<std::shared_ptr<const CachedPage>> {
    ASSIGN_OR_RETURN(auto parts, l.PartitionsInRange(symbol, timeframe, from, to));
    // Cached like plain pages (an All view of two years of minutes reads 700,000 bars):
    // keyed by the request, the calendar the buckets are anchored to and every file read.
    const registry::DatasetSpec* anchor = l.registry().Find(symbol, timeframe);
    const std::string files = FilesIdentity(l, parts, parts.size());
    const std::string key = fmt::format("resample\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n", symbol, timeframe,
                                        target_tf->name(), from, to, format, limit,
                                        anchor ? anchor->calendar : std::string(), files);
    if (auto hit = cache_.Get(key)) return hit;
    int64_t rows = 0;
    for (const auto& p : parts) rows += p.rows;
    if (rows > kMaxInputRows) {
      return Status::InvalidArgument(fmt::format("the range holds {} bars, more than the {} a resampled page reads; "
                                                 "narrow it", rows, kMaxInputRows));
    }
    ASSIGN_OR_RETURN(BarColumns input, l.Read(symbol, timeframe, from, to));
    calendar::SessionList sessions;
    if (const registry::DatasetSpec* spec = l.registry().Find(symbol, timeframe); spec && !spec->calendar.empty()) {
      if (const calendar::Calendar* cal = l.registry().calendars().Find(spec->calendar); cal && !input.empty()) {
        ASSIGN_OR_RETURN(sessions, cal->SessionsBetween(input.ts.front() - kMicrosPerDay, input.ts.back() + kMicrosPerDay));
      }
    }
    ASSIGN_OR_RETURN(derive::DerivedBars out,
                     derive::Resample(input, source_tf->seconds(), target_tf->seconds(), sessions));
    BarColumns kept;
    for (size_t i = 0; i < out.bars.size(); ++i) {
      if (out.bars.ts[i] < from || out.bars.ts[i] >= to) continue;
      // Column by column: derived bars have no `job` column (BarColumns::Append needs one).
      kept.ts.push_back(out.bars.ts[i]);
      kept.open.push_back(out.bars.open[i]);
      kept.high.push_back(out.bars.high[i]);
      kept.low.push_back(out.bars.low[i]);
      kept.close.push_back(out.bars.close[i]);
      kept.volume.push_back(out.bars.volume[i]);
    }
    const std::string from_text = req.has_param("from") ? ToJsonText(json(req.get_param_value("from"))) : "null";
    const std::string to_text = req.has_param("to") ? ToJsonText(json(req.get_param_value("to"))) : "null";
    auto rendered = std::make_shared<CachedPage>(RenderBars(kept, format, limit, std::nullopt, symbol, target_tf->name(),
                                                            from_text, to_text,
                                                            ToJsonText(json{{"kind", "aggregated"}, {"from", timeframe}})));
    if (FilesIdentity(l, parts, parts.size()) == files) cache_.Put(key, rendered);  // no file changed meanwhile
    return std::shared_ptr<const CachedPage>(std::move(rendered));
  });
  if (!page.ok()) return SendStatus(res, page.status());
  res.set_header("X-Resampled-From", timeframe);
  res.set_header("X-Bars-Source", "aggregated from " + symbol + " " + timeframe);
  std::shared_ptr<const CachedPage> keep = *page;
  if (!keep->next.empty() && format == "csv") res.set_header("X-Next-From", keep->next);
  res.status = 200;
  res.set_content_provider(keep->body.size(), keep->content_type,
                           Guarded([keep](size_t offset, size_t length, httplib::DataSink& sink) {
                             return sink.write(keep->body.data() + offset, length);
                           }));
}

void Server::Impl::GetJobs(const Request& req, Response& res) {
  int64_t limit = 50;
  if (req.has_param("limit")) {
    limit = std::atoll(req.get_param_value("limit").c_str());
    if (limit < 1 || limit > 10000) return SendError(res, ApiError::BadRequest("limit must be between 1 and 10000"));
  }
  auto jobs = readers_.Read<std::vector<journal::JobRecord>>(
      "", [&](lake::Lake& l) { return l.Jobs(limit); });
  if (!jobs.ok()) return SendStatus(res, jobs.status());
  json arr = json::array();
  for (const auto& j : *jobs) arr.push_back(lake::JobJson(j));
  SendJson(res, 200, {{"jobs", arr}});
}

// GET /api/health[?symbol=&timeframe=&gap_min=30m]: `barlake health --json` per dataset.
void Server::Impl::GetHealth(const Request& req, Response& res) {
  lake::HealthRequest hr;
  hr.symbol = req.get_param_value("symbol");
  hr.timeframe = req.get_param_value("timeframe");
  if (req.has_param("gap_min")) {
    auto gap = health::ParseDuration(req.get_param_value("gap_min"));
    if (!gap.ok()) return SendStatus(res, gap.status().WithContext("gap_min"));
    hr.options.gap_min_seconds = *gap;
  }
  const bool details = !hr.timeframe.empty();
  auto out = readers_.Read<json>("", [&](lake::Lake& l) -> Result<json> {
    RETURN_IF_ERROR(l.ReloadRegistry());  // datasets and calendars declared since the server started
    hr.calendar = lake::RegistryCalendars(&l);
    ASSIGN_OR_RETURN(auto result, lake::CheckHealth(&l, hr));
    json arr = json::array();
    bool any_fail = false;
    for (const auto& h : result) {
      arr.push_back(lake::HealthJson(h, details ? 1000 : 20));
      any_fail |= h.report.status == health::HealthStatus::kFail;
    }
    return json{{"display_tz", display_tz_}, {"gap_min_seconds", hr.options.gap_min_seconds},
                {"datasets", arr}, {"healthy", !any_fail}};
  });
  if (!out.ok()) return SendStatus(res, out.status());
  SendJson(res, 200, *out);
}

void Server::Impl::GetJob(const Request& req, Response& res) {
  const int64_t id = std::atoll(req.matches[1].str().c_str());
  auto detail = readers_.Read<json>("", [&](lake::Lake& l) -> Result<json> {
    ASSIGN_OR_RETURN(auto job, l.Job(id));
    ASSIGN_OR_RETURN(auto changes, l.JobChanges(id));
    json out = lake::JobDetailJson(job, changes);
    RETURN_IF_ERROR(l.ReloadRegistry());  // derived datasets declared since this reader opened
    ASSIGN_OR_RETURN(auto derived, l.DerivedStates());
    out["dependents"] = DependentsJson(l.registry(), derived, changes);
    return out;
  });
  if (!detail.ok()) return SendStatus(res, detail.status());
  SendJson(res, 200, *detail);
}

void Server::Impl::GetTasks(const Request&, Response& res) {
  json arr = json::array();
  for (const auto& t : tasks_.List(200)) arr.push_back(t.Json());
  SendJson(res, 200, {{"tasks", arr}});
}

void Server::Impl::GetTask(const Request& req, Response& res) {
  const int64_t id = std::atoll(req.matches[1].str().c_str());
  auto t = tasks_.Get(id);
  if (!t) return SendError(res, ApiError::NotFound("there is no task " + std::to_string(id) + " (tasks live as long as the server)"));
  SendJson(res, 200, t->Json());
}

// Server-sent events: one "progress" event per change of the task, then one "done" event
// (state succeeded, failed or cancelled) and the stream ends. A comment every 15 s keeps
// proxies from closing an idle stream.
void Server::Impl::TaskEvents(const Request& req, Response& res) {
  const int64_t id = std::atoll(req.matches[1].str().c_str());
  if (!tasks_.Get(id)) return SendError(res, ApiError::NotFound("there is no task " + std::to_string(id)));
  struct StreamState {
    uint64_t seen = 0;
    std::string last;
    int idle_ms = 0;
  };
  auto st = std::make_shared<StreamState>();
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider("text/event-stream", Guarded([this, id, st](size_t, httplib::DataSink& sink) {
    if (stopping_) {
      sink.done();
      return true;
    }
    st->seen = tasks_.version();
    auto t = tasks_.Get(id);
    if (!t) {
      sink.done();
      return true;
    }
    const std::string data = ToJsonText(t->Json());
    if (data != st->last) {
      st->last = data;
      const std::string ev = fmt::format("event: {}\ndata: {}\n\n", t->finished() ? "done" : "progress", data);
      if (!sink.write(ev.data(), ev.size())) return false;
      st->idle_ms = 0;
    }
    if (t->finished()) {
      sink.done();
      return true;
    }
    if (st->seen == tasks_.WaitForChange(st->seen, 1000)) {
      if ((st->idle_ms += 1000) >= 15000) {
        st->idle_ms = 0;
        if (!sink.write(": keep-alive\n\n", 14)) return false;
      }
    }
    return sink.is_writable();
  }));
}

// Every change of any task, as "task" events, until the client leaves or the server stops.
void Server::Impl::AllEvents(const Request&, Response& res) {
  struct StreamState {
    uint64_t seen = 0;
    std::map<int64_t, std::string> last;
    int idle_ms = 0;
    bool greeted = false;
    uint64_t lake_seen = 0;
  };
  auto st = std::make_shared<StreamState>();
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider("text/event-stream", Guarded([this, st](size_t, httplib::DataSink& sink) {
    if (stopping_) {
      sink.done();
      return true;
    }
    if (!st->greeted) {  // tells the client the stream is open before any task exists
      st->greeted = true;
      if (!sink.write(": connected\n\n", 13)) return false;
    }
    if (const uint64_t v = lake_version_.load(); v != st->lake_seen) {
      std::string state;
      {
        std::lock_guard lock(lake_mu_);
        state = lake_state_;
      }
      st->lake_seen = v;
      const std::string ev = fmt::format("event: lake\ndata: {}\n\n", state);
      if (!sink.write(ev.data(), ev.size())) return false;
      st->idle_ms = 0;
    }
    st->seen = tasks_.version();
    auto list = tasks_.List(100);
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      std::string data = ToJsonText(it->Json());
      std::string& last = st->last[it->id];
      if (data == last) continue;
      last = data;
      const std::string ev = fmt::format("event: task\ndata: {}\n\n", data);
      if (!sink.write(ev.data(), ev.size())) return false;
      st->idle_ms = 0;
    }
    if (st->seen == tasks_.WaitForChange(st->seen, 1000)) {
      if ((st->idle_ms += 1000) >= 15000) {
        st->idle_ms = 0;
        if (!sink.write(": keep-alive\n\n", 14)) return false;
      }
    }
    return sink.is_writable();
  }));
}

void Server::Impl::GetAsset(const Request& req, Response& res) {
  const std::string path = req.path == "/" ? "/index.html" : req.path;
  const webui::WebAsset* a = webui::FindWebAsset(path);
  if (!a) {
    return SendError(res, ApiError::NotFound(req.path == "/" ? "this build has no dashboard" : "no such file: " + req.path));
  }
  res.status = 200;
  res.set_content(std::string(a->body), std::string(a->content_type));
  res.set_header("X-Content-Type-Options", "nosniff");
}

// GET /api/query?sql=SELECT...&offset=0&limit=100[&format=csv]: the SQL console
// (server/sql_console.h).
void Server::Impl::GetQuery(const Request& req, Response& res) {
  std::vector<std::string> names;
  for (const auto& [k, v] : req.params) names.push_back(k);
  if (auto e = UnknownField(names, {"sql", "offset", "limit", "format"})) return SendError(res, *e);
  const std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
  if (format != "json" && format != "csv") return SendError(res, ApiError::BadRequest("format must be json or csv"));
  ConsoleRequest q;
  q.sql = req.get_param_value("sql");
  const int64_t max_limit = format == "csv" ? o_.max_rows_per_page : 10000;
  q.limit = format == "csv" ? max_limit : 100;
  for (auto [name, target, low, high] : {std::tuple{"offset", &q.offset, int64_t{0}, std::numeric_limits<int64_t>::max() / 2},
                                         std::tuple{"limit", &q.limit, int64_t{1}, max_limit}}) {
    if (!req.has_param(name)) continue;
    const std::string v = req.get_param_value(name);
    char* end = nullptr;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < low || n > high) {
      return SendError(res, ApiError::BadRequest(fmt::format("{} must be a whole number from {} to {}", name, low, high)));
    }
    *target = n;
  }
  auto r = console_.Run(q);
  if (!r.ok()) {
    if (r.status().code() == ErrorCode::kCancelled) return SendError(res, ApiError{408, "timeout", r.status().message()});
    return SendStatus(res, r.status());
  }
  if (format == "csv") {
    auto field = [](const std::string& v) {
      if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
      std::string out = "\"";
      for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      return out + "\"";
    };
    std::string csv;
    for (size_t c = 0; c < r->columns.size(); ++c) csv += (c ? "," : "") + field(r->columns[c]);
    csv += "\n";
    for (const auto& row : r->rows) {
      for (size_t c = 0; c < row.size(); ++c) csv += (c ? "," : "") + field(row[c]);
      csv += "\n";
    }
    if (r->more) res.set_header("X-More-Rows", "true");
    res.set_header("Content-Disposition", "attachment; filename=\"query.csv\"");
    res.status = 200;
    res.set_content(std::move(csv), "text/csv; charset=utf-8");
    return;
  }
  json columns = json::array(), rows = json::array();
  for (size_t c = 0; c < r->columns.size(); ++c) columns.push_back({{"name", r->columns[c]}, {"kind", r->kinds[c]}});
  for (size_t i = 0; i < r->rows.size(); ++i) {
    json row = json::array();
    for (size_t c = 0; c < r->rows[i].size(); ++c) row.push_back(r->nulls[i][c] ? json(nullptr) : json(r->rows[i][c]));
    rows.push_back(std::move(row));
  }
  SendJson(res, 200, {{"columns", columns}, {"rows", rows}, {"offset", q.offset}, {"limit", q.limit},
                      {"more", r->more}, {"elapsed_ms", std::round(r->elapsed_ms * 10) / 10},
                      {"time_limit_seconds", console_.time_limit_seconds()}});
}

// ---- writes -----------------------------------------------------------------------------

std::optional<ApiError> Server::Impl::ReadBody(const Request& req, const httplib::ContentReader& reader,
                                               bool keep_file, Body* body) {
  Env* env = Env::Default();
  if (!req.is_multipart_form_data()) {
    std::string text;
    bool too_big = false;
    // Over the limit, the rest is read and dropped so the answer reaches the client.
    const bool ok = reader([&](const char* data, size_t len) {
      if (too_big || text.size() + len > o_.max_json_body_bytes) {
        too_big = true;
        return true;
      }
      text.append(data, len);
      return true;
    });
    if (too_big) return ApiError::TooLarge(fmt::format("a JSON body may hold at most {} bytes", o_.max_json_body_bytes));
    if (!ok) return ApiError::BadRequest("the request body could not be read");
    auto f = FieldsFromJson(text);
    if (!f.ok()) return ApiError::FromStatus(f.status());
    body->fields = std::move(f).value();
    return std::nullopt;
  }
  std::unique_ptr<WritableFile> file;
  std::optional<ApiError> error;
  std::string field_name, field_value;
  bool in_file = false;
  auto finish_field = [&] {
    if (!in_file && !field_name.empty()) body->fields[field_name] = field_value;
  };
  const bool ok = reader(
      [&](const httplib::MultipartFormData& part) {
        finish_field();
        field_name = part.name;
        field_value.clear();
        in_file = !part.filename.empty();
        if (!in_file) return true;
        if (error) return true;
        if (part.name != "file" || !body->file_name.empty()) {
          error = ApiError::BadRequest("send one file, in the form field 'file'");
          return true;
        }
        body->file_name = SafeFileName(part.filename);
        if (!keep_file) return true;
        body->upload_dir = JoinPath(uploads_dir_, "p" + std::to_string(::getpid()) + "-" + RandomHex(12));
        body->upload_path = JoinPath(body->upload_dir, body->file_name);
        Status s = env->CreateDirs(body->upload_dir);
        auto f = s.ok() ? env->NewWritableFile(body->upload_path) : Result<std::unique_ptr<WritableFile>>(s);
        if (!f.ok()) {
          error = ApiError::FromStatus(f.status());
          return true;
        }
        file = std::move(f).value();
        return true;
      },
      [&](const char* data, size_t len) {
        if (error) return true;
        if (!in_file) {
          if (field_value.size() + len > 64 * 1024) {
            error = ApiError::TooLarge("a form field may hold at most 64 KiB");
            return true;
          }
          field_value.append(data, len);
          return true;
        }
        body->file_bytes += len;
        if (error) return true;  // drain the rest (bounded by the payload limit), then answer
        if (body->file_bytes > o_.max_upload_bytes) {
          error = ApiError::TooLarge(fmt::format("the file is over the upload limit of {} bytes (serve --max-upload-mb)",
                                                 o_.max_upload_bytes));
          file.reset();
          return true;
        }
        if (file) {
          Status s = file->Append(std::string_view(data, len));
          if (!s.ok()) {
            error = ApiError::FromStatus(s);
            file.reset();
          }
        } else if (body->head.size() < kDetectHeadBytes) {
          body->head.append(data, std::min(len, kDetectHeadBytes - body->head.size()));
        }
        return true;
      });
  finish_field();
  if (!error && !ok) error = ApiError::BadRequest("the multipart body could not be read");
  if (!error && file) {
    // Durable before the job runs: the import's source copy is made from this file.
    Status s = file->Sync();
    Status c = file->Close();
    if (!s.ok() || !c.ok()) error = ApiError::FromStatus(s.ok() ? c : s);
  }
  if (error && !body->upload_dir.empty()) {
    file.reset();
    (void)RemoveTree(env, body->upload_dir);
    body->upload_dir.clear();
  }
  return error;
}

Result<std::string> Server::Impl::ResolveImportPath(const std::string& path, ApiError* error) const {
  auto fail = [&](ApiError e) -> Status {
    *error = std::move(e);
    return Status::InvalidArgument(error->message);
  };
  if (path.empty() || path.find('\0') != std::string::npos) return fail(ApiError::BadRequest("'path' is empty"));
  // First by name (so "../x" is refused whether or not x exists), then by the real path
  // (so a symbolic link inside the folder cannot point out of it).
  const std::string joined = path[0] == '/' ? path : import_dir_ + "/" + path;
  const std::string lexical = std::filesystem::path(joined).lexically_normal().string();
  if (!IsInside(lexical, import_dir_)) {
    return fail(ApiError::Forbidden("'" + path + "' is outside the import folder " + import_dir_ +
                                    "; put files there (or upload them)"));
  }
  char real[PATH_MAX];
  if (!::realpath(lexical.c_str(), real)) {
    return fail(ApiError::NotFound("there is no file '" + path + "' in the import folder " + import_dir_));
  }
  if (!IsInside(real, import_real_)) {
    return fail(ApiError::Forbidden("'" + path + "' leads outside the import folder (a symbolic link)"));
  }
  struct stat st {};
  if (::stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
    return fail(ApiError::BadRequest("'" + path + "' is not a regular file"));
  }
  return std::string(real);
}

void Server::Impl::Enqueue(Response& res, std::string kind, json request, TaskQueue::Work work,
                           TaskQueue::Cleanup cleanup) {
  if (stopping_) {
    if (cleanup) cleanup();
    return SendError(res, ApiError::Unavailable("the server is shutting down"));
  }
  const int64_t id = tasks_.Enqueue(std::move(kind), std::move(request), std::move(work), std::move(cleanup));
  auto t = tasks_.Get(id);
  res.set_header("Location", "/api/tasks/" + std::to_string(id));
  SendJson(res, 202, {{"task", t->Json()}, {"events", "/api/tasks/" + std::to_string(id) + "/events"}});
}

/// What the writer Lake of a task reports: progress and the job to the task, the swap-to-commit
/// window to the readers.
class Server::Impl::TaskListener : public EventListener {
 public:
  TaskListener(TaskProgress& progress, WriteWindow& window, std::string dataset)
      : progress_(progress), window_(window), dataset_(std::move(dataset)) {}

  void OnJobStarted(const JobEvent& job) override {
    // The task names the first job it created (an import's auto-regeneration runs more).
    if (first_job_ == 0) {
      first_job_ = job.job_id;
      progress_.SetJob(job.job_id);
    }
  }
  void OnProgress(const std::string& phase, int64_t done, int64_t total) override {
    progress_.Update(phase, done, total);
  }
  // The window covers swap and commit: readers that overlap it read again.
  void OnJobStaged(const JobEvent&) override { window_.Open(dataset_); }
  void OnJobCommitted(const JobEvent&) override { window_.Close(); }
  void OnJobFailed(const JobEvent& job, const Status&) override { failed_job_ = job.job_id; }

  /// After the task's lake call returned an error: name the job that failed.
  void NameFailedJob() {
    if (failed_job_ != 0) progress_.SetJob(failed_job_);
  }

 private:
  TaskProgress& progress_;
  WriteWindow& window_;
  const std::string dataset_;
  int64_t first_job_ = 0, failed_job_ = 0;
};

Result<std::unique_ptr<lake::Lake>> Server::Impl::OpenWriter(TaskListener* listener, const std::string& command) {
  lake::LakeOptions lo;
  lo.command = command;
  lo.lock_wait_seconds = o_.lock_wait_seconds;
  lo.listener = listener;
  return lake::Lake::Open(o_.vault, std::move(lo));
}

Result<json> Server::Impl::WithWriter(TaskProgress& progress, const std::string& dataset, const std::string& command,
                                      const std::function<Result<json>(lake::Lake&)>& fn) {
  TaskListener listener(progress, window_, dataset);
  ASSIGN_OR_RETURN(auto lk, OpenWriter(&listener, command));
  auto out = fn(*lk);
  window_.Close();
  if (!out.ok()) listener.NameFailedJob();
  return out;
}

void Server::Impl::PostImport(const Request& req, Response& res, const httplib::ContentReader& reader) {
  Body body;
  if (auto e = ReadBody(req, reader, /*keep_file=*/true, &body)) return SendError(res, *e);
  const std::string upload_dir = body.upload_dir;
  auto cleanup = [upload_dir] {
    if (!upload_dir.empty()) (void)RemoveTree(Env::Default(), upload_dir);
  };
  auto refuse = [&](const ApiError& e) {
    cleanup();
    SendError(res, e);
  };
  Fields& f = body.fields;
  if (auto e = UnknownField(NamesOf(f), {"path", "symbol", "timeframe", "format", "tz", "stamp", "columns",
                                         "on_conflict", "dry_run", "force", "no_alignment_check", "description",
                                         "last_modified"})) {
    return refuse(*e);
  }
  if (!body.file_name.empty() && f.count("path")) {
    return refuse(ApiError::BadRequest("send an uploaded 'file' or a 'path' in the import folder, not both"));
  }
  lake::ImportRequest ir;
  json echo = json::object();
  if (!body.upload_path.empty()) {
    ir.path = body.upload_path;
    echo["upload"] = body.file_name;
    echo["bytes"] = body.file_bytes;
    // The browser's File.lastModified (ms): the lake tells a partial last bar by the
    // source's modification time, which the uploaded copy does not have.
    ir.source = lake::Source::FromPath(body.upload_path);
    ir.source.name = body.file_name.empty() ? body.upload_path : body.file_name;
    ir.source.provenance = "upload";
    if (f.count("last_modified") && !f["last_modified"].empty()) {
      ir.source.modified = static_cast<Micros>(std::atoll(f["last_modified"].c_str())) * 1000;
    }
  } else if (f.count("path")) {
    ApiError e;
    auto p = ResolveImportPath(f["path"], &e);
    if (!p.ok()) return refuse(e);
    ir.path = *p;
    echo["path"] = f["path"];
  } else {
    return refuse(ApiError::BadRequest("send a file (multipart field 'file') or {\"path\": ...} inside the import folder"));
  }
  // A GEX snapshot file (by its format, or detected from its head) names its own
  // tickers and is its own dataset kind, as with `barlake import FILE`.
  bool snapshot = f["format"] == "gex-json";
  if (!snapshot && (f["format"].empty() || f["format"] == "auto")) {
    if (auto source = lake::SourceFile::Open(ir.path); source.ok()) snapshot = LooksLikeSnapshot((*source)->data());
  }
  if (snapshot) {
    if (!f["timeframe"].empty() && f["timeframe"] != lake::kGexTimeframe) {
      return refuse(ApiError::BadRequest("this is a GEX snapshot file: it names its own tickers, so send no "
                                         "'timeframe' (and no 'symbol')"));
    }
    return EnqueueSnapshotImport(res, std::move(ir), std::move(echo), f, body.file_name, cleanup, refuse);
  }
  ir.symbol = f["symbol"];
  ir.timeframe = f["timeframe"];
  if (ir.symbol.empty() || ir.timeframe.empty()) {
    return refuse(ApiError::BadRequest("symbol and timeframe are required for a bar file (a GEX snapshot file "
                                       "needs neither)"));
  }
  if (auto tf = Timeframe::Parse(ir.timeframe); !tf.ok()) return refuse(ApiError::FromStatus(tf.status()));
  // A misspelt zone, format or stamp is refused before the upload waits in the queue.
  if (!f["tz"].empty()) {
    if (auto zone = TimeZone::Locate(f["tz"]); !zone.ok()) {
      return refuse(ApiError::BadRequest("tz: " + zone.status().message()));
    }
  }
  if (!f["format"].empty() && f["format"] != "auto") {
    if (auto format = ingest::FindFormat(f["format"]); !format.ok()) {
      return refuse(ApiError::BadRequest(format.status().message()));
    }
  }
  if (!f["stamp"].empty() && f["stamp"] != "open" && f["stamp"] != "close") {
    return refuse(ApiError::BadRequest("stamp " + QuoteBytes(f["stamp"]) + " must be open or close"));
  }
  ir.format = f["format"];
  ir.tz = f["tz"];
  ir.stamp = f["stamp"];
  ir.columns = f["columns"];
  ir.description = f["description"];
  auto policy = lake::ParseConflictPolicy(f["on_conflict"].empty() ? "keep" : f["on_conflict"]);
  if (!policy.ok()) return refuse(ApiError::FromStatus(policy.status()));
  ir.on_conflict = *policy;
  ir.dry_run = Truthy(f["dry_run"]);
  ir.force = Truthy(f["force"]);
  ir.skip_alignment_check = Truthy(f["no_alignment_check"]);
  for (const char* k : {"symbol", "timeframe", "format", "tz", "stamp", "columns", "on_conflict"}) {
    if (!f[k].empty()) echo[k] = f[k];
  }
  echo["dry_run"] = ir.dry_run;
  echo["force"] = ir.force;
  static std::atomic<int64_t> serial{0};
  const std::string command = fmt::format("barlake serve (pid {}, request {}): import {} --symbol {} --timeframe {}",
                                          ::getpid(), ++serial, body.file_name.empty() ? ir.path : body.file_name,
                                          ir.symbol, ir.timeframe);
  Enqueue(
      res, "import", echo,
      [this, ir, command](TaskProgress& progress) -> Result<json> {
        return WithWriter(progress, ir.symbol + " " + ir.timeframe, command, [&](lake::Lake& lk) -> Result<json> {
          ASSIGN_OR_RETURN(auto r, lk.Import(ir));
          return ReportAndJob(lk, r.ReportJson(), r.job.id, progress);
        });
      },
      cleanup);
}

void Server::Impl::EnqueueSnapshotImport(Response& res, lake::ImportRequest ir, json echo, Fields& f,
                                         const std::string& file_name, const std::function<void()>& cleanup,
                                         const std::function<void(const ApiError&)>& refuse) {
  lake::SnapshotImportRequest sr;
  sr.path = ir.path;
  sr.source = ir.source;
  sr.description = f["description"];
  sr.dry_run = Truthy(f["dry_run"]);
  auto policy = lake::ParseConflictPolicy(f["on_conflict"].empty() ? "keep" : f["on_conflict"]);
  if (!policy.ok()) return refuse(ApiError::FromStatus(policy.status()));
  sr.on_conflict = *policy;
  echo["format"] = "gex-json";
  echo["dry_run"] = sr.dry_run;
  if (!f["on_conflict"].empty()) echo["on_conflict"] = f["on_conflict"];
  static std::atomic<int64_t> serial{0};
  const std::string command = fmt::format("barlake serve (pid {}, request s{}): import {}", ::getpid(), ++serial,
                                          file_name.empty() ? sr.path : file_name);
  Enqueue(
      res, "import", echo,
      [this, sr, command](TaskProgress& progress) -> Result<json> {
        return WithWriter(progress, "*", command, [&](lake::Lake& lk) -> Result<json> {
          ASSIGN_OR_RETURN(auto r, lk.ImportSnapshots(sr));
          return ReportAndJob(lk, r.ReportJson(), r.job.id, progress);
        });
      },
      cleanup);
}

void Server::Impl::PostDetect(const Request& req, Response& res, const httplib::ContentReader& reader) {
  Body body;
  if (auto e = ReadBody(req, reader, /*keep_file=*/false, &body)) return SendError(res, *e);
  // symbol, timeframe, tz: what the import form holds so far, for the zone and dataset lines.
  if (auto e = UnknownField(NamesOf(body.fields), {"path", "symbol", "timeframe", "tz"})) return SendError(res, *e);
  if (!body.file_name.empty() && body.fields.count("path")) {
    return SendError(res, ApiError::BadRequest("send an uploaded 'file' or a 'path', not both"));
  }
  std::string shown_name, base;
  std::string_view head;
  std::unique_ptr<lake::SourceFile> source;
  if (!body.file_name.empty()) {
    shown_name = base = body.file_name;
    head = body.head;
  } else {
    if (!body.fields.count("path")) {
      return SendError(res, ApiError::BadRequest("send a file (multipart field 'file') or {\"path\": ...}"));
    }
    ApiError e;
    auto p = ResolveImportPath(body.fields["path"], &e);
    if (!p.ok()) return SendError(res, e);
    auto opened = lake::SourceFile::Open(*p);
    if (!opened.ok()) return SendStatus(res, opened.status());
    source = std::move(opened).value();
    shown_name = body.fields["path"];
    base = p->substr(p->find_last_of('/') + 1);
    head = source->data().substr(0, std::min<size_t>(source->data().size(), kDetectHeadBytes));
  }
  if (LooksLikeSnapshot(head)) return SendJson(res, 200, SnapshotDetectJson(shown_name));
  auto detected = ingest::DetectFormat(head, base);
  json out = lake::DetectJson(shown_name, detected);
  if (detected.ok()) {
    const DetectContextRequest context{body.fields["symbol"], body.fields["timeframe"], body.fields["tz"]};
    auto extra = readers_.Read<json>("", [&](lake::Lake& l) -> Result<json> {
      RETURN_IF_ERROR(l.ReloadRegistry());  // datasets declared since this reader opened
      return DetectContext(l, *detected->format, head, base, context);
    });
    if (extra.ok()) out.update(*extra);
  }
  SendJson(res, 200, out);
}

// POST /api/regenerate {"datasets": ["ES 4h"], "stale": true, "all": false, "full": false}:
// `barlake regenerate` as a queued task.
void Server::Impl::PostRegenerate(const Request& req, Response& res) {
  json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return SendError(res, ApiError::BadRequest("the body must be a JSON object like {\"stale\": true} or "
                                               "{\"datasets\": [\"ES 4h\"]}"));
  }
  std::vector<std::string> names;
  for (const auto& [k, v] : body.items()) names.push_back(k);
  if (auto e = UnknownField(names, {"datasets", "stale", "all", "full"})) return SendError(res, *e);
  lake::RegenerateRequest rr;
  try {
    if (body.contains("datasets")) rr.datasets = body["datasets"].get<std::vector<std::string>>();
    rr.stale_only = body.value("stale", false);
    rr.all = body.value("all", false);
    rr.full = body.value("full", false);
  } catch (const json::exception&) {
    return SendError(res, ApiError::BadRequest("datasets must be a list of \"SYMBOL TF\" strings; stale, all and "
                                               "full are booleans"));
  }
  if (rr.datasets.empty() && !rr.stale_only && !rr.all) rr.stale_only = true;
  static std::atomic<int64_t> serial{0};
  const std::string command = fmt::format("barlake serve (pid {}, request g{}): regenerate", ::getpid(), ++serial);
  Enqueue(res, "regenerate", body, [this, rr, command](TaskProgress& progress) -> Result<json> {
    return WithWriter(progress, "*", command, [&](lake::Lake& lk) -> Result<json> {
      ASSIGN_OR_RETURN(auto items, lk.Regenerate(rr));
      json arr = json::array();
      for (const auto& it : items) {
        if (it.job.id) progress.SetJob(it.job.id);
        arr.push_back(lake::RegenerateItemJson(it));
      }
      return json{{"regenerated", arr}};
    });
  });
}

void Server::Impl::PostRollback(const Request& req, Response& res) {
  const int64_t job = std::atoll(req.matches[1].str().c_str());
  if (!req.body.empty()) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return SendError(res, ApiError::BadRequest("send no body, or an empty JSON object"));
    }
    std::vector<std::string> names;
    for (const auto& [k, v] : body.items()) names.push_back(k);
    if (auto e = UnknownField(names, {})) return SendError(res, *e);
  }
  static std::atomic<int64_t> serial{0};
  const std::string command = fmt::format("barlake serve (pid {}, request r{}): rollback {}", ::getpid(), ++serial, job);
  Enqueue(res, "rollback", {{"job", job}}, [this, job, command](TaskProgress& progress) -> Result<json> {
    return WithWriter(progress, "*", command, [&](lake::Lake& lk) -> Result<json> {
      ASSIGN_OR_RETURN(auto r, lk.Rollback(job));
      progress.SetJob(r.id);
      json out = {{"job", lake::JobJson(r)}};
      // The derived datasets rebuilt from what it restored (the rollback job's report).
      const json report = json::parse(r.report_json.empty() ? std::string("{}") : r.report_json, nullptr, false);
      out["regenerated"] = report.is_object() && report.contains("regenerated") ? report["regenerated"] : json::array();
      if (report.is_object() && report.contains("regenerate_error")) out["regenerate_error"] = report["regenerate_error"];
      return out;
    });
  });
}

// POST /api/update {"datasets": ["ES 1m"]} | {"all": true}: `barlake update` as a task
// (server/update_task.h): the result lists per dataset what was fetched and from where.
void Server::Impl::PostUpdate(const Request& req, Response& res) {
  auto request = ParseUpdateBody(req.body);
  if (!request.ok()) return SendStatus(res, request.status());
  static std::atomic<int64_t> serial{0};
  const std::string command = fmt::format("barlake serve (pid {}, request u{}): update", ::getpid(), ++serial);
  json echo = request->echo;
  Enqueue(res, "update", std::move(echo), [this, r = std::move(request).value(), command](TaskProgress& progress) {
    return WithWriter(progress, "*", command, [&](lake::Lake& lk) { return RunUpdateTask(&lk, r, progress); });
  });
}

// ---- Server -----------------------------------------------------------------------------

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options) {
  std::unique_ptr<Server> s(new Server(std::move(options)));
  s->impl_ = std::make_unique<Impl>(s->options_);
  RETURN_IF_ERROR(s->impl_->Init());
  s->impl_->Routes();
  return s;
}

Status Server::Start() {
  RETURN_IF_ERROR(impl_->Bind(&port_));
  listener_ = std::thread([this] { impl_->Listen(); });
  // httplib's stop() does nothing before the listen loop runs, so a Stop() right after
  // Start() would wait forever: return only once it runs.
  for (int i = 0; i < 5000 && !impl_->running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return Status::OK();
}

std::string Server::url() const {
  const std::string host = options_.bind.find(':') != std::string::npos ? "[" + options_.bind + "]" : options_.bind;
  return "http://" + host + ":" + std::to_string(port_) + "/";
}

bool Server::reads_need_token() const { return impl_->reads_need_token(); }

void Server::Stop() {
  if (!impl_) return;
  impl_->Stop();
  if (listener_.joinable()) listener_.join();
  impl_.reset();  // the task queue finishes the running task, cancels the rest
}

}  // namespace barlake::server
