"""run_with_timeout: the trusted level's hot path must behave exactly like
``async with asyncio.timeout(t): await coro`` while skipping the timer for hooks that never wait."""

from __future__ import annotations

import asyncio
import contextvars
import time

import pytest

from plugin_admin.sandbox.inprocess import run_with_timeout

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


async def test_a_coroutine_that_never_waits_returns_its_value() -> None:
    async def hook() -> dict[str, bool]:
        return {"pong": True}

    assert await run_with_timeout(hook(), 1) == {"pong": True}


async def test_a_coroutine_that_waits_returns_its_value() -> None:
    async def hook() -> int:
        await asyncio.sleep(0)
        await asyncio.sleep(0.01)
        return 42

    assert await run_with_timeout(hook(), 1) == 42


@pytest.mark.parametrize("wait_first", [False, True], ids=["raises-at-once", "raises-after-wait"])
async def test_a_hook_exception_propagates_unchanged(wait_first: bool) -> None:
    async def hook() -> None:
        if wait_first:
            await asyncio.sleep(0)
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        await run_with_timeout(hook(), 1)


async def test_a_hook_past_its_deadline_is_cancelled_and_times_out() -> None:
    cleaned_up = asyncio.Event()

    async def hook() -> None:
        try:
            await asyncio.sleep(30)
        finally:
            cleaned_up.set()

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await run_with_timeout(hook(), 0.05)
    assert time.monotonic() - started < 5
    assert cleaned_up.is_set()


async def test_the_deadline_counts_from_the_start_not_from_the_first_wait() -> None:
    async def hook() -> None:
        time.sleep(0.2)  # blocks past the whole budget before its first await
        await asyncio.sleep(30)

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await run_with_timeout(hook(), 0.1)
    assert time.monotonic() - started < 5


async def test_a_hook_may_catch_cancellation_and_still_answer() -> None:
    async def hook() -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            return "gave up cleanly"
        return "slept"

    assert await run_with_timeout(hook(), 0.05) == "gave up cleanly"


async def test_cancelling_the_caller_cancels_the_hook_and_is_not_a_timeout() -> None:
    reached, cancelled = asyncio.Event(), asyncio.Event()

    async def hook() -> None:
        reached.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = asyncio.create_task(run_with_timeout(hook(), 10))
    await reached.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set()


async def test_the_hook_runs_in_the_callers_context() -> None:
    async def hook() -> tuple[str, str]:
        before = request_id.get()
        await asyncio.sleep(0)
        return before, request_id.get()

    request_id.set("req-7")
    assert await run_with_timeout(hook(), 1) == ("req-7", "req-7")


async def test_a_hook_can_await_futures_and_tasks() -> None:
    loop = asyncio.get_running_loop()

    async def hook() -> int:
        future: asyncio.Future[int] = loop.create_future()
        loop.call_later(0.01, future.set_result, 5)
        inner = asyncio.create_task(asyncio.sleep(0.01, result=6))
        return await future + await inner

    assert await run_with_timeout(hook(), 1) == 11
