"""Fixtures of the barlake Python tests: a real vault, written through the package itself.

The tests need the compiled module: ctest sets PYTHONPATH to <build>/python. Without it
every test is skipped with the reason (BARLAKE_PYTHON off, or the module not built).
"""

import math
import os

import pytest

try:
    import barlake  # noqa: F401
    IMPORT_ERROR = None
except ImportError as e:  # the module was not built
    IMPORT_ERROR = str(e)


def pytest_collection_modifyitems(config, items):
    if IMPORT_ERROR is None:
        return
    skip = pytest.mark.skip(reason="the barlake Python package is not built or not on PYTHONPATH "
                                   "(cmake -DBARLAKE_PYTHON=ON; PYTHONPATH=<build>/python): " + IMPORT_ERROR)
    for item in items:
        item.add_marker(skip)


# 2024-03-09 00:00 UTC: three days of 1-minute bars from here span New York's spring-forward
# day (2024-03-10, 23 hours long).
FIRST_OPEN_S = 1709942400
DAYS = 3
BARS = DAYS * 1440


def bar_values(i):
    """The bar at minute i of the generated data: prices on ES's 0.25 tick, smooth enough for
    the spike checks."""
    base = 5000 + round(40 * math.sin(i / 300.0)) * 0.25
    close = base + (i % 4) * 0.25
    return base, max(base, close) + 0.5, min(base, close) - 0.25, close, 100 + i % 37


def ninjatrader_lines(first_minute, count, timeframe_minutes=1, value=bar_values):
    """A NinjaTrader 8 export in UTC (stamps are bar close times)."""
    import datetime as dt
    lines = []
    for k in range(count):
        i = first_minute + k * timeframe_minutes
        o, h, low, c, v = value(i)
        close_time = dt.datetime.utcfromtimestamp(FIRST_OPEN_S + (i + timeframe_minutes) * 60)
        lines.append("%s;%s;%s;%s;%s;%d" % (close_time.strftime("%Y%m%d %H%M%S"), o, h, low, c, v))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def cli():
    """The barlake binary of the same build (ctest passes it), for message comparisons."""
    path = os.environ.get("BARLAKE_BINARY", "")
    if not path or not os.path.exists(path):
        pytest.skip("BARLAKE_BINARY is not set to the built barlake binary")
    return path


@pytest.fixture(scope="module")
def filled_vault(tmp_path_factory):
    """A vault holding ES 1m (three days around the DST change) and ES 1h, imported once."""
    root = tmp_path_factory.mktemp("vault")
    path = str(root / "v")
    barlake.init(path, name="python tests")
    es_1m = root / "ES.Last.txt"
    es_1m.write_text(ninjatrader_lines(0, BARS))
    es_1h = root / "ES-1h.Last.txt"
    es_1h.write_text(ninjatrader_lines(0, DAYS * 24, timeframe_minutes=60))
    vault = barlake.open(path)
    report_1m = vault.import_file(str(es_1m), "ES", "1m", tz="UTC")
    report_1h = vault.import_file(str(es_1h), "ES", "1h", tz="UTC")
    yield {"path": path, "vault": vault, "root": root, "report_1m": report_1m, "report_1h": report_1h}
    vault.close()
