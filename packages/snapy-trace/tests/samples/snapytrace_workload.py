"""A workload for the tracer tests: recursion, generators, exceptions, asyncio tasks,
threads, class / static methods, properties, closures and comprehensions."""

from __future__ import annotations

import asyncio
import threading


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def countdown(n):
    while n > 0:
        yield n
        n -= 1
    return "liftoff"


def delegate(n):
    result = yield from countdown(n)
    return result


class ValidationError(Exception):
    pass


def validate(value):
    if value < 0:
        raise ValidationError(f"negative: {value}")
    return value


def validate_all(values):
    out = []
    for value in values:
        try:
            out.append(validate(value))
        except ValidationError:
            out.append(None)
    return out


def must_validate(value):
    return validate(value)


def cleanup_on_error(value):
    try:
        return validate(value)
    finally:
        _cleanup()


def _cleanup():
    return None


class Account:
    rate = 2

    def __init__(self, balance):
        self.balance = balance

    def deposit(self, amount):
        self.balance += amount
        return self.balance

    @classmethod
    def opened(cls, balance):
        return cls(balance)

    @staticmethod
    def fee(amount):
        return amount // 10

    @property
    def doubled(self):
        return self.balance * self.rate


def make_multiplier(k):
    def multiply(x):
        return x * k

    return multiply


def square(i):
    return i * i


def comprehensions(n):
    squares = [square(i) for i in range(n)]
    table = {i: square(i) for i in range(n)}
    evens = {i for i in range(n) if i % 2 == 0}
    total = sum(square(i) for i in range(n))
    return len(squares) + len(table) + len(evens) + total


async def fetch(i):
    await asyncio.sleep(0)
    return square(i)


async def gather_all(n):
    return await asyncio.gather(*[fetch(i) for i in range(n)])


def run_async(n):
    return asyncio.run(gather_all(n))


def worker(n):
    return [fib(i) for i in range(n)]


def run_threads(count, n, target=None):
    threads = [threading.Thread(target=target or worker, args=(n,)) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def throw_and_close():
    first = countdown(3)
    next(first)
    try:  # noqa: SIM105 - plain try/except is what the tracer should see
        first.throw(KeyError("stop"))
    except KeyError:
        pass
    second = countdown(2)
    next(second)
    second.close()


def everything():
    fib(3)
    list(delegate(2))
    validate_all([1, -1])
    try:  # noqa: SIM105 - plain try/except is what the tracer should see
        must_validate(-2)
    except ValidationError:
        pass
    try:  # noqa: SIM105 - plain try/except is what the tracer should see
        cleanup_on_error(-3)
    except ValidationError:
        pass
    account = Account.opened(10)
    account.deposit(Account.fee(50))
    _ = account.doubled
    make_multiplier(3)(4)
    comprehensions(3)
    run_async(2)
    throw_and_close()


def validate_each(values):
    return [validate(value) for value in values]
