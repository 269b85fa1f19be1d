#include "calendar/calendar.h"

#include <gtest/gtest.h>

#include <chrono>

#include "testutil/status_matchers.h"

namespace barlake::calendar {
namespace {

int32_t D(const char* text) {
  auto d = ParseDate(text);
  EXPECT_TRUE(d.ok()) << text;
  return d.ok() ? *d : 0;
}

Micros At(const char* iso) {
  auto t = ParseIsoUtc(iso);
  EXPECT_TRUE(t.ok()) << iso;
  return t.ok() ? *t : 0;
}

const Calendar& Cal(const char* name) {
  const Calendar* c = CalendarSet::BuiltIn().Find(name);
  EXPECT_NE(c, nullptr) << name;
  return *c;
}

// The session whose trade date is `date`, if any (searched over that date +- 2 days).
std::optional<Session> SessionOn(const Calendar& c, const char* date) {
  const int32_t d = D(date);
  auto list = c.SessionsBetween((d - 2) * kMicrosPerDay, (d + 3) * kMicrosPerDay);
  EXPECT_TRUE(list.ok()) << list.status().ToString();
  for (const Session& s : *list) {
    if (s.trade_date == d) return s;
  }
  return std::nullopt;
}

TEST(CalendarRulesTest, EasterAndObservance) {
  DayRule good_friday{.name = "gf", .kind = RuleKind::kEaster, .offset_days = -2};
  EXPECT_EQ(FormatDate(*good_friday.DateIn(2024)), "2024-03-29");
  EXPECT_EQ(FormatDate(*good_friday.DateIn(2000)), "2000-04-21");
  EXPECT_EQ(FormatDate(*good_friday.DateIn(2030)), "2030-04-19");
  DayRule ny{.name = "ny", .kind = RuleKind::kFixed, .month = 1, .day = 1,
             .observance = Observance::kSundayToMonday};
  EXPECT_FALSE(ny.DateIn(2022).has_value());                 // Saturday: not observed
  EXPECT_EQ(FormatDate(*ny.DateIn(2023)), "2023-01-02");     // Sunday -> Monday
  DayRule memorial{.name = "m", .kind = RuleKind::kLastWeekday, .month = 5, .weekday = 1};
  EXPECT_EQ(FormatDate(*memorial.DateIn(2024)), "2024-05-27");
  DayRule thanksgiving{.name = "t", .kind = RuleKind::kNthWeekday, .month = 11, .weekday = 4, .nth = 4};
  EXPECT_EQ(FormatDate(*thanksgiving.DateIn(2023)), "2023-11-23");
}

TEST(CalendarParseTest, DatesAndTimes) {
  EXPECT_EQ(FormatDate(D("2031-01-01")), "2031-01-01");
  ASSERT_RAISES(kInvalidArgument, ParseDate("2023-02-30"));
  ASSERT_RAISES(kInvalidArgument, ParseDate("2023/01/01"));
  ASSERT_OK_AND_ASSIGN(int m, ParseMinutes("13:15"));
  EXPECT_EQ(m, 13 * 60 + 15);
  ASSERT_RAISES(kInvalidArgument, ParseMinutes("25:00"));
  ASSERT_RAISES(kInvalidArgument, ParseMinutes("1pm"));
}

TEST(NyseTest, RegularDayAcrossDst) {
  const Calendar& nyse = Cal("NYSE");
  auto winter = SessionOn(nyse, "2024-01-16");
  ASSERT_TRUE(winter);
  EXPECT_EQ(winter->open, At("2024-01-16T14:30:00Z"));
  EXPECT_EQ(winter->close, At("2024-01-16T21:00:00Z"));
  auto summer = SessionOn(nyse, "2024-07-16");
  ASSERT_TRUE(summer);
  EXPECT_EQ(summer->open, At("2024-07-16T13:30:00Z"));
  EXPECT_FALSE(summer->early_close);
  EXPECT_FALSE(SessionOn(nyse, "2024-07-13"));  // Saturday
}

TEST(NyseTest, ThanksgivingFridayEarlyClose) {
  const Calendar& nyse = Cal("NYSE");
  EXPECT_FALSE(SessionOn(nyse, "2023-11-23"));  // Thanksgiving
  auto friday = SessionOn(nyse, "2023-11-24");
  ASSERT_TRUE(friday);
  EXPECT_TRUE(friday->early_close);
  EXPECT_EQ(friday->close, At("2023-11-24T18:00:00Z"));  // 13:00 EST
}

TEST(NyseTest, July3) {
  const Calendar& nyse = Cal("NYSE");
  auto wed2019 = SessionOn(nyse, "2019-07-03");
  ASSERT_TRUE(wed2019);
  EXPECT_TRUE(wed2019->early_close);
  EXPECT_EQ(wed2019->close, At("2019-07-03T17:00:00Z"));  // 13:00 EDT
  auto mon2023 = SessionOn(nyse, "2023-07-03");
  ASSERT_TRUE(mon2023);
  EXPECT_TRUE(mon2023->early_close);
  EXPECT_FALSE(SessionOn(nyse, "2020-07-03"));  // July 4 on Saturday: Friday July 3 is the holiday
  auto fri2021 = SessionOn(nyse, "2021-07-02");  // July 4 Sunday -> Monday July 5 closed
  ASSERT_TRUE(fri2021);
  EXPECT_FALSE(fri2021->early_close);
  EXPECT_FALSE(SessionOn(nyse, "2021-07-05"));
  auto wed2012 = SessionOn(nyse, "2012-07-03");  // Tuesday 2012: early close
  ASSERT_TRUE(wed2012);
  EXPECT_TRUE(wed2012->early_close);
  auto wed2007 = SessionOn(nyse, "2007-07-03");  // Tuesday too
  ASSERT_TRUE(wed2007);
  EXPECT_TRUE(wed2007->early_close);
  auto wed2002 = SessionOn(nyse, "2002-07-03");  // Wednesday before 2013: full day
  ASSERT_TRUE(wed2002);
  EXPECT_FALSE(wed2002->early_close);
}

TEST(NyseTest, GoodFridayAndChristmasOnWeekends) {
  const Calendar& nyse = Cal("NYSE");
  EXPECT_FALSE(SessionOn(nyse, "2024-03-29"));  // Good Friday
  EXPECT_TRUE(SessionOn(nyse, "2024-03-28"));
  EXPECT_FALSE(SessionOn(nyse, "2022-12-26"));  // Christmas Sunday -> Monday
  auto eve2022 = SessionOn(nyse, "2022-12-23");
  ASSERT_TRUE(eve2022);
  EXPECT_FALSE(eve2022->early_close);
  EXPECT_FALSE(SessionOn(nyse, "2021-12-24"));  // Christmas Saturday -> Friday
  auto eve2024 = SessionOn(nyse, "2024-12-24");
  ASSERT_TRUE(eve2024);
  EXPECT_TRUE(eve2024->early_close);
  // New Year's Day 2022 is a Saturday: NYSE does not close on Friday 2021-12-31.
  auto nye2021 = SessionOn(nyse, "2021-12-31");
  ASSERT_TRUE(nye2021);
  EXPECT_FALSE(nye2021->early_close);
  EXPECT_FALSE(SessionOn(nyse, "2023-01-02"));  // New Year Sunday -> Monday
}

TEST(NyseTest, JuneteenthAndOneOffClosures) {
  const Calendar& nyse = Cal("NYSE");
  EXPECT_TRUE(SessionOn(nyse, "2021-06-18"));   // before the rule: open
  EXPECT_FALSE(SessionOn(nyse, "2022-06-20"));  // 2022-06-19 Sunday -> Monday
  EXPECT_FALSE(SessionOn(nyse, "2023-06-19"));
  for (const char* d : {"2001-09-11", "2001-09-14", "2004-06-11", "2007-01-02", "2012-10-29", "2012-10-30",
                        "2018-12-05", "2025-01-09"}) {
    EXPECT_FALSE(SessionOn(nyse, d)) << d;
  }
  EXPECT_TRUE(SessionOn(nyse, "2001-09-17"));
  EXPECT_TRUE(SessionOn(nyse, "2012-10-31"));
}

TEST(NyseTest, HolidayCountsPerYear) {
  // Trade dates per year: 252 give or take; a missing rule or a doubled closure shows here.
  const Calendar& nyse = Cal("NYSE");
  // 2001: September 11 (4 days); 2004: Reagan, Dec 24 for a Saturday Christmas, Dec 31
  // open (New Year's Day 2005 on a Saturday); 2007: Ford; 2012: Sandy (2 days).
  const std::map<int, size_t> expected = {{2001, 248}, {2004, 252}, {2007, 251}, {2012, 250}, {2019, 252}, {2020, 253}, {2021, 252}, {2022, 251}, {2023, 250},
                                          {2024, 252}};
  for (const auto& [year, n] : expected) {
    ASSERT_OK_AND_ASSIGN(SessionList s, nyse.SessionsBetween(DaysFromCivil(year, 1, 1) * kMicrosPerDay,
                                                             DaysFromCivil(year + 1, 1, 1) * kMicrosPerDay));
    EXPECT_EQ(s.size(), n) << year;
  }
}

// The NYSE's published schedules for 2025 and 2026, date by date.
TEST(NyseTest, PublishedHolidaysAndEarlyCloses2025And2026) {
  const Calendar& nyse = Cal("NYSE");
  auto list = [&](int year, bool closed) {
    std::vector<std::string> out;
    for (const SpecialDay& d : nyse.SpecialDaysBetween(static_cast<int32_t>(DaysFromCivil(year, 1, 1)),
                                                       static_cast<int32_t>(DaysFromCivil(year, 12, 31)))) {
      const int wd = WeekdayOf(d.date);
      if (wd == 0 || wd == 6 || (d.close_minutes < 0) != closed) continue;
      out.push_back(FormatDate(d.date));
    }
    return out;
  };
  EXPECT_EQ(list(2025, true),
            (std::vector<std::string>{"2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18",
                                      "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27",
                                      "2025-12-25"}));
  EXPECT_EQ(list(2025, false), (std::vector<std::string>{"2025-07-03", "2025-11-28", "2025-12-24"}));
  EXPECT_EQ(list(2026, true),
            (std::vector<std::string>{"2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25",
                                      "2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"}));
  EXPECT_EQ(list(2026, false), (std::vector<std::string>{"2026-11-27", "2026-12-24"}));
}

TEST(NyseTest, ExtendedHours) {
  const Calendar& ext = Cal("NYSE_extended");
  auto day = SessionOn(ext, "2024-01-16");
  ASSERT_TRUE(day);
  EXPECT_EQ(day->open, At("2024-01-16T09:00:00Z"));   // 04:00 EST
  EXPECT_EQ(day->close, At("2024-01-17T01:00:00Z"));  // 20:00 EST
  EXPECT_FALSE(SessionOn(ext, "2024-03-29"));
}

TEST(CmeGlobexTest, SundayOpenAndDstWeek) {
  const Calendar& cme = Cal("CME_Globex");
  // US DST began 2024-03-10 (Sunday 02:00). The Monday 03-11 session opens Sunday 18:00 EDT.
  auto monday = SessionOn(cme, "2024-03-11");
  ASSERT_TRUE(monday);
  EXPECT_EQ(monday->open, At("2024-03-10T22:00:00Z"));
  EXPECT_EQ(monday->close, At("2024-03-11T21:00:00Z"));
  // The week before, winter time: opens Sunday 18:00 EST = 23:00 UTC.
  auto winter = SessionOn(cme, "2024-03-04");
  ASSERT_TRUE(winter);
  EXPECT_EQ(winter->open, At("2024-03-03T23:00:00Z"));
  EXPECT_EQ(winter->close, At("2024-03-04T22:00:00Z"));
  // Daily break: 17:00-18:00 New York is outside every session.
  EXPECT_FALSE(cme.InSession(At("2024-03-11T21:30:00Z")));
  EXPECT_TRUE(cme.InSession(At("2024-03-11T22:00:00Z")));
  EXPECT_FALSE(cme.InSession(At("2024-03-09T12:00:00Z")));  // Saturday
  EXPECT_FALSE(SessionOn(cme, "2024-03-09"));
  EXPECT_FALSE(SessionOn(cme, "2024-03-10"));
  ASSERT_OK_AND_ASSIGN(int32_t td, cme.TradeDateOf(At("2024-03-10T23:00:00Z")));  // Sunday evening
  EXPECT_EQ(FormatDate(td), "2024-03-11");
  ASSERT_OK_AND_ASSIGN(td, cme.TradeDateOf(At("2024-03-09T12:00:00Z")));  // Saturday: the next one
  EXPECT_EQ(FormatDate(td), "2024-03-11");
}

TEST(CmeGlobexTest, HolidayHaltsAndClosures) {
  const Calendar& cme = Cal("CME_Globex");
  auto thanksgiving = SessionOn(cme, "2023-11-23");
  ASSERT_TRUE(thanksgiving);
  EXPECT_TRUE(thanksgiving->early_close);
  EXPECT_EQ(thanksgiving->close, At("2023-11-23T18:00:00Z"));  // halt 13:00 EST
  auto friday = SessionOn(cme, "2023-11-24");
  ASSERT_TRUE(friday);
  EXPECT_EQ(friday->open, At("2023-11-23T23:00:00Z"));  // reopens 18:00 as usual
  EXPECT_TRUE(friday->early_close);
  EXPECT_EQ(friday->close, At("2023-11-24T18:15:00Z"));
  // Christmas 2024 (Wednesday): no session; the 26th opens on the 25th at 18:00.
  EXPECT_FALSE(SessionOn(cme, "2024-12-25"));
  auto eve = SessionOn(cme, "2024-12-24");
  ASSERT_TRUE(eve);
  EXPECT_TRUE(eve->early_close);
  auto after = SessionOn(cme, "2024-12-26");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->open, At("2024-12-25T23:00:00Z"));
  EXPECT_FALSE(SessionOn(cme, "2024-03-29"));  // Good Friday
  EXPECT_FALSE(SessionOn(cme, "2024-01-01"));  // New Year's Day
  auto mlk = SessionOn(cme, "2024-01-15");
  ASSERT_TRUE(mlk);
  EXPECT_TRUE(mlk->early_close);
  EXPECT_FALSE(cme.InSession(At("2024-01-15T19:00:00Z")));  // 14:00 EST, halted
}

TEST(FxTest, SundayToFriday) {
  const Calendar& fx = Cal("FX");
  auto monday = SessionOn(fx, "2024-01-15");
  ASSERT_TRUE(monday);
  EXPECT_EQ(monday->open, At("2024-01-14T22:00:00Z"));  // Sunday 17:00 EST
  EXPECT_EQ(monday->close, At("2024-01-15T22:00:00Z"));
  auto next = SessionOn(fx, "2024-01-16");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->open, monday->close);  // no daily break
  EXPECT_FALSE(fx.InSession(At("2024-01-13T12:00:00Z")));  // Saturday
  EXPECT_FALSE(fx.InSession(At("2024-01-12T22:30:00Z")));  // Friday after 17:00
  EXPECT_TRUE(fx.InSession(At("2024-01-12T21:30:00Z")));
}

TEST(CryptoTest, EveryUtcDay) {
  const Calendar& c = Cal("Crypto");
  ASSERT_OK_AND_ASSIGN(SessionList s, c.SessionsBetween(At("2024-01-01T00:00:00Z"), At("2025-01-01T00:00:00Z")));
  EXPECT_EQ(s.size(), 366u);
  EXPECT_EQ(s.front().open, At("2024-01-01T00:00:00Z"));
  EXPECT_EQ(s.front().close, At("2024-01-02T00:00:00Z"));
  EXPECT_TRUE(c.InSession(At("2024-12-25T03:00:00Z")));
}

TEST(CalendarTest, SessionsAreSortedAndDisjointOverTwentyYears) {
  for (const Calendar& c : CalendarSet::BuiltIn().all()) {
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_OK_AND_ASSIGN(SessionList s, c.SessionsBetween(At("2005-01-01T00:00:00Z"), At("2025-01-01T00:00:00Z")));
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s: %zu sessions over 20 years in %.2f ms\n", c.name.c_str(), s.size(), ms);
    ASSERT_GT(s.size(), 4900u) << c.name;
    for (size_t i = 0; i < s.size(); ++i) {
      ASSERT_LT(s[i].open, s[i].close) << c.name << " " << i;
      if (i > 0) {
        ASSERT_LE(s[i - 1].close, s[i].open) << c.name << " " << FormatDate(s[i].trade_date);
      }
    }
    EXPECT_LT(ms, 200) << c.name;  // "a few ms"; generous for a loaded machine
  }
}

TEST(CalendarTest, HoursText) {
  EXPECT_EQ(Cal("CME_Globex").HoursText(), "Sun-Thu 18:00 to Mon-Fri 17:00 America/New_York");
  EXPECT_EQ(Cal("NYSE").HoursText(), "Mon-Fri 09:30-16:00 America/New_York");
  EXPECT_EQ(Cal("Crypto").HoursText(), "every day 00:00-24:00 UTC");
}

TEST(CalendarSetTest, ExtendAndDerive) {
  CalendarSet set = CalendarSet::BuiltIn();
  CalendarExtension ext;
  ext.name = "CME_Globex";
  ext.source = "barlake.toml:9";
  ext.extra_holidays = {D("2031-01-02")};
  ext.extra_early_closes = {{D("2031-11-28"), 13 * 60}};
  ASSERT_OK(set.Extend(ext));
  const Calendar* cme = set.Find("CME_Globex");
  EXPECT_FALSE(SessionOn(*cme, "2031-01-02"));
  auto fri = SessionOn(*cme, "2031-11-28");
  ASSERT_TRUE(fri);
  EXPECT_EQ(fri->close, At("2031-11-28T18:00:00Z"));
  EXPECT_NE(cme->source.find("barlake.toml:9"), std::string::npos);
  // The built-in set is untouched.
  EXPECT_TRUE(SessionOn(Cal("CME_Globex"), "2031-01-02"));

  CalendarExtension derived;
  derived.name = "CBOT_grains";
  derived.base = "CME_Globex";
  derived.open_minutes = 20 * 60;
  derived.close_minutes = 14 * 60 + 20;
  ASSERT_OK(set.Extend(derived));
  auto g = SessionOn(*set.Find("CBOT_grains"), "2024-01-16");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->open, At("2024-01-16T01:00:00Z"));
  CalendarExtension bad;
  bad.name = "Nowhere";
  ASSERT_RAISES(kInvalidArgument, set.Extend(bad));
  bad.base = "Nope";
  ASSERT_RAISES(kInvalidArgument, set.Extend(bad));
}

}  // namespace
}  // namespace barlake::calendar
