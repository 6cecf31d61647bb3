"""Push benchmark: N hooks created, then each one's script updated, by three clients, per tier.

Each (tier, client) runs against a fresh emulator (a real HTTP server on loopback with Auth0's
token bucket, full at the start):

- ours: `ManagementClient`, paced by its RateLimitPolicy from the X-RateLimit-* headers, with up
  to --concurrency requests in flight (asyncio.gather under a semaphore, as a push of independent
  hooks runs). Default 4, the WRITE_CONCURRENCY of hooktui/sync/apply.py, i.e. what `push` does.
  Measured (3 rounds each, 50 hooks): paid 1.03-1.05x the minimum at 1, 2, 3, 4 and 8 in flight;
  free 1.02x at 1, 4 and 8. On a small, fast bucket concurrency costs: 20/5 gives 1.07-1.10x at 1
  in flight, 1.14-1.23x at 2, 1.45x at 3 or 4 (10 hooks: 1.4-1.7x at 1, 3.7x at 4), because the
  policy learns the rate from ordered answers and a waiting caller does not see answers that
  arrive during its wait. --concurrency 1 shows that case.
- naive: a plain httpx.AsyncClient, one request at a time, sleeping a fixed 1 s after a 429.
- deploy-cli: auth0-deploy-cli's pool (3 in flight, at most 8 request starts in any 1 s window, as
  promise-pool-executor's frequencyLimit/frequencyWindow do) around node-auth0's retry of 429s
  (500 ms * 2^(n-1) plus 1-250 ms of jitter, capped at 10 s). The retry runs inside the pool's
  task, so it holds its slot and is not counted by the 8/s limit, as in deploy-cli. Attempts are
  unbounded here (node-auth0 stops after 3 by default) so that every run completes.

Every client first takes a token from POST /oauth/token (it counts: the emulator's one bucket pays
for it too). Per (tier, client): wall time, requests sent, 429 answers (from the emulator's own
records), the bucket's minimum for the requests that had to succeed (the bucket starts full:
max(0, needed - burst) / rate, with needed = 1 token + N creates + N updates) and the ratio. The end
state is checked: exactly N hooks, no name twice, every script updated; a FAIL line otherwise.
Prints figures; never fails on a slow machine (exit 0 whatever the figures or the end state).
The free tier takes ~50 s per client: that is the bucket, not the benchmark.

    python bench/push.py [--tiers free,paid] [--hooks 50] [--clients ours,naive,deploy-cli]
                         [--concurrency 4] [--json]

A tier is a name (free, paid, enterprise-nonprod) or RPS/BURST such as 20/5.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from hooktui.core.config import Credentials  # noqa: E402
from hooktui.remote.client import ManagementClient  # noqa: E402
from hooktui.tenant.bucket import RatePlan
from hooktui.tenant.emulator import Emulator  # noqa: E402

CLIENTS = ("ours", "naive", "deploy-cli")
TRIGGER = "credentials-exchange"
SCRIPT = "module.exports = function (client, scope, audience, context, cb) {{ cb(null, {{ v: {v} }}); }};\n"


def hook_name(i: int) -> str:
    return f"push-{i:03d}"


def create_body(i: int) -> dict[str, Any]:
    # Disabled: the tenant allows one enabled hook per trigger.
    return {"name": hook_name(i), "triggerId": TRIGGER, "enabled": False, "script": SCRIPT.format(v=1)}


UPDATE = {"script": SCRIPT.format(v=2)}


def token_body(emu: Emulator) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": emu.client_id, "client_secret": emu.client_secret,
            "audience": f"{emu.base_url}/api/v2/"}


# ---------------------------------------------------------------------------- the three clients


async def push_ours(emu: Emulator, hooks: int, concurrency: int) -> None:
    """Its retries are the policy's (5 attempts at most); the 429s, if any, show in the records."""
    creds = Credentials(domain=emu.base_url, client_id=emu.client_id, client_secret=emu.client_secret)
    gate = asyncio.Semaphore(concurrency)

    async def limited(work: Awaitable[Any]) -> Any:
        async with gate:
            return await work

    # A cold client, as the first command of a day: what earlier runs learnt is not carried over.
    async with ManagementClient(creds, remember=False) as api:
        created = await asyncio.gather(*(limited(api.create_hook(create_body(i))) for i in range(hooks)))
        await asyncio.gather(*(limited(api.update_hook(h["id"], UPDATE)) for h in created))


async def push_naive(emu: Emulator, hooks: int) -> int:
    """Returns the most 429s one request met in a row."""
    worst = 0
    async with httpx.AsyncClient(base_url=emu.base_url, trust_env=False, timeout=30.0) as http:

        async def send(method: str, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
            nonlocal worst
            tries = 0
            while True:
                response = await http.request(method, path, json=body, headers=headers)
                if response.status_code != 429:
                    response.raise_for_status()
                    worst = max(worst, tries)
                    return response.json()
                tries += 1
                await asyncio.sleep(1.0)

        token = (await send("POST", "/oauth/token", token_body(emu)))["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        ids = [(await send("POST", "/api/v2/hooks", create_body(i), auth))["id"] for i in range(hooks)]
        for hook_id in ids:
            await send("PATCH", f"/api/v2/hooks/{hook_id}", UPDATE, auth)
    return worst


class _FrequencyLimit:
    """promise-pool-executor's frequencyLimit: at most `limit` task starts in any `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.starts: collections.deque[float] = collections.deque()
        self.lock = asyncio.Lock()

    async def start(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                while self.starts and now - self.starts[0] >= self.window:
                    self.starts.popleft()
                if len(self.starts) < self.limit:
                    self.starts.append(now)
                    return
                await asyncio.sleep(self.starts[0] + self.window - now)


def node_auth0_wait(tries: int) -> float:
    """node-auth0's retry wait after the `tries`-th 429, in seconds."""
    wait = 500 * 2 ** (tries - 1)
    wait = random.randrange(wait + 1, wait + 250)  # getRandomInt: max exclusive
    return min(wait, 10_000) / 1000


async def push_deploy_cli(emu: Emulator, hooks: int) -> int:
    """Returns the most 429s one request met in a row."""
    worst = 0
    async with httpx.AsyncClient(base_url=emu.base_url, trust_env=False, timeout=30.0) as http:

        async def send(method: str, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
            nonlocal worst
            tries = 0
            while True:
                response = await http.request(method, path, json=body, headers=headers)
                if response.status_code != 429:
                    response.raise_for_status()
                    worst = max(worst, tries)
                    return response.json()
                tries += 1
                await asyncio.sleep(node_auth0_wait(tries))

        # deploy-cli takes its token before the pool exists.
        token = (await send("POST", "/oauth/token", token_body(emu)))["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        slots, frequency = asyncio.Semaphore(3), _FrequencyLimit(8, 1.0)

        async def task(method: str, path: str, body: Any) -> Any:
            async with slots:
                await frequency.start()
                return await send(method, path, body, auth)

        # Creates, then updates, each phase awaited: deploy-cli's processChanges does the same.
        created = await asyncio.gather(*(task("POST", "/api/v2/hooks", create_body(i)) for i in range(hooks)))
        await asyncio.gather(*(task("PATCH", f"/api/v2/hooks/{h['id']}", UPDATE) for h in created))
    return worst


# ---------------------------------------------------------------------------- one run


def end_state(emu: Emulator, hooks: int) -> str | None:
    """None if the tenant holds exactly the N hooks, once each, all updated; else what is wrong."""
    names = [h["name"] for h in emu.hooks.values()]
    expected = {hook_name(i) for i in range(hooks)}
    problems = []
    if len(names) != hooks:
        problems.append(f"{len(names)} hooks instead of {hooks}")
    twice = sorted(n for n, c in collections.Counter(names).items() if c > 1)
    if twice:
        problems.append(f"duplicated: {', '.join(twice)}")
    missing = sorted(expected - set(names))
    if missing:
        problems.append(f"missing: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    stale = sum(1 for h in emu.hooks.values() if h["script"] != UPDATE["script"])
    if stale:
        problems.append(f"{stale} scripts not updated")
    return "; ".join(problems) or None


def run_one(plan: RatePlan, client: str, hooks: int, concurrency: int) -> dict[str, Any]:
    push: Callable[[Emulator], Awaitable[int | None]] = {
        "ours": lambda emu: push_ours(emu, hooks, concurrency),
        "naive": lambda emu: push_naive(emu, hooks),
        "deploy-cli": lambda emu: push_deploy_cli(emu, hooks),
    }[client]
    emu = Emulator(rate=plan, seed=1)  # a fresh tenant: its bucket starts full
    emu.start()
    error = worst = None
    try:
        started = time.perf_counter()
        try:
            worst = asyncio.run(push(emu))
        except Exception as exc:  # a figure for a failed run, not a traceback
            error = f"{type(exc).__name__}: {exc}"
        wall = time.perf_counter() - started
    finally:
        emu.stop()
    records = list(emu.requests)
    ok = sum(1 for r in records if r.status < 400)
    needed = 1 + 2 * hooks
    minimum = max(0, needed - plan.burst) / plan.rate
    problem = end_state(emu, hooks)
    if error:
        problem = f"{error}" + (f"; {problem}" if problem else "")
    elif ok != needed:
        problem = f"{ok} successful requests instead of {needed}" + (f"; {problem}" if problem else "")
    return {
        "tier": plan.describe(), "rate": plan.rate, "burst": plan.burst, "client": client,
        "concurrency": concurrency if client == "ours" else (3 if client == "deploy-cli" else 1),
        "wall_s": wall,
        "server_span_s": records[-1].time - records[0].time if records else 0.0,
        "requests": len(records), "ok": ok, "429": sum(1 for r in records if r.status == 429),
        "other_errors": sum(1 for r in records if r.status >= 400 and r.status != 429),
        "needed": needed, "minimum_s": minimum, "ratio": wall / minimum if minimum > 0 else None,
        "worst_429_streak": worst, "hooks": len(emu.hooks), "end_state_ok": problem is None, "problem": problem,
    }


# ---------------------------------------------------------------------------- output


def ratio_text(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.2f}x"


def print_tier(tier: str, plan: RatePlan, results: list[dict[str, Any]], hooks: int) -> None:
    needed = 1 + 2 * hooks
    minimum = max(0, needed - plan.burst) / plan.rate
    print(f"\n{tier}: {plan.describe()}; {needed} requests must succeed (token + {hooks} creates + {hooks} updates); "
          f"minimum {minimum:.2f} s")
    print(f"  {'client':12} {'wall s':>8} {'requests':>9} {'429s':>6} {'minimum s':>10} {'ratio':>7}  end state")
    for r in results:
        state = "ok" if r["end_state_ok"] else "FAIL"
        print(f"  {r['client']:12} {r['wall_s']:8.2f} {r['requests']:9d} {r['429']:6d} {r['minimum_s']:10.2f} "
              f"{ratio_text(r['ratio']):>7}  {state}")
    good = [r["client"] for r in results if r["end_state_ok"]]
    if good:
        print(f"  end state: exactly {hooks} hooks, none duplicated, every script updated "
              f"({', '.join(good)})")
    for r in results:
        if not r["end_state_ok"]:
            print(f"  FAIL: {tier} / {r['client']}: {r['problem']}")
    for r in results:
        if r["client"] == "deploy-cli" and (r["worst_429_streak"] or 0) > 3:
            print(f"  note: one deploy-cli request met {r['worst_429_streak']} 429s in a row; node-auth0's "
                  f"default of 3 retries would have failed the push")
    parts = []
    for r in results:
        of_min = f"{ratio_text(r['ratio'])} the minimum" if r["ratio"] is not None else "no minimum (fits the burst)"
        parts.append(f"{r['client']}: {r['wall_s']:.2f} s = {of_min}, {r['429']} x 429")
    print(f"  {tier}: " + "; ".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", default="free,paid", help=f"comma-separated: {RatePlan.FORMS}")
    parser.add_argument("--hooks", type=int, default=50)
    parser.add_argument("--clients", default=",".join(CLIENTS), help=f"comma-separated, of {', '.join(CLIENTS)}")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight for ours (default 4)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    try:
        tiers = [(t.strip(), RatePlan.parse(t)) for t in args.tiers.split(",") if t.strip()]
    except ValueError as exc:
        parser.error(str(exc))
    clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    unknown = [c for c in clients if c not in CLIENTS]
    if unknown or not clients or not tiers:
        parser.error(f"--clients takes {', '.join(CLIENTS)}; --tiers at least one plan")
    if args.hooks < 1 or args.concurrency < 1:
        parser.error("--hooks and --concurrency are at least 1")

    all_results: list[dict[str, Any]] = []
    by_tier: list[tuple[str, RatePlan, list[dict[str, Any]]]] = []
    for name, plan in tiers:
        results = []
        for client in clients:
            print(f"{name} ({plan.describe()}): {client} ...", file=sys.stderr, flush=True)
            results.append(run_one(plan, client, args.hooks, args.concurrency))
        by_tier.append((name, plan, results))
        all_results.extend(dict(r, tier_name=name) for r in results)

    if args.json:
        print(json.dumps({"hooks": args.hooks, "results": all_results}, indent=2))
        return
    print(f"push benchmark: {args.hooks} hooks created then updated, fresh emulator per run; "
          f"ours with {args.concurrency} in flight")
    for name, plan, results in by_tier:
        print_tier(name, plan, results, args.hooks)


if __name__ == "__main__":
    main()
