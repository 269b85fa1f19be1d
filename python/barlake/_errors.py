"""barlake's errors as Python exceptions: one class per error code (docs/exit-codes.md).

Every class derives from ``barlake.Error``; ``code`` is the ErrorCode number and
``code_name`` its name. The message is the one the CLI prints after "barlake: error: ".
"""


class Error(Exception):
    """A barlake operation failed; subclasses name the error code."""

    code = 0
    code_name = "Error"


class InvalidArgument(Error, ValueError):
    """The caller asked for something malformed (a bad timeframe, zone, option, SQL)."""

    code, code_name = 1, "InvalidArgument"


class NotFound(Error, LookupError):
    """No such vault, dataset, job or file."""

    code, code_name = 2, "NotFound"


class AlreadyExists(Error):
    """The folder already holds a vault."""

    code, code_name = 3, "AlreadyExists"


class IOError(Error, OSError):  # noqa: A001 - barlake.IOError, the ErrorCode's name
    """Reading or writing the disk failed."""

    code, code_name = 4, "IOError"


class NoSpace(IOError):
    """The disk is full."""

    code, code_name = 5, "NoSpace"


class Corruption(Error):
    """Stored data does not match the journal (run vault.verify())."""

    code, code_name = 6, "Corruption"


class Conflict(Error):
    """The request collides with stored data or a later job."""

    code, code_name = 7, "Conflict"


class Unavailable(Error):
    """A resource is busy: another writer holds the vault's writer lock."""

    code, code_name = 8, "Unavailable"


#: The writer lock stayed taken for the whole wait (``barlake.open(..., lock_wait_seconds)``).
LockTimeout = Unavailable


class Cancelled(Error):
    """The operation was stopped."""

    code, code_name = 9, "Cancelled"


class Internal(Error):
    """A bug in barlake; please report it with what you ran."""

    code, code_name = 10, "Internal"


class InvalidInput(Error, ValueError):
    """An input file is malformed (parse or validation failure)."""

    code, code_name = 11, "InvalidInput"


_BY_CODE = {
    cls.code: cls
    for cls in (InvalidArgument, NotFound, AlreadyExists, IOError, NoSpace, Corruption, Conflict,
                Unavailable, Cancelled, Internal, InvalidInput)
}


def error_class(code):
    """The exception class of ErrorCode ``code`` (the compiled module raises through this)."""
    return _BY_CODE.get(code, Error)
