// Alerts: [[alert]] tables of barlake.toml turned into webhook calls (docs/alerts.md).
//
// An event (schedule/runner.h: job_failed, health_failed, stale, quarantine,
// provider_down) goes to every [[alert]] whose `on` names it, as one JSON POST
// {event, vault, dataset, job, message, at}, retried with exponential backoff on a
// transport failure or a non-2xx answer. Every delivery, delivered or failed, is a row of
// `alert_deliveries` in the vault's journal database; `min_interval` suppresses a repeat of
// the same event for the same dataset to the same webhook within that time.
//
// No secret leaves in a payload: the message has API keys, tokens and signatures in any
// URL or key=value replaced (ScrubSecrets), and the webhook URL itself (often a secret, as
// Slack's are) is stored and shown only as scheme://host/... .
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time_util.h"
#include "journal/sqlite_db.h"
#include "providers/fetcher.h"
#include "registry/schedule_config.h"

namespace barlake::schedule {

struct Event;

/// One recorded delivery (or a final failure) of an alert.
struct DeliveryRecord {
  int64_t id = 0;
  std::string event, dataset;
  int64_t job = 0;
  std::string message;
  std::string webhook;  // shown form: scheme://host[:port]/...
  std::string status;   // delivered | failed
  int attempts = 0;
  int http_status = 0;  // of the last attempt, 0: no answer
  std::string error;    // of the last failed attempt
  Micros at = 0;        // when the event happened
  Micros finished_at = 0;
};

/// The webhook POST, a seam for tests; the production one is libcurl.
class WebhookClient {
 public:
  virtual ~WebhookClient() = default;
  /// POST `body` (JSON). The HTTP status, or kUnavailable for a transport failure.
  virtual Result<int> Post(const std::string& url, const std::string& body, double timeout_seconds) = 0;
};
std::unique_ptr<WebhookClient> NewCurlWebhookClient();

struct AlertPolicy {
  int max_attempts = 4;                             // 1 + 3 retries
  Micros first_backoff = 1 * kMicrosPerSecond;      // then doubled each retry
  double timeout_seconds = 10;
};

/// `text` with the values of api keys, tokens, passwords, signatures and crumbs (in URL
/// queries and key=value text) and bearer tokens replaced by "***".
std::string ScrubSecrets(const std::string& text);
/// "https://hooks.slack.com/..." for any webhook URL: the path and query are never shown.
std::string ShownWebhook(const std::string& url);

class Alerter {
 public:
  /// `journal_path`: the vault's journal database. `clock` paces the backoff (tests give
  /// a simulated one); not owned. `client` nullptr: libcurl.
  static Result<std::unique_ptr<Alerter>> Open(const std::string& journal_path, std::string vault_name,
                                               std::vector<registry::AlertSpec> alerts, providers::Clock* clock,
                                               WebhookClient* client = nullptr, AlertPolicy policy = {});
  /// Send `event` to every alert that takes it; returns the deliveries recorded.
  std::vector<DeliveryRecord> Send(const Event& event, Micros at);

  /// Newest first.
  static Result<std::vector<DeliveryRecord>> List(const std::string& journal_path, int64_t limit);

 private:
  Alerter() = default;
  std::unique_ptr<journal::SqliteDb> db_;
  std::string vault_name_;
  std::vector<registry::AlertSpec> alerts_;
  providers::Clock* clock_ = nullptr;
  std::unique_ptr<WebhookClient> own_client_;
  WebhookClient* client_ = nullptr;
  AlertPolicy policy_;
};

/// {"deliveries": [{id, event, dataset, job, message, webhook, status, attempts,
/// http_status, error, at, finished_at}]}
std::string DeliveriesJson(const std::vector<DeliveryRecord>& deliveries);

}  // namespace barlake::schedule
