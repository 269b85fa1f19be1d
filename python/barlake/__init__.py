"""barlake for Python: a crash-safe lake of market bars, read into pandas DataFrames.

    import barlake
    vault = barlake.open("/data/bars")
    df = vault.read("ES", "1m", "2024-03-08", "2024-03-12", tz="America/New_York")

A thin layer over barlake's public C++ API (the compiled module ``barlake._barlake``);
see docs/python.md. Every error is a ``barlake.Error`` subclass named after its code.
"""

import json as _json

import numpy as _np
import pandas as _pd

from barlake._errors import (  # noqa: F401 - the package's exception classes
    AlreadyExists, Cancelled, Conflict, Corruption, Error, Internal, InvalidArgument,
    InvalidInput, IOError, LockTimeout, NoSpace, NotFound, Unavailable)

try:
    from barlake import _barlake
except ImportError as e:  # pragma: no cover - a build without the module
    raise ImportError(
        "barlake's compiled module _barlake is missing or does not load (" + str(e) + "): "
        "build it with cmake (BARLAKE_PYTHON=ON, needs pybind11-dev and python3-dev) and put "
        "<build>/python on PYTHONPATH, or cmake --install it") from e

from barlake.data_manager import DataManager  # noqa: E402,F401

__version__ = _barlake.__version__

#: The bar columns of a DataFrame from Vault.read, in order.
BAR_COLUMNS = ("open", "high", "low", "close", "volume")


def init(path, name="", display_tz="America/New_York", default_source_tz="America/Los_Angeles"):
    """Create a new, empty vault in ``path`` (created if missing).

    Raises AlreadyExists when ``path`` already holds a vault, InvalidArgument for an unknown
    time zone.
    """
    _barlake.init(str(path), name, display_tz, default_source_tz)


def open(path, lock_wait_seconds=30.0, command="barlake python"):  # noqa: A001 - barlake.open
    """Open the vault in ``path`` (reads the journal only). Raises NotFound when ``path`` is
    not a vault, InvalidInput when its barlake.toml is malformed.

    Writers (import_file, rollback) wait up to ``lock_wait_seconds`` for another writer's
    lock, then raise LockTimeout. ``command`` is recorded with every job this Vault creates.
    """
    return Vault(_barlake.Vault(str(path), float(lock_wait_seconds), command))


def _micros(value, tz, default):
    """A time (str, datetime, date, Timestamp, numpy datetime64) as UTC microseconds; a
    naive one is in ``tz`` (UTC when None)."""
    if value is None:
        return default
    ts = _pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize(tz or "UTC")
    return ts.value // 1000


def _utc_times(micros):
    """int64 microseconds (a list or array) as tz-aware UTC datetimes."""
    return _pd.to_datetime(_np.asarray(micros, dtype="int64"), unit="us", utc=True)


def _typed_column(values, duck_type):
    """A query column (DuckDB's text, NULL as "") as the pandas type its DuckDB type maps to."""
    s = _pd.Series(values, dtype="object")
    t = (duck_type or "").upper()
    missing = s == ""
    if t in ("DOUBLE", "FLOAT", "REAL") or t.startswith("DECIMAL"):
        return _pd.to_numeric(s.mask(missing, None), errors="coerce").astype("float64")
    if t.endswith("INT") or t in ("INTEGER", "HUGEINT", "UHUGEINT"):
        n = _pd.to_numeric(s.mask(missing, None), errors="coerce")
        return n.astype("int64") if not missing.any() else n.astype("Int64")
    if t == "BOOLEAN":
        return s.map({"true": True, "false": False, "": None})
    if t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return _pd.to_datetime(s.mask(missing, None), utc=True)
    if t.startswith("TIMESTAMP") or t == "DATE":
        return _pd.to_datetime(s.mask(missing, None))
    return s


class Vault:
    """One open vault (``barlake.open``). Use one from any thread; calls take turns."""

    def __init__(self, native):
        self._v = native

    def __repr__(self):
        return "barlake.Vault(%r)" % self.path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Release the vault (its DuckDB connection and journal handle). Idempotent."""
        self._v = None

    @property
    def _native(self):
        if self._v is None:
            raise InvalidArgument("the vault is closed")
        return self._v

    @property
    def path(self):
        """The vault folder."""
        return self._native.path

    def settings(self):
        """The [vault] table of barlake.toml: name, display_tz, default_source_tz."""
        return self._native.settings()

    def read(self, symbol, timeframe, start=None, end=None, tz=None, flags=False):
        """Bars of ``symbol``/``timeframe`` with start <= ts < end as a DataFrame.

        The index is a tz-aware DatetimeIndex named ``ts`` (bar open times, in ``tz`` or UTC);
        the columns are float64 open, high, low, close, volume, plus uint8 ``flags``
        (docs/derived.md) when ``flags`` is true. ``start``/``end`` take anything
        pandas.Timestamp takes; naive ones are in ``tz`` (UTC when None); None is unbounded.
        Raises NotFound for a dataset that does not exist (any timeframe the vault does not
        hold), InvalidArgument for an unknown time zone.
        """
        if tz is not None:
            try:
                _pd.Timestamp(0, tz="UTC").tz_convert(tz)  # an unknown zone fails before reading
            except Exception as e:  # pytz, zoneinfo and dateutil each raise their own
                raise InvalidArgument("unknown time zone '%s'" % tz) from e
        lo = _micros(start, tz, _barlake.MIN_MICROS)
        hi = _micros(end, tz, _barlake.MAX_MICROS)
        ts_ns, values, flag_values = self._native.read(symbol, timeframe, lo, hi, bool(flags))
        # The compiled module filled a (5, n) float64 block and nanosecond stamps: pandas
        # takes both as they are (no copy, no per-row Python).
        times = _pd.arrays.DatetimeArray(ts_ns.view("datetime64[ns]"), dtype=_pd.DatetimeTZDtype(tz="UTC"),
                                         copy=False)
        index = _pd.DatetimeIndex(times, name="ts", copy=False)
        if tz is not None:
            index = index.tz_convert(tz)
        df = _pd.DataFrame(values.T, index=index, columns=list(BAR_COLUMNS), copy=False)
        if flags:
            df["flags"] = flag_values
        return df

    def status(self):
        """Every dataset of the catalog (what ``barlake status`` lists) as a DataFrame:
        symbol, timeframe, kind, first, last, rows, bytes, partitions, last_update, last_job,
        method, inputs, stale, stale_why. Times are UTC."""
        rows = self._native.datasets_catalog()
        df = _pd.DataFrame(rows, columns=["symbol", "timeframe", "kind", "first_ts", "last_ts", "rows", "bytes",
                                          "partitions", "last_update", "last_job", "method", "inputs", "stale",
                                          "stale_why"])
        df.insert(3, "first", _utc_times(df.pop("first_ts")))
        df.insert(4, "last", _utc_times(df.pop("last_ts")))
        df["last_update"] = _utc_times(df["last_update"])
        return df

    def jobs(self, limit=50):
        """The newest ``limit`` jobs of the journal, newest first, as a DataFrame (the fields
        of ``barlake jobs --json``; created_at/updated_at are UTC). Raises InvalidArgument when
        limit < 1."""
        rows = self._native.jobs(int(limit))
        df = _pd.DataFrame(rows, columns=["id", "kind", "status", "phase", "symbol", "timeframe", "format",
                                          "source_path", "source_sha256", "command", "rows_read", "rows_written",
                                          "rows_rejected", "rows_conflicting", "partitions", "error", "created_at",
                                          "updated_at", "target_job", "rolled_back_by"])
        df["created_at"] = _utc_times(df["created_at"])
        df["updated_at"] = _utc_times(df["updated_at"])
        return df

    def health(self, symbol="", timeframe="", gap_min_seconds=30 * 60):
        """Health of every dataset (or of ``symbol`` / ``symbol timeframe``) against its
        session calendar (docs/health.md), one row each: status, score, coverage_pct, gaps,
        notes and ``report`` (the dict ``barlake health --json`` prints). Raises NotFound for
        a named dataset that does not exist."""
        rows = self._native.health(symbol or "", timeframe or "", int(gap_min_seconds))
        for r in rows:
            r["report"] = _json.loads(r.pop("report_json"))
        return _pd.DataFrame(rows, columns=["symbol", "timeframe", "calendar", "status", "score", "coverage_pct",
                                            "gap_count", "gap_missing_bars", "stray_count", "stale", "notes",
                                            "report"])

    def query(self, sql):
        """Run SQL over the vault's views (``bars``, ``session_stats``, ``level_touches``,
        ``snapshots``...; as ``barlake query``) and return a DataFrame, columns typed after
        their DuckDB types (numbers, booleans, UTC timestamps; the rest as text). Raises
        InvalidArgument ("in your query: ...") for SQL that does not parse, bind or run."""
        columns, types, rows = self._native.query(sql)
        if not types:
            types = [""] * len(columns)
        data = {}
        for i, name in enumerate(columns):
            data[name] = _typed_column([r[i] for r in rows], types[i])
        return _pd.DataFrame(data, columns=columns)

    def import_file(self, path, symbol, timeframe, tz=None, on_conflict="keep", dry_run=False, format=None):
        """Import a bar file (NinjaTrader, MetaTrader, CSV, ...; docs/formats/formats.md) into
        ``symbol``/``timeframe`` as one journaled, crash-safe job and return its report, the
        dict ``barlake import --json`` prints. ``tz`` is the zone of the file's stamps (None:
        the dataset's, else the vault's default); ``on_conflict`` is keep, replace or fail.

        Raises InvalidInput when the file does not parse or too many rows are rejected,
        Conflict when bars differ under on_conflict="fail", NotFound for a missing file,
        InvalidArgument for a bad option, LockTimeout when another writer holds the lock.
        """
        report = self._native.import_file(str(path), symbol, timeframe, tz or "", on_conflict, bool(dry_run),
                                          format or "")
        return _json.loads(report)

    def rollback(self, job):
        """Restore what job ``job`` changed, as a new rollback job; returns that job as the
        dict ``barlake rollback --json`` prints. Raises NotFound for no such job, Conflict
        when a later job changed the same partitions or it cannot be rolled back,
        LockTimeout when another writer holds the lock."""
        return _json.loads(self._native.rollback(int(job)))

    def datasets(self, category="published"):
        """The datasets barlake.toml declares, of ``category`` ("published", "pipeline",
        "raw"; None for all), with the files that hold them: a DataFrame with symbol,
        timeframe, kind, category, description, calendar, method, rows, ``files`` (absolute
        Parquet paths, by period) and ``partitions`` (a dict per file: period, path, rows,
        bytes, first, last, sha256, job). Raises InvalidArgument for another category."""
        out = []
        for d in self._native.registered(category or ""):
            parts = d.pop("files")
            for p in parts:
                p["first"] = _pd.Timestamp(p.pop("min_ts") * 1000, tz="UTC")
                p["last"] = _pd.Timestamp(p.pop("max_ts") * 1000, tz="UTC")
            d["rows"] = sum(p["rows"] for p in parts)
            d["files"] = [p["path"] for p in parts]
            d["partitions"] = parts
            out.append(d)
        return _pd.DataFrame(out, columns=["symbol", "timeframe", "kind", "category", "description", "calendar",
                                           "method", "rows", "files", "partitions"])

    def verify(self):
        """Re-read every file and compare it with the journal (``barlake verify``): a dict
        with files_checked, rows_checked, problems (path, what) and ok."""
        return self._native.verify()
