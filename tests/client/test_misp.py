"""The sync client retries transient failures with backoff and stops on the others."""

from __future__ import annotations

import httpx
import pytest

from threatmesh.client.misp import Backoff, MispClient, RemoteError

KEY = "k" * 40


def client(handler: httpx.MockTransport, waits: list[float]) -> MispClient:
    return MispClient(
        "http://remote.test",
        KEY,
        backoff=Backoff(attempts=4, sleep=waits.append),
        transport=handler,
    )


def flaky(failures: list[int]) -> httpx.MockTransport:
    """Answers the statuses in ``failures`` first, then a version."""

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == KEY
        if failures:
            return httpx.Response(failures.pop(0), json={"message": "busy"})
        return httpx.Response(200, json={"version": "2.5.2", "perm_sync": True})

    return httpx.MockTransport(handle)


def test_transient_errors_are_retried_with_exponential_backoff() -> None:
    waits: list[float] = []
    with client(flaky([503, 502, 429]), waits) as c:
        assert c.version()["perm_sync"] is True
    assert waits == [0.25, 0.5, 1.0]


def test_a_refusal_is_not_retried() -> None:
    waits: list[float] = []
    with client(flaky([403]), waits) as c, pytest.raises(RemoteError) as err:
        c.version()
    assert err.value.remote_status == 403 and "busy" in err.value.message
    assert waits == []


def test_retries_give_up_after_the_last_attempt() -> None:
    waits: list[float] = []
    with client(flaky([503] * 10), waits) as c, pytest.raises(RemoteError) as err:
        c.version()
    assert err.value.remote_status == 503
    assert len(waits) == 3  # four attempts, three waits


def test_connection_errors_are_transient() -> None:
    calls = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=[{"Event": {"uuid": "u", "timestamp": "1"}}])

    waits: list[float] = []
    with client(httpx.MockTransport(handle), waits) as c:
        assert c.event_index({"published": 1}) == [{"uuid": "u", "timestamp": "1"}]
    assert len(calls) == 3 and waits == [0.25, 0.5]


def test_backoff_is_capped() -> None:
    assert Backoff(base=1, cap=5).delay(10) == 5
