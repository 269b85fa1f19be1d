"""DataManager.get_ohlcv(fetch_missing=True) against a replay server on 127.0.0.1 paging Binance
klines (BARLAKE_BINANCE_URL), and the GIL released while a read runs."""

import http.server
import json
import os
import threading
import time
import urllib.parse

import pandas as pd
import pytest

from conftest import ninjatrader_lines

barlake = pytest.importorskip("barlake")

MINUTE_MS = 60_000


def price(open_ms):
    k = (open_ms // MINUTE_MS) % 96
    return 100.0 + (k if k < 48 else 96 - k) * 0.25


class Klines(http.server.BaseHTTPRequestHandler):
    """/api/v3/klines over bars every minute from a day ago up to the one forming now."""

    seen = []

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        Klines.seen.append(q)
        if q.get("symbol") != "BTCUSDT":
            body, status = json.dumps({"code": -1121, "msg": "Invalid symbol."}), 400
        else:
            now_ms = int(time.time() * 1000)
            first = (now_ms // MINUTE_MS - 24 * 60) * MINUTE_MS
            last_open = now_ms // MINUTE_MS * MINUTE_MS
            t = max(first, int(q["startTime"]) + (-int(q["startTime"])) % MINUTE_MS)
            rows = []
            while t <= int(q["endTime"]) and t <= last_open and len(rows) < int(q["limit"]):
                p = price(t)
                rows.append([t, "%.8f" % p, "%.8f" % (p + 0.5), "%.8f" % (p - 0.5), "%.8f" % (p + 0.25),
                             "10.0", t + MINUTE_MS - 1, "1000.0", 5, "5.0", "500.0", "0"])
                t += MINUTE_MS
            body, status = json.dumps(rows), 200
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-MBX-USED-WEIGHT-1M", "2")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def binance(monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Klines)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Klines.seen = []
    monkeypatch.setenv("BARLAKE_BINANCE_URL", "http://127.0.0.1:%d" % server.server_address[1])
    yield Klines.seen
    server.shutdown()
    server.server_close()


def test_get_ohlcv_fetches_what_is_missing_through_the_facade(tmp_path, binance):
    path = str(tmp_path / "v")
    barlake.init(path)
    dm = barlake.DataManager(barlake.open(path))
    # Two hours of closed bars, hours in the past.
    start = pd.Timestamp((int(time.time()) // 60 - 600) * 60, unit="s", tz="UTC")
    end = start + pd.Timedelta(hours=2)
    with pytest.raises(barlake.NotFound):
        dm.get_ohlcv("BTCUSDT", "1m", start, end)  # the lake only: nothing there
    assert binance == []
    df = dm.get_ohlcv("BTCUSDT", "1m", start, end, fetch_missing=True)
    assert len(df) == 120
    assert df.index[0] == start and df.index[-1] == end - pd.Timedelta(minutes=1)
    assert df["close"].iloc[0] == price(int(start.value // 1_000_000)) + 0.25
    assert dm.last_fetch["provider"] == "binance" and dm.last_fetch["status"] == "ok"
    assert dm.last_fetch["rows_written"] == 120 and len(dm.last_fetch["jobs"]) == 1
    assert len(binance) == 1 and int(binance[0]["startTime"]) == start.value // 1_000_000
    # Again: the lake holds the range; nothing is asked.
    again = dm.get_ohlcv("BTCUSDT", "1m", start, end, fetch_missing=True)
    pd.testing.assert_frame_equal(again, df)
    assert dm.last_fetch["status"] == "up_to_date" and len(binance) == 1
    assert dm.list_symbols() == ["BTCUSDT"]
    assert dm.list_timeframes("BTCUSDT") == ["1m"]
    assert dm.provider_for("BTCUSDT", "1m") == ["binance"]
    assert dm.provider_for("AAPL", "1d") == ["yahoo"]
    # The fetch is an ordinary import job of the vault.
    jobs = dm.vault.jobs()
    assert list(jobs["kind"]) == ["import"] and jobs["symbol"].iloc[0] == "BTCUSDT"


def test_get_ohlcv_of_a_symbol_the_provider_does_not_know_raises_not_found(tmp_path, binance):
    path = str(tmp_path / "v")
    barlake.init(path)
    dm = barlake.DataManager(path)
    start = pd.Timestamp((int(time.time()) // 60 - 600) * 60, unit="s", tz="UTC")
    with pytest.raises(barlake.NotFound, match="Invalid symbol"):
        dm.get_ohlcv("NOPEUSDT", "1m", start, start + pd.Timedelta(hours=1), fetch_missing=True)
    assert dm.last_fetch is None or dm.last_fetch["status"] != "ok"
    assert dm.list_symbols() == []


def test_the_gil_is_released_while_read_runs(tmp_path):
    # 200,000 bars: a read long enough that another thread, if it can run meanwhile, runs
    # in the middle of it many times over.
    path = str(tmp_path / "v")
    barlake.init(path)
    src = tmp_path / "BIG.Last.txt"
    src.write_text(ninjatrader_lines(0, 200_000))
    vault = barlake.open(path)
    vault.import_file(src, "BIG", "1m", tz="UTC")
    native = vault._native
    stamps = []
    stop = threading.Event()

    def count():
        n = 0
        while not stop.is_set():
            n += 1
            if n % 200 == 0:
                stamps.append(time.perf_counter())

    counter = threading.Thread(target=count)
    counter.start()
    try:
        windows = []
        for _ in range(5):
            t0 = time.perf_counter()
            ts, values, _ = native.read("BIG", "1m", barlake._barlake.MIN_MICROS, barlake._barlake.MAX_MICROS)
            t1 = time.perf_counter()
            assert len(ts) == 200_000
            windows.append((t0, t1))
            time.sleep(0.01)
    finally:
        stop.set()
        counter.join()
    # With the GIL held through the call the counter could only run before or after it: a
    # stamp in the middle half of a call proves the other thread ran while it worked.
    inside = 0
    for t0, t1 in windows:
        lo, hi = t0 + (t1 - t0) / 4, t1 - (t1 - t0) / 4
        if any(lo <= s <= hi for s in stamps):
            inside += 1
    assert inside >= 3, [(round((t1 - t0) * 1000, 1)) for t0, t1 in windows]
