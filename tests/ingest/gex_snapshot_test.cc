// GexBot snapshot JSON (gex-json): every quirk of SOURCES.md section 7 reproduced in our
// own fixtures under tests/data/gex, and every malformed input named by its JSON path.
#include "ingest/gex_snapshot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "testutil/status_matchers.h"

namespace barlake::ingest {
namespace {

std::string Fixture(const std::string& name) {
  const std::string path = std::string(BARLAKE_TEST_DATA_DIR) + "/gex/" + name;
  EXPECT_TRUE(std::filesystem::exists(path)) << path;
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A valid one-strike record with `field` replaced by `value` (raw JSON), for error tests.
std::string Record(const std::string& strikes = "[[100, 1.5, 0, [1, 2, 3, 4, 5]]]",
                   const std::string& max_priors = "[[100, 1], [100, 2], [101, 3], [101, 4], [99, 5], [98, 6]]",
                   const std::string& timestamp = "1771966800") {
  return "{\"timestamp\": " + timestamp +
         ", \"ticker\": \"SPX\", \"min_dte\": 0, \"sec_min_dte\": 1, \"spot\": 100.5, "
         "\"zero_gamma\": 0, \"major_pos_vol\": 101, \"major_pos_oi\": 0, \"major_neg_vol\": 99, "
         "\"major_neg_oi\": 0, \"strikes\": " +
         strikes + ", \"sum_gex_vol\": 1.5, \"sum_gex_oi\": 0, \"delta_risk_reversal\": 0, \"max_priors\": " +
         max_priors + "}";
}

std::string ErrorOf(std::string_view data, const std::string& label = "f.json") {
  auto r = ParseGexSnapshots(data, label);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidInput) << r.status().ToString();
  return r.status().message();
}

TEST(GexSnapshotTest, ParsesTheApiResponseWithItsStaleStampAndSentinelZeros) {
  ASSERT_OK_AND_ASSIGN(auto p, ParseGexSnapshots(Fixture("SPX_2026-02-25_rt.json"), "SPX_2026-02-25_rt.json"));
  ASSERT_EQ(p.snapshots.size(), 1u);
  const GexSnapshot& s = p.snapshots[0];
  // 1771966800 is the previous day's close, whatever the file name says; kept as stamped.
  EXPECT_EQ(FormatIsoUtc(s.ts), "2026-02-24T21:00:00Z");
  EXPECT_EQ(s.ticker, "SPX");
  EXPECT_DOUBLE_EQ(s.scalar("spot"), 6891.04);
  EXPECT_DOUBLE_EQ(s.scalar("major_pos_vol"), 6880);
  EXPECT_DOUBLE_EQ(s.scalar("sum_gex_vol"), -398.044);
  EXPECT_DOUBLE_EQ(s.scalar("sec_min_dte"), 1);
  // Sentinel zeros ("not available") are kept exactly as the source wrote them.
  for (const char* f : kGexZeroMeansMissingScalars) EXPECT_EQ(s.scalar(f), 0.0) << f;
  // Irregular spacing (6710 -> 6720) and all-zero strikes are kept as they are.
  ASSERT_EQ(s.strikes.size(), 7u);
  EXPECT_EQ(s.strikes[2].strike, 6710);
  EXPECT_EQ(s.strikes[3].strike, 6720);
  EXPECT_EQ(s.strikes[0].gex_vol, 0);
  EXPECT_EQ(s.strikes[6].prior_gex_vol, (std::array<double, 5>{0, 0, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(s.strikes[3].gex_vol, -4.35);
  EXPECT_EQ(s.strikes[3].prior_gex_vol, (std::array<double, 5>{-4.35, -4.36, -4.33, -3.01, -3.1}));
  EXPECT_DOUBLE_EQ(s.max_priors[2][0], 6890);
  EXPECT_DOUBLE_EQ(s.max_priors[2][1], -260.086);
  EXPECT_EQ(p.strikes_read, 7);
  // The file name's date differs from the stamp: the report says so.
  ASSERT_EQ(p.notes.size(), 1u);
  EXPECT_NE(p.notes[0].find("the file name says 2026-02-25 but the snapshot is stamped 2026-02-24T21:00:00Z"),
            std::string::npos)
      << p.notes[0];
}

TEST(GexSnapshotTest, StrikeSpacingMayChangeWithinASnapshot) {
  ASSERT_OK_AND_ASSIGN(auto p, ParseGexSnapshots(Fixture("SPY_2026-02-25_pre.json"), "SPY_2026-02-25_pre.json"));
  ASSERT_EQ(p.snapshots.size(), 1u);
  std::vector<double> strikes;
  for (const auto& k : p.snapshots[0].strikes) strikes.push_back(k.strike);
  EXPECT_EQ(strikes, (std::vector<double>{684, 685, 686, 690, 695}));  // by 1, then by 5
}

TEST(GexSnapshotTest, JsonLinesAndArraysHoldSeveralSnapshots) {
  ASSERT_OK_AND_ASSIGN(auto p, ParseGexSnapshots(Fixture("ndx_history.jsonl"), "ndx_history.jsonl"));
  ASSERT_EQ(p.snapshots.size(), 2u);
  EXPECT_EQ(p.snapshots[0].where, "line 1");
  EXPECT_EQ(FormatIsoUtc(p.snapshots[1].ts), "2026-03-02T21:00:00Z");
  EXPECT_DOUBLE_EQ(p.snapshots[1].scalar("zero_gamma"), 21005.5);
  ASSERT_OK_AND_ASSIGN(auto a, ParseGexSnapshots("[" + Record() + ",\n" + Record() + "]", "a.json"));
  ASSERT_EQ(a.snapshots.size(), 2u);
  EXPECT_EQ(a.snapshots[1].where, "[1]");
}

TEST(GexSnapshotTest, MillisecondStampsAndUnsortedStrikesAreNoted) {
  ASSERT_OK_AND_ASSIGN(auto p, ParseGexSnapshots(Record("[[101, 1, 0, [0, 0, 0, 0, 0]], [100, 2, 0, [0, 0, 0, 0, 0]]]",
                                                        "[[1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1]]",
                                                        "1771966800000"),
                                                 "x.json"));
  EXPECT_EQ(FormatIsoUtc(p.snapshots[0].ts), "2026-02-24T21:00:00Z");
  EXPECT_EQ(p.snapshots[0].strikes[0].strike, 100);
  EXPECT_EQ(p.snapshots[0].strikes[0].gex_vol, 2);
  ASSERT_EQ(p.notes.size(), 2u);
  EXPECT_EQ(p.notes[0], "timestamps are epoch milliseconds");
  EXPECT_EQ(p.notes[1], "strikes were not in ascending order: sorted");
}

TEST(GexSnapshotTest, NegativeZeroIsZero) {
  // Python writes round(-0.004, 2) as -0.0; it is stored as 0 (Parquet would turn it into 0
  // in a dictionary-encoded column anyway, so keeping the sign could not be honoured).
  ASSERT_OK_AND_ASSIGN(auto p, ParseGexSnapshots(Record("[[100, -0.0, 0, [-0.0, 1, 2, 3, 4]]]"), "z.json"));
  EXPECT_FALSE(std::signbit(p.snapshots[0].strikes[0].gex_vol));
  EXPECT_FALSE(std::signbit(p.snapshots[0].strikes[0].prior_gex_vol[0]));
}

TEST(GexSnapshotTest, MalformedInputNamesTheFileAndTheJsonPath) {
  EXPECT_NE(ErrorOf("{\"timestamp\": 17719", "bad.json").find("bad.json: not valid JSON"), std::string::npos);
  EXPECT_EQ(ErrorOf(Record("[[100, 1.5, 0, [1, 2, \"x\", 4, 5]]]")),
            "f.json: strikes[0][3][2]: expected a number, found a string");
  EXPECT_EQ(ErrorOf(Record("[[100, 1, 0, [1, 2, 3, 4, 5]], [105, null, 0, [1, 2, 3, 4, 5]]]")),
            "f.json: strikes[1][1]: expected a number, found null");
  EXPECT_EQ(ErrorOf(Record("[[100, 1.5, 0, [1, 2, 3, 4]]]")),
            "f.json: strikes[0][3]: expected 5 prior gex_vol values, found 4");
  EXPECT_EQ(ErrorOf(Record("[[100, 1.5, 0]]")),
            "f.json: strikes[0]: expected [strike, gex_vol, gex_oi, [priors]], found an array of 3");
  EXPECT_EQ(ErrorOf(Record("[]")), "f.json: strikes: is empty: a snapshot without strikes cannot be stored");
  EXPECT_EQ(ErrorOf(Record("[[100, 1, 0, [0, 0, 0, 0, 0]], [100, 2, 0, [0, 0, 0, 0, 0]]]")),
            "f.json: strikes[1][0]: strike 100 is listed twice (also strikes[0])");
  EXPECT_EQ(ErrorOf(Record("[[100, 1, 0, [0, 0, 0, 0, 0]]]", "[[1, 1]]")),
            "f.json: max_priors: expected 6 [strike, value] pairs, found 1");
  EXPECT_EQ(ErrorOf(Record("[[100, 1, 0, [0, 0, 0, 0, 0]]]", "[[1, 1], [1, 1], [1], [1, 1], [1, 1], [1, 1]]")),
            "f.json: max_priors[2]: expected a [strike, value] pair, found an array of 1");
  EXPECT_EQ(ErrorOf(Record("[[100, 1, 0, [0, 0, 0, 0, 0]]]", "[[1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1]]", "12")),
            "f.json: timestamp: value 12 is not a time in epoch seconds between 1990 and 2100");
  std::string no_spot = Record();
  no_spot.replace(no_spot.find("\"spot\": 100.5, "), 15, "");
  EXPECT_EQ(ErrorOf(no_spot), "f.json: spot: is missing");
  EXPECT_EQ(ErrorOf("[" + Record() + ", " + Record("{}") + "]"), "f.json: [1].strikes: expected an array, found an object");
  EXPECT_EQ(ErrorOf(Record() + "\n" + Record("[[1, 2, 3, [4, 5, 6, 7, true]]]") + "\n"),
            "f.json:2: strikes[0][3][4]: expected a number, found a boolean");
  EXPECT_EQ(ErrorOf("[]"), "f.json: the array holds no snapshots");
  EXPECT_EQ(ErrorOf("42"), "f.json: expected a snapshot object, found a number");
}

TEST(GexSnapshotTest, DetectionTellsSnapshotsFromBarJson) {
  EXPECT_GT(DetectGexSnapshot(Fixture("SPX_2026-02-25_rt.json")), 0);
  EXPECT_GT(DetectGexSnapshot(Fixture("ndx_history.jsonl")), 0);
  EXPECT_EQ(DetectGexSnapshot("{\"chart\": {\"result\": [{\"timestamp\": [1, 2]}]}}"), 0);
  EXPECT_EQ(DetectGexSnapshot("Date;Open\n"), 0);
}

TEST(GexSnapshotTest, RealFilesParseWithTheirDocumentedStrikeCounts) {
  const std::string dir = std::string(BARLAKE_SHARED_DIR) + "/realdata/gex_json";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "../shared/realdata is not present";
  // SOURCES.md section 7.
  for (auto [file, strikes] : {std::pair{"SPX_2026-02-25_rt.json", 96}, std::pair{"NDX_2026-02-25_rt.json", 99},
                               std::pair{"SPY_2026-02-25_pre.json", 97}}) {
    std::ifstream f(dir + "/" + file, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    ASSERT_OK_AND_ASSIGN(auto p, ParseGexSnapshots(ss.str(), file));
    ASSERT_EQ(p.snapshots.size(), 1u) << file;
    EXPECT_EQ(p.strikes_read, strikes) << file;
    EXPECT_EQ(FormatIsoUtc(p.snapshots[0].ts), "2026-02-24T21:00:00Z") << file;
    EXPECT_EQ(p.snapshots[0].scalar("zero_gamma"), 0) << file;
    EXPECT_GT(DetectGexSnapshot(ss.str()), 0) << file;
  }
}

}  // namespace
}  // namespace barlake::ingest
