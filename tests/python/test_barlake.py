"""The barlake Python package against a real vault: every function and every exception class."""

import fcntl
import json
import os
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest

from conftest import BARS, FIRST_OPEN_S, bar_values, ninjatrader_lines

barlake = pytest.importorskip("barlake")


def cli_error(cli, *args):
    """The message `barlake ARGS` prints after "barlake: error: " (it must fail)."""
    r = subprocess.run([cli, *args], capture_output=True, text=True)
    assert r.returncode != 0, r.stdout
    prefix = "barlake: error: "
    assert r.stderr.startswith(prefix), r.stderr
    return r.stderr[len(prefix):].rstrip("\n")


# --- read -----------------------------------------------------------------------------------

def test_read_returns_every_bar_as_float64_columns_with_a_utc_index(filled_vault):
    df = filled_vault["vault"].read("ES", "1m")
    assert list(df.columns) == ["open", "high", "low", "close", "volume"]
    assert all(df[c].dtype == np.float64 for c in df.columns)
    assert isinstance(df.index, pd.DatetimeIndex)
    assert df.index.name == "ts"
    assert str(df.index.tz) == "UTC"
    assert len(df) == BARS
    assert df.index[0] == pd.Timestamp(FIRST_OPEN_S, unit="s", tz="UTC")
    assert df.index.is_monotonic_increasing and df.index.is_unique
    expected = np.array([bar_values(i) for i in range(BARS)], dtype=np.float64)
    np.testing.assert_array_equal(df.to_numpy(), expected)


def test_read_of_the_dst_day_in_new_york_has_23_hours_of_bars(filled_vault):
    df = filled_vault["vault"].read("ES", "1m", "2024-03-10", "2024-03-11", tz="America/New_York")
    assert str(df.index.tz) == "America/New_York"
    assert len(df) == 23 * 60  # 02:00-03:00 does not exist that day
    assert df.index[0] == pd.Timestamp("2024-03-10 00:00", tz="America/New_York")
    assert df.index[-1] == pd.Timestamp("2024-03-10 23:59", tz="America/New_York")
    offsets = {ts.utcoffset() for ts in df.index}
    assert offsets == {pd.Timedelta(hours=-5), pd.Timedelta(hours=-4)}
    # The bars are the stored UTC bars, only shown in New York time.
    first_minute = (int(df.index[0].timestamp()) - FIRST_OPEN_S) // 60
    assert tuple(df.iloc[0]) == bar_values(first_minute)


def test_read_range_is_half_open_and_accepts_aware_and_naive_times(filled_vault):
    vault = filled_vault["vault"]
    start = pd.Timestamp(FIRST_OPEN_S + 600, unit="s", tz="UTC")
    df = vault.read("ES", "1m", start, start + pd.Timedelta(minutes=5))
    assert list(df.index) == [start + pd.Timedelta(minutes=k) for k in range(5)]
    naive = vault.read("ES", "1m", start.tz_localize(None).isoformat(), (start + pd.Timedelta(minutes=5)).isoformat())
    pd.testing.assert_frame_equal(df, naive)


def test_read_of_an_empty_range_is_an_empty_frame_of_the_same_shape(filled_vault):
    vault = filled_vault["vault"]
    for start, end in (("2030-01-01", "2030-02-01"), ("2024-03-10 12:00", "2024-03-10 12:00")):
        df = vault.read("ES", "1m", start, end, tz="America/New_York")
        assert len(df) == 0
        assert list(df.columns) == ["open", "high", "low", "close", "volume"]
        assert all(df[c].dtype == np.float64 for c in df.columns)
        assert str(df.index.tz) == "America/New_York" and df.index.name == "ts"


def test_read_with_flags_adds_the_flag_column(filled_vault):
    df = filled_vault["vault"].read("ES", "1m", "2024-03-09", "2024-03-09 01:00", flags=True)
    assert list(df.columns) == ["open", "high", "low", "close", "volume", "flags"]
    assert df["flags"].dtype == np.uint8
    assert len(df) == 60 and (df["flags"] == 0).all()  # imported bars carry no flags


def test_read_in_small_chunks_gives_the_same_frame(filled_vault):
    vault = filled_vault["vault"]
    whole = vault.read("ES", "1m")
    ts, values, _ = vault._native.read("ES", "1m", barlake._barlake.MIN_MICROS, barlake._barlake.MAX_MICROS,
                                       False, 1)  # one partition per chunk
    assert values.shape == (5, len(whole))
    np.testing.assert_array_equal(values.T, whole.to_numpy())
    np.testing.assert_array_equal(ts, whole.index.asi8)


def test_read_frame_uses_the_module_buffers_without_a_copy(filled_vault):
    ts, values, _ = filled_vault["vault"]._native.read("ES", "1m", barlake._barlake.MIN_MICROS,
                                                       barlake._barlake.MAX_MICROS, False, 1 << 19)
    df = pd.DataFrame(values.T, columns=list(barlake.BAR_COLUMNS), copy=False)
    assert np.shares_memory(df["open"].to_numpy(), values)
    assert values.flags["C_CONTIGUOUS"] and values.dtype == np.float64 and ts.dtype == np.int64


def test_read_of_a_bad_symbol_raises_not_found_with_the_cli_message(filled_vault, cli):
    with pytest.raises(barlake.NotFound) as e:
        filled_vault["vault"].read("NOPE", "1m")
    assert str(e.value) == cli_error(cli, "--vault", filled_vault["path"], "read", "NOPE", "1m")
    assert e.value.code == 2 and isinstance(e.value, barlake.Error)


def test_read_with_an_unknown_timeframe_or_zone_raises(filled_vault):
    with pytest.raises(barlake.NotFound):
        filled_vault["vault"].read("ES", "7x")
    with pytest.raises(barlake.InvalidArgument, match="Mars/Olympus"):
        filled_vault["vault"].read("ES", "1m", tz="Mars/Olympus")


def test_read_releases_the_gil_and_threads_share_a_vault(filled_vault):
    vault = filled_vault["vault"]
    frames, errors = [], []

    def worker():
        try:
            frames.append(len(vault.read("ES", "1m")))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and frames == [BARS] * 4


# --- catalog, journal, health, query --------------------------------------------------------

def test_status_lists_the_datasets(filled_vault):
    df = filled_vault["vault"].status()
    es = df.set_index(["symbol", "timeframe"])
    assert set(es.index) == {("ES", "1m"), ("ES", "1h")}
    assert es.loc[("ES", "1m"), "rows"] == BARS
    assert es.loc[("ES", "1m"), "kind"] == "bars"
    assert es.loc[("ES", "1m"), "first"] == pd.Timestamp(FIRST_OPEN_S, unit="s", tz="UTC")
    assert es.loc[("ES", "1m"), "last"] == pd.Timestamp(FIRST_OPEN_S + (BARS - 1) * 60, unit="s", tz="UTC")


def test_jobs_lists_the_imports_newest_first(filled_vault):
    df = filled_vault["vault"].jobs()
    imports = df[df["kind"] == "import"]
    assert list(imports["id"])[:2] == [filled_vault["report_1h"]["job"], filled_vault["report_1m"]["job"]]
    assert (imports["status"] == "completed").all()
    assert str(df["created_at"].dt.tz) == "UTC"
    assert len(filled_vault["vault"].jobs(limit=1)) == 1
    with pytest.raises(barlake.InvalidArgument):
        filled_vault["vault"].jobs(limit=0)


def test_health_reports_each_dataset(filled_vault):
    df = filled_vault["vault"].health()
    assert set(zip(df["symbol"], df["timeframe"])) == {("ES", "1m"), ("ES", "1h")}
    assert set(df["status"]) <= {"ok", "warn", "fail", "unchecked"}
    assert all(isinstance(r, dict) for r in df["report"])
    one = filled_vault["vault"].health("ES", "1m")
    assert list(one["timeframe"]) == ["1m"]
    with pytest.raises(barlake.NotFound):
        filled_vault["vault"].health("NOPE", "1m")


def test_query_returns_typed_columns(filled_vault):
    df = filled_vault["vault"].query(
        "SELECT timeframe, count(*) AS n, max(high) AS top, min(ts) AS first, count(*) > 100 AS many "
        "FROM bars WHERE symbol = 'ES' GROUP BY timeframe ORDER BY n DESC;")
    assert list(df.columns) == ["timeframe", "n", "top", "first", "many"]
    assert list(df["timeframe"]) == ["1m", "1h"]
    assert list(df["n"]) == [BARS, 72] and df["n"].dtype == np.int64
    assert df["top"].dtype == np.float64
    assert df["top"][0] == max(bar_values(i)[1] for i in range(BARS))
    assert df["first"][0] == pd.Timestamp(FIRST_OPEN_S, unit="s", tz="UTC")
    assert list(df["many"]) == [True, False]


def test_bad_sql_raises_invalid_argument_with_the_cli_message(filled_vault, cli):
    with pytest.raises(barlake.InvalidArgument) as e:
        filled_vault["vault"].query("SELECT nope FROM bars")
    assert str(e.value).startswith("in your query: ")
    assert str(e.value) == cli_error(cli, "--vault", filled_vault["path"], "query", "SELECT nope FROM bars")


def test_datasets_lists_published_datasets_with_their_files(filled_vault):
    df = filled_vault["vault"].datasets()
    assert set(zip(df["symbol"], df["timeframe"])) == {("ES", "1m"), ("ES", "1h")}
    row = df[df["timeframe"] == "1m"].iloc[0]
    assert row["category"] == "published" and row["kind"] == "bars"
    assert row["rows"] == BARS
    assert row["files"] and all(os.path.isfile(f) and f.endswith(".parquet") for f in row["files"])
    assert row["files"] == sorted(row["files"])
    assert sum(p["rows"] for p in row["partitions"]) == BARS
    assert len(filled_vault["vault"].datasets(category="raw")) == 0
    assert len(filled_vault["vault"].datasets(category=None)) == 2
    with pytest.raises(barlake.InvalidArgument):
        filled_vault["vault"].datasets(category="deployed")


def test_verify_and_settings(filled_vault):
    report = filled_vault["vault"].verify()
    assert report["ok"] and report["files_checked"] >= 2 and report["problems"] == []
    assert filled_vault["vault"].settings()["name"] == "python tests"
    assert filled_vault["vault"].path == filled_vault["path"]


# --- DataManager ------------------------------------------------------------------------------

def test_data_manager_reads_and_lists(filled_vault):
    dm = barlake.DataManager(filled_vault["vault"])
    df = dm.get_ohlcv("ES", "1m", "2024-03-10", "2024-03-11")
    pd.testing.assert_frame_equal(df, filled_vault["vault"].read("ES", "1m", "2024-03-10", "2024-03-11"))
    assert dm.list_symbols() == ["ES"]
    assert dm.list_timeframes("ES") == ["1m", "1h"]
    assert dm.list_timeframes("NQ") == []
    by_path = barlake.DataManager(filled_vault["path"])
    assert by_path.list_symbols() == ["ES"]
    with pytest.raises(barlake.NotFound):
        dm.get_ohlcv("NQ", "1m", "2024-03-10", "2024-03-11")


# --- writes: import, rollback, the lock --------------------------------------------------------

@pytest.fixture
def vault_path(tmp_path):
    path = str(tmp_path / "v")
    barlake.init(path)
    return path


def test_import_file_returns_the_cli_json_report(vault_path, tmp_path, cli):
    src = tmp_path / "NQ.Last.txt"
    src.write_text(ninjatrader_lines(0, 120))
    with barlake.open(vault_path) as vault:
        dry = vault.import_file(src, "NQ", "1m", tz="UTC", dry_run=True)
        assert dry["status"] == "dry_run" and dry["job"] == 0 and dry["rows_added"] == 120
        assert len(vault.status()) == 0  # a dry run writes nothing
        report = vault.import_file(src, "NQ", "1m", tz="UTC")
        assert report["rows_added"] == 120 and report["job"] > 0 and report["status"] == "completed"
        assert report["format"] == "ninjatrader"
        again = vault.import_file(src, "NQ", "1m", tz="UTC")
        assert again["skipped_because"]
    # The CLI's report of the same import on a twin vault has the same keys.
    twin = str(tmp_path / "twin")
    barlake.init(twin)
    out = subprocess.run([cli, "--vault", twin, "import", str(src), "--symbol", "NQ", "--timeframe", "1m",
                          "--tz", "UTC", "--json"], capture_output=True, text=True, check=True)
    assert set(json.loads(out.stdout)) == set(report)


def test_import_errors_raise_their_classes(vault_path, tmp_path, cli):
    good = tmp_path / "NQ.Last.txt"
    good.write_text(ninjatrader_lines(0, 60))
    changed = tmp_path / "NQ2.Last.txt"
    changed.write_text(ninjatrader_lines(0, 60, value=lambda i: tuple(x + 1 for x in bar_values(i))))
    garbage = tmp_path / "bad.Last.txt"
    garbage.write_text("20240309 000100;not;a;number;here;1\n" * 50)
    with barlake.open(vault_path) as vault:
        with pytest.raises(barlake.NotFound) as e:
            vault.import_file(tmp_path / "missing.txt", "NQ", "1m")
        assert str(e.value) == cli_error(cli, "--vault", vault_path, "import", str(tmp_path / "missing.txt"),
                                         "--symbol", "NQ", "--timeframe", "1m")
        with pytest.raises(barlake.InvalidInput):
            vault.import_file(garbage, "NQ", "1m", tz="UTC")
        with pytest.raises(barlake.InvalidArgument):
            vault.import_file(good, "NQ", "1m", on_conflict="sometimes")
        with pytest.raises(barlake.InvalidArgument):
            vault.import_file(good, "NQ", "1m", tz="Mars/Olympus")
        vault.import_file(good, "NQ", "1m", tz="UTC")
        with pytest.raises(barlake.Conflict):
            vault.import_file(changed, "NQ", "1m", tz="UTC", on_conflict="fail")
        replaced = vault.import_file(changed, "NQ", "1m", tz="UTC", on_conflict="replace")
        assert replaced["rows_replaced"] == 60


def test_rollback_restores_and_returns_the_cli_json_job(vault_path, tmp_path):
    src = tmp_path / "NQ.Last.txt"
    src.write_text(ninjatrader_lines(0, 30))
    with barlake.open(vault_path) as vault:
        job = vault.import_file(src, "NQ", "1m", tz="UTC")["job"]
        assert len(vault.read("NQ", "1m")) == 30
        undo = vault.rollback(job)
        assert undo["kind"] == "rollback" and undo["target_job"] == job and undo["status"] == "completed"
        assert {"id", "kind", "status", "partitions", "created_at"} <= set(undo)
        # The import declared NQ 1m; its rollback undid that too.
        with pytest.raises(barlake.NotFound):
            vault.read("NQ", "1m")
        assert len(vault.status()) == 0
        with pytest.raises(barlake.Conflict):
            vault.rollback(job)  # already rolled back
        with pytest.raises(barlake.NotFound):
            vault.rollback(9999)


HOLDER = r"""
import fcntl, sys
lock = open(sys.argv[1] + "/.barlake/lock", "a")
fcntl.flock(lock, fcntl.LOCK_EX)
open(sys.argv[1] + "/.barlake/lock.holder", "w").write("pid 1, command 'test holder', since 2024-01-01T00:00:00Z")
print("held", flush=True)
sys.stdin.read()
"""


def test_a_lock_held_by_another_process_raises_lock_timeout(vault_path, tmp_path, cli):
    src = tmp_path / "NQ.Last.txt"
    src.write_text(ninjatrader_lines(0, 30))
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, vault_path], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with barlake.open(vault_path, lock_wait_seconds=0.2) as vault:
            with pytest.raises(barlake.LockTimeout) as e:
                vault.import_file(src, "NQ", "1m", tz="UTC")
            assert isinstance(e.value, barlake.Unavailable) and e.value.code == 8
            assert "another barlake process is writing to this vault" in str(e.value)
            assert str(e.value) == cli_error(cli, "--vault", vault_path, "--wait", "0.2", "import", str(src),
                                             "--symbol", "NQ", "--timeframe", "1m", "--tz", "UTC")
            assert len(vault.status()) == 0  # nothing was written
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    with barlake.open(vault_path, lock_wait_seconds=5) as vault:  # released: the write goes through
        assert vault.import_file(src, "NQ", "1m", tz="UTC")["rows_added"] == 30


# --- init, open, errors ---------------------------------------------------------------------------

def test_init_and_open_errors(tmp_path, cli):
    path = str(tmp_path / "v")
    barlake.init(path, name="x")
    with pytest.raises(barlake.AlreadyExists):
        barlake.init(path)
    with pytest.raises(barlake.InvalidArgument):
        barlake.init(str(tmp_path / "w"), display_tz="Mars/Olympus")
    with pytest.raises(barlake.NotFound) as e:
        barlake.open(str(tmp_path / "nothing"))
    assert str(e.value) == cli_error(cli, "--vault", str(tmp_path / "nothing"), "jobs")
    (tmp_path / "v" / "barlake.toml").write_text("[vault\nname = ")
    with pytest.raises(barlake.InvalidInput):
        barlake.open(path)


def test_a_closed_vault_refuses_calls(vault_path):
    vault = barlake.open(vault_path)
    vault.close()
    with pytest.raises(barlake.InvalidArgument):
        vault.status()


def test_one_exception_class_per_error_code():
    names = barlake._barlake.error_code_names()
    assert len(names) == 11
    for code, name in names.items():
        cls = getattr(barlake, name)
        assert issubclass(cls, barlake.Error)
        assert cls.code == code and cls.code_name == name
    assert barlake.LockTimeout is barlake.Unavailable
    assert issubclass(barlake.NotFound, LookupError) and issubclass(barlake.IOError, OSError)
