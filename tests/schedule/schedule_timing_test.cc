// The due logic of schedules on a simulated clock (schedule/timing.h), and the [[schedule]]
// and [[alert]] tables of barlake.toml (registry/schedule_config.h).
#include <gtest/gtest.h>

#include "core/time_util.h"
#include "registry/registry.h"
#include "schedule/timing.h"
#include "testutil/status_matchers.h"

namespace barlake::schedule {
namespace {

using registry::Registry;
using registry::ScheduleSpec;

Micros T(const char* iso) { return *ParseIsoUtc(iso); }

Registry Parse(const std::string& text) {
  auto r = Registry::Parse(text, "barlake.toml");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Registry();
}

std::string ParseError(const std::string& text) {
  auto r = Registry::Parse(text, "barlake.toml");
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidInput) << r.status().ToString();
  return r.status().message();
}

TEST(ScheduleTimingTest, EverySlotsAlignToTheClock) {
  Registry reg = Parse("[[schedule]]\nname = \"five\"\naction = \"update\"\nevery = \"5m\"\n");
  const ScheduleSpec& s = reg.schedules().at(0);
  EXPECT_EQ(s.every_seconds, 300);
  EXPECT_EQ(s.WhenText(), "every 5m");
  ASSERT_OK_AND_ASSIGN(auto prev, PreviousSlot(s, reg.calendars(), T("2024-03-04T10:07:30Z")));
  EXPECT_EQ(*prev, T("2024-03-04T10:05:00Z"));
  ASSERT_OK_AND_ASSIGN(auto next, NextSlot(s, reg.calendars(), T("2024-03-04T10:07:30Z")));
  EXPECT_EQ(*next, T("2024-03-04T10:10:00Z"));
  // Exactly on a slot: that slot is the previous one, the next is 5 minutes on.
  ASSERT_OK_AND_ASSIGN(next, NextSlot(s, reg.calendars(), T("2024-03-04T10:10:00Z")));
  EXPECT_EQ(*next, T("2024-03-04T10:15:00Z"));
}

TEST(ScheduleTimingTest, NeverRunIsDueAtOnceThenOncePerSlot) {
  Registry reg = Parse("[[schedule]]\nname = \"five\"\naction = \"update\"\nevery = \"5m\"\n");
  const ScheduleSpec& s = reg.schedules().at(0);
  ASSERT_OK_AND_ASSIGN(auto due, DueSlot(s, reg.calendars(), T("2024-03-04T10:07:30Z"), 0));
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due, T("2024-03-04T10:05:00Z"));
  // Ran that slot: not due again until 10:10.
  ASSERT_OK_AND_ASSIGN(due, DueSlot(s, reg.calendars(), T("2024-03-04T10:09:59Z"), *due));
  EXPECT_FALSE(due.has_value());
  ASSERT_OK_AND_ASSIGN(due, DueSlot(s, reg.calendars(), T("2024-03-04T10:10:00Z"), T("2024-03-04T10:05:00Z")));
  EXPECT_EQ(due.value_or(0), T("2024-03-04T10:10:00Z"));
}

TEST(ScheduleTimingTest, AMissedRunAfterDowntimeIsMadeUpOnce) {
  Registry reg = Parse("[[schedule]]\nname = \"five\"\naction = \"update\"\nevery = \"5m\"\n");
  const ScheduleSpec& s = reg.schedules().at(0);
  // Down from 10:05 to 13:02: 35 slots passed; only the latest one is due, once.
  Micros last = T("2024-03-04T10:05:00Z");
  ASSERT_OK_AND_ASSIGN(auto due, DueSlot(s, reg.calendars(), T("2024-03-04T13:02:00Z"), last));
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due, T("2024-03-04T13:00:00Z"));
  last = *due;
  ASSERT_OK_AND_ASSIGN(due, DueSlot(s, reg.calendars(), T("2024-03-04T13:04:59Z"), last));
  EXPECT_FALSE(due.has_value());
}

TEST(ScheduleTimingTest, DailyAtFollowsTheZoneAcrossDst) {
  Registry reg = Parse(
      "[[schedule]]\nname = \"close\"\naction = \"health\"\nat = \"18:10\"\ntz = \"America/New_York\"\n");
  const ScheduleSpec& s = reg.schedules().at(0);
  // 2024-03-08 (EST, -5) and 2024-03-11 (EDT, -4), around the switch on 2024-03-10.
  ASSERT_OK_AND_ASSIGN(auto next, NextSlot(s, reg.calendars(), T("2024-03-08T12:00:00Z")));
  EXPECT_EQ(*next, T("2024-03-08T23:10:00Z"));
  ASSERT_OK_AND_ASSIGN(next, NextSlot(s, reg.calendars(), T("2024-03-11T12:00:00Z")));
  EXPECT_EQ(*next, T("2024-03-11T22:10:00Z"));
  ASSERT_OK_AND_ASSIGN(auto prev, PreviousSlot(s, reg.calendars(), T("2024-03-11T12:00:00Z")));
  EXPECT_EQ(*prev, T("2024-03-10T22:10:00Z"));
}

TEST(ScheduleTimingTest, DaysAndCalendarSkipWeekendsAndHolidays) {
  Registry reg = Parse(R"([[schedule]]
name = "after-close"
action = "update"
at = "18:10"
tz = "America/New_York"
calendar = "CME_Globex"

[[schedule]]
name = "weekdays"
action = "health"
at = "07:00"
tz = "UTC"
days = ["mon", "wed"]
)");
  const ScheduleSpec& cme = reg.schedules().at(0);
  EXPECT_EQ(cme.WhenText(), "at 18:10 America/New_York on CME_Globex trade dates");
  // Friday 2024-03-08 evening: the next trade date is Monday 2024-03-11 (no weekend runs).
  ASSERT_OK_AND_ASSIGN(auto next, NextSlot(cme, reg.calendars(), T("2024-03-09T00:00:00Z")));
  EXPECT_EQ(*next, T("2024-03-11T22:10:00Z"));
  // Christmas 2024 (a Wednesday) is a CME holiday: from the 24th's run, the next is the 26th.
  ASSERT_OK_AND_ASSIGN(next, NextSlot(cme, reg.calendars(), T("2024-12-25T00:00:00Z")));
  EXPECT_EQ(*next, T("2024-12-26T23:10:00Z"));
  // Downtime over a weekend: on Monday morning, Friday's run is the one made up.
  ASSERT_OK_AND_ASSIGN(auto due, DueSlot(cme, reg.calendars(), T("2024-03-11T12:00:00Z"), T("2024-03-07T23:10:00Z")));
  EXPECT_EQ(due.value_or(0), T("2024-03-08T23:10:00Z"));

  const ScheduleSpec& wk = reg.schedules().at(1);
  EXPECT_EQ(wk.WhenText(), "at 07:00 UTC mon,wed");
  ASSERT_OK_AND_ASSIGN(next, NextSlot(wk, reg.calendars(), T("2024-03-05T08:00:00Z")));  // a Tuesday
  EXPECT_EQ(*next, T("2024-03-06T07:00:00Z"));
  ASSERT_OK_AND_ASSIGN(auto prev, PreviousSlot(wk, reg.calendars(), T("2024-03-05T08:00:00Z")));
  EXPECT_EQ(*prev, T("2024-03-04T07:00:00Z"));
}

TEST(ScheduleConfigTest, SchedulesAlertsAndLiveParse) {
  Registry reg = Parse(R"([[dataset]]
symbol = "ES"
timeframe = "1m"
live = true

[[schedule]]
name = "es"
action = "backup"
every = "1h"
datasets = ["ES 1m"]

[[alert]]
on = ["job_failed", "provider_down"]
webhook = "http://127.0.0.1:9/hook"
min_interval = "10m"
)");
  EXPECT_TRUE(reg.Find("ES", "1m")->live);
  ASSERT_EQ(reg.schedules().size(), 1u);
  EXPECT_EQ(reg.schedules()[0].action, "backup");
  EXPECT_EQ(reg.schedules()[0].datasets, (std::vector<std::string>{"ES 1m"}));
  ASSERT_EQ(reg.alerts().size(), 1u);
  EXPECT_EQ(reg.alerts()[0].on, (std::vector<std::string>{"job_failed", "provider_down"}));
  EXPECT_EQ(reg.alerts()[0].min_interval_seconds, 600);
}

TEST(ScheduleConfigTest, ErrorsNameFileLineAndField) {
  EXPECT_EQ(ParseError("\n[[schedule]]\nname = \"x\"\naction = \"update\"\nevery = \"5 minutes\"\n"),
            "barlake.toml:2 [[schedule]] x 'every': duration '5 minutes' must be a whole number and one unit: "
            "30s, 5m, 1h or 2d");
  EXPECT_EQ(ParseError("[[schedule]]\nname = \"x\"\naction = \"sync\"\nevery = \"5m\"\n"),
            "barlake.toml:1 [[schedule]] x: action 'sync' must be one of update, regenerate, health, backup, gc");
  EXPECT_EQ(ParseError("[[schedule]]\nname = \"x\"\naction = \"update\"\n"),
            "barlake.toml:1 [[schedule]] x: give either every = \"5m\" or at = \"18:10\" (exactly one)");
  EXPECT_EQ(ParseError("[[schedule]]\nname = \"x\"\naction = \"update\"\nat = \"25:00\"\n"),
            "barlake.toml:1 [[schedule]] x 'at': '25:00' must be a time of day \"HH:MM\" (00:00-23:59)");
  EXPECT_NE(ParseError("[[schedule]]\nname = \"x\"\naction = \"update\"\nat = \"18:00\"\ntz = \"Mars/Base\"\n")
                .find("barlake.toml:1 [[schedule]] x 'tz': "),
            std::string::npos);
  EXPECT_EQ(ParseError("[[schedule]]\nname = \"x\"\naction = \"update\"\nat = \"18:00\"\ndays = [\"monday\"]\n"),
            "barlake.toml:1 [[schedule]] x 'days': 'monday' must be one of sun, mon, tue, wed, thu, fri, sat");
  EXPECT_NE(ParseError("[[schedule]]\nname = \"x\"\naction = \"update\"\nat = \"18:00\"\ncalendar = \"LSE\"\n")
                .find("barlake.toml:1 [[schedule]] x 'calendar': unknown calendar 'LSE'; known: "),
            std::string::npos);
  EXPECT_EQ(ParseError("[[schedule]]\nname = \"x\"\naction = \"update\"\nevery = \"5m\"\ndatasets = [\"NQ 1m\"]\n"),
            "barlake.toml:1 [[schedule]] x 'datasets': 'NQ 1m' is not a declared dataset; declare it with "
            "[[dataset]] or fix the name");
  EXPECT_EQ(ParseError("[[schedule]]\nname = \"x\"\naction = \"update\"\nevery = \"5m\"\ntz = \"UTC\"\n"),
            "barlake.toml:5: [[schedule]] x: 'tz' goes with at = \"HH:MM\", not with every");
  EXPECT_EQ(ParseError("[[schedule]]\nname = \"x\"\naction = \"update\"\nevery = \"5m\"\nevry = 1\n"),
            "barlake.toml:5: unknown key 'evry' in [[schedule]]; known keys: name, action, datasets, every, at, tz, "
            "days, calendar");
  EXPECT_EQ(ParseError("[[schedule]]\nname = \"x\"\naction = \"update\"\nevery = \"5m\"\n"
                       "[[schedule]]\nname = \"x\"\naction = \"health\"\nevery = \"1h\"\n"),
            "barlake.toml:5: [[schedule]] x is declared twice (also at barlake.toml:1); names must be unique");
  EXPECT_EQ(ParseError("[[alert]]\non = [\"disk_full\"]\nwebhook = \"http://127.0.0.1/\"\n"),
            "barlake.toml:1 [[alert]] 'on': event 'disk_full' must be one of job_failed, health_failed, stale, "
            "quarantine, provider_down");
  EXPECT_EQ(ParseError("[[alert]]\non = \"stale\"\nwebhook = \"ftp://x\"\n"),
            "barlake.toml:1 [[alert]] 'webhook': the URL must start with http:// or https://");
  EXPECT_EQ(ParseError("[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"1m\"\nlive = \"yes\"\n"),
            "barlake.toml:4: 'live' must be true or false");
  EXPECT_EQ(ParseError("[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"1m\"\n[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"5m\"\n"
                       "method = \"resample\"\ninputs = [\"ES 1m\"]\nlive = true\n"),
            "barlake.toml [[dataset]] ES 5m: live = true is for bars downloaded from a provider; a derived dataset is "
            "rebuilt from its inputs (remove the key)");
}

}  // namespace
}  // namespace barlake::schedule
