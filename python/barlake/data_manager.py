"""DataManager: the facade the users' apps call (their own design, so their code swaps in).

    dm = barlake.DataManager(barlake.open("/data/bars"))
    df = dm.get_ohlcv("ES", "1m", "2024-03-01", "2024-04-01")
    df = dm.get_ohlcv("BTCUSDT", "1m", "2024-03-01", None, fetch_missing=True)

Over the C++ facade barlake::DataManager (include/barlake/data_manager.h): fetching goes
through the same providers, rules and journaled import job as ``barlake update``.
"""


class DataManager:
    """Bars by symbol and timeframe from one vault, optionally fetching what is missing.

    ``vault`` is a ``barlake.Vault`` or a vault folder.
    """

    def __init__(self, vault):
        if isinstance(vault, str) or hasattr(vault, "__fspath__"):
            import barlake
            vault = barlake.open(vault)
        self.vault = vault
        #: What the last get_ohlcv(fetch_missing=True) fetched: a dict with provider,
        #: requests, rows_fetched, rows_written, rows_rejected, status, error, jobs.
        self.last_fetch = None

    def get_ohlcv(self, symbol, timeframe, start=None, end=None, tz=None, fetch_missing=False, provider=None):
        """OHLCV bars with start <= ts < end: the DataFrame of ``Vault.read`` (index ``ts``,
        float64 open, high, low, close, volume).

        With ``fetch_missing``, the part of the range the lake lacks is first fetched from
        the dataset's provider chain (docs/providers.md; ``provider`` picks one) as one
        journaled import job, as ``barlake update`` does; the GIL is released meanwhile.
        ``start=None`` then means "after the last stored bar" (a new dataset: the provider's
        default lookback), ``end=None`` now. Raises NotFound for an unknown dataset (or a
        symbol the provider does not know), Conflict when the provider adjusted its history,
        Unavailable when every provider failed.
        """
        if fetch_missing:
            import barlake
            lo = barlake._micros(start, tz, 0)
            hi = barlake._micros(end, tz, barlake._barlake.MAX_MICROS)
            self.last_fetch = self.vault._native.fetch_missing(symbol, timeframe, lo, hi, provider or "")
        return self.vault.read(symbol, timeframe, start, end, tz=tz)

    def list_symbols(self):
        """The symbols with bar datasets (stored or declared in barlake.toml), sorted."""
        return list(self.vault._native.list_symbols())

    def list_timeframes(self, symbol):
        """The timeframes of ``symbol``'s bars, finest first ([] for an unknown symbol)."""
        import barlake
        try:
            return list(self.vault._native.list_timeframes(symbol))
        except barlake.NotFound:
            return []

    def provider_for(self, symbol, timeframe):
        """The providers that serve ``symbol``/``timeframe``, in failover order (the first
        ``[[rule]]`` of barlake.toml that matches, or the defaults). Raises NotFound when none
        does."""
        return list(self.vault._native.provider_for(symbol, timeframe))
