#include "testutil/test_data.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/checksum.h"
#include "core/time_util.h"

namespace barlake::testutil {

std::string NtLine(const std::string& stamp, double o, double h, double l, double c, double v) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s;%.10g;%.10g;%.10g;%.10g;%.10g\n", stamp.c_str(), o, h, l, c, v);
  return buf;
}

std::string NtMinutes(const std::string& first_stamp, int n, double price) {
  int y, mo, d, hh, mm, ss;
  std::sscanf(first_stamp.c_str(), "%4d%2d%2d %2d%2d%2d", &y, &mo, &d, &hh, &mm, &ss);
  int64_t t = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + hh * 3600 + mm * 60 + ss;
  std::string out;
  for (int i = 0; i < n; ++i, t += 60) {
    int yy;
    unsigned m2, d2;
    CivilFromDays(t / 86400, &yy, &m2, &d2);
    const int64_t s = t % 86400;
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%04d%02u%02u %02d%02d%02d", yy, m2, d2, static_cast<int>(s / 3600),
                  static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
    const double o = price + (i % 7) * 0.25;
    const double c = price + ((i + 3) % 7) * 0.25;
    out += NtLine(stamp, o, std::max(o, c) + 0.5, std::min(o, c) - 0.25, c, 10 + i % 13);
  }
  return out;
}

Status WriteText(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  if (!f) return Status::IOError("cannot write " + path);
  return Status::OK();
}

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream f(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    out[std::filesystem::relative(e.path(), dir).string()] = Sha256Hex(ss.str());
  }
  return out;
}

namespace {
std::string Slurp(int fd) {
  std::string s;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}
}  // namespace

namespace {
// Runs argv[0] (an absolute path) with argv, stdout and stderr captured through temp files.
CommandResult RunProgram(const std::vector<std::string>& program_argv, const std::vector<std::string>& env) {
  CommandResult r;
  char out_tmpl[] = "/tmp/barlake-out-XXXXXX";
  char err_tmpl[] = "/tmp/barlake-err-XXXXXX";
  int out_fd = ::mkstemp(out_tmpl);
  int err_fd = ::mkstemp(err_tmpl);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    for (const auto& kv : env) ::putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> argv;
    for (const auto& a : program_argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::perror("execv");
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  ::lseek(out_fd, 0, SEEK_SET);
  ::lseek(err_fd, 0, SEEK_SET);
  r.out = Slurp(out_fd);
  r.err = Slurp(err_fd);
  ::close(out_fd);
  ::close(err_fd);
  ::unlink(out_tmpl);
  ::unlink(err_tmpl);
  return r;
}
}  // namespace

CommandResult RunBarlake(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> argv = {BARLAKE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, env);
}

CommandResult RunBarlakeReadOnly(const std::string& vault, const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  if (::geteuid() == 0) argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  argv.insert(argv.end(), {BARLAKE_BINARY, "--vault", vault});
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, {});
}

}  // namespace barlake::testutil
