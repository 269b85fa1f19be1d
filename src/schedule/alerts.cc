#include "schedule/alerts.h"

#include <curl/curl.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/checksum.h"
#include "core/json_text.h"
#include "journal/rows.h"
#include "core/text.h"
#include "schedule/runner.h"

namespace barlake::schedule {
namespace {

using json = nlohmann::json;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS alert_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target TEXT NOT NULL, webhook TEXT NOT NULL,
  event TEXT NOT NULL, dataset TEXT NOT NULL, job INTEGER NOT NULL DEFAULT 0, message TEXT NOT NULL,
  status TEXT NOT NULL, attempts INTEGER NOT NULL, http_status INTEGER NOT NULL DEFAULT 0, error TEXT,
  at INTEGER NOT NULL, finished_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS alert_deliveries_by_key ON alert_deliveries (target, event, dataset, id);
)sql";

constexpr const char* kColumns =
    "id, event, dataset, job, message, webhook, status, attempts, http_status, error, at, finished_at";

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

class CurlWebhookClient final : public WebhookClient {
 public:
  CurlWebhookClient() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }
  Result<int> Post(const std::string& url, const std::string& body, double timeout_seconds) override {
    CURL* curl = curl_easy_init();
    if (!curl) return Status::Internal("libcurl could not start a request");
    char error[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "barlake-alerts");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_seconds * 1000));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
      return Status::Unavailable(std::string(error[0] ? error : curl_easy_strerror(rc)) +
                                 (rc == CURLE_OPERATION_TIMEDOUT ? " (timed out)" : ""));
    }
    return static_cast<int>(status);
  }
};

DeliveryRecord ReadDelivery(const journal::Statement& s) {
  DeliveryRecord d;
  int64_t attempts = 0, http_status = 0;
  s.Columns(d.id, d.event, d.dataset, d.job, d.message, d.webhook, d.status, attempts, http_status, d.error, d.at,
            d.finished_at);
  d.attempts = static_cast<int>(attempts);
  d.http_status = static_cast<int>(http_status);
  return d;
}

bool Takes(const registry::AlertSpec& a, const std::string& event) {
  for (const auto& e : a.on) {
    if (e == event) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<WebhookClient> NewCurlWebhookClient() { return std::make_unique<CurlWebhookClient>(); }

std::string ScrubSecrets(const std::string& text) {
  static const std::regex kKeyValue(
      R"(((?:api[_-]?key|apikey|access[_-]?token|token|secret|password|passwd|signature|crumb)=)[^&\s"'<>]+)",
      std::regex::icase);
  static const std::regex kBearer(R"((bearer\s+)[A-Za-z0-9._~+/=-]+)", std::regex::icase);
  std::string out = std::regex_replace(text, kKeyValue, "$1***");
  return std::regex_replace(out, kBearer, "$1***");
}

std::string ShownWebhook(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "(webhook)";
  size_t end = url.find_first_of("/?#", scheme + 3);
  std::string host = url.substr(scheme + 3, end == std::string::npos ? std::string::npos : end - scheme - 3);
  if (const size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);  // user:password@
  return url.substr(0, scheme + 3) + host + "/...";
}

Result<std::unique_ptr<Alerter>> Alerter::Open(const std::string& journal_path, std::string vault_name,
                                               std::vector<registry::AlertSpec> alerts, providers::Clock* clock,
                                               WebhookClient* client, AlertPolicy policy) {
  std::unique_ptr<Alerter> a(new Alerter());
  ASSIGN_OR_RETURN(a->db_, journal::SqliteDb::Open(journal_path, /*create=*/false));
  if (a->db_->read_only()) return Status::IOError("the vault's journal is read-only: alerts cannot be recorded");
  RETURN_IF_ERROR(a->db_->Exec(kSchema));
  a->vault_name_ = std::move(vault_name);
  a->alerts_ = std::move(alerts);
  a->clock_ = clock ? clock : providers::SystemClock();
  if (!client) {
    a->own_client_ = NewCurlWebhookClient();
    client = a->own_client_.get();
  }
  a->client_ = client;
  a->policy_ = policy;
  return a;
}

std::vector<DeliveryRecord> Alerter::Send(const Event& event, Micros at) {
  std::vector<DeliveryRecord> out;
  const std::string message = ToValidUtf8(ScrubSecrets(event.message));
  const std::string body = ToJsonText(json{{"event", event.event},
                                           {"vault", ToValidUtf8(vault_name_)},
                                           {"dataset", event.dataset.empty() ? json(nullptr) : json(event.dataset)},
                                           {"job", event.job > 0 ? json(event.job) : json(nullptr)},
                                           {"message", message},
                                           {"at", FormatIsoUtc(at)}});
  for (const auto& alert : alerts_) {
    if (!Takes(alert, event.event)) continue;
    // The key of min_interval: this webhook (by hash: the URL may be a secret), event and dataset.
    const std::string target = Sha256Hex(alert.webhook).substr(0, 16);
    if (alert.min_interval_seconds > 0) {
      auto q = db_->Prepare("SELECT at FROM alert_deliveries WHERE target = ? AND event = ? AND dataset = ? AND "
                            "status = 'delivered' ORDER BY id DESC LIMIT 1");
      if (q.ok()) {
        (*q)->Bind(1, target).Bind(2, event.event).Bind(3, event.dataset);
        auto row = (*q)->Step();
        if (row.ok() && *row && at - (*q)->Int(0) < alert.min_interval_seconds * kMicrosPerSecond) continue;
      }
    }
    DeliveryRecord d;
    d.event = event.event;
    d.dataset = event.dataset;
    d.job = event.job;
    d.message = message;
    d.webhook = ShownWebhook(alert.webhook);
    d.at = at;
    Micros backoff = policy_.first_backoff;
    for (int attempt = 1; attempt <= policy_.max_attempts; ++attempt) {
      d.attempts = attempt;
      auto status = client_->Post(alert.webhook, body, policy_.timeout_seconds);
      if (status.ok()) {
        d.http_status = *status;
        if (*status >= 200 && *status < 300) {
          d.status = "delivered";
          d.error.clear();
          break;
        }
        d.error = "HTTP " + std::to_string(*status);
      } else {
        d.http_status = 0;
        d.error = ToValidUtf8(status.status().message());
      }
      d.status = "failed";
      if (attempt < policy_.max_attempts) {
        clock_->Sleep(backoff);
        backoff *= 2;
      }
    }
    d.finished_at = clock_->Now();
    auto ins = db_->Prepare("INSERT INTO alert_deliveries (target, webhook, event, dataset, job, message, status, "
                            "attempts, http_status, error, at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    if (ins.ok()) {
      (*ins)->Bind(1, target).Bind(2, d.webhook).Bind(3, d.event).Bind(4, d.dataset).Bind(5, d.job);
      (*ins)->Bind(6, d.message).Bind(7, d.status).Bind(8, int64_t{d.attempts}).Bind(9, int64_t{d.http_status});
      (*ins)->Bind(10, d.error).Bind(11, d.at).Bind(12, d.finished_at);
      if ((*ins)->Run().ok()) d.id = db_->LastInsertId();
    }
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<DeliveryRecord>> Alerter::List(const std::string& journal_path, int64_t limit) {
  std::vector<DeliveryRecord> out;
  ASSIGN_OR_RETURN(auto db, journal::SqliteDb::Open(journal_path, /*create=*/false));
  auto q = db->Prepare(std::string("SELECT ") + kColumns + " FROM alert_deliveries ORDER BY id DESC LIMIT ?");
  if (!q.ok()) return out;  // no alert was ever sent from this vault: no table
  (*q)->Bind(1, limit);
  return journal::CollectRows<DeliveryRecord>(q->get(), ReadDelivery);
}

std::string DeliveriesJson(const std::vector<DeliveryRecord>& deliveries) {
  json arr = json::array();
  for (const auto& d : deliveries) {
    arr.push_back({{"id", d.id},
                   {"event", d.event},
                   {"dataset", d.dataset.empty() ? json(nullptr) : json(d.dataset)},
                   {"job", d.job > 0 ? json(d.job) : json(nullptr)},
                   {"message", d.message},
                   {"webhook", d.webhook},
                   {"status", d.status},
                   {"attempts", d.attempts},
                   {"http_status", d.http_status},
                   {"error", d.error.empty() ? json(nullptr) : json(d.error)},
                   {"at", FormatIsoUtc(d.at)},
                   {"finished_at", FormatIsoUtc(d.finished_at)}});
  }
  return ToJsonText(json{{"deliveries", arr}});
}

}  // namespace barlake::schedule
