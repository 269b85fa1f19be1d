// Schedules as users run them: `barlake schedules run-due` (cron) on a simulated clock
// and `barlake serve` on the real one, against a replay server on 127.0.0.1 standing in
// for Binance (BARLAKE_BINANCE_URL).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <mutex>
#include <thread>

#include "core/time_util.h"
#include "journal/sqlite_db.h"
#include "providers/update_cli_fixture.h"
#include "testutil/status_matchers.h"

extern char** environ;

namespace barlake {
namespace {

using json = nlohmann::json;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string IsoOf(int64_t t) {
  char buf[32];
  const time_t tt = static_cast<time_t>(t);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  return buf;
}

void Append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app);
  out << text;
}

class ScheduleCliTest : public UpdateCliTest {
 protected:
  void SetUp() override {
    UpdateCliTest::SetUp();
    // A dataset made by a download opts into `update` (docs/providers.md).
    CommandResult r = Run({"update", "BTCUSDT", "--timeframe", "1m", "--from", Iso(kT0 + 2400 * 60)}, now_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult Run(std::vector<std::string> args, int64_t now) {
    args.insert(args.begin(), {"--vault", vault_});
    return RunBarlake(args, {"BARLAKE_BINANCE_URL=" + server_->origin(), "BARLAKE_TEST_NOW=" + Iso(now)});
  }
  json RunDue(int64_t now, int expect_exit = 0) {
    CommandResult r = Run({"schedules", "run-due", "--json"}, now);
    EXPECT_EQ(r.exit_code, expect_exit) << r.err << r.out;
    return json::parse(r.out, nullptr, false);
  }
  std::string Toml() const { return vault_ + "/barlake.toml"; }
};

TEST_F(ScheduleCliTest, RunDueRunsAnUpdateOnceAndListsItsJobs) {
  Append(Toml(), "\n[[schedule]]\nname = \"minutely\"\naction = \"update\"\nevery = \"5m\"\n");
  now_ += 600;  // ten more bars at the provider
  json runs = RunDue(now_);
  ASSERT_EQ(runs.size(), 1u) << runs.dump();
  EXPECT_EQ(runs[0]["schedule"], "minutely");
  EXPECT_EQ(runs[0]["status"], "completed") << runs.dump();
  ASSERT_EQ(runs[0]["jobs"].size(), 1u);
  const int64_t job = runs[0]["jobs"][0];
  CommandResult show = Run({"jobs", "show", std::to_string(job), "--json"}, now_);
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("binance"), std::string::npos) << show.out;

  // Due again only at the next slot.
  EXPECT_EQ(RunDue(now_ + 10), json::array());
  CommandResult list = Run({"schedules", "--json"}, now_ + 10);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json s = json::parse(list.out)["schedules"][0];
  EXPECT_EQ(s["when"], "every 5m");
  EXPECT_EQ(s["due"], false);
  EXPECT_EQ(s["last_run"]["status"], "completed");
  EXPECT_EQ(s["last_run"]["jobs"], json::array({job}));
  EXPECT_EQ(s["last_run"]["trigger"], "run-due");
  const int64_t slot = (now_ / 300) * 300;
  EXPECT_EQ(s["last_run"]["slot"], Iso(slot));
  EXPECT_EQ(s["next_run"], Iso(slot + 300));
  CommandResult text = Run({"schedules"}, now_ + 10);
  EXPECT_NE(text.out.find("minutely"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("every 5m"), std::string::npos) << text.out;
}

TEST_F(ScheduleCliTest, AMissedRunAfterDowntimeIsMadeUpOnce) {
  Append(Toml(), "\n[[schedule]]\nname = \"minutely\"\naction = \"update\"\nevery = \"5m\"\n");
  ASSERT_EQ(RunDue(now_).size(), 1u);
  // Three hours pass with nothing running (36 slots): one run makes them up.
  now_ += 3 * 3600;
  json runs = RunDue(now_);
  ASSERT_EQ(runs.size(), 1u) << runs.dump();
  EXPECT_EQ(runs[0]["status"], "completed");
  EXPECT_EQ(runs[0]["slot"], Iso((now_ / 300) * 300));
  EXPECT_EQ(RunDue(now_ + 1), json::array());
}

TEST_F(ScheduleCliTest, ARunStillGoingIsSkippedNotStartedTwice) {
  Append(Toml(), "\n[[schedule]]\nname = \"minutely\"\naction = \"update\"\nevery = \"5m\"\n");
  // Another process (a `barlake serve`) holds the run: a row `running` with its live pid.
  pid_t holder = ::fork();
  if (holder == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_EQ(RunDue(now_).size(), 1u);  // creates the table; the first run completes
  {
    ASSERT_OK_AND_ASSIGN(auto db, journal::SqliteDb::Open(vault_ + "/.barlake/journal.sqlite", false));
    ASSERT_OK_AND_ASSIGN(auto st, db->Prepare("INSERT INTO schedule_runs (schedule, action, slot, status, started_at, "
                                              "pid, trigger) VALUES ('minutely', 'update', ?, 'running', ?, ?, 'serve')"));
    st->Bind(1, ((now_ + 300) / 300) * 300 * 1000000).Bind(2, (now_ + 300) * 1000000).Bind(3, int64_t{holder});
    ASSERT_OK(st->Run());
  }
  const size_t asked = server_->seen().size();
  now_ += 600;
  json runs = RunDue(now_);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "skipped");
  EXPECT_NE(runs[0]["message"].get<std::string>().find("(process " + std::to_string(holder)), std::string::npos);
  EXPECT_EQ(server_->seen().size(), asked) << "nothing was fetched";
  // Looking again while it still runs records no second `skipped` row for the slot.
  ASSERT_EQ(RunDue(now_ + 1).size(), 1u);
  CommandResult listed = Run({"schedules", "--json"}, now_ + 1);
  EXPECT_EQ(json::parse(listed.out)["schedules"][0]["last_run"]["status"], "skipped");
  // The holder dies mid-run: its run is abandoned and the slot runs.
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  runs = RunDue(now_ + 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "completed") << runs.dump();
}

// The binary has every action (backup and gc are registered by the CLI); one that cannot
// run says why, and the failed run is recorded once for its slot.
TEST_F(ScheduleCliTest, ABackupScheduleWithoutDestinationsSaysWhatIsMissing) {
  Append(Toml(), "\n[[schedule]]\nname = \"nightly-backup\"\naction = \"backup\"\nat = \"02:00\"\n");
  json runs = RunDue(now_, 1);  // a failed run exits 1
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "failed");
  EXPECT_NE(runs[0]["message"].get<std::string>().find("declares no [[backup]]"), std::string::npos) << runs.dump();
  CommandResult text = Run({"schedules"}, now_);
  EXPECT_EQ(text.out.find("not available in this build"), std::string::npos) << text.out;
  EXPECT_EQ(RunDue(now_ + 60), json::array());
}

TEST_F(ScheduleCliTest, ABadScheduleIsRefusedNamingFileLineAndField) {
  Append(Toml(), "\n[[schedule]]\nname = \"x\"\naction = \"update\"\nevery = \"5 min\"\n");
  CommandResult r = Run({"schedules", "run-due"}, now_);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("barlake.toml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[[schedule]] x 'every': duration '5 min'"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// A webhook receiver on 127.0.0.1: answers the first `failures` POSTs with 503, then 200.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(int failures) : failures_(failures) {
    server_.Post("/hook/secret-path", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      bodies_.push_back(req.body);
      res.status = static_cast<int>(bodies_.size()) <= failures_ ? 503 : 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~WebhookReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook/secret-path"; }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
  int failures_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(ScheduleCliTest, AFailingProviderFiresOneProviderDownAlertWithRetries) {
  WebhookReceiver hook(/*failures=*/1);
  Append(Toml(), "\n[[schedule]]\nname = \"minutely\"\naction = \"update\"\nevery = \"5m\"\n"
                 "\n[[alert]]\non = [\"provider_down\", \"job_failed\"]\nwebhook = \"" + hook.url() +
                 "\"\nmin_interval = \"1h\"\n");
  server_->set_route([](const SeenRequest&) { return Reply{500, "{\"code\":-1000,\"msg\":\"down\"}"}; });
  now_ += 600;
  json runs = RunDue(now_, /*expect_exit=*/1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "failed");
  // One alert, delivered on the second attempt (the first got 503).
  std::vector<std::string> bodies = hook.bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], bodies[1]) << "a retry sends the same payload";
  json payload = json::parse(bodies[1]);
  EXPECT_EQ(payload["event"], "provider_down");
  EXPECT_EQ(payload["dataset"], "BTCUSDT 1m");
  EXPECT_EQ(payload["vault"], "barlake vault");
  EXPECT_TRUE(payload["job"].is_null());
  // The simulated clock runs on from BARLAKE_TEST_NOW while the command works.
  EXPECT_EQ(payload["at"].get<std::string>().substr(0, 16), Iso(now_).substr(0, 16));
  EXPECT_FALSE(payload["message"].get<std::string>().empty());
  std::vector<std::string> keys;
  for (auto it = payload.begin(); it != payload.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"at", "dataset", "event", "job", "message", "vault"}));

  CommandResult list = Run({"alerts", "--json"}, now_);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json d = json::parse(list.out)["deliveries"];
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0]["status"], "delivered");
  EXPECT_EQ(d[0]["attempts"], 2);
  EXPECT_EQ(d[0]["http_status"], 200);
  EXPECT_EQ(d[0]["webhook"], "http://127.0.0.1:" + hook.url().substr(17, hook.url().find('/', 17) - 17) + "/...");
  EXPECT_EQ(list.out.find("secret-path"), std::string::npos) << "the webhook's path is never shown";

  // Still down at the next slot: within min_interval, no second alert.
  json again = RunDue(now_ + 300, /*expect_exit=*/1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(hook.bodies().size(), 2u);
}

// ---- barlake serve, on the real clock ---------------------------------------------------

pid_t SpawnServe(const std::vector<std::string>& args, const std::vector<std::string>& extra_env, const std::string& out) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_text(extra_env);
  for (char** e = environ; *e; ++e) env_text.push_back(*e);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, BARLAKE_BINARY, &fa, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int WaitExit(pid_t pid, int seconds) {
  int status = 0;
  for (int i = 0; i < seconds * 20; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

// The serve fixture runs on the wall clock: the provider has bars up to now.
class ServeScheduleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = dir_.Sub("v");
    ASSERT_EQ(RunBarlake({"init", vault_}).exit_code, 0);
    start_ = Now() - 20 * 60;
    server_ = std::make_unique<ReplayServer>([](const SeenRequest& r) {
      const int64_t last_open = (Now() / 60) * 60 * 1000;
      return Reply{200,
                   testutil::BinanceKlines(std::stoll(r.Param("startTime")), std::stoll(r.Param("endTime")),
                                           std::stoi(r.Param("limit")), 60000, 0, last_open),
                   "application/json",
                   {{"X-MBX-USED-WEIGHT-1M", "2"}}};
    });
  }
  static int64_t Now() { return static_cast<int64_t>(::time(nullptr)); }
  std::vector<std::string> Env() const { return {"BARLAKE_BINANCE_URL=" + server_->origin()}; }
  // Start serve; returns its port.
  int Serve(const std::string& log) {
    pid_ = SpawnServe({BARLAKE_BINARY, "--vault", vault_, "serve", "--port", "0"}, Env(), log);
    const std::regex url(R"(http://127\.0\.0\.1:(\d+)/)");
    std::smatch m;
    for (int i = 0; i < 200; ++i) {
      const std::string text = ReadAll(log);
      if (std::regex_search(text, m, url)) return std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  testutil::TempDir dir_;
  std::string vault_;
  int64_t start_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<ReplayServer> server_;
};

TEST_F(ServeScheduleTest, ServeRunsTheScheduleAndStopsCleanly) {
  CommandResult first = RunBarlake({"--vault", vault_, "update", "BTCUSDT", "--timeframe", "1m", "--from", IsoOf(start_)},
                                  Env());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  Append(vault_ + "/barlake.toml", "\n[[schedule]]\nname = \"fast\"\naction = \"update\"\nevery = \"2s\"\n");
  const std::string log = dir_.Sub("serve.log");
  const int port = Serve(log);
  ASSERT_GT(port, 0) << ReadAll(log);
  httplib::Client c("127.0.0.1", port);
  json s;
  int completed_runs = 0;
  for (int i = 0; i < 100; ++i) {
    auto r = c.Get("/api/schedules");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    s = json::parse(r->body)["schedules"][0];
    if (s["last_run"].is_object() && s["last_run"]["status"] == "completed" && s["last_run"]["id"].get<int>() >= 2) {
      completed_runs = s["last_run"]["id"];
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(completed_runs, 2) << s.dump() << ReadAll(log);
  EXPECT_EQ(s["last_run"]["trigger"], "serve");
  EXPECT_NE(ReadAll(log).find("schedule fast (update): completed"), std::string::npos) << ReadAll(log);
  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  EXPECT_EQ(WaitExit(pid_, 30), 0) << ReadAll(log);
  pid_ = -1;
  EXPECT_NE(ReadAll(log).find("stopped"), std::string::npos);
  // No run is left `running` behind.
  CommandResult list = RunBarlake({"--vault", vault_, "schedules", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(json::parse(list.out)["schedules"][0]["last_run"]["status"], "running");
}

// Read one server-sent stream until `enough` returns true for what arrived (or 60 s pass).
std::string ReadStream(int port, const std::string& path, const httplib::Headers& headers,
                       const std::function<bool(const std::string&)>& enough) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60, 0);
  std::string got;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  c.Get(path, headers, [&](const char* data, size_t n) {
    got.append(data, n);
    return !enough(got) && std::chrono::steady_clock::now() < until;
  });
  return got;
}

TEST_F(ServeScheduleTest, ALiveDatasetIsPolledTailedAndStreamed) {
  Append(vault_ + "/barlake.toml",
         "\n[[dataset]]\nsymbol = \"BTCUSDT\"\ntimeframe = \"1m\"\nasset_class = \"crypto\"\nlive = true\n");
  // Stored up to ten minutes ago: the first live poll has bars to bring.
  CommandResult first = RunBarlake({"--vault", vault_, "update", "BTCUSDT", "--timeframe", "1m", "--from",
                                    IsoOf(start_), "--to", IsoOf(Now() - 600)},
                                   Env());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // `barlake tail` (another process) prints the newest bar, then the next three as they land.
  const std::string tail_out = dir_.Sub("tail.out");
  pid_t tail = SpawnServe({BARLAKE_BINARY, "--vault", vault_, "tail", "BTCUSDT", "1m", "--last", "1", "--count", "3",
                           "--json", "--interval", "0.2"},
                          {}, tail_out);
  std::string before;
  for (int i = 0; i < 100 && ReadAll(tail_out).find('\n') == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  before = ReadAll(tail_out);
  ASSERT_NE(before.find('\n'), std::string::npos) << before;
  const std::string last_ts = json::parse(before.substr(0, before.find('\n')))["ts"];
  ASSERT_OK_AND_ASSIGN(Micros last, ParseIsoUtc(last_ts));

  const std::string log = dir_.Sub("serve.log");
  const int port = Serve(log);
  ASSERT_GT(port, 0) << ReadAll(log);
  EXPECT_EQ(WaitExit(tail, 60), 0) << ReadAll(tail_out);
  const std::string tailed = ReadAll(tail_out);
  std::vector<json> lines;
  std::stringstream in(tailed);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 4u) << tailed;
  // The newest bar was still forming (stored provisional): once a poll finishes it, it is
  // printed again with the same stamp, then the bars after it, none skipped.
  std::vector<std::string> stamps;
  for (const auto& l : lines) {
    if (stamps.empty() || stamps.back() != l["ts"]) stamps.push_back(l["ts"]);
  }
  ASSERT_GE(stamps.size(), 2u) << tailed;
  EXPECT_EQ(stamps[1], IsoOf(last / 1000000 + 60)) << "the next bar, none skipped\n" << tailed;

  // An SSE client resuming after the bar it saw last gets the bars that landed since.
  const std::string got = ReadStream(port, "/api/stream?symbol=BTCUSDT&timeframe=1m",
                                     {{"Last-Event-ID", std::to_string(last)}},
                                     [](const std::string& g) { return g.find("event: bar") != std::string::npos &&
                                                                       g.find("\n\n", g.find("event: bar")) != std::string::npos; });
  const std::string want_id = "id: " + std::to_string(last + 60 * 1000000);
  ASSERT_NE(got.find(want_id + "\nevent: bar\ndata: {"), std::string::npos) << got;
  const size_t data = got.find("data: ", got.find(want_id)) + 6;
  json bar = json::parse(got.substr(data, got.find('\n', data) - data));
  EXPECT_EQ(bar["ts"], IsoOf(last / 1000000 + 60));
  EXPECT_EQ(bar["time"], last / 1000000 + 60);
  for (const char* k : {"open", "high", "low", "close", "volume"}) EXPECT_TRUE(bar[k].is_number()) << k;

  // The poll is a run of the implicit schedule "live BTCUSDT 1m", with its import job.
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/api/schedules");
  ASSERT_TRUE(r);
  json live;
  const json listed = json::parse(r->body);
  for (const auto& s : listed["schedules"]) {
    if (s["name"] == "live BTCUSDT 1m") live = s;
  }
  ASSERT_TRUE(live.is_object()) << r->body;
  EXPECT_EQ(live["live"], true);
  EXPECT_EQ(live["when"], "every 1m");
  EXPECT_EQ(live["last_run"]["status"], "completed") << live.dump();
  EXPECT_GE(live["last_run"]["jobs"].size(), 1u) << live.dump();
  // /api/status and `barlake status` show the live dataset's current session (a UTC day:
  // no calendar) with its polls and the last poll's time.
  auto st = c.Get("/api/status");
  ASSERT_TRUE(st);
  ASSERT_EQ(st->status, 200) << st->body;
  const json api_live = json::parse(st->body)["live"];
  ASSERT_EQ(api_live.size(), 1u) << st->body;
  EXPECT_EQ(api_live[0]["dataset"], "BTCUSDT 1m");
  EXPECT_EQ(api_live[0]["session"], IsoOf(Now()).substr(0, 10));
  EXPECT_TRUE(api_live[0]["calendar"].is_null());
  EXPECT_GE(api_live[0]["polls"].get<int>(), 1) << st->body;
  EXPECT_TRUE(api_live[0]["last_poll"].is_string()) << st->body;
  CommandResult status_json = RunBarlake({"--vault", vault_, "status", "--json"});
  ASSERT_EQ(status_json.exit_code, 0) << status_json.err;
  const json cli_live = json::parse(status_json.out)["live"];
  ASSERT_EQ(cli_live.size(), 1u) << status_json.out;
  EXPECT_GE(cli_live[0]["polls"].get<int>(), api_live[0]["polls"].get<int>());
  EXPECT_EQ(cli_live[0]["job"], api_live[0]["job"]);
  CommandResult status_text = RunBarlake({"--vault", vault_, "status"});
  ASSERT_EQ(status_text.exit_code, 0) << status_text.err;
  EXPECT_NE(status_text.out.find("Live datasets, current session:"), std::string::npos) << status_text.out;
  EXPECT_NE(status_text.out.find(api_live[0]["session"].get<std::string>()), std::string::npos) << status_text.out;
  // A new stream with no Last-Event-ID starts after the newest bar; a bad one is refused.
  auto bad = c.Get("/api/stream?symbol=BTCUSDT&timeframe=1m", {{"Last-Event-ID", "yesterday"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto missing = c.Get("/api/stream?symbol=BTCUSDT");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  ASSERT_EQ(::kill(pid_, SIGTERM), 0);
  EXPECT_EQ(WaitExit(pid_, 30), 0) << ReadAll(log);
  pid_ = -1;
}

}  // namespace
}  // namespace barlake
