#include "testutil/fault_sweep.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "testutil/status_matchers.h"
#include "testutil/test_data.h"

namespace barlake::testutil {

namespace {

std::vector<std::string> PathParts(const std::string& path) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (begin <= path.size()) {
    const size_t end = std::min(path.find('/', begin), path.size());
    if (end > begin) parts.push_back(path.substr(begin, end - begin));
    begin = end + 1;
  }
  return parts;
}

}  // namespace

bool IsBestEffortStep(const std::string& failed_call) {
  // (The step was never reached: later runs can need fewer steps, e.g. when a versions
  // folder already exists.)
  if (failed_call.empty()) return true;
  // EnvCall::text(): "<op> <path>", the path as the lake named it.
  const size_t space = failed_call.find(' ');
  if (space == std::string::npos) return false;
  const std::string op = failed_call.substr(0, space);
  const std::vector<std::string> parts = PathParts(failed_call.substr(space + 1));
  if (parts.size() < 2) return false;
  const bool in_meta = parts[parts.size() - 2] == ".barlake";
  // The writer lock's holder note (.barlake/lock.holder): informational, the flock is the lock.
  if (in_meta && parts.back() == "lock.holder") return true;
  // A failed hard link falls back to copying the previous version.
  if (op == "link") return true;
  // Cleaning up staging after the commit: a file or folder under .barlake/staging/.
  if (op == "remove" || op == "rmdir") {
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i] == ".barlake" && parts[i + 1] == "staging") return true;
    }
  }
  return false;
}

void ExpectUnchangedAndRecoverable(const std::string& vault, const std::string& dir,
                                   const std::map<std::string, std::string>& before,
                                   const std::string& context,
                                   std::unique_ptr<lake::Lake>* recovered) {
  EXPECT_EQ(Snapshot(dir), before) << context;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<lake::Lake> lake, lake::Lake::Open(vault, {}));
  ASSERT_OK(lake->Recover());
  EXPECT_EQ(Snapshot(dir), before) << context;
  ASSERT_OK_AND_ASSIGN(lake::VerifyReport v, lake->Verify());
  EXPECT_TRUE(v.ok()) << context << ": "
                      << (v.ok() ? "" : v.problems[0].path + " " + v.problems[0].what);
  if (recovered) *recovered = std::move(lake);
}

}  // namespace barlake::testutil
