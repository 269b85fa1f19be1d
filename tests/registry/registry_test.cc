#include "registry/registry.h"

#include <gtest/gtest.h>

#include "testutil/status_matchers.h"
#include "testutil/temp_dir.h"

namespace barlake::registry {

TEST(RegistryTest, SerializeParseRoundTrip) {
  Registry r;
  r.settings().name = "desk \"A\"";
  r.settings().display_tz = "Europe/London";
  DatasetSpec es;
  es.symbol = "ES";
  es.timeframe = "1m";
  es.source_tz = "America/Chicago";
  es.format = "ninjatrader";
  es.description = "E-mini S&P";
  es.owner = "ana";
  es.calendar = "CME_Globex";
  es.outside_session = "quarantine";
  r.Upsert(es);
  DatasetSpec cl{.symbol = "CL", .timeframe = "1d", .category = "pipeline"};
  r.Upsert(cl);
  ASSERT_OK_AND_ASSIGN(Registry back, Registry::Parse(r.Serialize(), "barlake.toml"));
  EXPECT_EQ(back.settings().name, "desk \"A\"");
  EXPECT_EQ(back.settings().display_tz, "Europe/London");
  ASSERT_EQ(back.datasets().size(), 2u);
  const DatasetSpec* e = back.Find("ES", "1m");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->source_tz, "America/Chicago");
  EXPECT_EQ(e->owner, "ana");
  EXPECT_EQ(e->calendar, "CME_Globex");
  EXPECT_EQ(e->outside_session, "quarantine");
  EXPECT_EQ(back.Find("CL", "1d")->calendar, "");
  EXPECT_EQ(back.Find("CL", "1d")->outside_session, "keep");
  EXPECT_EQ(back.Find("CL", "1d")->category, "pipeline");
  EXPECT_EQ(back.SourceTzFor("ES", "1m"), "America/Chicago");
  EXPECT_EQ(back.SourceTzFor("CL", "1d"), "America/Los_Angeles");  // vault default
}

TEST(RegistryTest, ErrorsNameFileAndLine) {
  auto r = Registry::Parse("[vault]\ndisplay_tz = \"America/New_York\"\n\n[[dataset]]\nsymbol = \"ES\"\n"
                           "timeframe = \"7m\"\n",
                           "v/barlake.toml");
  ASSERT_RAISES(kInvalidInput, r);
  EXPECT_NE(r.status().message().find("v/barlake.toml:4"), std::string::npos) << r.status().message();
  auto bad_tz = Registry::Parse("[vault]\ndisplay_tz = \"Nowhere/City\"\n", "b.toml");
  EXPECT_FALSE(bad_tz.ok());
  auto syntax = Registry::Parse("[vault\nname=1", "c.toml");
  ASSERT_RAISES(kInvalidInput, syntax);
  EXPECT_NE(syntax.status().message().find("c.toml:1"), std::string::npos) << syntax.status().message();
  auto category = Registry::Parse("[[dataset]]\nsymbol=\"ES\"\ntimeframe=\"1m\"\ncategory=\"gold\"\n", "d.toml");
  ASSERT_RAISES(kInvalidInput, category);
  auto dup = Registry::Parse("[[dataset]]\nsymbol=\"ES\"\ntimeframe=\"1m\"\n[[dataset]]\nsymbol=\"ES\"\ntimeframe=\"1m\"\n",
                             "e.toml");
  ASSERT_RAISES(kInvalidInput, dup);
  auto unknown = Registry::Parse("[[dataset]]\nsymbol=\"ES\"\ntimeframe=\"1m\"\nsource_zt=\"UTC\"\n", "g.toml");
  ASSERT_RAISES(kInvalidInput, unknown);
  EXPECT_NE(unknown.status().message().find("g.toml:4: unknown key 'source_zt'"), std::string::npos)
      << unknown.status().message();
  auto type = Registry::Parse("[vault]\nname = 5\n", "f.toml");
  ASSERT_RAISES(kInvalidInput, type);
  EXPECT_NE(type.status().message().find("f.toml:2"), std::string::npos);
}

TEST(RegistryTest, AppendDatasetKeepsTheUsersTextAndComments) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("barlake.toml");
  const std::string original = "# my desk's data\n[vault]\nname = \"desk\"  # keep me\n";
  ASSERT_OK(WriteFileAtomic(Env::Default(), path, original));
  DatasetSpec es{.symbol = "ES", .timeframe = "1m", .source_tz = "UTC"};
  ASSERT_OK_AND_ASSIGN(Registry r, Registry::AppendDataset(Env::Default(), path, es));
  ASSERT_NE(r.Find("ES", "1m"), nullptr);
  ASSERT_OK_AND_ASSIGN(std::string text, Env::Default()->ReadFile(path));
  EXPECT_EQ(text.substr(0, original.size()), original);
  EXPECT_NE(text.find("[[dataset]]\nsymbol = \"ES\""), std::string::npos) << text;
}

TEST(RegistryTest, CalendarTablesExtendAndDerive) {
  const std::string text =
      "[[calendar]]\n"
      "name = \"CME_Globex\"\n"
      "extra_holidays = [\"2031-01-02\"]\n"
      "extra_early_closes = { \"2031-11-28\" = \"13:00\" }\n"
      "\n"
      "[[calendar]]\n"
      "name = \"NYSE_desk\"\n"
      "base = \"NYSE\"\n"
      "close = \"15:00\"\n"
      "\n"
      "[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"1m\"\ncalendar = \"CME_Globex\"\n"
      "[[dataset]]\nsymbol = \"SPY\"\ntimeframe = \"1m\"\ncalendar = \"NYSE_desk\"\n"
      "outside_session = \"quarantine\"\n";
  ASSERT_OK_AND_ASSIGN(Registry r, Registry::Parse(text, "v/barlake.toml"));
  EXPECT_EQ(r.Find("ES", "1m")->calendar, "CME_Globex");
  EXPECT_EQ(r.Find("ES", "1m")->outside_session, "keep");
  EXPECT_EQ(r.Find("SPY", "1m")->outside_session, "quarantine");
  const calendar::Calendar* cme = r.calendars().Find("CME_Globex");
  ASSERT_NE(cme, nullptr);
  const int32_t holiday = static_cast<int32_t>(DaysFromCivil(2031, 1, 2));
  ASSERT_OK_AND_ASSIGN(auto sessions, cme->SessionsBetween(holiday * kMicrosPerDay, (holiday + 1) * kMicrosPerDay));
  for (const auto& s : sessions) EXPECT_NE(s.trade_date, holiday);
  EXPECT_NE(cme->source.find("v/barlake.toml:1"), std::string::npos) << cme->source;
  const calendar::Calendar* desk = r.calendars().Find("NYSE_desk");
  ASSERT_NE(desk, nullptr);
  EXPECT_EQ(desk->week.close_minutes, 15 * 60);
  // The built-in set is not changed by one registry's additions.
  ASSERT_OK_AND_ASSIGN(auto builtin, calendar::CalendarSet::BuiltIn().Find("CME_Globex")->SessionsBetween(
                                         holiday * kMicrosPerDay, (holiday + 1) * kMicrosPerDay));
  EXPECT_FALSE(builtin.empty());
}

TEST(RegistryTest, CalendarErrorsNameFileLineAndKey) {
  auto unknown = Registry::Parse("[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"1m\"\ncalendar = \"CME\"\n", "a.toml");
  ASSERT_RAISES(kInvalidInput, unknown);
  EXPECT_NE(unknown.status().message().find("unknown calendar 'CME'; known: CME_Globex"), std::string::npos)
      << unknown.status().message();
  auto bad_date = Registry::Parse("[[calendar]]\nname = \"NYSE\"\nextra_holidays = [\"2031-02-30\"]\n", "b.toml");
  ASSERT_RAISES(kInvalidInput, bad_date);
  EXPECT_NE(bad_date.status().message().find("b.toml:3"), std::string::npos) << bad_date.status().message();
  EXPECT_NE(bad_date.status().message().find("extra_holidays"), std::string::npos);
  auto bad_time = Registry::Parse("[[calendar]]\nname = \"NYSE\"\n\nextra_early_closes = { \"2031-11-28\" = \"1pm\" }\n",
                                  "c.toml");
  ASSERT_RAISES(kInvalidInput, bad_time);
  EXPECT_NE(bad_time.status().message().find("c.toml:4"), std::string::npos) << bad_time.status().message();
  auto new_without_base = Registry::Parse("[[calendar]]\nname = \"Mine\"\n", "d.toml");
  ASSERT_RAISES(kInvalidInput, new_without_base);
  EXPECT_NE(new_without_base.status().message().find("set base"), std::string::npos);
  auto bad_key = Registry::Parse("[[calendar]]\nname = \"NYSE\"\nholidays = []\n", "e.toml");
  ASSERT_RAISES(kInvalidInput, bad_key);
  EXPECT_NE(bad_key.status().message().find("e.toml:3: unknown key 'holidays'"), std::string::npos);
  auto bad_rule = Registry::Parse("[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"1m\"\noutside_session = \"drop\"\n",
                                  "f.toml");
  ASSERT_RAISES(kInvalidInput, bad_rule);
}

TEST(RegistryTest, SetDatasetValuesEditsOnlyThatLine) {
  testutil::TempDir dir;
  const std::string path = dir.Sub("barlake.toml");
  const std::string original =
      "# my desk's data\n[vault]\nname = \"desk\"  # keep me\n\n"
      "[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"1m\"  # front month\n\n"
      "# NQ is the Nasdaq future\n[[dataset]]\nsymbol = \"NQ\"\ntimeframe = \"1m\"\n"
      "calendar = \"NYSE\"  # wrong, fixed below\n";
  ASSERT_OK(WriteFileAtomic(Env::Default(), path, original));
  ASSERT_OK_AND_ASSIGN(Registry r, Registry::SetDatasetValues(Env::Default(), path, "ES", "1m",
                                                              {{"calendar", "CME_Globex"}}));
  EXPECT_EQ(r.Find("ES", "1m")->calendar, "CME_Globex");
  ASSERT_OK_AND_ASSIGN(std::string text, Env::Default()->ReadFile(path));
  EXPECT_EQ(text,
            "# my desk's data\n[vault]\nname = \"desk\"  # keep me\n\n"
            "[[dataset]]\nsymbol = \"ES\"\ntimeframe = \"1m\"  # front month\ncalendar = \"CME_Globex\"\n\n"
            "# NQ is the Nasdaq future\n[[dataset]]\nsymbol = \"NQ\"\ntimeframe = \"1m\"\n"
            "calendar = \"NYSE\"  # wrong, fixed below\n");
  ASSERT_OK_AND_ASSIGN(r, Registry::SetDatasetValues(Env::Default(), path, "NQ", "1m",
                                                     {{"calendar", "CME_Globex"}, {"outside_session", "quarantine"}}));
  ASSERT_OK_AND_ASSIGN(text, Env::Default()->ReadFile(path));
  EXPECT_NE(text.find("calendar = \"CME_Globex\"  # wrong, fixed below\noutside_session = \"quarantine\"\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(r.Find("NQ", "1m")->outside_session, "quarantine");
  // An unknown calendar is refused and the file is left alone.
  ASSERT_RAISES(kInvalidInput, Registry::SetDatasetValues(Env::Default(), path, "ES", "1m", {{"calendar", "LSE"}}));
  ASSERT_OK_AND_ASSIGN(std::string after, Env::Default()->ReadFile(path));
  EXPECT_EQ(after, text);
  ASSERT_RAISES(kNotFound, Registry::SetDatasetValues(Env::Default(), path, "CL", "1m", {{"calendar", "NYSE"}}));
}

TEST(DatasetNameTest, IsTwoWordsSeparatedByOneSpace) {
  ASSERT_OK_AND_ASSIGN(DatasetName n, ParseDatasetName("ES 4h"));
  EXPECT_EQ(n.symbol, "ES");
  EXPECT_EQ(n.timeframe, "4h");
  EXPECT_EQ(n.text(), "ES 4h");
  for (const char* bad : {"ES", "ES  4h", " ES 4h", "ES 4h ", "ES 4h x", ""}) {
    auto r = ParseDatasetName(bad);
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_NE(r.status().message().find("\"SYMBOL TF\""), std::string::npos) << r.status().message();
  }
}

}  // namespace barlake::registry
