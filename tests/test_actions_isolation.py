"""Hostile actions against the real executor and `node`: each attack of tests/test_isolation.py,
written as an action, costs only its own run. Actions share the hooks' sandboxes, limits, output
caps and watchdog; they get no filesystem writes at all (node22)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os

from test_actions_runtime import action, logged, sample
from test_isolation import local_server  # noqa: F401 (a fixture)

from hooktui.core.action_results import ActionSpec
from hooktui.runtime.executor import Executor

DENIED = "ERR_ACCESS_DENIED"
# The realm outside the action's vm context, reached through an object the runtime handed in.
ESCAPE = "const G = api.constructor.constructor('return globalThis')();\nconst realProcess = G.process;"
GOOD = action("api.idToken.setCustomClaim('https://example.com/ok', event.user.email);", name="good")


def ok_claim(result) -> str | None:
    return result.outcome.get("id_token_claims", {}).get("https://example.com/ok")


async def test_an_action_reads_none_of_hooktuis_environment_or_files(tmp_path, monkeypatch):
    secret = "cli-secret-action-4f9a2c"
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", secret)
    credentials = tmp_path / "credentials.toml"
    credentials.write_text(f'client_secret = "{secret}"\n')
    paths = [str(credentials), f"/proc/{os.getpid()}/environ", os.path.expanduser("~/.bashrc"), "/etc/passwd"]
    spec = action(
        "const fs = require('fs');\nconst out = {};\n"
        "const attempt = (p) => { try { return 'read:' + fs.readFileSync(p, 'utf8'); } catch (e) { return e.code || e.message; } };\n"
        f"for (const p of {json.dumps(paths)}) out[p] = attempt(p);\n"
        "out.parent = attempt('/proc/' + process.ppid + '/environ');\n"
        f"{ESCAPE}\nout.env = JSON.stringify(process.env) + JSON.stringify(realProcess.env);\n"
        "console.log(JSON.stringify(out));", name="reads")
    async with Executor(timeout=10) as ex:
        result = await ex.run_action(spec, sample("post-login"))
    assert result.ok, result.error
    out = json.loads(logged(result)[0])
    for p in [*paths, "parent"]:
        assert out[p] == DENIED, (p, out[p][:80])
    assert secret not in json.dumps(result.to_json())
    assert "AUTH0_" not in out["env"] and "HOOKTUI_" not in out["env"]


async def test_an_action_cannot_signal_hooktui_or_anyone_else():
    spec = action(
        f"{ESCAPE}\nconst out = {{}};\n"
        f"for (const [label, pid] of [['parent', process.ppid], ['everyone', -1], ['group', 0], ['runner', {os.getpid()}]]) {{\n"
        "  for (const [how, fn] of [['proxy', () => process.kill(pid, 0)], ['escaped', () => realProcess.kill(pid, 0)],\n"
        "                           ['raw', () => realProcess._kill(pid, 0)]]) {\n"
        "    try { fn(); out[label + '/' + how] = 'sent'; } catch (e) { out[label + '/' + how] = e.code || e.message; }\n"
        "  }\n}\nconsole.log(JSON.stringify(out));", name="signals")
    async with Executor(timeout=10) as ex:
        result = await ex.run_action(spec, sample("post-login"))
    out = json.loads(logged(result)[0])
    assert out and all(v == "EPERM" for v in out.values()), out


async def test_an_action_that_kills_its_own_process_costs_only_its_run():
    killer = action("process.kill(process.pid, 'SIGKILL');\nawait new Promise(() => {});", name="killer")
    async with Executor(timeout=10) as ex:
        pid = ex.pid
        killed = await ex.run_action(killer, sample("post-login"))
        after = await ex.run_action(GOOD, sample("post-login"))
        again = await ex.run_action(killer, sample("post-login"))
        assert ex.pid == pid and ex.restarts == 0
    assert killed.crash == "exit" and "SIGKILL" in killed.error["message"]
    assert "action" in killed.error["message"] and "hook" not in killed.error["message"]
    assert ok_claim(after) == "j+smith@example.com"
    assert again.crash == "exit"


async def test_a_synchronous_loop_is_stopped_at_the_limit():
    loop = action("while (true) {}", name="loops")
    async with Executor(timeout=10) as ex:
        stuck, good = await asyncio.gather(ex.run_action(loop, sample("post-login"), timeout=1.0),
                                           ex.run_action(GOOD, sample("post-login")))
        fixed = dataclasses.replace(loop, code="exports.onExecutePostLogin = async () => {};")
        after = await ex.run_action(fixed, sample("post-login"))
    assert stuck.crash == "timeout" and "blocked its thread" in stuck.error["message"]
    assert ok_claim(good) == "j+smith@example.com"
    assert after.ok


async def test_process_exit_an_uncaught_throw_and_an_unhandled_rejection_fail_only_their_run():
    cases = {
        "exits": ("process.exit(3);", "exit", "called process.exit(3)"),
        "timer-throw": ("setTimeout(() => { throw new Error('from a timer'); }, 0);\nawait new Promise((r) => setTimeout(r, 200));",
                        "uncaught", "from a timer"),
        "unhandled": ("Promise.reject(new Error('nobody awaits me'));\nawait new Promise((r) => setTimeout(r, 200));",
                      "uncaught", "nobody awaits me"),
    }
    async with Executor(timeout=10) as ex:
        for name, (body, crash, text) in cases.items():
            result = await ex.run_action(action(body, name=name), sample("post-login"))
            assert result.crash == crash, (name, result.error)
            assert text in result.error["message"], (name, result.error)
            assert ok_claim(await ex.run_action(GOOD, sample("post-login"))) == "j+smith@example.com"
        assert ex.restarts == 0


async def test_buffers_count_against_the_memory_limit():
    hoard = action("const hoard = [];\nfor (let i = 0; i < 20; i++) hoard.push(Buffer.alloc(100 * 1024 * 1024, 1));",
                   name="hoards")
    async with Executor(timeout=60, memory_mb=256) as ex:
        result = await ex.run_action(hoard, sample("post-login"))
        after = await ex.run_action(GOOD, sample("post-login"))
    assert result.crash == "oom" and "256 MB" in result.error["message"]
    assert ok_claim(after) == "j+smith@example.com"


async def test_escaping_the_context_never_overhears_another_actions_secrets():
    spy = action(
        f"{ESCAPE}\nif (event.client.name === 'report') {{ console.log(JSON.stringify(G.__overheard || [])); return; }}\n"
        "G.__overheard = G.__overheard || [];\n"
        "const keep = (m) => G.__overheard.push(typeof m === 'string' ? m : JSON.stringify(m));\n"
        "realProcess.on('message', keep);\n"
        "try { realProcess.stdin.on('data', (d) => keep(String(d))); } catch (e) {}", name="spy")
    victim = action("console.log(event.secrets.API_KEY.length);", name="victim", secrets={"API_KEY": "victim-secret-5e1d"})
    report = sample("post-login")
    report["client"]["name"] = "report"
    async with Executor(timeout=10, max_workers=1) as ex:
        assert (await ex.run_action(spy, sample("post-login"))).ok
        for _ in range(3):
            assert logged(await ex.run_action(victim, sample("post-login"))) == ["18"]
        overheard = await ex.run_action(spy, report)
    assert overheard.ok, overheard.error
    assert "victim-secret-5e1d" not in json.dumps(overheard.to_json())


async def test_poisoning_the_outer_realm_changes_no_other_actions_result_or_logs():
    poison = action(
        f"{ESCAPE}\nG.JSON.stringify = () => '{{\"status\":\"success\",\"data\":{{\"poisoned\":true}}}}';\n"
        "G.Object.prototype.poisonedObject = 'yes';\nrequire('util').inspect.defaultOptions.depth = 0;", name="poison")
    chatty = action("console.log({deep: {deeper: {deepest: 1}}});\n"
                    "api.idToken.setCustomClaim('https://example.com/ok', event.user.email);", name="chatty")
    async with Executor(timeout=10, max_workers=1) as ex:
        clean = await ex.run_action(chatty, sample("post-login"))
        await ex.run_action(poison, sample("post-login"))
        after = await ex.run_action(chatty, sample("post-login"))
    assert after.outcome == clean.outcome
    assert logged(after) == logged(clean)
    assert "poisoned" not in json.dumps(after.to_json())


async def test_forged_protocol_lines_resolve_no_other_run():
    forger = action(
        "const fs = require('fs');\n"
        "for (let i = 1; i <= 60; i++) {\n"
        "  const line = JSON.stringify({type: 'result', id: 'r' + i, envelope: {status: 'success', data: {commands: [], "
        "outcome: {denied: null, forged: true}}}, durationMs: 0, warnings: [], logsDropped: 0, location: null}) + '\\n';\n"
        "  for (const fd of [1, 2, 3, 4]) { try { fs.writeSync(fd, line); } catch (e) {} }\n}", name="forger")
    slow = action("await new Promise((r) => setTimeout(r, 300));\n" + "api.idToken.setCustomClaim('https://example.com/ok', 1);",
                  name="slow")
    async with Executor(timeout=10) as ex:
        pending = [asyncio.create_task(ex.run_action(slow, sample("post-login"))) for _ in range(3)]
        await ex.run_action(forger, sample("post-login"))
        results = await asyncio.gather(*pending)
    for r in results:
        assert r.ok and "forged" not in r.outcome and ok_claim(r) == 1, r.outcome


async def test_every_output_path_is_capped_and_stays_in_its_run():
    flood = action(
        "const { Console } = require('console');\n" + ESCAPE + "\n"
        "const own = new Console(realProcess.stdout, realProcess.stderr);\n"
        "for (let i = 0; i < 20000; i++) own.log('console.Console line ' + i);\n"
        "for (let i = 0; i < 20000; i++) process.stdout.write('stdout line ' + i + '\\n');\n"
        "for (let i = 0; i < 20000; i++) console.log('console line ' + i);", name="flood")
    async with Executor(timeout=60, log_limit=100) as ex:
        events = []
        ex.subscribe(events.append)
        flooded = await asyncio.wait_for(ex.run_action(flood, sample("post-login")), 90)
        after = await ex.run_action(GOOD, sample("post-login"))
    assert flooded.ok, flooded.error
    assert len(flooded.logs) <= 102 and flooded.logs_dropped >= 50000
    assert after.logs == []
    assert len(events) < 1000


async def test_a_hostile_action_in_a_flow_fails_the_flow_and_nothing_else():
    killer = action("process.kill(process.pid, 'SIGKILL');\nawait new Promise(() => {});", name="killer")
    async with Executor(timeout=10) as ex:
        flow = await ex.run_flow("post-login", [GOOD, killer, GOOD], sample("post-login"))
        alone = await ex.run_action(GOOD, sample("post-login"))
    assert flow.status == "error" and flow.error["action"] == "killer"
    assert flow.outcome["id_token_claims"] == {}
    assert ok_claim(alone) == "j+smith@example.com"


async def test_actions_and_hooks_share_no_process():
    spec = ActionSpec("pid", "post-login", "exports.onExecutePostLogin = async () => { console.log(process.pid); };")
    async with Executor(timeout=10) as ex:
        first = int(logged(await ex.run_action(spec, sample("post-login")))[0])
        fresh = int(logged(await ex.run_action(spec, sample("post-login"), fresh_scope=True))[0])
    assert first != ex.pid and fresh == first  # a fresh scope is a new context, not a new process


async def test_an_action_keeps_outbound_network_and_timers(local_server):
    spec = action(
        "const r = await fetch(event.secrets.URL + '/fetch');\n"
        "const text = await r.text();\n"
        "await new Promise((ok) => setTimeout(ok, 20));\n"
        "const http = require('http');\n"
        "const viaHttp = await new Promise((ok, fail) => http.get(event.secrets.URL + '/http', (res) => {\n"
        "  let body = ''; res.on('data', (d) => (body += d)); res.on('end', () => ok(body)); }).on('error', fail));\n"
        "api.idToken.setCustomClaim('https://example.com/net', [text, viaHttp]);",
        name="net", secrets={"URL": local_server})
    async with Executor(timeout=10) as ex:
        result = await ex.run_action(spec, sample("post-login"))
    assert result.ok, result.error
    assert result.outcome["id_token_claims"]["https://example.com/net"] == ["got /fetch", "got /http"]


async def test_a_forged_cache_reaches_the_triggers_other_actions_only_within_auth0s_limits():
    # A result line forged on the events channel, for every run id it might have: the one that
    # matches its own run is taken as its result, cache and all.
    forger = action(
        "const fs = require('fs');\n"
        "const cache = {ok: {value: 'fine', expires_at: Date.now() + 60000},\n"
        "  huge: {value: 'x'.repeat(1 << 16), expires_at: Date.now() + 60000}};\n"
        "for (let i = 1; i <= 20; i++) {\n"
        "  fs.writeSync(3, JSON.stringify({type: 'result', id: 'r' + i, envelope: {status: 'success', data: {\n"
        "    commands: [], outcome: {denied: null}, cache}}, durationMs: 0, warnings: [], logsDropped: 0, location: null}) + '\\n');\n"
        "}", name="cache-forger")
    reader = action("console.log(String(api.cache.get('huge')), api.cache.get('ok').value);", name="reader")
    async with Executor(timeout=10) as ex:
        await ex.run_action(forger, sample("post-login"))
        read = await ex.run_action(reader, sample("post-login"))
    assert logged(read) == ["undefined fine"]
