from __future__ import annotations

import asyncio
import functools
import inspect
import threading
import warnings
from pathlib import Path

import pytest

from snapy_capture import (
    CaptureLoader,
    CaptureWarning,
    Redacted,
    _decorator,
    capture_args,
    capture_disabled,
    capture_enabled,
    flush,
    get_capture_handle,
    load_capture,
    load_capture_dict,
    set_capture_enabled,
)


def records(path: Path, name: str):
    return CaptureLoader(path).load_all(name)


# -- decoration -----------------------------------------------------------------------


def test_disabled_at_decoration_returns_the_function_itself(live: Path) -> None:
    def original(x):
        return x

    assert capture_args(enabled=False)(original) is original


def test_disabled_by_environment_returns_the_function_itself(
    live: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNAP_CAPTURE_ENABLED", "0")

    def original(x):
        return x

    assert capture_args(path="caps")(original) is original
    static = staticmethod(original)
    assert capture_args()(static) is static


def test_wrapper_keeps_metadata_and_kind(live: Path) -> None:
    def plain(a: int, b: str = "x") -> str:
        """Doc of plain."""
        return b * a

    async def coroutine(a):
        return a

    def generator(n):
        yield from range(n)

    async def async_generator(n):
        for i in range(n):
            yield i

    wrapped = capture_args(path="caps")(plain)
    assert wrapped is not plain
    assert wrapped.__name__ == "plain"
    assert wrapped.__doc__ == "Doc of plain."
    assert wrapped.__wrapped__ is plain
    assert inspect.signature(wrapped) == inspect.signature(plain)
    assert inspect.iscoroutinefunction(capture_args()(coroutine))
    assert inspect.isgeneratorfunction(capture_args()(generator))
    assert inspect.isasyncgenfunction(capture_args()(async_generator))
    assert get_capture_handle(wrapped) is wrapped.__snapy__


def test_bare_decorator_and_legacy_call_form(live: Path) -> None:
    @capture_args
    def bare(x):
        return x + 1

    def legacy_payment_processor(card_data, amount, merchant_id):
        return amount

    legacy = capture_args(path="./legacy_captures", ignore_args=["card_data"])(
        legacy_payment_processor
    )
    assert bare(1) == 2
    assert legacy("4111 1111 1111 1111", 10, "m1") == 10
    args, _ = load_capture("legacy_payment_processor", path="legacy_captures")
    assert isinstance(args[0], Redacted)
    assert args[1:] == (10, "m1")
    assert load_capture("bare") == ((1,), {})


def test_bad_decorator_argument_raises_config_error(live: Path) -> None:
    from snapy_core import ConfigError

    with pytest.raises(ConfigError, match="sample_rate"):
        capture_args(sample_rate=2)
    with pytest.raises(ConfigError, match="fallback_serializer"):
        capture_args(fallback_serializer=42)


# -- what is captured -----------------------------------------------------------------


def test_methods_do_not_capture_self_or_cls_and_replay(live: Path) -> None:
    # defined here, after the chdir into tmp_path, so "caps" lands there
    class Service:
        def __init__(self, factor: int) -> None:
            self.factor = factor

        @capture_args(path="caps")
        def scale(self, value, *, offset=0):
            return value * self.factor + offset

        @capture_args(path="caps")
        @classmethod
        def build(cls, factor):
            return cls(factor)

        @classmethod
        @capture_args(path="caps")
        def build_inner(cls, factor):
            return cls(factor)

        @staticmethod
        @capture_args(path="caps")
        def helper(a, b):
            return a - b

        @capture_args(path="caps")
        @staticmethod
        def helper_outer(a, b):
            return a + b

    service = Service(3)
    assert service.scale(2, offset=1) == 7
    assert Service.build(4).factor == 4
    assert Service.build_inner(5).factor == 5
    assert Service.helper(5, 3) == 2
    assert service.helper_outer(5, 3) == 8

    args, kwargs = load_capture("Service.scale")
    assert (args, kwargs) == ((2,), {"offset": 1})
    assert service.scale(*args, **kwargs) == 7
    assert load_capture("Service.build") == ((4,), {})
    assert load_capture("Service.build_inner") == ((5,), {})
    assert load_capture("Service.helper") == ((5, 3), {})
    assert load_capture("Service.helper_outer") == ((5, 3), {})


def test_every_parameter_kind(live: Path) -> None:
    @capture_args(path="caps")
    def kinds(a, b, /, c, *rest, d, e=5, **extra):
        return (a, b, c, rest, d, e, extra)

    result = kinds(1, 2, 3, 4, 5, d=6, f=7)
    (record,) = records(Path("caps"), "kinds")
    assert record.args == (1, 2, 3, 4, 5)
    assert record.arg_names == ("a", "b", "c", "*args[3]", "*args[4]")
    assert record.kwargs == {"d": 6, "f": 7}
    args, kwargs = load_capture("kinds", overrides={"b": 20, "d": 60})
    assert kinds(*args, **kwargs) == (1, 20, 3, (4, 5), 60, 5, {"f": 7})
    assert result == (1, 2, 3, (4, 5), 6, 5, {"f": 7})


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"capture_result": True},
        {"async_storage": True},
        {"async_storage": True, "capture_result": True},
    ],
    ids=["default", "capture_result", "async_storage", "async_capture_result"],
)
def test_arguments_are_captured_as_they_were_when_the_call_began(live: Path, options: dict) -> None:
    @capture_args(path="caps", **options)
    def mutate(items, mapping):
        items.append("added by the function")
        mapping["changed"] = True
        return len(items)

    items, mapping = ["a"], {"k": 1}
    assert mutate(items, mapping) == 2
    assert items == ["a", "added by the function"]
    flush()
    args, _ = load_capture("mutate")
    assert args == (["a"], {"k": 1})


def test_lazy_serialization_stores_the_arguments_after_the_call(live: Path) -> None:
    # the documented trade-off: no copy, so a function that mutates shows the mutation
    @capture_args(path="caps", lazy_serialization=True)
    def mutate(items):
        items.append("late")

    mutate(["early"])
    assert load_capture("mutate") == ((["early", "late"],), {})


def test_capture_result_stores_return_value_and_exception(live: Path) -> None:
    @capture_args(path="caps", capture_result=True)
    def divide(a, b):
        return a / b

    assert divide(6, 3) == 2
    with pytest.raises(ZeroDivisionError):
        divide(1, 0)
    newest, oldest = records(Path("caps"), "divide")
    assert oldest.outcome.kind == "return"
    assert oldest.outcome.value == 2
    assert oldest.metadata.duration_ns is not None
    assert oldest.metadata.duration_ns > 0
    assert newest.outcome.kind == "raise"
    assert newest.outcome.exc_type == "ZeroDivisionError"
    assert newest.outcome.exc_message == "division by zero"


def test_the_real_exception_object_and_traceback_reach_the_caller(live: Path) -> None:
    raised = ValueError("boom")

    @capture_args(path="caps", capture_result=True)
    def fail():
        raise raised

    with pytest.raises(ValueError, match="boom") as info:
        fail()
    assert info.value is raised
    assert info.traceback[-1].name == "fail"


def test_coroutines_generators_and_async_generators(live: Path) -> None:
    @capture_args(path="caps", capture_result=True)
    async def fetch(x):
        await asyncio.sleep(0)
        return x * 2

    @capture_args(path="caps", capture_result=True)
    def count(n):
        received = []
        for i in range(n):
            received.append((yield i))
        return received

    @capture_args(path="caps", capture_result=True)
    async def stream(n):
        for i in range(n):
            sent = yield i
            if sent == "stop":
                return

    async def consume():
        seen = [item async for item in stream(3)]
        agen = stream(10)
        first = await agen.__anext__()
        with pytest.raises(StopAsyncIteration):
            await agen.asend("stop")
        return seen, first

    assert asyncio.run(fetch(21)) == 42
    gen = count(2)
    assert next(gen) == 0
    assert gen.send("a") == 1
    with pytest.raises(StopIteration) as stop:
        gen.send("b")
    assert stop.value.value == ["a", "b"]
    assert asyncio.run(consume()) == ([0, 1, 2], 0)

    assert load_capture_dict("fetch")["outcome"]["value"] == 42
    assert load_capture_dict("count")["outcome"]["value"] == ["a", "b"]
    assert load_capture("stream") == ((10,), {})
    assert load_capture("stream", index=1) == ((3,), {})


def test_generator_closed_early_is_stored_without_outcome(live: Path) -> None:
    @capture_args(path="caps", capture_result=True)
    def endless():
        while True:
            yield 1

    gen = endless()
    next(gen)
    gen.close()
    (record,) = records(Path("caps"), "endless")
    assert record.outcome is None


def test_async_generator_forwards_athrow(live: Path) -> None:
    @capture_args(path="caps", capture_result=True)
    async def resilient():
        while True:
            try:
                yield "ok"
            except KeyError:
                yield "recovered"

    async def main():
        agen = resilient()
        assert await agen.__anext__() == "ok"
        assert await agen.athrow(KeyError("x")) == "recovered"
        await agen.aclose()

    asyncio.run(main())
    (record,) = records(Path("caps"), "resilient")
    assert record.outcome is None


# -- metadata, depth, recursion ----------------------------------------------------------


def test_metadata_has_thread_task_process_and_versions(live: Path) -> None:
    @capture_args(path="caps")
    def where(label):
        return label

    async def in_task():
        await asyncio.create_task(asyncio.to_thread(where, "thread-in-task"), name="t")
        where("task")

    asyncio.run(in_task())
    worker = threading.Thread(target=where, args=("worker",), name="worker-7")
    worker.start()
    worker.join()
    by_label = {r.args[0]: r.metadata for r in records(Path("caps"), "where")}
    assert by_label["task"].task_name is not None
    assert by_label["worker"].thread_name == "worker-7"
    assert by_label["worker"].thread_id == worker.ident
    assert by_label["worker"].task_name is None
    meta = by_label["task"]
    assert meta.pid > 0
    assert meta.host
    assert meta.python_version
    assert meta.snapy_version
    assert meta.call_depth == 0


def test_minimal_capture_leaves_out_host_and_names(live: Path) -> None:
    @capture_args(path="caps", minimal_capture=True, capture_result=True)
    def quiet(x):
        return x

    quiet(1)
    (record,) = records(Path("caps"), "quiet")
    assert record.metadata.host is None
    assert record.metadata.thread_name == ""
    assert record.metadata.duration_ns is None
    assert record.metadata.pid > 0


def test_recursion_captures_the_outermost_call_only_by_default(live: Path) -> None:
    @capture_args(path="caps")
    def factorial(n):
        return 1 if n <= 1 else n * factorial(n - 1)

    assert factorial(5) == 120
    (record,) = records(Path("caps"), "factorial")
    assert record.args == (5,)
    assert factorial.__snapy__.stats.recursive_skipped == 4


def test_recursion_every_level_when_asked(live: Path) -> None:
    @capture_args(path="caps", capture_recursive_calls=True, retention="unlimited")
    def countdown(n):
        return n if n == 0 else countdown(n - 1)

    countdown(3)
    depths = sorted((r.args[0], r.metadata.call_depth) for r in records(Path("caps"), "countdown"))
    assert depths == [(0, 3), (1, 2), (2, 1), (3, 0)]


def test_nested_different_functions_are_each_captured_with_depth(live: Path) -> None:
    @capture_args(path="caps")
    def inner(x):
        return x

    @capture_args(path="caps")
    def outer(x):
        return inner(x + 1)

    outer(1)
    inner(7)
    assert [r.metadata.call_depth for r in records(Path("caps"), "outer")] == [0]
    assert [(r.args[0], r.metadata.call_depth) for r in records(Path("caps"), "inner")] == [
        (7, 0),
        (2, 1),
    ]


def test_depth_is_per_thread_and_per_task(live: Path) -> None:
    barrier = threading.Barrier(2)

    @capture_args(path="caps")
    def leaf(label):
        return label

    @capture_args(path="caps")
    def branch(label):
        barrier.wait(5)
        return leaf(label)

    threads = [threading.Thread(target=branch, args=(f"t{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    @capture_args(path="caps")
    async def task_leaf(label):
        await asyncio.sleep(0)
        return label

    @capture_args(path="caps")
    async def task_branch(label):
        await asyncio.sleep(0)
        return await task_leaf(label)

    async def main():
        await asyncio.gather(task_branch("a"), task_branch("b"), task_leaf("c"))

    asyncio.run(main())
    assert sorted(r.metadata.call_depth for r in records(Path("caps"), "leaf")) == [1, 1]
    depths = {r.args[0]: r.metadata.call_depth for r in records(Path("caps"), "task_leaf")}
    assert depths == {"a": 1, "b": 1, "c": 0}


# -- filters and redaction --------------------------------------------------------------


def test_ignored_arguments_stay_as_placeholders_and_overrides_fill_them(live: Path) -> None:
    @capture_args(path="caps", ignore_args=["payment_token"])
    def charge(customer_id, payment_token, amount=1):
        return f"{customer_id}:{payment_token}:{amount}"

    charge("c1", "tok_live_123", amount=5)
    (record,) = records(Path("caps"), "charge")
    assert "tok_live_123" not in repr(record)
    assert isinstance(record.args[1], Redacted)
    assert [action.path for action in record.filtered] == ["payment_token"]
    args, kwargs = load_capture("charge", overrides={"payment_token": "tok_test"})
    assert charge(*args, **kwargs) == "c1:tok_test:5"


def test_custom_filters_omit_arguments(live: Path) -> None:
    @capture_args(path="caps", custom_filters=[lambda name, value: name != "blob"])
    def upload(name, blob):
        return len(blob)

    upload("a", b"x" * 10)
    (record,) = records(Path("caps"), "upload")
    assert record.args[0] == "a"
    assert record.args[1] != b"x" * 10
    assert [action.path for action in record.filtered] == ["blob"]


# -- sampling and switches ----------------------------------------------------------------


def test_sample_rate_zero_never_captures(live: Path) -> None:
    @capture_args(path="caps", sample_rate=0)
    def never(x):
        return x

    assert [never(i) for i in range(50)] == list(range(50))
    assert not Path("caps").exists()


def test_sample_rate_samples_calls(live: Path) -> None:
    _decorator._rng.seed(1234)

    @capture_args(path="caps", sample_rate=0.5, retention="unlimited")
    def sometimes(x):
        return x

    for i in range(200):
        sometimes(i)
    captured = sometimes.__snapy__.stats.captured
    assert 60 < captured < 140
    assert len(records(Path("caps"), "sometimes")) == captured


def test_runtime_switches(live: Path) -> None:
    @capture_args(path="caps", retention="unlimited")
    def switchable(x):
        return x

    switchable(1)
    with capture_disabled():
        assert switchable(2) == 2
        with capture_enabled():
            switchable(3)
        switchable(4)
    switchable(5)
    set_capture_enabled(False)
    try:
        switchable(6)
    finally:
        set_capture_enabled(True)
    assert sorted(r.args[0] for r in records(Path("caps"), "switchable")) == [1, 3, 5]


# -- failures never break the call ---------------------------------------------------------


def test_storage_failure_is_counted_warned_once_and_the_call_goes_on(live: Path) -> None:
    Path("not_a_directory").write_text("a file where the store should be")

    @capture_args(path="not_a_directory/store")
    def important(x):
        return x * 2

    with pytest.warns(CaptureWarning, match="important") as recorded:
        results = [important(1), important(2)]
    assert results == [2, 4]
    assert len([w for w in recorded if issubclass(w.category, CaptureWarning)]) == 1
    assert important.__snapy__.stats.failures == 2
    assert important.__snapy__.stats.written == 0


def test_failing_filter_does_not_break_the_call_even_with_warnings_as_errors(live: Path) -> None:
    def broken_filter(name, value):
        raise RuntimeError("filter bug")

    @capture_args(path="caps", custom_filters=[broken_filter])
    def still_works(x):
        if x < 0:
            raise KeyError(x)
        return x + 1

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert still_works(1) == 2
        with pytest.raises(KeyError):
            still_works(-1)
    # a filter that raises means "do not store this argument": it is redacted, with why
    assert still_works.__snapy__.stats.failures == 0
    stored = records(Path("caps"), "still_works")
    assert len(stored) == 2
    for record in stored:
        assert isinstance(record.args[0], Redacted)
        assert "'broken_filter' raised RuntimeError" in record.args[0].reason


def test_missing_backend_is_reported_with_the_package_to_install(live: Path) -> None:
    @capture_args(path="caps", backend="nosuchbackend")
    def uses_unknown_backend(x):
        return x

    with pytest.warns(CaptureWarning, match="nosuchbackend"):
        assert uses_unknown_backend(3) == 3
    assert uses_unknown_backend.__snapy__.stats.failures == 1


class _Opaque:
    def __init__(self, label):
        self.label = label


def test_values_the_backend_cannot_encode_use_the_fallback_serializer(live: Path) -> None:
    from snapy_core import open_storage

    class Picky:
        """The JSON store, refusing _Opaque values outright (a backend limitation)."""

        name = "picky"

        def __init__(self, root, **options):
            self._inner = open_storage("json", root, **options)

        def encode(self, record):
            if any(isinstance(v, _Opaque) for v in (*record.args, *record.kwargs.values())):
                raise TypeError("cannot encode _Opaque")
            return self._inner.encode(record)

        def __getattr__(self, name):
            return getattr(self._inner, name)

    class ReprSerializer:
        def serialize(self, data):
            return f"Opaque({data.label})"

    @capture_args(path="caps", backend=Picky, fallback_serializer=ReprSerializer())
    def with_fallback(data, n):
        return n

    @capture_args(path="caps", backend=Picky, ignore_serialization_errors=True)
    def quietly(data, n):
        return n

    with pytest.warns(CaptureWarning, match="data"):
        assert with_fallback(_Opaque("x"), 1) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert quietly(_Opaque("y"), 2) == 2
    (record,) = records(Path("caps"), "with_fallback")
    assert record.args == ("Opaque(x)", 1)
    assert record.metadata.extra["serialization_fallback"]["data"].startswith("fallback_serializer")
    (record,) = records(Path("caps"), "quietly")
    assert type(record.args[0]).__name__ == "Unserializable"
    assert record.args[1] == 2


# -- asynchronous storage ------------------------------------------------------------------


def test_async_storage_writes_after_flush(live: Path) -> None:
    @capture_args(path="caps", async_storage=True, retention="unlimited")
    def quick(x):
        return x

    for i in range(20):
        quick(i)
    assert flush(10)
    assert sorted(r.args[0] for r in records(Path("caps"), "quick")) == list(range(20))
    assert quick.__snapy__.stats.written == 20


def test_async_queue_overflow_drops_and_counts_without_blocking(live: Path) -> None:
    from snapy_capture import _writer
    from snapy_core import open_storage

    release = threading.Event()

    class SlowDisk:
        """The real store, with a disk that stalls until released."""

        name = "slow"

        def __init__(self, root, **options):
            self._inner = open_storage("json", root, **options)

        def write_encoded(self, *args, **kwargs):
            release.wait(10)
            return self._inner.write_encoded(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(self._inner, name)

    writer = _writer.get_writer()
    flush(10)
    saved = writer.max_pending
    writer.max_pending = 3

    @capture_args(path="caps", async_storage=True, backend=SlowDisk, retention="unlimited")
    def burst(x):
        return x

    try:
        with pytest.warns(CaptureWarning, match="dropped"):
            results = [burst(i) for i in range(50)]
    finally:
        writer.max_pending = saved
        release.set()
        flush(10)
    assert results == list(range(50))
    stats = burst.__snapy__.stats
    assert stats.dropped >= 45
    assert stats.written == stats.captured == 50 - stats.dropped
    assert len(records(Path("caps"), "burst")) == stats.written


def test_functools_wraps_decorators_compose(live: Path) -> None:
    def logged(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            return function(*args, **kwargs)

        return wrapper

    @logged
    @capture_args(path="caps")
    def composed(a, b=2):
        return a + b

    assert composed(1) == 3
    assert load_capture("composed") == ((1,), {})


def test_many_threads_first_capture_of_a_new_function(live: Path) -> None:
    # the first write creates the function's directory and metadata: threads race there
    for round_number in range(10):
        barrier = threading.Barrier(6)

        @capture_args(path=f"caps{round_number}", retention="unlimited")
        def contended(label):
            return label

        def call(label, barrier=barrier, contended=contended):
            barrier.wait(5)
            contended(label)

        threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert contended.__snapy__.stats.failures == 0, contended.__snapy__.stats.last_error
        assert len(records(Path(f"caps{round_number}"), "contended")) == 6


def test_storage_failure_with_warnings_as_errors_still_returns_the_result(live: Path) -> None:
    Path("blocker").write_text("a file where the store should be")

    @capture_args(path="blocker/store", capture_result=True)
    def compute(x):
        if x < 0:
            raise KeyError(x)
        return x + 1

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compute(1) == 2
        with pytest.raises(KeyError):
            compute(-1)
    assert compute.__snapy__.stats.failures == 2
    assert "CaptureWriteError" in compute.__snapy__.stats.last_error


def test_decorating_a_class_is_refused_clearly(live: Path) -> None:
    from snapy_core import ConfigError

    with pytest.raises(ConfigError, match=r"decorate the methods of .*Widget"):

        @capture_args()
        class Widget:
            pass


def test_capture_warning_points_at_the_decorated_function(live: Path) -> None:
    Path("in_the_way").write_text("x")

    @capture_args(path="in_the_way/store")
    def located(x):
        return x

    with pytest.warns(CaptureWarning) as recorded:
        located(1)
    (warning,) = [w for w in recorded if issubclass(w.category, CaptureWarning)]
    assert warning.filename == __file__
    assert warning.lineno == located.__wrapped__.__code__.co_firstlineno


def test_async_capture_result_keeps_no_traceback_alive(live: Path) -> None:
    import gc
    import weakref

    class Payload:
        pass

    @capture_args(path="caps", async_storage=True, capture_result=True)
    def explode(x):
        local_payload = Payload()
        explode.last = weakref.ref(local_payload)
        raise ValueError(f"bad {x}")

    from snapy_capture import _writer

    writer = _writer.get_writer()
    flush(10)
    release = threading.Event()

    class _Blocker:
        def complete_async(self, payload):
            release.wait(10)

    writer.submit(_Blocker(), None)  # hold the writer so the capture stays queued
    try:
        with pytest.raises(ValueError, match="bad 1"):
            explode(1)
        gc.collect()
        assert explode.last() is None  # the frame's locals were not kept by the queue
    finally:
        release.set()
        flush(10)
    (record,) = records(Path("caps"), "explode")
    assert record.outcome.exc_type == "ValueError"
    assert record.outcome.exc_message == "bad 1"


def test_lazy_asynchronous_capture_is_encoded_after_the_call(live: Path) -> None:
    @capture_args(path="caps", lazy_serialization=True, async_storage=True)
    def mutate_later(items):
        items.append("during the call")
        return len(items)

    assert mutate_later(["before"]) == 2
    assert flush(10)
    assert load_capture("mutate_later") == ((["before", "during the call"],), {})
    assert mutate_later.__snapy__.stats.written == 1
