"""Executor benchmark: the warm executor against spawning `node` per run, for hooks and for
actions (module scope reused, as node22 does; and a fresh scope per run); what a hot reload costs
now that every hook version gets a sandbox process of its own (the save -> result time, and
the memory of the supervisor and its sandboxes over many reloads). Prints figures; never fails
on a slow machine. CPU µs/run: user + system time of Python, the supervisor and its sandboxes
over the sequential runs (Linux), which a shared machine disturbs less than wall time.

    python bench/executor.py [--runs 5000] [--spawn-runs 100] [--reloads 1000] [--pause 0.15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hooktui.core.action_results import ActionSpec  # noqa: E402
from hooktui.core.workspace import Workspace  # noqa: E402
from hooktui.runtime.executor import Executor, find_node, node_environment  # noqa: E402

HOOK = """module.exports = function (client, scope, audience, context, cb) {
  cb(null, { scope: scope, 'https://example.com/plan': client.metadata.plan });
};
"""
PAYLOAD = {
    "audience": "https://my-tenant.auth0.com/api/v2/",
    "client": {"id": "x" * 32, "name": "client-name", "tenant": "my-tenant", "metadata": {"plan": "full"}},
    "scope": ["read:connections"],
}
# The naive way: one node process per run that loads the hook, runs it, prints the envelope.
SPAWN_HARNESS = """
const hook = require(process.argv[1]);
let body = '';
process.stdin.on('data', (d) => (body += d));
process.stdin.on('end', () => {
  const p = JSON.parse(body);
  hook(p.client, p.scope, p.audience, {}, (err, data) => {
    process.stdout.write(JSON.stringify(err ? { status: 'error' } : { status: 'success', data }));
  });
});
"""


ACTION = """exports.onExecuteCredentialsExchange = async (event, api) => {
  api.accessToken.setCustomClaim('https://example.com/plan', event.client.metadata.plan);
};
"""
ACTION_EVENT = {
    "client": {"client_id": "x" * 32, "name": "client-name", "metadata": {"plan": "full"}},
    "accessToken": {"scope": ["read:connections"], "customClaims": {}},
    "resource_server": {"identifier": "https://api.example.com"},
    "transaction": {"requested_scopes": ["read:connections"]},
    "request": {"ip": "10.0.0.1", "method": "POST"},
    "tenant": {"id": "my-tenant"},
}
POST_LOGIN = """exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://example.com/email', event.user.email);
  api.accessToken.setCustomClaim('https://example.com/roles', event.authorization.roles);
};
"""
# The naive way for actions: one node process per run that loads code.js and awaits the handler.
SPAWN_ACTION_HARNESS = """
const action = require(process.argv[1]);
let body = '';
process.stdin.on('data', (d) => (body += d));
process.stdin.on('end', async () => {
  const claims = {};
  const api = { accessToken: { setCustomClaim: (k, v) => { claims[k] = v; return api; } } };
  await action.onExecuteCredentialsExchange(JSON.parse(body), api);
  process.stdout.write(JSON.stringify({ status: 'success', claims }));
});
"""


def tree_cpu() -> float | None:
    """User + system CPU seconds of this process and all its descendants alive now (the supervisor
    and its sandboxes), from /proc; None where there is no /proc. Less noisy than wall time on a
    shared machine."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        children: dict[int, list[tuple[int, float]]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            children.setdefault(int(fields[1]), []).append((int(entry), (int(fields[11]) + int(fields[12])) / tick))
    except (OSError, ValueError):
        return None
    times = os.times()
    total = times.user + times.system
    todo = [os.getpid()]
    while todo:
        for pid, cpu in children.get(todo.pop(), []):
            total += cpu
            todo.append(pid)
    return total


def cpu_per_run_us(before: float | None, after: float | None, runs: int) -> float:
    return float("nan") if before is None or after is None else (after - before) / runs * 1e6


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def make_workspace(root: Path) -> Workspace:
    (root / "hooks").mkdir(parents=True)
    (root / "hooks" / "bench.js").write_text(HOOK)
    meta = {"name": "bench", "triggerId": "credentials-exchange", "enabled": True, "script": "./bench.js",
            "dependencies": {}, "secrets": {}}
    (root / "hooks" / "bench.json").write_text(json.dumps(meta, indent=2))
    return Workspace.open(root)


async def warm(ws: Workspace, runs: int) -> dict[str, float]:
    async with Executor(ws) as ex:
        for _ in range(300):
            await ex.run("bench", PAYLOAD)
        latencies = []
        cpu_before = tree_cpu()
        started = time.perf_counter()
        for _ in range(runs):
            t = time.perf_counter()
            result = await ex.run("bench", PAYLOAD)
            latencies.append((time.perf_counter() - t) * 1000)
        sequential = runs / (time.perf_counter() - started)
        cpu = cpu_per_run_us(cpu_before, tree_cpu(), runs)
        assert result.ok, result.error_message
        in_flight_latencies: list[float] = []

        async def timed() -> None:
            t = time.perf_counter()
            await ex.run("bench", PAYLOAD)
            in_flight_latencies.append((time.perf_counter() - t) * 1000)

        started = time.perf_counter()
        for _ in range(runs // 100):
            await asyncio.gather(*[timed() for _ in range(100)])
        parallel = (runs // 100 * 100) / (time.perf_counter() - started)
    return {
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "rate": sequential,
        "cpu": cpu,
        "p50_100": statistics.median(in_flight_latencies),
        "p99_100": percentile(in_flight_latencies, 0.99),
        "rate_100": parallel,
    }


async def warm_actions(spec: ActionSpec, event: dict, runs: int, *, fresh_scope: bool = False) -> dict[str, float]:
    async with Executor() as ex:
        for _ in range(300):
            result = await ex.run_action(spec, event, fresh_scope=fresh_scope)
        assert result.ok and result.warnings == [], (result.error, result.warnings)
        latencies = []
        cpu_before = tree_cpu()
        started = time.perf_counter()
        for _ in range(runs):
            t = time.perf_counter()
            await ex.run_action(spec, event, fresh_scope=fresh_scope)
            latencies.append((time.perf_counter() - t) * 1000)
        sequential = runs / (time.perf_counter() - started)
        cpu = cpu_per_run_us(cpu_before, tree_cpu(), runs)
        in_flight: list[float] = []

        async def timed() -> None:
            t = time.perf_counter()
            await ex.run_action(spec, event, fresh_scope=fresh_scope)
            in_flight.append((time.perf_counter() - t) * 1000)

        started = time.perf_counter()
        for _ in range(runs // 100):
            await asyncio.gather(*[timed() for _ in range(100)])
        parallel = (runs // 100 * 100) / (time.perf_counter() - started)
    return {"p50": statistics.median(latencies), "p99": percentile(latencies, 0.99), "rate": sequential, "cpu": cpu,
            "p50_100": statistics.median(in_flight), "p99_100": percentile(in_flight, 0.99), "rate_100": parallel}


async def action_edits(root: Path, edits: int, pause: float) -> dict[str, float]:
    """An edit of an action is a new version (a new spec): the run right after it, `pause` s apart."""
    event = json.loads((Path(__file__).resolve().parent.parent / "sample_payloads" / "actions" / "post-login" /
                        "01-default.json").read_text())
    latencies = []
    async with Executor() as ex:
        await ex.run_action(ActionSpec("edit", "post-login", POST_LOGIN), event)
        await asyncio.sleep(1)  # the spares are up
        for i in range(edits):
            spec = ActionSpec("edit", "post-login", POST_LOGIN + f"// edit {i}\n", code_path=str(root / "code.js"))
            t = time.perf_counter()
            result = await ex.run_action(spec, event)
            latencies.append((time.perf_counter() - t) * 1000)
            assert result.ok, result.error
            await asyncio.sleep(pause)
    return {"p50": statistics.median(latencies), "p99": percentile(latencies, 0.99)}


async def spawn_per_run(ws: Workspace, runs: int, env: dict[str, str], *, action: bool = False) -> dict[str, float]:
    node = find_node()
    script = str(ws.root / ("action.js" if action else "hooks/bench.js"))
    body = json.dumps(ACTION_EVENT if action else PAYLOAD).encode()
    harness = SPAWN_ACTION_HARNESS if action else SPAWN_HARNESS

    async def once() -> float:
        t = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            node, "-e", harness, script, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env)
        out, _ = await proc.communicate(body)
        assert json.loads(out)["status"] == "success"
        return (time.perf_counter() - t) * 1000

    latencies = []
    started = time.perf_counter()
    for _ in range(runs):
        latencies.append(await once())
    sequential = runs / (time.perf_counter() - started)
    started = time.perf_counter()
    parallel_latencies = await asyncio.gather(*[once() for _ in range(100)])
    parallel = 100 / (time.perf_counter() - started)
    return {
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "rate": sequential,
        "p50_100": statistics.median(parallel_latencies),
        "p99_100": percentile(list(parallel_latencies), 0.99),
        "rate_100": parallel,
    }


async def reloads_and_memory(ws: Workspace, reloads: int, pause: float, warmup: int = 100) -> dict[str, float]:
    """Save + reload_and_run cycles `pause` s apart (each a new version, so a new sandbox): their
    latency, and the RSS of the supervisor and all its sandboxes after `warmup` cycles, at its
    peak and at the end of `reloads` more."""
    script = ws.root / "hooks" / "bench.js"
    mb = 1024 * 1024
    async with Executor(ws) as ex:
        await ex.run("bench", PAYLOAD)
        await asyncio.sleep(1)  # the spares are up
        idle = await ex.stats()
        baseline = peak = 0
        latencies = []
        for i in range(warmup + reloads):
            # Every save is a different source, as when someone edits.
            script.write_text(HOOK + f"// edit {i}\n")
            t = time.perf_counter()
            loaded, result = await ex.reload_and_run("bench", PAYLOAD)
            if i >= warmup:
                latencies.append((time.perf_counter() - t) * 1000)
            assert loaded.ok and result.ok
            if i == warmup - 1:
                baseline = (await ex.stats())["rss"]
            elif i >= warmup and i % 50 == 0:
                peak = max(peak, (await ex.stats())["rss"])
            await asyncio.sleep(pause)
        final = (await ex.stats())["rss"]
    return {
        "idle_total": idle["rss"] / mb,
        "idle_supervisor": idle["supervisorRss"] / mb,
        "idle_processes": idle["workers"],
        "per_sandbox": (idle["rss"] - idle["supervisorRss"]) / max(1, idle["workers"]) / mb,
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "baseline": baseline / mb,
        "peak": max(peak, final) / mb,
        "final": final / mb,
    }


def measure_actions(ws: Workspace, args: argparse.Namespace) -> tuple[dict[str, float], ...]:
    (ws.root / "action.js").write_text(ACTION)
    spec = ActionSpec("bench", "credentials-exchange", ACTION, code_path=str(ws.root / "action.js"))
    a = asyncio.run(warm_actions(spec, ACTION_EVENT, args.runs))
    a_fresh = asyncio.run(warm_actions(spec, ACTION_EVENT, args.runs, fresh_scope=True))
    pl_event = json.loads((Path(__file__).resolve().parent.parent / "sample_payloads" / "actions" / "post-login" /
                           "01-default.json").read_text())
    a_pl = asyncio.run(warm_actions(ActionSpec("pl", "post-login", POST_LOGIN), pl_event, args.runs))
    a_naive = asyncio.run(spawn_per_run(ws, args.spawn_runs, dict(os.environ), action=True))
    a_spawn = asyncio.run(spawn_per_run(ws, args.spawn_runs, node_environment(), action=True))
    edits = asyncio.run(action_edits(ws.root, args.action_edits, args.pause))
    return a, a_fresh, a_pl, a_naive, a_spawn, edits


def print_actions(a: dict[str, float], a_fresh: dict[str, float], a_pl: dict[str, float], a_naive: dict[str, float],
                  a_spawn: dict[str, float], edits: dict[str, float], args: argparse.Namespace) -> None:
    print()
    print("actions, credentials-exchange setting one claim (post-login: the Test tab's default event, 3.5 KB)")
    print(f"{'':40} {'p50 ms':>8} {'p99 ms':>8} {'runs/s':>9} {'CPU µs/run':>11}")
    for label, m in (("action, module scope reused", a), ("action, fresh scope per run", a_fresh),
                     ("post-login action, default event", a_pl)):
        print(f"{label + ', sequential':40} {m['p50']:8.3f} {m['p99']:8.3f} {m['rate']:9.0f} {m['cpu']:11.0f}")
        print(f"{label + ', 100 in flight':40} {m['p50_100']:8.3f} {m['p99_100']:8.3f} {m['rate_100']:9.0f}")
    for label, sp in (("naive", a_naive), ("curated", a_spawn)):
        print(f"{'action, spawn per run (' + label + ' env)':40} {sp['p50']:8.3f} {sp['p99']:8.3f} {sp['rate']:9.1f}")
    for label, sp in (("naive", a_naive), ("curated", a_spawn)):
        print(f"warm action vs spawn ({label}): {sp['p50'] / a['p50']:.0f}x lower p50 latency, {a['rate'] / sp['rate']:.0f}x "
              f"the sequential throughput, {a['rate_100'] / sp['rate_100']:.0f}x with 100 in flight")
    print(f"edit + run of an action ({args.pause:g} s apart, a new version each): p50 {edits['p50']:.2f} ms, p99 {edits['p99']:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--spawn-runs", type=int, default=100)
    parser.add_argument("--reloads", type=int, default=1000)
    parser.add_argument("--action-edits", type=int, default=200)
    parser.add_argument("--actions-only", action="store_true", help="measure the actions alone")
    parser.add_argument("--pause", type=float, default=0.15, help="seconds between saves (a person does not save 10 times a second)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = make_workspace(Path(tmp))
        if args.actions_only:
            print_actions(*measure_actions(ws, args), args)
            return
        w = asyncio.run(warm(ws, args.runs))
        # The naive way inherits the whole environment (here: NODE_EXTRA_CA_CERTS, which makes
        # every Node start parse a CA bundle); the curated one is what the executor itself uses.
        naive = asyncio.run(spawn_per_run(ws, args.spawn_runs, dict(os.environ)))
        s = asyncio.run(spawn_per_run(ws, args.spawn_runs, node_environment()))
        r = asyncio.run(reloads_and_memory(ws, args.reloads, args.pause))
        actions = measure_actions(ws, args)
    print(f"executor benchmark (Node {find_node()}), small credentials-exchange payload")
    print(f"{'':40} {'p50 ms':>8} {'p99 ms':>8} {'runs/s':>9} {'CPU µs/run':>11}")
    print(f"{'warm, sequential':40} {w['p50']:8.3f} {w['p99']:8.3f} {w['rate']:9.0f} {w['cpu']:11.0f}")
    print(f"{'warm, 100 in flight':40} {w['p50_100']:8.3f} {w['p99_100']:8.3f} {w['rate_100']:9.0f}")
    for label, sp in (("spawn per run (naive env)", naive), ("spawn per run (curated env)", s)):
        print(f"{label + ', sequential':40} {sp['p50']:8.3f} {sp['p99']:8.3f} {sp['rate']:9.1f}")
        print(f"{label + ', 100 at once':40} {sp['p50_100']:8.3f} {sp['p99_100']:8.3f} {sp['rate_100']:9.1f}")
    for label, sp in (("naive", naive), ("curated", s)):
        print(f"warm vs spawn ({label}): {sp['p50'] / w['p50']:.0f}x lower p50 latency, {w['rate'] / sp['rate']:.0f}x "
              f"the sequential throughput, {w['rate_100'] / sp['rate_100']:.0f}x with 100 in flight")
    print_actions(*actions, args)
    print()
    print(f"idle: {r['idle_total']:.1f} MB RSS in {r['idle_processes']} sandbox processes + the supervisor "
          f"({r['idle_supervisor']:.1f} MB): {r['per_sandbox']:.1f} MB per sandbox")
    print(f"save + reload_and_run, {args.pause:g} s apart (a fresh sandbox each): p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms")
    print(f"RSS of supervisor + sandboxes: {r['baseline']:.1f} MB after 100 warm-up cycles; over {args.reloads} more: "
          f"peak {r['peak']:.1f} MB ({r['peak'] - r['baseline']:+.1f}), end {r['final']:.1f} MB ({r['final'] - r['baseline']:+.1f})")


if __name__ == "__main__":
    main()
