from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from snapy_capture import _runtime, redirect_captures

# ---- INTERIM until snapy-storage-json lands on main: a minimal real-file backend ----
import datetime as dt
import itertools
import os
import pickle
from snapy_core import CaptureCorruptError, CaptureRef, FunctionSummary, hookimpl, record_from_primitive, record_to_primitive

_seq = itertools.count()


class InterimStorage:
    name = "interim"

    def __init__(self, root, retention=None, max_age=None, durable=False):
        self.root = Path(root)
        self.retention = retention

    def encode(self, record):
        return pickle.dumps(record_to_primitive(record))

    def write_encoded(self, function_key, timestamp, data):
        folder = self.root / function_key.replace("<", "_").replace(">", "_")
        folder.mkdir(parents=True, exist_ok=True)
        cid = f"{timestamp.strftime('%Y%m%dT%H%M%S%fZ')}-{os.getpid()}-{next(_seq):06d}"
        path = folder / f"{cid}.cap"
        tmp = folder / f".{cid}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, path)
        if self.retention:
            for ref in self.list(folder.name)[self.retention:]:
                ref.path.unlink()
        return CaptureRef(function_key=folder.name, capture_id=cid, timestamp=timestamp, backend=self.name, path=path)

    def write(self, record):
        return self.write_encoded(record.function_key, record.timestamp, self.encode(record))

    def functions(self):
        if not self.root.is_dir():
            return []
        return [FunctionSummary(function_key=d.name, count=len(list(d.glob("*.cap"))), newest=None, oldest=None, total_size=0, backend=self.name) for d in sorted(self.root.iterdir()) if d.is_dir()]

    def list(self, function_key):
        folder = self.root / function_key
        refs = []
        for path in sorted(folder.glob("*.cap"), reverse=True):
            stamp = dt.datetime.strptime(path.stem.split("-")[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.timezone.utc)
            refs.append(CaptureRef(function_key=function_key, capture_id=path.stem, timestamp=stamp, backend=self.name, path=path))
        return refs

    def read(self, ref):
        try:
            data = pickle.loads(ref.path.read_bytes())
        except Exception as error:
            raise CaptureCorruptError(ref.path, str(error)) from None
        record = record_from_primitive(data, source=str(ref.path))
        import attrs
        return attrs.evolve(record, capture_id=ref.capture_id)

    def load_all(self, function_key):
        records, errors = [], []
        for ref in self.list(function_key):
            try:
                records.append(self.read(ref))
            except CaptureCorruptError as error:
                errors.append(error)
        return records, errors

    def delete(self, ref):
        ref.path.unlink()

    def prune(self, function_key, *, keep=None, max_age=None, dry_run=False):
        return []


class InterimPlugin:
    @hookimpl
    def snapy_register_storage_backends(self, register):
        register("json", InterimStorage, description="interim")


def install():
    from snapy_core import get_plugin_manager
    import snapy_core._plugins as plugins
    manager = get_plugin_manager()
    if not manager.has_plugin("interim"):
        manager.register(InterimPlugin(), name="interim")
        plugins._registry_cache.clear()

install()
# ---- end INTERIM


@pytest.fixture(autouse=True)
def _isolated_registry() -> Iterator[None]:
    """Functions decorated inside one test are forgotten after it (they share bare names)."""
    saved = {key: list(handles) for key, handles in _runtime._registry.items()}
    yield
    _runtime._registry.clear()
    _runtime._registry.update(saved)


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Captures go where the decorators say (not the pytest session store); cwd is tmp_path."""
    monkeypatch.chdir(tmp_path)
    with redirect_captures(None):
        yield tmp_path
