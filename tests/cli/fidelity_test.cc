// Import fidelity with the real binary: files as traders really have them (a BOM, tabs,
// CRLF, a copy cut short, cp1252 text, a second vendor for the same dataset, a wrong
// zone) are stored right or refused with a message that says what to do.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "testutil/cli_vault_test.h"
#include "testutil/temp_dir.h"
#include "testutil/test_data.h"

namespace barlake {
namespace {

using testutil::CommandResult;
using testutil::RunBarlake;

std::string Fixture(const std::string& name) {
  return std::string(BARLAKE_TEST_DATA_DIR) + "/fidelity/" + name;
}

class FidelityTest : public testutil::CliVaultTest {};

// ---- detection through a BOM, tabs and CRLF ----

TEST_F(FidelityTest, NinjaTraderWithBomTabsAndCrlfIsDetectedAndStoredAtOpenTimes) {
  const std::vector<std::pair<std::string, std::string>> files = {{"nt_bom_tab_crlf.txt", "TAB"},
                                                                   {"nt_bom_semicolon.txt", "SEMI"}};
  for (const auto& [file, symbol] : files) {
    CommandResult r = Bl({"import", Fixture(file), "--symbol", symbol, "--timeframe", "1m", "--json"});
    ASSERT_EQ(r.exit_code, 0) << file << ": " << r.err;
    auto report = nlohmann::json::parse(r.out);
    EXPECT_EQ(report["format"], "ninjatrader") << file << ": " << r.out;
    const std::string bars = Read(symbol, "1m");
    // The first line closes at 14:31 UTC: the bar opened at 14:30.
    EXPECT_NE(bars.find("2024-01-05T14:30:00"), std::string::npos) << file << ":\n" << bars;
    EXPECT_EQ(bars.find("2024-01-05T14:33:00"), std::string::npos) << file << ":\n" << bars;
  }
  CommandResult d = Bl({"detect", Fixture("nt_bom_tab_crlf.txt")});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("ninjatrader"), std::string::npos) << d.out;
}

TEST_F(FidelityTest, NinjaTraderLookingFileAsCsvNeedsToSayWhatTheStampsMark) {
  CommandResult r = Bl({"import", Fixture("nt_bom_tab_crlf.txt"), "--symbol", "ES", "--timeframe", "1m",
                        "--format", "csv"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("NinjaTrader"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--stamp close"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/lake/ES"));
  // Said explicitly, the stamps are taken as told.
  r = Bl({"import", Fixture("nt_bom_tab_crlf.txt"), "--symbol", "ES", "--timeframe", "1m", "--format", "csv",
          "--stamp", "close"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(Read("ES", "1m").find("2024-01-05T14:30:00"), std::string::npos);
}

// ---- a truncated last line ----

TEST_F(FidelityTest, FileCutShortIsRefusedUnlessForced) {
  CommandResult r = Bl({"import", Fixture("nt_cut_short.txt"), "--symbol", "ES", "--timeframe", "1m"});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("the file looks cut short"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 4"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/lake/ES"));

  r = Bl({"import", Fixture("nt_cut_short.txt"), "--symbol", "ES", "--timeframe", "1m", "--force", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["rows_added"], 3) << r.out;
  EXPECT_EQ(report["rows_rejected"], 1) << r.out;
}

TEST_F(FidelityTest, BadLineWithAFinalNewlineIsAnOrdinaryRejection) {
  // The same short line, but the file ends in a newline: a bad row, not a cut-short file.
  const std::string file = dir_.Sub("bad_row.txt");
  std::string text;
  for (int m = 0; m < 200; ++m) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "20240105 %02d%02d00", 14 + (m + 31) / 60, (m + 31) % 60);
    text += testutil::NtLine(stamp, 4800, 4801, 4799, 4800.5, 5) + "\n";
  }
  text += "20240105 183000;4800.25;4800.5\n";
  ASSERT_TRUE(testutil::WriteText(file, text).ok());
  CommandResult r = Bl({"import", file, "--symbol", "ES", "--timeframe", "1m", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["rows_rejected"], 1) << r.out;
}

// ---- cp1252 text ----

bool IsUtf8(const std::string& s) {
  // nlohmann refuses invalid UTF-8 when dumping a string.
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (...) {
    return false;
  }
}

TEST_F(FidelityTest, Cp1252HeaderIsDecodedAndInputBytesAreQuotedEscaped) {
  const std::string file = Fixture("cp1252_de_header.csv");
  // The German header names are column aliases (formats.md), matched after decoding the
  // cp1252 header ('ö' as UTF-8): no --columns needed.
  CommandResult r = Bl({"import", file, "--symbol", "DAX", "--timeframe", "1m", "--json"});
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_TRUE(IsUtf8(r.err)) << r.err;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(IsUtf8(r.out));
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["rows_added"], 149) << r.out;
  EXPECT_EQ(report["rows_rejected"], 1) << r.out;
  EXPECT_NE(report.dump().find("cp1252"), std::string::npos) << r.out;
  // The bad cell is quoted with its byte escaped, in the report and in quarantine.
  EXPECT_NE(report["rejections"][0]["reason"].get<std::string>().find("Er\\xF6ffnung"), std::string::npos)
      << r.out;
  CommandResult q = Bl({"quarantine", "list"});
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_TRUE(IsUtf8(q.out)) << q.out;
  EXPECT_NE(q.out.find("Er\\xF6ffnung"), std::string::npos) << q.out;
  CommandResult d = Bl({"detect", file});
  EXPECT_NE(d.exit_code, 1) << d.err;
  EXPECT_TRUE(IsUtf8(d.out + d.err));
}

// ---- the format of a dataset ----

TEST_F(FidelityTest, DetectedFormatIsNotPinnedSoAnotherVendorsFileImports) {
  const std::string data = BARLAKE_TEST_DATA_DIR;
  CommandResult r = Bl({"import", data + "/json/yahoo_crypto_daily_utc.json", "--symbol", "BTC", "--timeframe", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Bl({"import", data + "/csv/tradingview_date_daily.csv", "--symbol", "BTC", "--timeframe", "1d", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["format"], "tradingview");
  std::string toml;
  {
    std::ifstream in(vault_ + "/barlake.toml");
    toml.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_EQ(toml.find("format ="), std::string::npos) << toml;
}

TEST_F(FidelityTest, DatasetSetChangesEverySetting) {
  const std::string data = BARLAKE_TEST_DATA_DIR;
  ASSERT_EQ(Bl({"import", data + "/csv/tradingview_date_daily.csv", "--symbol", "BTC", "--timeframe", "1d"}).exit_code,
            0);
  CommandResult r = Bl({"dataset", "set", "BTC", "1d", "--format", "tradingview", "--source-tz", "Europe/Berlin",
                        "--calendar", "NYSE", "--outside-session", "quarantine", "--max-reject-share", "0.05",
                        "--check-alignment", "false", "--check-spikes", "false", "--allow-non-positive", "true",
                        "--spike-scale-multiple", "30", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto changed = nlohmann::json::parse(r.out)["changed"];
  for (const char* key : {"format", "source_tz", "calendar", "outside_session", "max_reject_share",
                          "check_alignment", "check_spikes", "allow_non_positive", "spike_scale_multiple"}) {
    EXPECT_TRUE(changed.contains(key)) << key << ": " << r.out;
  }
  std::string toml;
  {
    std::ifstream in(vault_ + "/barlake.toml");
    toml.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(toml.find("format = \"tradingview\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("max_reject_share = 0.05"), std::string::npos) << toml;
  EXPECT_NE(toml.find("check_alignment = false"), std::string::npos) << toml;
  // A number already in the file is replaced in place, and `auto` unpins the format.
  r = Bl({"dataset", "set", "BTC", "1d", "--max-reject-share", "0.2", "--format", "auto"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    std::ifstream in(vault_ + "/barlake.toml");
    toml.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(toml.find("max_reject_share = 0.2"), std::string::npos) << toml;
  EXPECT_EQ(toml.find("max_reject_share = 0.05"), std::string::npos) << toml;
  // Invalid values are refused and change nothing.
  EXPECT_EQ(Bl({"dataset", "set", "BTC", "1d", "--max-reject-share", "2"}).exit_code, 4);
  EXPECT_EQ(Bl({"dataset", "set", "BTC", "1d", "--check-spikes", "maybe"}).exit_code, 2);
  EXPECT_EQ(Bl({"dataset", "set", "BTC", "1d", "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(Bl({"dataset", "set", "BTC", "1d", "--source-tz", "Mars/Base"}).exit_code, 4);
  std::string after;
  {
    std::ifstream in(vault_ + "/barlake.toml");
    after.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_EQ(after, toml);
}

// ---- zones ----

class ZoneTest : public FidelityTest {
 protected:
  void SetUp() override { Init("America/Los_Angeles"); }
  // Two NYSE sessions of 1m bars exported by a machine on UTC (close stamps 14:31..21:00).
  std::string UtcNyseFile() {
    const std::string file = dir_.Sub("nyse_utc.txt");
    EXPECT_TRUE(testutil::WriteText(file, testutil::NtMinutes("20240108 143100", 390, 100) +
                                              testutil::NtMinutes("20240109 143100", 390, 101))
                    .ok());
    return file;
  }
};

TEST_F(ZoneTest, ImportSaysWhichZoneWasAssumedAndWhy) {
  CommandResult r = Bl({"import", UtcNyseFile(), "--symbol", "ES", "--timeframe", "1m"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t first_note = r.out.find("note:");
  ASSERT_NE(first_note, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("note: time zone: stamps read as America/Los_Angeles, the vault's default_source_tz"),
            first_note)
      << r.out;
  r = Bl({"import", UtcNyseFile(), "--symbol", "NQ", "--timeframe", "1m", "--tz", "UTC", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["source_tz_because"], "--tz");
  EXPECT_EQ(report["source_tz_used"], true);
  // Stamps with their own offsets use no zone, and the report says so.
  r = Bl({"import", std::string(BARLAKE_TEST_DATA_DIR) + "/csv/tradingview_iso_offset_plots.csv", "--symbol", "BTC",
          "--timeframe", "1h", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["source_tz_used"], false) << r.out;
  EXPECT_NE(report["notes"][0].get<std::string>().find("time zone: none used"), std::string::npos) << r.out;
}

TEST_F(ZoneTest, BarsInClosedHoursThatFitAnotherZoneAreRefusedNamingIt) {
  CommandResult r = Bl({"import", UtcNyseFile(), "--symbol", "ES", "--timeframe", "1m", "--calendar", "NYSE"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_NE(r.err.find("outside the NYSE sessions"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--tz UTC"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(vault_ + "/lake/ES"));
  r = Bl({"import", UtcNyseFile(), "--symbol", "ES", "--timeframe", "1m", "--calendar", "NYSE", "--tz", "UTC",
          "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["rows_added"], 780) << r.out;
}

TEST_F(ZoneTest, SameFileWithAnotherZoneIsRefusedNamingTheEarlierJob) {
  const std::string file = UtcNyseFile();
  CommandResult r = Bl({"import", file, "--symbol", "ES", "--timeframe", "1m", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int64_t first_job = nlohmann::json::parse(r.out)["job"];
  r = Bl({"import", file, "--symbol", "ES", "--timeframe", "1m", "--tz", "UTC"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_EQ(r.out.find("Nothing changed"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("by job " + std::to_string(first_job) + " with --tz America/Los_Angeles"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--tz UTC"), std::string::npos) << r.err;
  // The same options again are still an idempotent skip.
  r = Bl({"import", file, "--symbol", "ES", "--timeframe", "1m"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Nothing changed"), std::string::npos) << r.out;
}

// ---- validation rules ----

TEST_F(FidelityTest, FlatCloseSeriesIsNotSpikesButALoneHighPrintIs) {
  // An illiquid quote: close never moves, every bar's range is ~8% around it.
  std::string text;
  for (int m = 0; m < 120; ++m) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "20240105 %02d%02d00", 10 + (m + 1) / 60, (m + 1) % 60);
    const double high = m == 60 ? 30 : (m % 2 ? 10.8 : 10.9);
    text += testutil::NtLine(stamp, 10, high, m % 2 ? 9.3 : 9.2, 10, 1) + "\n";
  }
  const std::string file = dir_.Sub("flat.txt");
  ASSERT_TRUE(testutil::WriteText(file, text).ok());
  CommandResult r = Bl({"import", file, "--symbol", "ILQ", "--timeframe", "1m", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["rows_rejected"], 1) << r.out;
  EXPECT_EQ(report["rejected_by_rule"]["bad_tick"], 1) << r.out;
  EXPECT_EQ(report["rejections"][0]["field"], "high") << r.out;
}

TEST_F(FidelityTest, ImplausibleStampsAndVolumesAreARule) {
  std::string text = "19691231 235900;10;10;10;10;1\n";
  for (int m = 0; m < 400; ++m) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "20240105 %02d%02d00", 10 + (m + 1) / 60, (m + 1) % 60);
    text += testutil::NtLine(stamp, 10, 10.01, 9.99, 10, m == 200 ? 5e16 : 3) + "\n";
  }
  text += "20990105 100000;10;10;10;10;1\n";
  const std::string file = dir_.Sub("implausible.txt");
  ASSERT_TRUE(testutil::WriteText(file, text).ok());
  CommandResult r = Bl({"import", file, "--symbol", "X", "--timeframe", "1m", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["rejected_by_rule"]["implausible"], 3) << r.out;
  EXPECT_EQ(report["rows_added"], 399) << r.out;
  const std::string all = report["rejections"].dump();
  EXPECT_NE(all.find("before 1970"), std::string::npos) << all;
  EXPECT_NE(all.find("in the future"), std::string::npos) << all;
  EXPECT_NE(all.find("above 1e15"), std::string::npos) << all;
}

// ---- vault paths ----

TEST_F(FidelityTest, VaultPathWithGlobCharactersWorksInQuery) {
  vault_ = dir_.Sub("data[2024]/b*rs?");
  std::filesystem::create_directories(std::filesystem::path(vault_).parent_path());
  ASSERT_EQ(RunBarlake({"init", vault_, "--source-tz", "UTC"}).exit_code, 0);
  ASSERT_EQ(Bl({"import", Fixture("nt_bom_semicolon.txt"), "--symbol", "ES", "--timeframe", "1m"}).exit_code, 0);
  CommandResult r = Bl({"query", "SELECT count(*) AS n FROM bars", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("3"), std::string::npos) << r.out;
  EXPECT_NE(Read("ES", "1m").find("2024-01-05T14:30:00"), std::string::npos);
  r = Bl({"health", "--json"});
  EXPECT_NE(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.find("No files found"), std::string::npos) << r.err;
}

// ---- leftovers ----

TEST_F(FidelityTest, FailedImportLeavesNoSourceCopy) {
  ASSERT_EQ(Bl({"import", Fixture("nt_bom_semicolon.txt"), "--symbol", "ES", "--timeframe", "1m"}).exit_code, 0);
  const std::string sources = vault_ + "/.barlake/sources";
  auto count = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(sources)) n += e.is_regular_file();
    return n;
  };
  ASSERT_EQ(count(), 1);
  // The same bars with other prices: refused after the copy was kept.
  const std::string other = dir_.Sub("other.txt");
  ASSERT_TRUE(testutil::WriteText(other, "20240105 143100;4900;4901;4899;4900;12\n"
                                         "20240105 143200;4900;4902;4900;4901;8\n")
                  .ok());
  CommandResult r = Bl({"import", other, "--symbol", "ES", "--timeframe", "1m", "--on-conflict", "fail"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_EQ(count(), 1);
  // A file refused before anything was kept leaves nothing either.
  r = Bl({"import", Fixture("nt_cut_short.txt"), "--symbol", "ES", "--timeframe", "1m"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(count(), 1);
}

// ---- read-only vaults ----

TEST_F(FidelityTest, EveryReadingCommandWorksOnAReadOnlyVault) {
  if (::geteuid() == 0 && !std::filesystem::exists("/usr/bin/setpriv")) GTEST_SKIP() << "needs setpriv as root";
  ASSERT_EQ(Bl({"import", Fixture("nt_bom_semicolon.txt"), "--symbol", "ES", "--timeframe", "1m", "--calendar",
                "CME_Globex"})
                .exit_code,
            0);
  // A copy with no write permission anywhere, readable by everyone.
  const std::string shared = dir_.Sub("share");
  std::filesystem::create_directories(shared);
  const std::string ro = shared + "/vault";
  std::filesystem::copy(vault_, ro, std::filesystem::copy_options::recursive);
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
  std::filesystem::permissions(shared, std::filesystem::perms(0777));  // for the .err files
  ASSERT_EQ(std::system(("chmod -R a-w,a+rX '" + ro + "'").c_str()), 0);
  const std::vector<std::vector<std::string>> commands = {
      {"status"},         {"read", "ES", "1m"},      {"query", "SELECT count(*) FROM bars"},
      {"jobs"},           {"jobs", "show", "1"},     {"verify"},
      {"health"},         {"quarantine", "list"},    {"stats", "ES", "1m"},
      {"calendars"},      {"gaps", "ES", "1m"}};
  for (const auto& c : commands) {
    CommandResult r = testutil::RunBarlakeReadOnly(ro, c);
    std::string name;
    for (const auto& a : c) name += a + " ";
    EXPECT_TRUE(r.exit_code == 0 || (c[0] == "health" && r.exit_code == 9)) << name << "exit " << r.exit_code
                                                                             << ": " << r.err;
    EXPECT_EQ(r.err.find("readonly"), std::string::npos) << name << r.err;
  }
  EXPECT_NE(testutil::RunBarlakeReadOnly(ro, {"read", "ES", "1m"}).out.find("2024-01-05T14:30:00"), std::string::npos);
  // Writing is refused with an I/O error, not a crash.
  CommandResult w = testutil::RunBarlakeReadOnly(ro, {"import", Fixture("nt_bom_tab_crlf.txt"), "--symbol", "NQ", "--timeframe", "1m"});
  EXPECT_NE(w.exit_code, 0);
  EXPECT_NE(w.exit_code, 1) << w.err;
  std::system(("chmod -R u+w '" + ro + "'").c_str());
}

}  // namespace
}  // namespace barlake
