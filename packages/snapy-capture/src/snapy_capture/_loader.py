"""Finding stored captures by function name and turning them back into call arguments.

Where the loaders look, unless given ``path=``:

1. the store of every function decorated with ``@capture_args`` in this process (a test
   that imports the decorated code finds captures under the decorator's own ``path``);
2. paths added with ``--snapy-path`` (pytest) or :func:`add_search_path`;
3. the configured default path (``SNAP_CAPTURE_DEFAULT_PATH``, the global configuration,
   or ``.snapy/captures``);
4. last, and only for functions that have no capture in 1-3: the store that captures are
   redirected to during a test session (see the pytest plugin).

Names: a bare function name (``process_order``), a qualname
(``OrderService.process_order``), or ``module.qualname``; any dotted suffix of the full
name works. A name that matches two functions is refused with the list of candidates.
"""

from __future__ import annotations

import datetime as dt
import difflib
import inspect
import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from snapy_core import (
    CaptureCorruptError,
    CaptureNotFoundError,
    CaptureRecord,
    CaptureRef,
    CaptureWarning,
    StorageBackend,
    available_backends,
    open_storage,
    resolve_config,
)

from . import _runtime

OnError = Literal["warn", "raise", "skip"]


@attrs.frozen
class SearchLocation:
    """A store the loaders look in, and why."""

    root: Path
    reason: str
    fallback: bool = False
    """Only used for functions that have no capture in the other locations."""


def search_locations(path: str | os.PathLike[str] | None = None) -> list[SearchLocation]:
    """Where :func:`load_capture` looks, in order (``path`` given: only there)."""
    if path is not None:
        return [SearchLocation(Path(os.path.abspath(path)), "the path given")]
    order: list[Path] = []
    functions: dict[Path, list[str]] = {}
    reasons: dict[Path, list[str]] = {}
    fallbacks: set[Path] = set()

    def add(root: Path, reason: str | None = None, *, function: str | None = None) -> None:
        if root not in reasons:
            order.append(root)
            reasons[root] = []
            functions[root] = []
        if function is not None:
            functions[root].append(function)
        if reason is not None and reason not in reasons[root]:
            reasons[root].append(reason)

    for handle in _runtime.registered_functions():
        add(handle.root, function=handle.function_key)
    for extra in _runtime.state.search_paths:
        add(extra, "added with --snapy-path / add_search_path()")
    resolved = resolve_config()
    origin = resolved.source_of("path")
    add(
        Path(os.path.abspath(resolved.config.path)),
        "the default path" + (f" ({origin.detail})" if origin.detail else " (.snapy/captures)"),
    )
    redirect = _runtime.state.redirect_root
    if redirect is not None:
        if redirect not in reasons:
            fallbacks.add(redirect)
        add(redirect, "captures made during this test session")
    locations = []
    for root in order:
        parts = list(reasons[root])
        names = functions[root]
        if names:
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            parts.insert(0, f"path of @capture_args on {shown}")
        locations.append(SearchLocation(root, "; ".join(parts), root in fallbacks))
    return locations


@attrs.frozen
class _Source:
    location: SearchLocation
    storage: StorageBackend


@attrs.frozen
class _Resolved:
    function_key: str
    sources: tuple[_Source, ...]


_CANDIDATES_SHOWN = 10
"""How many functions an ambiguous name's error lists (``error.candidates`` has them all)."""


def _storages_for(location: SearchLocation) -> list[StorageBackend]:
    storages: list[StorageBackend] = []
    seen: set[str] = set()
    for handle in _runtime.registered_functions():
        if handle.root == location.root and handle.backend_name not in seen:
            try:
                storages.append(handle.reading_storage())
                seen.add(handle.backend_name)
            except Exception:
                pass
    if not location.root.is_dir():
        return storages
    for name in available_backends():
        if name in seen:
            continue
        try:
            storages.append(open_storage(name, location.root))
            seen.add(name)
        except Exception:
            continue
    return storages


def replay_arguments(
    record: CaptureRecord, overrides: Mapping[str, Any] | None = None
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``(args, kwargs)`` of a record, with ``overrides`` substituted by parameter name.

    An override replaces a positional argument of that name (records keep the parameter
    name of each positional argument), else a keyword argument; a name the call did not
    pass is added as a keyword argument.
    """
    args = list(record.args)
    kwargs = dict(record.kwargs)
    positions = {name: index for index, name in enumerate(record.arg_names)}
    for name, value in (overrides or {}).items():
        index = positions.get(name)
        if index is not None and index < len(args):
            args[index] = value
        else:
            kwargs[name] = value
    return tuple(args), kwargs


class CaptureLoader:
    """Load, list and select the stored captures of functions.

    ``CaptureLoader()`` searches the locations described in this module's docs;
    ``CaptureLoader(path)`` only that store. ``on_error`` says what to do with capture
    files that cannot be read while loading many: ``"warn"`` (default, a
    :class:`~snapy_core.CaptureWarning` naming each file, the others still load),
    ``"skip"``, or ``"raise"``. Unreadable files are also kept in :attr:`errors`.
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, on_error: OnError = "warn"
    ) -> None:
        if on_error not in ("warn", "raise", "skip"):
            raise ValueError(f"on_error must be 'warn', 'raise' or 'skip', got {on_error!r}")
        self.path = None if path is None else Path(os.path.abspath(path))
        self.on_error = on_error
        self.errors: list[CaptureCorruptError] = []

    # -- discovery ------------------------------------------------------------------------

    def locations(self) -> list[SearchLocation]:
        return search_locations(self.path)

    def _keys_in(
        self, location: SearchLocation, matching: Callable[[str], bool] | None = None
    ) -> list[tuple[str, StorageBackend]]:
        """``(function key, storage)`` of every function stored there (that ``matching``)."""
        found: list[tuple[str, StorageBackend]] = []
        for storage in _storages_for(location):
            # CaptureStorage.function_keys() lists only the directories of matching keys and
            # neither counts nor sizes their captures (functions() stats every file of the
            # store: most of a second per load_capture on a store of 100,000)
            function_keys = getattr(storage, "function_keys", None)
            try:
                if callable(function_keys):
                    found.extend((key, storage) for key in function_keys(matching=matching))
                else:
                    found.extend(
                        (summary.function_key, storage)
                        for summary in storage.functions()
                        if summary.count and (matching is None or matching(summary.function_key))
                    )
            except Exception:
                continue
        return found

    def functions(self) -> list[str]:
        """The key (``module.qualname``) of every function with stored captures."""
        keys: dict[str, None] = {}
        for location in self.locations():
            for key, _ in self._keys_in(location):
                keys[key] = None
        return sorted(keys)

    def _resolve(self, name: Any) -> _Resolved:
        wanted, exact = self._wanted(name)
        locations = self.locations()
        tried: list[SearchLocation] = []
        suffix = "." + wanted

        def matching(key: str) -> bool:
            return key == wanted or (not exact and key.endswith(suffix))

        for fallback in (False, True):
            matches: dict[str, list[_Source]] = {}
            for location in (loc for loc in locations if loc.fallback is fallback):
                tried.append(location)
                for key, storage in self._keys_in(location, matching):
                    matches.setdefault(key, []).append(_Source(location, storage))
            if len(matches) > 1 and wanted in matches:
                matches = {wanted: matches[wanted]}
            if len(matches) > 1:
                candidates = sorted(matches)
                shown = ", ".join(candidates[:_CANDIDATES_SHOWN])
                if len(candidates) > _CANDIDATES_SHOWN:
                    shown += (
                        f" and {len(candidates) - _CANDIDATES_SHOWN} more "
                        f"(`snapy list {wanted}` shows them all)"
                    )
                error = CaptureNotFoundError(
                    f"{wanted!r} matches captures of {len(candidates)} functions: {shown}. "
                    "Pass the qualname or module.qualname to choose one, e.g. "
                    f"load_capture({candidates[0]!r})."
                )
                error.candidates = candidates  # type: ignore[attr-defined]
                raise error
            if matches:
                ((key, sources),) = matches.items()
                return _Resolved(key, tuple(sources))
        # a miss: every stored name, for the near names the message suggests
        everything = [key for location in tried for key, _ in self._keys_in(location)]
        raise self._not_found(wanted, tried, everything)

    @staticmethod
    def _wanted(name: Any) -> tuple[str, bool]:
        if isinstance(name, str):
            if not name.strip():
                raise ValueError("the function name to load captures of is empty")
            return name.strip(), False
        handle = getattr(name, "__snapy__", None)
        key = getattr(handle, "function_key", None)
        if key is None:
            module = getattr(name, "__module__", None)
            qualname = getattr(name, "__qualname__", None)
            if qualname is None:
                raise TypeError(
                    "load a capture by function name (a string) or by the decorated function, "
                    f"got {type(name).__name__}"
                )
            key = f"{module}.{qualname}" if module else qualname
        return key, True

    def _not_found(
        self, wanted: str, tried: Sequence[SearchLocation], known: Iterable[str]
    ) -> CaptureNotFoundError:
        lines = [f"no capture of {wanted!r} found."]
        decorated = [
            handle
            for handle in _runtime.registered_functions()
            if handle.function_key == wanted or handle.function_key.endswith("." + wanted)
        ]
        for handle in decorated:
            lines.append(
                f"{handle.function_key} is decorated with @capture_args and stores its captures "
                f"in {handle.root}, where there are none yet: call it (with capture on) first."
            )
        lines.append("Looked in:")
        for location in tried:
            state = "" if location.root.is_dir() else " (does not exist)"
            lines.append(f"  - {location.root}{state}: {location.reason}")
        names: dict[str, str] = {}
        for key in known:
            names.setdefault(key, key)
            names.setdefault(key.rsplit(".", 1)[-1], key)
        close = difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)
        if close:
            near = dict.fromkeys(names[name] for name in close)
            lines.append("Near names: " + ", ".join(near))
        elif known:
            lines.append("Functions with captures there: " + ", ".join(sorted(set(known))[:10]))
        lines.append(
            "Pass path=... (or pytest --snapy-path), or set SNAP_CAPTURE_DEFAULT_PATH, to look "
            "elsewhere."
        )
        return CaptureNotFoundError("\n".join(lines))

    def _refs(
        self, resolved: _Resolved, limit: int | None = None
    ) -> list[tuple[CaptureRef, _Source]]:
        """The captures of the function, newest first; with ``limit``, the newest ``limit``.

        The newest ``limit`` of all sources are among the newest ``limit`` of each, so a
        store that can stop listing early (``list(key, limit=...)``) is asked for no more.
        """
        refs: dict[Any, tuple[CaptureRef, _Source]] = {}
        for source in resolved.sources:
            for ref in _list(source.storage, resolved.function_key, limit):
                identity = ref.path if ref.path is not None else (source.location.root, ref)
                refs.setdefault(identity, (ref, source))
        newest_first = sorted(
            refs.values(), key=lambda item: (item[0].timestamp, item[0].capture_id), reverse=True
        )
        return newest_first if limit is None else newest_first[:limit]

    # -- loading ----------------------------------------------------------------------

    def count(self, function_name: Any) -> int:
        """How many captures of the function are stored."""
        try:
            return len(self._refs(self._resolve(function_name)))
        except CaptureNotFoundError:
            return 0

    def has(self, function_name: Any) -> bool:
        """True if the function has stored captures (or the name is ambiguous)."""
        try:
            self._resolve(function_name)
        except CaptureNotFoundError as error:
            return bool(getattr(error, "candidates", None))
        return True

    def load(self, function_name: Any, index: int = 0) -> CaptureRecord:
        """One capture as a record: ``index`` 0 is the newest, -1 the oldest."""
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"index must be an int, got {type(index).__name__}")
        resolved = self._resolve(function_name)
        # counting from the newest: list no more than that many (fewer found means all)
        refs = self._refs(resolved, index + 1 if index >= 0 else None)
        if not refs:
            raise CaptureNotFoundError(f"no capture of {resolved.function_key!r} is stored")
        if not -len(refs) <= index < len(refs):
            raise CaptureNotFoundError(
                f"{resolved.function_key} has {len(refs)} stored capture(s): index 0 is the "
                f"newest and {len(refs) - 1} the oldest (or -1); index {index} is out of range."
            )
        ref, source = refs[index]
        return source.storage.read(ref)

    def load_all(self, function_name: Any) -> list[CaptureRecord]:
        """Every stored capture of the function, newest first."""
        resolved = self._resolve(function_name)
        records: list[CaptureRecord] = []
        for ref, source in self._refs(resolved):
            try:
                records.append(source.storage.read(ref))
            except CaptureCorruptError as error:
                self._unreadable(error)
        return records

    def _unreadable(self, error: CaptureCorruptError) -> None:
        self.errors.append(error)
        if self.on_error == "raise":
            raise error
        if self.on_error == "warn":
            warnings.warn(f"skipped an unreadable capture: {error}", CaptureWarning, stacklevel=4)

    def load_by_index(
        self, function_name: Any, index: int = 0, *, overrides: Mapping[str, Any] | None = None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``(args, kwargs)`` of capture ``index`` (0 = newest)."""
        return replay_arguments(self.load(function_name, index), overrides)

    def newest(self, function_name: Any) -> CaptureRecord:
        return self.load(function_name, 0)

    def oldest(self, function_name: Any) -> CaptureRecord:
        return self.load(function_name, -1)

    def between(
        self,
        function_name: Any,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> list[CaptureRecord]:
        """Captures whose call began in ``[start, end)`` (naive datetimes are UTC), newest first."""
        start_utc, end_utc = _as_utc(start), _as_utc(end)
        resolved = self._resolve(function_name)
        records: list[CaptureRecord] = []
        for ref, source in self._refs(resolved):
            stamp = ref.timestamp
            if (start_utc is None or stamp >= start_utc) and (end_utc is None or stamp < end_utc):
                try:
                    records.append(source.storage.read(ref))
                except CaptureCorruptError as error:
                    self._unreadable(error)
        return records

    # -- selection --------------------------------------------------------------------

    def find_by_criteria(
        self, captures: Iterable[CaptureRecord] | str, criteria: Mapping[str, Any]
    ) -> list[CaptureRecord]:
        """The captures that match every criterion (see :meth:`select_by_criteria`)."""
        records = self.load_all(captures) if isinstance(captures, str) else list(captures)
        return [record for record in records if _matches(record, criteria)]

    def select_by_criteria(
        self,
        captures: Iterable[CaptureRecord] | str,
        criteria: Mapping[str, Any],
        *,
        overrides: Mapping[str, Any] | None = None,
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``(args, kwargs)`` of the first (newest) capture matching every criterion.

        A criterion names a metadata field (``call_depth``, ``thread_name``, ``thread_id``,
        ``task_name``, ``pid``, ``host``, ``python_version``, ``snapy_version``), a key of
        ``metadata.extra``, a record field (``module``, ``qualname``, ``function_name``,
        ``capture_id``), or an argument name; its value is compared with ``==``, or called
        with the field's value when it is callable. Seed 001 spells the thread name
        ``thread_id``: ``{"thread_id": "MainThread"}`` (a string) matches the thread name.
        """
        records = self.load_all(captures) if isinstance(captures, str) else list(captures)
        for record in records:
            if _matches(record, criteria):
                return replay_arguments(record, overrides)
        raise CaptureNotFoundError(_no_match_message(records, criteria))


def _list(storage: StorageBackend, function_key: str, limit: int | None) -> list[CaptureRef]:
    """``storage.list``, stopping at ``limit`` where the storage can (``CaptureStorage``
    and its subclasses can; a custom backend's ``list`` may not take ``limit``)."""
    if limit is not None and _lists_with_limit(storage):
        return storage.list(function_key, limit=limit)  # type: ignore[call-arg]
    return storage.list(function_key)


def _lists_with_limit(storage: StorageBackend) -> bool:
    try:
        parameters = inspect.signature(storage.list).parameters
    except (TypeError, ValueError):
        return False
    return "limit" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


_RECORD_FIELDS = ("module", "qualname", "function_name", "function_key", "capture_id", "timestamp")
_MISSING = object()


def _field(record: CaptureRecord, name: str) -> Any:
    if name in _RECORD_FIELDS:
        return getattr(record, name)
    if hasattr(record.metadata, name) and name != "extra":
        return getattr(record.metadata, name)
    if name in record.metadata.extra:
        return record.metadata.extra[name]
    arguments = record.named_arguments()
    if name in arguments:
        return arguments[name]
    return _MISSING


def _matches(record: CaptureRecord, criteria: Mapping[str, Any]) -> bool:
    for name, expected in criteria.items():
        actual = _field(record, name)
        if name == "thread_id" and isinstance(expected, str):
            # seed 001: {"thread_id": "MainThread"}; our thread_id is the int identifier
            if expected not in (record.metadata.thread_name, str(record.metadata.thread_id)):
                return False
            continue
        if actual is _MISSING:
            return False
        if callable(expected) and not isinstance(expected, type):
            if not expected(actual):
                return False
        elif actual != expected:
            return False
    return True


def _no_match_message(records: Sequence[CaptureRecord], criteria: Mapping[str, Any]) -> str:
    if not records:
        return f"no capture to select from (criteria {dict(criteria)!r})"
    seen = []
    for name in criteria:
        values = sorted({repr(_field(r, name)) for r in records if _field(r, name) is not _MISSING})
        if not values:
            seen.append(f"{name}: no such field or argument in these captures")
        else:
            seen.append(f"{name} in {{{', '.join(values[:8])}}}")
    return (
        f"none of {len(records)} capture(s) matches {dict(criteria)!r}; values seen: "
        + "; ".join(seen)
    )


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


# -- the module-level shortcuts -------------------------------------------------------------


def load_capture(
    function_name: str | Callable[..., Any],
    index: int = 0,
    path: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``(args, kwargs)`` of a stored capture: ``index`` 0 is the newest.

    ``overrides={"payment_token": "tok_test"}`` substitutes values by parameter name,
    for positional and keyword arguments alike (use it for redacted ones). Raises
    :class:`~snapy_core.CaptureNotFoundError` saying where it looked and which near names
    exist.
    """
    return CaptureLoader(path).load_by_index(function_name, index, overrides=overrides)


def load_capture_dict(
    function_name: str | Callable[..., Any],
    index: int = 0,
    path: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """A stored capture as the plain dict of seed 001 (``function_name``, ``timestamp``,
    ``args``, ``kwargs``, ``metadata``, plus ``filtered`` and ``outcome``)."""
    return CaptureLoader(path).load(function_name, index).as_dict()


def has_capture(
    function_name: str | Callable[..., Any], path: str | os.PathLike[str] | None = None
) -> bool:
    """True if :func:`load_capture` has something to load for this name.

    Also True for a name that matches several functions, so that ``load_capture`` then
    explains the ambiguity instead of a test silently using fallback data.
    """
    return CaptureLoader(path).has(function_name)


__all__ = [
    "CaptureLoader",
    "SearchLocation",
    "has_capture",
    "load_capture",
    "load_capture_dict",
    "replay_arguments",
    "search_locations",
]
