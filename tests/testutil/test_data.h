// Test data helpers: small NinjaTrader files, vault snapshots, CLI runs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace barlake::testutil {

/// One NinjaTrader intraday line: "20240115 093100;o;h;l;c;v".
std::string NtLine(const std::string& stamp, double o, double h, double l, double c, double v);

/// `n` consecutive 1-minute NinjaTrader lines starting at local close time `first_stamp`
/// ("yyyyMMdd HHmmss"), prices drifting from `price`. Deterministic.
std::string NtMinutes(const std::string& first_stamp, int n, double price);

/// Write text to a file (test scaffolding; aborts the test on failure via return value).
Status WriteText(const std::string& path, const std::string& text);
/// The whole file as bytes (empty when it cannot be read).
std::string ReadText(const std::string& path);

/// Every regular file below `dir` (relative path -> SHA-256), for byte-identity checks.
std::map<std::string, std::string> Snapshot(const std::string& dir);

struct CommandResult {
  int exit_code = -1;    // -1 when killed by a signal
  int signal = 0;
  std::string out, err;
};

/// Run the barlake binary with args (and optional extra environment "K=V").
CommandResult RunBarlake(const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {});

/// Run `barlake --vault VAULT args...` as a user who may not write the vault: as nobody
/// (uid 65534, through /usr/bin/setpriv) when the tests run as root, since root writes
/// through any permission bits. Tests skip when setpriv is missing under root.
CommandResult RunBarlakeReadOnly(const std::string& vault, const std::vector<std::string>& args);

}  // namespace barlake::testutil
