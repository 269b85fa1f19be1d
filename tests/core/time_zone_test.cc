#include "core/time_zone.h"

#include <gtest/gtest.h>

#include <limits>

#include "testutil/status_matchers.h"

namespace barlake {
namespace {

constexpr Micros kNone = std::numeric_limits<Micros>::min();

Micros Local(const char* iso) { return ParseIsoUtc(iso).value(); }  // naive wall clock
std::string Utc(Micros t) { return FormatIsoUtc(t); }

}  // namespace

TEST(TimeZoneTest, UnknownZoneIsAnError) {
  ASSERT_RAISES(kInvalidArgument, TimeZone::Locate("Mars/Olympus_Mons"));
}

TEST(TimeZoneTest, ConvertsWinterAndSummerTimes) {
  ASSERT_OK_AND_ASSIGN(TimeZone la, TimeZone::Locate("America/Los_Angeles"));
  TimeZone::LocalKind kind;
  EXPECT_EQ(Utc(la.LocalToUtc(Local("2024-01-15T06:31:00"), kNone, &kind)), "2024-01-15T14:31:00Z");
  EXPECT_EQ(kind, TimeZone::LocalKind::kUnique);
  EXPECT_EQ(Utc(la.LocalToUtc(Local("2024-07-15T06:31:00"), kNone, &kind)), "2024-07-15T13:31:00Z");
  // The conversion cache must not leak one period's offset into the next.
  EXPECT_EQ(Utc(la.LocalToUtc(Local("2024-01-16T06:31:00"), kNone, &kind)), "2024-01-16T14:31:00Z");
}

TEST(TimeZoneTest, SpringForwardGapUsesOffsetBeforeTheGap) {
  // 2024-03-10 02:00 PST -> 03:00 PDT in Los Angeles; 02:30 does not exist.
  ASSERT_OK_AND_ASSIGN(TimeZone la, TimeZone::Locate("America/Los_Angeles"));
  TimeZone::LocalKind kind;
  const Micros t = la.LocalToUtc(Local("2024-03-10T02:30:00"), kNone, &kind);
  EXPECT_EQ(kind, TimeZone::LocalKind::kNonexistent);
  EXPECT_EQ(Utc(t), "2024-03-10T10:30:00Z");  // 02:30 PST == 03:30 PDT
  // Neighbours on each side stay distinct and ordered.
  const Micros before = la.LocalToUtc(Local("2024-03-10T01:59:00"), kNone, &kind);
  const Micros after = la.LocalToUtc(Local("2024-03-10T03:31:00"), kNone, &kind);
  EXPECT_LT(before, t);
  EXPECT_LT(t, after);
}

TEST(TimeZoneTest, FallBackHourKeepsBothOccurrencesInFileOrder) {
  // 2024-11-03 02:00 PDT -> 01:00 PST: 01:00-01:59 happens twice.
  ASSERT_OK_AND_ASSIGN(TimeZone la, TimeZone::Locate("America/Los_Angeles"));
  TimeZone::LocalKind kind;
  Micros prev = la.LocalToUtc(Local("2024-11-03T00:59:00"), kNone, &kind);
  const Micros first = la.LocalToUtc(Local("2024-11-03T01:30:00"), prev, &kind);
  EXPECT_EQ(kind, TimeZone::LocalKind::kAmbiguous);
  EXPECT_EQ(Utc(first), "2024-11-03T08:30:00Z");  // PDT, the earlier instant
  prev = la.LocalToUtc(Local("2024-11-03T01:59:00"), first, &kind);
  EXPECT_EQ(Utc(prev), "2024-11-03T08:59:00Z");
  // The clock goes back: the file's next 01:30 is the later (PST) instant.
  const Micros second = la.LocalToUtc(Local("2024-11-03T01:30:00"), prev, &kind);
  EXPECT_EQ(kind, TimeZone::LocalKind::kAmbiguous);
  EXPECT_EQ(Utc(second), "2024-11-03T09:30:00Z");
  EXPECT_EQ(Utc(la.LocalToUtc(Local("2024-11-03T02:00:00"), second, &kind)), "2024-11-03T10:00:00Z");
}

TEST(TimeZoneTest, FormatsLocalTimesWithOffsets) {
  ASSERT_OK_AND_ASSIGN(TimeZone ny, TimeZone::Locate("America/New_York"));
  EXPECT_EQ(ny.FormatLocal(Local("2024-01-15T14:30:00")), "2024-01-15T09:30:00-05:00");
  EXPECT_EQ(ny.FormatLocal(Local("2024-07-15T13:30:00")), "2024-07-15T09:30:00-04:00");
  ASSERT_OK_AND_ASSIGN(TimeZone kolkata, TimeZone::Locate("Asia/Kolkata"));
  EXPECT_EQ(kolkata.FormatLocal(Local("2024-01-15T00:00:00")), "2024-01-15T05:30:00+05:30");
}

}  // namespace barlake
