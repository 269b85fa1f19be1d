#include "ingest/delimited.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "testutil/status_matchers.h"

namespace barlake::ingest {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
std::string Fixture(const std::string& name) {
  return ReadFile(std::string(BARLAKE_TEST_DATA_DIR) + "/csv/" + name);
}

bool HasNote(const ParsedBars& p, const std::string& text) {
  for (const auto& n : p.notes) {
    if (n.find(text) != std::string::npos) return true;
  }
  return false;
}
std::string Notes(const ParsedBars& p) {
  std::string s;
  for (const auto& n : p.notes) s += "\n  " + n;
  return s;
}

// The best of the delimited formats plus NinjaTrader's score (AllFormats() is wired up by
// the registry, outside these files).
std::string Best(const std::string& data, const std::string& file_name, int* score = nullptr) {
  const BarFormat* formats[] = {MetaTraderFormat(), TradingViewFormat(), FirstRateFormat(),
                                DelimitedCsvFormat()};
  std::string best = "none";
  int top = 0;
  for (const BarFormat* f : formats) {
    const Detection d = f->Detect(data, file_name);
    EXPECT_FALSE(d.why.empty()) << f->name();
    if (d.score > top) {
      top = d.score;
      best = std::string(f->name());
    }
  }
  if (score) *score = top;
  return best;
}

class DelimitedTest : public ::testing::Test {
 protected:
  Result<ParsedBars> Parse(const BarFormat* format, const std::string& text, const std::string& tz = "UTC",
                           const std::string& tf = "1m", const std::string& stamp = "",
                           const std::string& columns = "") {
    zone_ = TimeZone::Locate(tz).value();
    ParseOptions o{Timeframe::Parse(tf).value(), &*zone_, "file.csv"};
    o.stamp = stamp;
    o.columns = columns;
    return format->Parse(text, o);
  }
  std::optional<TimeZone> zone_;
};

}  // namespace

TEST_F(DelimitedTest, TradingViewIsoOffsetWithPlotsAndNonAsciiNames) {
  const std::string data = Fixture("tradingview_iso_offset_plots.csv");
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(TradingViewFormat(), data, "America/Los_Angeles", "1h"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-01-21T14:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2024-01-21T16:00:00Z");
  EXPECT_EQ(p.bars.open[0], 41859.52);
  EXPECT_EQ(p.bars.close[1], 41656.28);
  EXPECT_EQ(p.bars.volume[0], 630.51659);          // Volume is the last column
  EXPECT_EQ(p.bars.volume[2], 4714.125619288);     // the live bar's long volume
  EXPECT_EQ(p.line, (std::vector<uint32_t>{2, 3, 4}));
  EXPECT_TRUE(HasNote(p, "stamps carry the UTC offset +09:00")) << Notes(p);
  EXPECT_TRUE(HasNote(p, "5 extra columns ignored: Plot, Plot, Plot, A\xe7\xbb\x84" "1, A\xe7\xbb\x84" "2")) << Notes(p);
  EXPECT_TRUE(HasNote(p, "volume='Volume'")) << Notes(p);
  int score;
  EXPECT_EQ(Best(data, "BINANCE_BTCUSDT, 60.csv", &score), "tradingview");
  EXPECT_EQ(score, 85);
  EXPECT_EQ(DelimitedCsvFormat()->Detect(data, "x.csv").score, 50);
}

TEST_F(DelimitedTest, TradingViewEpochSecondsDailyWithoutVolumeOrFinalNewline) {
  const std::string data = Fixture("tradingview_epoch_daily_no_volume.csv");
  ASSERT_NE(data.back(), '\n');  // no final newline
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(TradingViewFormat(), data, "America/New_York", "1d"));
  ASSERT_EQ(p.bars.size(), 3u);
  // Stamped 13:30 / 14:30 UTC (the session open); daily bars keep the date.
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-10-10T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2024-11-04T00:00:00Z");
  EXPECT_EQ(p.bars.close[2], 222.01);
  EXPECT_EQ(p.bars.volume[0], 0);
  EXPECT_TRUE(HasNote(p, "no volume column: volume is 0")) << Notes(p);
  EXPECT_TRUE(HasNote(p, "stamps are epoch seconds (told apart by magnitude)")) << Notes(p);
  // The date is the exchange's (no calendar given here: UTC), never the source zone's.
  EXPECT_TRUE(HasNote(p, "epoch stamps take their date in UTC (no calendar)")) << Notes(p);
  EXPECT_EQ(TradingViewFormat()->Detect(data, "").why,
            "header starts 'time,open,high,low,close' and times are epoch seconds (TradingView chart export)");
  // Read as intraday, the stamps are the instants themselves.
  ASSERT_OK_AND_ASSIGN(ParsedBars q, Parse(TradingViewFormat(), data, "UTC", "1h"));
  EXPECT_EQ(FormatIsoUtc(q.bars.ts[0]), "2024-10-10T13:30:00Z");
  EXPECT_EQ(FormatIsoUtc(q.bars.ts[2]), "2024-11-04T14:30:00Z");
}

TEST_F(DelimitedTest, DateOnlyStampsNeedADailyTimeframe) {
  const std::string data = Fixture("tradingview_date_daily.csv");
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(TradingViewFormat(), data, "UTC", "1d"));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2022-09-25T00:00:00Z");
  EXPECT_EQ(p.bars.volume[1], 191191.4492);
  EXPECT_TRUE(HasNote(p, "stamps are dates (daily bars)")) << Notes(p);
  EXPECT_EQ(Best(data, ""), "tradingview");
  auto r = Parse(TradingViewFormat(), data, "UTC", "1m");
  ASSERT_RAISES(kInvalidInput, r);
  EXPECT_EQ(r.status().message(),
            "file.csv:2: field 'time': the file has date-only stamps (daily bars) but the timeframe "
            "is 1m; pass --timeframe 1d");
}

TEST_F(DelimitedTest, EmptyVolumeFieldsAreZeroAndCounted) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(TradingViewFormat(), Fixture("tradingview_empty_volume.csv")));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-03-11T13:30:00Z");
  EXPECT_EQ(p.bars.volume, (std::vector<double>{0, 0, 57}));
  EXPECT_TRUE(HasNote(p, "2 rows have an empty volume, read as 0")) << Notes(p);
  EXPECT_TRUE(HasNote(p, "1 extra column ignored: VWAP")) << Notes(p);
}

TEST_F(DelimitedTest, BrokenHeaderNameAndNegativeOffset) {
  const std::string data = Fixture("tradingview_broken_name_minus4.csv");
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(TradingViewFormat(), data));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-04-01T13:30:00Z");
  EXPECT_EQ(p.bars.volume[1], 95);
  EXPECT_TRUE(HasNote(p, "extra columns ignored: PlotCandle (High, Low), VWAP")) << Notes(p);
  EXPECT_EQ(Best(data, ""), "tradingview");
}

TEST_F(DelimitedTest, OffsetsThatChangeInsideTheFile) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(DelimitedCsvFormat(), Fixture("iso_offset_changes_at_dst.csv"),
                                           "Asia/Tokyo"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-11-03T04:59:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2024-11-03T05:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2024-11-03T06:00:00Z");  // the repeated 01:00, EST
  EXPECT_TRUE(HasNote(p, "stamps carry UTC offsets -05:00, -04:00 (the offset changes inside the file"))
      << Notes(p);
}

TEST_F(DelimitedTest, MetaTraderBrokerTimeCrlfNoHeader) {
  const std::string data = Fixture("metatrader_m1_crlf.csv");
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(MetaTraderFormat(), data, "Europe/Athens"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2020-01-29T23:25:00Z");  // GMT+2 broker time
  EXPECT_EQ(p.bars.open[0], 1.1016);
  EXPECT_EQ(p.bars.close[1], 1.10165);
  EXPECT_EQ(p.bars.volume[2], 17);
  EXPECT_TRUE(HasNote(p, "no header (columns by position)")) << Notes(p);
  EXPECT_TRUE(HasNote(p, "stamps have no UTC offset; read as Europe/Athens")) << Notes(p);
  int score;
  EXPECT_EQ(Best(data, "EURUSD1.csv", &score), "metatrader");
  EXPECT_EQ(score, 85);
  EXPECT_EQ(MetaTraderFormat()->Detect(data, "").why,
            "lines start 'yyyy.MM.dd,HH:mm' (MetaTrader History Center export)");
  EXPECT_EQ(DelimitedCsvFormat()->Detect(data, "").score, 40);
}

TEST_F(DelimitedTest, MetaTraderDailyKeepsSundayBars) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(MetaTraderFormat(), Fixture("metatrader_d1_sunday_bar.csv"),
                                           "Europe/Athens", "1d"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "1981-02-27T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "1981-03-01T00:00:00Z");  // a Sunday
  EXPECT_TRUE(HasNote(p, "daily bars: each row's date is kept")) << Notes(p);
}

TEST_F(DelimitedTest, FirstRateIsUsEasternWhateverTheSourceZone) {
  const std::string data = Fixture("firstrate_1min_eastern.csv");
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(FirstRateFormat(), data, "America/Los_Angeles"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2023-11-19T23:00:00Z");  // 18:00 EST, open time
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2023-11-19T23:03:00Z");  // a missing minute stays missing
  EXPECT_EQ(p.bars.high[0], 15903.75);
  EXPECT_TRUE(HasNote(p, "read as America/New_York (the firstrate vendor's documented zone), not America/Los_Angeles"))
      << Notes(p);
  int score;
  EXPECT_EQ(Best(data, "firstrate_NQ_1min_sample.csv", &score), "firstrate");
  EXPECT_EQ(score, 88);
  EXPECT_EQ(FirstRateFormat()->Detect(data, "nq.csv").score, 80);
  EXPECT_EQ(DelimitedCsvFormat()->Detect(data, "nq.csv").score, 50);
  // The generic reader uses --tz instead.
  ASSERT_OK_AND_ASSIGN(ParsedBars g, Parse(DelimitedCsvFormat(), data, "America/Los_Angeles"));
  EXPECT_EQ(FormatIsoUtc(g.bars.ts[0]), "2023-11-20T02:00:00Z");
}

TEST_F(DelimitedTest, FirstRateDailyWithOpenInterest) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(FirstRateFormat(), Fixture("firstrate_1day_open_interest.csv"),
                                           "UTC", "1d"));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2023-11-20T00:00:00Z");
  EXPECT_EQ(p.bars.volume[1], 710079);
  EXPECT_TRUE(HasNote(p, "1 extra column ignored: open interest")) << Notes(p);
}

TEST_F(DelimitedTest, SemicolonBomQuotedDecimalCommaCrlfBlankLines) {
  const std::string data = Fixture("semicolon_bom_quoted_decimal_comma.csv");
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(DelimitedCsvFormat(), data));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-01-02T09:30:00Z");
  EXPECT_EQ(p.bars.open[0], 1.5);
  EXPECT_EQ(p.bars.high[0], 1.75);
  EXPECT_EQ(p.bars.low[0], 1.25);
  EXPECT_EQ(p.bars.volume[1], 200);
  EXPECT_EQ(p.blank_lines, 3);
  EXPECT_EQ(p.rows_read, 2);
  EXPECT_EQ(p.line, (std::vector<uint32_t>{2, 4}));
  EXPECT_TRUE(HasNote(p, "';'-separated, header on line 1")) << Notes(p);
  EXPECT_EQ(Best(data, ""), "csv");
}

TEST_F(DelimitedTest, TabSeparatedDateAndTimeColumnsAcrossSpringForward) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(DelimitedCsvFormat(), Fixture("tsv_date_time_no_volume.tsv"),
                                           "America/New_York"));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-03-10T06:59:00Z");  // 01:59 EST
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2024-03-10T07:00:00Z");  // 03:00 EDT
  EXPECT_EQ(p.bars.volume[1], 0);
  EXPECT_TRUE(HasNote(p, "tab-separated, header on line 1; time of day='Time', date='Date'")) << Notes(p);
  EXPECT_TRUE(HasNote(p, "no volume column")) << Notes(p);
}

TEST_F(DelimitedTest, NewestFirstIsConvertedInTimeOrderAndNoted) {
  const std::string data = Fixture("newest_first.csv");
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(DelimitedCsvFormat(), data, "America/New_York"));
  ASSERT_EQ(p.bars.size(), 3u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2020-12-19T01:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2020-12-19T00:57:00Z");
  EXPECT_TRUE(HasNote(p, "rows run newest first; the import sorts them by time")) << Notes(p);
  // Same header as FirstRate, but newest first: not FirstRate.
  EXPECT_EQ(FirstRateFormat()->Detect(data, "").score, 0);
  EXPECT_EQ(Best(data, ""), "csv");
  SortByTime(&p);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2020-12-19T00:57:00Z");
}

TEST_F(DelimitedTest, NewestFirstKeepsBothFallBackHours) {
  const std::string data =
      "Date,Open,High,Low,Close\n"
      "2024-11-03 01:30,1,1,1,1\n"   // second 01:30 (EST)
      "2024-11-03 01:30,1,1,1,1\n"   // first 01:30 (EDT)
      "2024-11-03 00:30,1,1,1,1\n";
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(DelimitedCsvFormat(), data, "America/New_York", "1h"));
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-11-03T06:30:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2024-11-03T05:30:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[2]), "2024-11-03T04:30:00Z");
}

TEST_F(DelimitedTest, EpochMillisecondsWithoutHeader) {
  const std::string data = Fixture("epoch_ms_no_header.csv");
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(DelimitedCsvFormat(), data));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-02-01T00:00:00Z");
  EXPECT_EQ(p.bars.close[0], 42298.61);
  EXPECT_EQ(p.bars.volume[0], 35.92724);
  EXPECT_TRUE(HasNote(p, "stamps are epoch milliseconds (told apart by magnitude)")) << Notes(p);
}

TEST_F(DelimitedTest, EpochMicrosecondsWithOpenTimeHeader) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(DelimitedCsvFormat(), Fixture("epoch_us_header.csv")));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2025-01-01T00:01:00Z");
  EXPECT_TRUE(HasNote(p, "stamps are epoch microseconds")) << Notes(p);
  EXPECT_TRUE(HasNote(p, "time='open_time'")) << Notes(p);
  EXPECT_TRUE(HasNote(p, "1 extra column ignored: close_time")) << Notes(p);
}

TEST_F(DelimitedTest, UnknownNamesSayHowToMapThem) {
  const std::string data = Fixture("unknown_names.csv");
  auto r = Parse(DelimitedCsvFormat(), data);
  ASSERT_RAISES(kInvalidInput, r);
  EXPECT_EQ(r.status().message(),
            "file.csv:1: no column looks like a time column (header: Wann, Anfang, Oben, Unten, "
            "Ende); pass --columns time=NAME");
  EXPECT_EQ(DelimitedCsvFormat()->Detect(data, "").score, 0);
  ASSERT_OK_AND_ASSIGN(ParsedBars p,
                       Parse(DelimitedCsvFormat(), data, "UTC", "1m", "",
                             "time=Wann,open=Anfang,high=oben,low=4,close=Ende,volume=none"));
  ASSERT_EQ(p.bars.size(), 1u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-01-02T09:30:00Z");
  EXPECT_EQ(p.bars.low[0], 0.5);
  EXPECT_EQ(p.bars.close[0], 1.5);
  auto bad = Parse(DelimitedCsvFormat(), data, "UTC", "1m", "", "time=Nope");
  ASSERT_RAISES(kInvalidInput, bad);
  EXPECT_NE(bad.status().message().find("no column is named 'Nope' (the header has: Wann,"), std::string::npos)
      << bad.status().message();
  ASSERT_RAISES(kInvalidArgument, Parse(DelimitedCsvFormat(), data, "UTC", "1m", "", "when=Wann"));
}

TEST_F(DelimitedTest, RowProblemsNameLineAndField) {
  auto r = Parse(DelimitedCsvFormat(), Fixture("bad_rows.csv"));
  ASSERT_RAISES(kInvalidInput, r);
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("4 problems in 'file.csv'; nothing was imported:"), std::string::npos) << m;
  EXPECT_NE(m.find("file.csv:3: field 'open': 'abc' is not a number"), std::string::npos) << m;
  EXPECT_NE(m.find("file.csv:4: field 'close': missing (the row has 4 fields separated by ',', 6 are needed)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("file.csv:5: field 'time': '2024-01-02 25:00:00' has a date but no valid time of day"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("file.csv:6: field 'high': is empty"), std::string::npos) << m;
}

TEST_F(DelimitedTest, CloseStampsMoveBackOneBar) {
  const std::string data = Fixture("close_stamps_z.csv");
  ASSERT_OK_AND_ASSIGN(ParsedBars open, Parse(DelimitedCsvFormat(), data));
  EXPECT_EQ(FormatIsoUtc(open.bars.ts[0]), "2024-01-02T14:30:00Z");
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(DelimitedCsvFormat(), data, "UTC", "1m", "close"));
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-01-02T14:29:00Z");
  EXPECT_TRUE(HasNote(p, "stamps mark bar close: moved back one bar (1m) to the open time")) << Notes(p);
  ASSERT_RAISES(kInvalidArgument, Parse(DelimitedCsvFormat(), data, "UTC", "1m", "middle"));
}

TEST_F(DelimitedTest, NinjaTraderFilesDoNotScoreHighForCsv) {
  const std::string nt = ReadFile(std::string(BARLAKE_TEST_DATA_DIR) + "/ninjatrader/cl_utc_close_stamps.txt");
  ASSERT_FALSE(nt.empty());
  EXPECT_LT(DelimitedCsvFormat()->Detect(nt, "CL 03-24.Last.txt").score, 90);
  EXPECT_EQ(MetaTraderFormat()->Detect(nt, "").score, 0);
  EXPECT_EQ(TradingViewFormat()->Detect(nt, "").score, 0);
  EXPECT_EQ(FirstRateFormat()->Detect(nt, "").score, 0);
}

TEST_F(DelimitedTest, EmptyAndGarbageInputs) {
  ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(DelimitedCsvFormat(), "\n\r\n"));
  EXPECT_EQ(p.bars.size(), 0u);
  for (const char* junk : {"", "\"", ",,,,,,", "a\n1", "\xEF\xBB\xBF", "1,2,3,4,5\n\"x", "99999999999999999999,1,1,1,1"}) {
    auto r = DelimitedCsvFormat()->Detect(junk, "");
    EXPECT_FALSE(r.why.empty());
    (void)Parse(DelimitedCsvFormat(), junk);  // must not crash
  }
}

// Optional: the real files in ../shared/realdata (not shipped with barlake).
TEST_F(DelimitedTest, RealDataFiles) {
  const std::string dir = std::string(BARLAKE_SHARED_DIR) + "/realdata";
  if (!std::filesystem::exists(dir + "/tradingview")) GTEST_SKIP() << "no " << dir;
  struct Case {
    std::string file, format, tz, tf, first_ts;
    size_t rows;
  };
  const Case cases[] = {
      {"tradingview/BINANCE_BTCUSDT, 60.csv", "tradingview", "UTC", "1h", "2024-01-21T14:00:00Z", 1902},
      {"tradingview/BINANCE_BTCUSDT, 240.csv", "tradingview", "UTC", "4h", "2020-01-13T16:00:00Z", 9288},
      {"tradingview/BINANCE_BTCUSDT, 1D.csv", "tradingview", "UTC", "1d", "2022-09-24T00:00:00Z", 564},
      {"tradingview/NASDAQ_AAPL, 1D.csv", "tradingview", "America/New_York", "1d", "2024-10-10T00:00:00Z", 346},
      {"metatrader/EURUSD1.csv", "metatrader", "Europe/Athens", "1m", "2020-01-29T23:25:00Z", 10110},
      {"metatrader/EURUSD60.csv", "metatrader", "Europe/Athens", "1h", "2018-07-13T12:00:00Z", 15678},
      {"metatrader/EURUSD1440.csv", "metatrader", "Europe/Athens", "1d", "1981-02-27T00:00:00Z", 10233},
      {"generic_1min_csv/firstrate_NQ_1min_sample.csv", "firstrate", "UTC", "1m", "2023-11-19T23:00:00Z", 14714},
      {"generic_1min_csv/firstrate_NQ_1hour_sample.csv", "firstrate", "UTC", "1h", "2023-11-19T23:00:00Z", 246},
      {"generic_1min_csv/firstrate_NQ_1day_sample.csv", "firstrate", "UTC", "1d", "2023-11-20T00:00:00Z", 10},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string data = ReadFile(dir + "/" + c.file);
    ASSERT_FALSE(data.empty());
    EXPECT_EQ(Best(data, std::filesystem::path(c.file).filename().string()), c.format);
    const BarFormat* f = c.format == "tradingview" ? TradingViewFormat()
                         : c.format == "metatrader" ? MetaTraderFormat()
                                                    : FirstRateFormat();
    ASSERT_OK_AND_ASSIGN(ParsedBars p, Parse(f, data, c.tz, c.tf));
    EXPECT_EQ(p.bars.size(), c.rows) << Notes(p);
    EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), c.first_ts);
    SortByTime(&p);
    EXPECT_EQ(p.reordered, 0);
    for (size_t i = 1; i < p.bars.size(); ++i) ASSERT_LT(p.bars.ts[i - 1], p.bars.ts[i]) << c.file;
  }
}

}  // namespace barlake::ingest

namespace barlake::ingest {

TEST(DelimitedDailyTest, EpochMidnightUtcKeepsItsUtcDateInAWesternZone) {
  TimeZone la = TimeZone::Locate("America/Los_Angeles").value();
  ParseOptions o{Timeframe::Parse("1d").value(), &la, "d.csv"};
  // 2024-02-01T00:00:00Z and 2024-02-02T00:00:00Z as epoch seconds.
  const std::string text = "time,open,high,low,close,volume\n1706745600,1,2,0.5,1.5,10\n1706832000,1,2,0.5,1.5,10\n";
  ASSERT_OK_AND_ASSIGN(ParsedBars p, DelimitedCsvFormat()->Parse(text, o));
  ASSERT_EQ(p.bars.size(), 2u);
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[0]), "2024-02-01T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(p.bars.ts[1]), "2024-02-02T00:00:00Z");
}

}  // namespace barlake::ingest
