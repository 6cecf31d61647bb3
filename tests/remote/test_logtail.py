"""LogTail against the real emulator on 127.0.0.1: the latest entries, then every new one exactly
once (bursts, type filters, overlapping pages, faults, refused tokens); format_entry's lines."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import httpx
import pytest

from hooktui.core.config import Credentials
from hooktui.core.redaction import Redactor
from hooktui.remote.client import ManagementClient
from hooktui.remote.errors import ApiError, CredentialsError, NetworkError, RemoteError
from hooktui.remote.logtail import LogTail, format_entry, is_transient
from hooktui.remote.ratelimit import RateLimitConfig
from hooktui.tenant.emulator import Emulator

EMU_ID, EMU_SECRET = "tail-client", "tail-secret-8a7b6c5d"
SCRIPT = "module.exports = function (client, scope, audience, context, cb) { cb(null, {}); };"
LOGS = "/api/v2/logs"
# Two attempts, no real wait between them: a fault costs the test a few milliseconds.
FAST = RateLimitConfig(max_attempts=2, backoff_base=0.001)


def connect(emu: Emulator, *, secret: str = EMU_SECRET, cls: type[ManagementClient] = ManagementClient,
            **options: Any) -> ManagementClient:
    creds = Credentials(domain=emu.base_url, client_id=EMU_ID, client_secret=secret)
    return cls(creds, rate_limit=FAST, **options)


def ids(entries: Iterable[dict[str, Any]]) -> list[str]:
    return [e["log_id"] for e in entries]


def log_reads(emu: Emulator, since: int = 0) -> list[int]:
    """The statuses of the GET /api/v2/logs requests the emulator served after record `since`."""
    return [r.status for r in emu.requests[since:] if r.method == "GET" and r.path == LOGS]


class Writer:
    """Makes log entries the way a tenant gets them: real API requests from another application."""

    def __init__(self, emu: Emulator, api: ManagementClient) -> None:
        self.emu, self.api = emu, api
        self._names = itertools.count()

    async def sapi(self, n: int) -> None:
        """n entries `sapi` "Create a hook"."""
        for _ in range(n):
            trigger = "credentials-exchange"
            await self.api.create_hook({"name": f"hook-{next(self._names)}", "script": SCRIPT, "triggerId": trigger})

    async def fapi(self, n: int) -> None:
        """n entries `fapi`: creating a hook whose name is taken (409)."""
        if not self.emu.hooks:
            await self.sapi(1)
        taken = next(iter(self.emu.hooks.values()))["name"]
        for _ in range(n):
            with pytest.raises(ApiError):
                await self.api.create_hook({"name": taken, "script": SCRIPT, "triggerId": "credentials-exchange"})

    async def feccft(self, n: int) -> None:
        """n entries `feccft`: an application with the wrong secret asks for a token."""
        for _ in range(n):
            async with connect(self.emu, secret="wrong-secret-1234") as intruder:
                with pytest.raises(ApiError):
                    await intruder.list_hooks()


@pytest.fixture
def emu() -> Iterable[Emulator]:
    with Emulator(client_id=EMU_ID, client_secret=EMU_SECRET) as emu:
        yield emu


@pytest.fixture
async def api(emu: Emulator) -> AsyncIterator[ManagementClient]:
    """The tail's client, its token already fetched (that `seccft` entry is not the test's)."""
    async with connect(emu) as api:
        await api.list_hooks()
        yield api


@pytest.fixture
async def writer(emu: Emulator, api: ManagementClient) -> AsyncIterator[Writer]:
    async with connect(emu) as other:
        await other.list_hooks()
        yield Writer(emu, other)


class FakeSleep:
    """LogTail's sleep: records each interval and runs the next scripted step instead of waiting."""

    def __init__(self, *steps: Callable[[], Awaitable[Any] | None]) -> None:
        self.intervals: list[float] = []
        self.steps = list(steps)

    async def __call__(self, seconds: float) -> None:
        self.intervals.append(seconds)
        if len(self.intervals) > 20:
            raise AssertionError("still sleeping after 20 rounds: the tail never ends nor yields")
        if self.steps:
            done = self.steps.pop(0)()
            if done is not None:
                await done


async def batches(tail: LogTail, count: int) -> list[list[dict[str, Any]]]:
    out = []
    async for batch in tail.follow():
        out.append(batch)
        if len(out) == count:
            break
    return out


# ---------------------------------------------------------------------------- recent()


async def test_recent_returns_the_last_entries_oldest_first_and_sets_the_checkpoint(emu, api, writer):
    await writer.sapi(30)
    mark = len(emu.requests)
    tail = LogTail(api, initial=20)
    recent = await tail.recent()
    assert ids(recent) == ids(emu.logs[-20:])
    assert [e["description"] for e in recent] == ["Create a hook"] * 20
    assert tail.checkpoint == emu.logs[-1]["log_id"]
    assert log_reads(emu, mark) == [200]  # one search


async def test_recent_with_initial_zero_learns_the_checkpoint_with_one_small_search(emu, api, writer):
    await writer.sapi(5)
    mark = len(emu.requests)
    tail = LogTail(api, initial=0)
    assert await tail.recent() == []
    assert tail.checkpoint == emu.logs[-1]["log_id"]
    assert log_reads(emu, mark) == [200]
    await writer.sapi(3)
    assert ids(await tail.poll()) == ids(emu.logs[-3:])  # following started "now"


async def test_recent_of_one_type_and_the_checkpoint_past_every_type(emu, api, writer):
    await writer.sapi(3)
    await writer.fapi(2)
    await writer.feccft(2)
    await writer.sapi(3)  # the newest entries are of another type
    tail = LogTail(api, types=["fapi"])
    recent = await tail.recent()
    assert [e["type"] for e in recent] == ["fapi", "fapi"]
    assert ids(recent) == ids(e for e in emu.logs if e["type"] == "fapi")
    # Following starts at the end of the log, not after the newest fapi entry.
    assert tail.checkpoint == emu.logs[-1]["log_id"]
    assert await tail.poll() == []


async def test_recent_of_several_types_falls_back_when_the_server_refuses_or(emu, api, writer):
    await writer.fapi(2)
    await writer.feccft(2)
    await writer.sapi(2)
    wanted = [e for e in emu.logs if e["type"] in ("fapi", "feccft")]
    mark = len(emu.requests)
    tail = LogTail(api, types={"fapi", "feccft"}, initial=3)
    recent = await tail.recent()
    assert ids(recent) == ids(wanted[-3:])
    assert [e["type"] for e in recent] == ["fapi", "feccft", "feccft"]
    # The emulator takes AND only: `type:(fapi OR feccft)` is refused once, then one search per type.
    assert log_reads(emu, mark) == [200, 400, 200, 200]
    mark = len(emu.requests)
    assert ids(await tail.recent()) == ids(wanted[-3:])
    assert log_reads(emu, mark) == [200, 200, 200]  # the refusal is remembered


# ---------------------------------------------------------------------------- poll()


@pytest.mark.parametrize(("burst", "take", "reads"), [(250, 100, 3), (21, 7, 4), (0, 100, 1)])
async def test_poll_returns_a_burst_whole_in_order_paging_by_take(emu, api, writer, burst, take, reads):
    tail = LogTail(api, initial=0, take=take)
    await tail.recent()
    start = len(emu.logs)
    await writer.sapi(burst)
    mark = len(emu.requests)
    batch = await tail.poll()
    assert len(batch) == burst
    assert ids(batch) == ids(emu.logs[start:])  # no gap, oldest first
    # Pages of `take` until a short one: 100+100+50, 7+7+7+0, 0.
    assert log_reads(emu, mark) == [200] * reads
    assert tail.checkpoint == emu.logs[-1]["log_id"]


async def test_polling_twice_never_repeats_an_entry(emu, api, writer):
    tail = LogTail(api, initial=5)
    shown = await tail.recent()
    await writer.sapi(4)
    shown += await tail.poll()
    shown += await tail.poll()
    await writer.fapi(2)
    shown += await tail.poll()
    shown += await tail.poll()
    assert len(set(ids(shown))) == len(shown)
    assert ids(shown) == ids(emu.logs[-11:])


async def test_poll_filters_types_and_moves_past_the_entries_it_drops(emu, api, writer):
    tail = LogTail(api, types={"fapi", "feccft"}, initial=0, take=3)
    await tail.recent()
    start = len(emu.logs)
    await writer.sapi(4)
    await writer.fapi(2)
    await writer.sapi(3)
    await writer.feccft(1)
    await writer.sapi(2)
    batch = await tail.poll()
    assert ids(batch) == ids(e for e in emu.logs[start:] if e["type"] in ("fapi", "feccft"))
    assert [e["type"] for e in batch] == ["fapi", "fapi", "feccft"]
    assert tail.checkpoint == emu.logs[-1]["log_id"]  # past the last sapi entries too
    mark = len(emu.requests)
    assert await tail.poll() == []
    assert log_reads(emu, mark) == [200]  # one short page: the dropped entries are not read again


class Overlapping(ManagementClient):
    """A server whose checkpoint pages overlap: each `from` is moved `overlap` entries back, so
    every page starts with entries already served. Requests still go to the emulator over HTTP."""

    emu: Emulator
    overlap = 5

    async def logs(self, *, from_id: str | None = None, **options: Any) -> list[dict[str, Any]]:
        if from_id:
            known = ids(self.emu.logs)
            at = known.index(from_id) - self.overlap
            from_id = known[at] if at >= 0 else ""
        return await super().logs(from_id=from_id, **options)


@pytest.mark.parametrize("types", [None, {"sapi"}])
async def test_overlapping_pages_bring_no_repeat_and_no_gap(emu, writer, types):
    await writer.sapi(10)
    async with connect(emu, cls=Overlapping) as api:
        api.emu = emu
        tail = LogTail(api, types=types, initial=8, take=100)
        shown = await tail.recent()
        start = len(emu.logs)
        await writer.sapi(250)
        shown += await tail.poll()
        shown += await tail.poll()
        await writer.sapi(1)
        shown += await tail.poll()
    assert len(set(ids(shown))) == len(shown)
    assert ids(shown[8:]) == ids(emu.logs[start:])
    assert len(shown) == 8 + 251


@pytest.mark.parametrize("types", [None, {"sapi"}])
async def test_an_inclusive_checkpoint_does_not_show_the_entry_following_started_from(emu, writer, types):
    async with connect(emu, cls=Overlapping) as api:
        api.emu, api.overlap = emu, 1  # `from` served again as the first entry of each page
        await api.list_hooks()  # its token first, so that the newest entry is a sapi one
        await writer.sapi(3)
        tail = LogTail(api, types=types, initial=0)
        assert await tail.recent() == []
        start = len(emu.logs)
        await writer.sapi(2)
        assert ids(await tail.poll()) == ids(emu.logs[start:])
        assert await tail.poll() == []


async def test_poll_before_recent_starts_now_and_returns_nothing(emu, api, writer):
    await writer.sapi(3)
    tail = LogTail(api)
    assert await tail.poll() == []
    assert tail.checkpoint == emu.logs[-1]["log_id"]
    await writer.sapi(2)
    assert ids(await tail.poll()) == ids(emu.logs[-2:])


# ---------------------------------------------------------------------------- follow()


async def test_follow_yields_recent_then_each_new_batch_every_two_seconds(emu, api, writer):
    await writer.sapi(3)
    sleep = FakeSleep(
        lambda: writer.sapi(2),
        lambda: None,  # a quiet round: nothing is yielded for it
        lambda: writer.fapi(1),
    )
    tail = LogTail(api, initial=2, sleep=sleep)
    got = await batches(tail, 3)
    assert sleep.intervals == [2.0, 2.0, 2.0]
    first, second, third = got
    assert ids(first) == ids(emu.logs[-5:-3])
    assert ids(second) == ids(emu.logs[-3:-1])
    assert [e["type"] for e in third] == ["fapi"] and ids(third) == ids(emu.logs[-1:])


async def test_follow_skips_an_empty_start_and_uses_the_interval_given(emu, api, writer):
    sleep = FakeSleep(lambda: writer.sapi(1))
    tail = LogTail(api, initial=0, interval=0.5, sleep=sleep)
    got = await batches(tail, 1)
    assert sleep.intervals == [0.5]
    assert ids(got[0]) == ids(emu.logs[-1:])


def fail_logs(emu: Emulator, kind: str) -> None:
    if kind == "503":
        emu.fail_rate = 1.0
    else:  # the connection closes after the request: no answer at all
        emu.drop_after_processing("GET", LOGS, count=FAST.max_attempts)


@pytest.mark.parametrize(("kind", "error"), [("503", ApiError), ("dropped", NetworkError)])
async def test_a_transient_fault_is_reported_and_the_next_poll_loses_nothing(emu, api, writer, kind, error):
    errors: list[RemoteError] = []

    async def write_then_fail() -> None:
        await writer.sapi(3)
        fail_logs(emu, kind)

    async def recover_then_write() -> None:
        emu.fail_rate = 0.0
        await writer.sapi(2)

    sleep = FakeSleep(write_then_fail, recover_then_write)
    tail = LogTail(api, initial=0, sleep=sleep, on_error=errors.append)
    start = len(emu.logs)
    got = await batches(tail, 1)
    assert sleep.intervals == [2.0, 2.0]
    assert len(errors) == 1 and isinstance(errors[0], error)
    if kind == "503":
        assert errors[0].status == 503
        assert log_reads(emu).count(503) == FAST.max_attempts  # the client's retries, then ours
    # The 3 written before the fault and the 2 after, in one batch from the same checkpoint.
    assert ids(got[0]) == ids(emu.logs[start:])
    assert len(got[0]) == 5


async def test_a_fault_in_the_middle_of_a_burst_leaves_the_checkpoint_where_it_was(emu, api, writer):
    tail = LogTail(api, initial=0, take=2)
    await tail.recent()
    checkpoint, start = tail.checkpoint, len(emu.logs)
    await writer.sapi(5)

    def fail_after_the_first_page(record: Any) -> None:
        if record.method == "GET" and record.path == LOGS:
            emu.fail_rate = 1.0

    emu.on_request = fail_after_the_first_page
    with pytest.raises(ApiError) as caught:
        await tail.poll()  # page 1 read, page 2 refused
    assert caught.value.status == 503
    assert tail.checkpoint == checkpoint
    emu.on_request, emu.fail_rate = None, 0.0
    assert ids(await tail.poll()) == ids(emu.logs[start:])  # page 1's entries are not lost


async def test_a_transient_fault_at_the_start_is_reported_and_the_start_tried_again(emu, api, writer):
    await writer.sapi(3)
    errors: list[RemoteError] = []
    emu.fail_rate = 1.0
    sleep = FakeSleep(lambda: setattr(emu, "fail_rate", 0.0))
    tail = LogTail(api, initial=2, sleep=sleep, on_error=errors.append)
    got = await batches(tail, 1)
    assert [getattr(e, "status", None) for e in errors] == [503]
    assert sleep.intervals == [2.0]
    assert ids(got[0]) == ids(emu.logs[-2:])


async def test_a_failing_on_error_does_not_end_the_tail(emu, api, writer):
    def broken(error: RemoteError) -> None:
        raise RuntimeError("display gone")

    async def write_then_fail() -> None:
        await writer.sapi(1)
        emu.fail_rate = 1.0

    sleep = FakeSleep(write_then_fail, lambda: setattr(emu, "fail_rate", 0.0))
    tail = LogTail(api, initial=0, sleep=sleep, on_error=broken)
    got = await batches(tail, 1)
    assert ids(got[0]) == ids(emu.logs[-1:])


async def test_bad_credentials_end_the_tail_at_once(emu):
    errors: list[RemoteError] = []
    sleep = FakeSleep()
    async with connect(emu, secret="not-the-secret-99") as api:
        tail = LogTail(api, sleep=sleep, on_error=errors.append)
        with pytest.raises(ApiError) as caught:
            await batches(tail, 1)
    assert caught.value.status == 401
    assert errors == [] and sleep.intervals == []


async def test_a_token_refused_while_following_propagates():
    clock = [1000.0]
    with Emulator(client_id=EMU_ID, client_secret=EMU_SECRET, clock=lambda: clock[0], token_ttl=60) as emu:
        async with httpx.AsyncClient(base_url=emu.base_url) as http:
            answer = await http.post("/oauth/token", json={
                "grant_type": "client_credentials", "client_id": EMU_ID, "client_secret": EMU_SECRET,
                "audience": f"{emu.base_url}/api/v2/",
            })
        token = answer.json()["access_token"]
        errors: list[RemoteError] = []
        # A ready token (AUTH0_TOKEN) cannot be renewed: once it expires, every request is refused.
        sleep = FakeSleep(lambda: clock.__setitem__(0, clock[0] + 120))
        async with ManagementClient(Credentials(domain=emu.base_url, token=token), rate_limit=FAST) as api:
            tail = LogTail(api, initial=5, sleep=sleep, on_error=errors.append)
            with pytest.raises(ApiError) as caught:
                await batches(tail, 2)
    assert (caught.value.status, caught.value.error_code) == (401, "invalid_token")
    assert errors == [] and sleep.intervals == [2.0]


def test_which_failures_are_transient():
    def api_error(status: int) -> ApiError:
        return ApiError(status, None, "x", "GET", LOGS)

    assert is_transient(NetworkError("GET", LOGS, "ConnectError", outcome_unknown=False))
    assert is_transient(api_error(429)) and is_transient(api_error(500)) and is_transient(api_error(503))
    assert not any(is_transient(api_error(s)) for s in (400, 401, 403, 404))
    assert not is_transient(CredentialsError("no tenant"))


@pytest.mark.parametrize("options", [
    {"take": 0}, {"take": 101}, {"initial": -1}, {"initial": 1001}, {"interval": -1.0},
    {"types": []}, {"types": ["s", "type:x OR y"]}, {"types": ["S"]},
])
async def test_constructor_refuses_what_cannot_work(options):
    async with ManagementClient(Credentials(domain="tenant.eu.auth0.com", token="t")) as api:
        with pytest.raises(ValueError):
            LogTail(api, **options)
        with pytest.raises(TypeError):
            LogTail(api, types="fs")


# ---------------------------------------------------------------------------- format_entry()


@pytest.fixture
def local_tz(monkeypatch) -> Iterable[Callable[[str], None]]:
    def use(tz: str) -> None:
        monkeypatch.setenv("TZ", tz)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


async def test_format_entry_of_emulator_entries(emu, local_tz):
    local_tz("UTC0")
    # Real entries: a token for the application, a hook created, a create refused, a delete.
    async with connect(emu) as api:
        hook = await api.create_hook({"name": "allow-list", "script": SCRIPT, "triggerId": "credentials-exchange"})
        with pytest.raises(ApiError):
            await api.create_hook({"name": "allow-list", "script": SCRIPT, "triggerId": "credentials-exchange"})
        await api.delete_hook(hook["id"])
    token, created, refused, deleted = emu.logs
    at = token["date"][11:19]  # local time is UTC here
    assert format_entry(token) == (
        f"{at}  seccft  Success Exchange (client credentials) · Client Credentials for Access Token"
        " · client hooktui emulator client"
    )
    assert format_entry(created).endswith(
        "  sapi    Success API Operation · Create a hook · client hooktui emulator client · hook allow-list")
    line = format_entry(refused)
    assert line.endswith('  fapi    Failed API Operation · A hook with the name "allow-list" already exists.'
                         " · client hooktui emulator client")
    assert format_entry(deleted).endswith(
        "  sapi    Success API Operation · Delete a hook · client hooktui emulator client")


def test_format_entry_converts_the_time_and_names_who(local_tz):
    local_tz("IST-5:30")  # UTC+5:30 all year, no tz database needed
    entry = {
        "log_id": "90020240101", "date": "2024-01-01T12:00:00.123Z", "type": "fs",
        "description": "Denied: not on the allow list", "client_name": "My App",
        "user_name": "jane@example.com", "details": {"body": {"password": "hunter2-secret"}},
    }
    assert format_entry(entry) == (
        "17:30:00  fs      Failed Signup · Denied: not on the allow list · client My App · user jane@example.com"
    )


def test_format_entry_of_unknown_types_odd_dates_and_hostile_text(local_tz):
    local_tz("UTC0")
    assert format_entry({"type": "zz_new", "date": "2024-05-06T07:08:09Z", "description": "a new kind"}) == (
        "07:08:09  zz_new  a new kind"
    )
    assert format_entry({"type": "api_limit", "date": "yesterday"}) == "--:--:--  api_limit  Rate Limit Reached"
    assert format_entry({}) == "--:--:--  ?"
    hostile = format_entry({
        "type": "fcph", "date": "2024-05-06T07:08:09Z",
        "description": "boom\x1b[2J\x1b]0;owned\x07\nat line 3\r\n\tdone", "user_name": "eve\x9b31m",
    })
    assert hostile == (
        "07:08:09  fcph    Failed Post Change Password Hook · boom [2J ]0;owned at line 3 done · user eve 31m"
    )
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in hostile)


def test_format_entry_masks_the_secrets_a_redactor_knows(local_tz):
    local_tz("UTC0")
    entry = {"type": "fs", "date": "2024-05-06T07:08:09Z",
             "description": "call to https://api.example.com?key=sk_live_51Habc9 failed"}
    line = format_entry(entry, redactor=Redactor(["sk_live_51Habc9"]))
    assert "sk_live_51Habc9" not in line and "key=*** failed" in line


def test_the_log_tail_never_imports_textual():
    code = (
        "import sys, hooktui.remote.logtail\n"
        "print(','.join(sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
