"""DataManager: the facade the users' apps call (their own design, so their code swaps in).

    dm = barlake.DataManager(barlake.open("/data/bars"))
    df = dm.get_ohlcv("ES", "1m", "2024-03-01", "2024-04-01")
"""

import re


def _timeframe_minutes(timeframe):
    """Sort key of a timeframe ("1m" < "5m" < "1h" < "1d" < "1w"); unknown ones last."""
    m = re.fullmatch(r"(\d+)([mhdw])", timeframe)
    if not m:
        return float("inf")
    return int(m.group(1)) * {"m": 1, "h": 60, "d": 1440, "w": 10080}[m.group(2)]


class DataManager:
    """Bars by symbol and timeframe from one vault.

    ``vault`` is a ``barlake.Vault`` or a vault folder. get_ohlcv reads what the lake holds;
    fetching missing ranges from providers (``barlake update``) is not wired in yet.
    """

    def __init__(self, vault):
        if isinstance(vault, str) or hasattr(vault, "__fspath__"):
            import barlake
            vault = barlake.open(vault)
        self.vault = vault

    def get_ohlcv(self, symbol, timeframe, start=None, end=None, tz=None):
        """OHLCV bars with start <= ts < end: the DataFrame of ``Vault.read`` (index ``ts``,
        float64 open, high, low, close, volume). Raises barlake.NotFound for an unknown
        dataset."""
        return self.vault.read(symbol, timeframe, start, end, tz=tz)

    def _bar_datasets(self):
        status = self.vault.status()
        return status[status["kind"] == "bars"]

    def list_symbols(self):
        """The symbols that have bars in the lake, sorted."""
        return sorted(set(self._bar_datasets()["symbol"]))

    def list_timeframes(self, symbol):
        """The timeframes of ``symbol``'s bars, finest first ([] for an unknown symbol)."""
        bars = self._bar_datasets()
        return sorted(set(bars[bars["symbol"] == symbol]["timeframe"]), key=_timeframe_minutes)
