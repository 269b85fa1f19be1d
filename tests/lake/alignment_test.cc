#include "lake/alignment.h"

#include "lake/lake_test_util.h"

namespace barlake::lake {

class AlignmentTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    all_ = testutil::NtMinutes("20240115 000100", 600, 100);  // 10 hours, UTC close stamps
    auto lake = OpenLake();
    ASSERT_OK(lake->Import(Req(WriteSource("stored.txt", all_))).status());
    // The same bars again, from 02:00 on: a second export of the same market.
    later_ = WriteSource("later.txt", all_.substr(all_.find("20240115 020100")));
  }
  std::string all_, later_;
};

TEST_F(AlignmentTest, WrongZoneIsNamedAndNothingIsImported) {
  auto lake = OpenLake();
  const auto before = testutil::Snapshot(LakeDir());
  ImportRequest r = Req(later_);
  r.tz = "Europe/Berlin";  // the file is really in UTC
  auto res = lake->Import(r);
  ASSERT_RAISES(kConflict, res);
  const std::string& m = res.status().message();
  EXPECT_NE(m.find("runs 1 hour behind the stored bars"), std::string::npos) << m;
  EXPECT_NE(m.find("look like UTC, not Europe/Berlin; run again with --tz UTC"), std::string::npos) << m;
  EXPECT_EQ(testutil::Snapshot(LakeDir()), before);
  // The suggested fix works, and agrees with every stored bar.
  r.tz = "UTC";
  ASSERT_OK_AND_ASSIGN(ImportResult ok, lake->Import(r));
  EXPECT_TRUE(ok.alignment_checked);
  EXPECT_EQ(ok.rows_identical, 480);
  EXPECT_EQ(ok.job.rows_conflicting, 0);
}

TEST_F(AlignmentTest, OpenVersusCloseStampingIsNamed) {
  auto lake = OpenLake();
  ImportRequest r = Req(later_);
  r.tz = "UTC";
  r.stamp = "open";
  auto res = lake->Import(r);
  ASSERT_RAISES(kConflict, res);
  EXPECT_NE(res.status().message().find("run again with --stamp close"), std::string::npos) << res.status().message();
  // --no-alignment-check merges anyway (the user says the stored bars are the wrong ones).
  r.skip_alignment_check = true;
  r.on_conflict = ConflictPolicy::kKeep;
  ASSERT_OK(lake->Import(r).status());
}

TEST_F(AlignmentTest, NoOverlapMeansNothingToCheck) {
  auto lake = OpenLake();
  ImportRequest r = Req(WriteSource("next_day.txt", testutil::NtMinutes("20240116 000100", 60, 100)));
  r.tz = "Asia/Tokyo";
  ASSERT_OK_AND_ASSIGN(ImportResult res, lake->Import(r));
  EXPECT_FALSE(res.alignment_checked);
}

TEST(CheckAlignmentTest, UnrelatedDisagreementNamesNoShift) {
  BarColumns a, b;
  for (int i = 0; i < 100; ++i) {
    for (BarColumns* x : {&a, &b}) {
      x->ts.push_back(i * 60 * kMicrosPerSecond);
      x->volume.push_back(1);
    }
    for (auto* col : {&a.open, &a.high, &a.low, &a.close}) col->push_back(100 + i);
    for (auto* col : {&b.open, &b.high, &b.low, &b.close}) col->push_back(200 + (i * 37) % 11);
  }
  AlignmentResult r = CheckAlignment(a, b, Timeframe::Parse("1m").value(), "UTC", "f");
  EXPECT_TRUE(r.checked);
  EXPECT_EQ(r.agreeing, 0);
  EXPECT_EQ(r.shift_seconds, 0);
  EXPECT_TRUE(r.message.empty());
}

}  // namespace barlake::lake
