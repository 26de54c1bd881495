from __future__ import annotations

import inspect
import pickle
from pathlib import Path

import pytest

import snapy_core
from snapy_core import errors


def all_exceptions() -> list[type[BaseException]]:
    return [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, BaseException) and not issubclass(obj, Warning)
    ]


def test_every_exception_derives_from_snapy_error() -> None:
    for exception in all_exceptions():
        assert issubclass(exception, errors.SnapyError), exception


def test_every_warning_derives_from_snapy_warning() -> None:
    for _, obj in inspect.getmembers(errors, inspect.isclass):
        if issubclass(obj, Warning):
            assert issubclass(obj, errors.SnapyWarning), obj


def test_the_docstring_draws_the_whole_tree() -> None:
    for exception in all_exceptions():
        assert exception.__name__ in errors.__doc__, exception


def test_corrupt_error_names_the_file_and_the_reason_and_pickles() -> None:
    error = snapy_core.CaptureTamperedError(Path("/store/f/x.pickle"), "signature mismatch")
    assert str(error) == "capture file /store/f/x.pickle cannot be read: signature mismatch"
    assert isinstance(error, snapy_core.CaptureCorruptError)
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.path, again.reason) == (type(error), error.path, error.reason)


@pytest.mark.parametrize(
    ("exception", "builtin"),
    [
        (errors.ConfigError, ValueError),
        (errors.CaptureNotFoundError, LookupError),
        (errors.BackendNotFoundError, LookupError),
        (errors.CaptureWriteError, OSError),
    ],
)
def test_exceptions_are_also_the_builtin_users_expect(exception, builtin) -> None:
    assert issubclass(exception, builtin)
