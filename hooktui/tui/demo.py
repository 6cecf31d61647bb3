"""`hooktui demo`'s tenant: the Management API emulator on a free loopback port, with the demo
workspace pushed to it once (so the state file knows every hook as synced), then one hook changed
on the tenant, as if edited in the dashboard, and another changed in the workspace.

No Textual here: the setup runs before the console opens. The emulator's client secret is made
up for this run and never printed; the console gets it in a Credentials object, not through the
environment.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from hooktui.core.config import Credentials
from hooktui.core.workspace import Workspace

CHANGED_REMOTELY = "password-change-audit"
CHANGED_LOCALLY = "token-claims"
DEMO_CLIENT_ID = "hooktui-demo"
RATE = "free"  # 2 requests/s, bursts of 10: the pacing shows in the log within a few operations

# The dashboard edit: one more field in the audit line.
_REMOTE_EDIT = (
    "    connection: context.connection.name,\n",
    "    connection: context.connection.name,\n"
    "    // Added in the Auth0 dashboard: the connection's strategy, for the log drain's filters.\n"
    "    strategy: context.connection.strategy,\n",
)
# The local edit, not pushed yet: one more claim.
_LOCAL_EDIT = (
    "  token[NAMESPACE + 'plan'] = plan;\n",
    "  token[NAMESPACE + 'plan'] = plan;\n"
    "  // A local edit that is not on the tenant yet: say which hook version issued the token.\n"
    "  token[NAMESPACE + 'claims_version'] = '2';\n",
)


@dataclass
class DemoTenant:
    """The running emulator and how to reach it."""

    emulator: object  # hooktui.tenant.emulator.Emulator
    credentials: Credentials
    base_url: str
    changed_remotely: str = CHANGED_REMOTELY
    changed_locally: str = CHANGED_LOCALLY

    def stop(self) -> None:
        self.emulator.stop()  # type: ignore[attr-defined]

    def notes(self) -> tuple[str, ...]:
        """What the console's log says first: what was set up, and what to try."""
        return (
            f"a local tenant runs at {self.base_url} until you quit; rate limit {RATE!r}",
            f"↓ {self.changed_remotely} was changed on the tenant, ↑ {self.changed_locally} here",
            "alt+d diff · alt+p push · alt+l pull (with shift: every hook) · alt+t its log",
            "every wait for the tenant's rate limit shows here: 'pacing: waiting ...'",
        )


def _edit(text: str, edit: tuple[str, str], what: str) -> str:
    old, new = edit
    if old not in text:
        raise RuntimeError(f"the demo cannot make its {what}: the example script changed (update hooktui/tui/demo.py)")
    return text.replace(old, new, 1)


async def seed(workspace: Path, base_url: str, credentials: Credentials) -> None:
    """Push every hook of `workspace` to the tenant at `base_url` through a Syncer (the state file
    records them), then change CHANGED_REMOTELY on the tenant through the API, as the dashboard
    does, and CHANGED_LOCALLY in the workspace."""
    from hooktui.remote.client import ManagementClient
    from hooktui.sync.apply import Syncer

    async with ManagementClient(credentials) as api:
        syncer = Syncer(Workspace.open(workspace), api)
        plan = await syncer.plan_push()
        report = await syncer.push(plan)
        if not report.ok or plan.skipped:
            problems = [f"{o.hook}: {o.error}" for o in report.outcomes.values() if not o.ok]
            problems += [f"{s.hook}: {s.reason}" for s in plan.skipped]
            raise RuntimeError("the demo tenant could not be seeded: " + "; ".join(problems))
        remote = next(h for h in await api.list_hooks() if h["name"] == CHANGED_REMOTELY)
        await api.update_hook(str(remote["id"]), {"script": _edit(str(remote["script"]), _REMOTE_EDIT,
                                                                  "change on the tenant")})
    script = workspace / "hooks" / f"{CHANGED_LOCALLY}.js"
    script.write_text(_edit(script.read_text("utf-8"), _LOCAL_EDIT, "local change"), encoding="utf-8")


def _point_workspace_at(workspace: Path, base_url: str) -> None:
    """The copy's hooktui.toml names the example's tenant: name the emulator instead, so that the
    console does not warn that the credentials point elsewhere."""
    config = workspace / "hooktui.toml"
    try:
        text = config.read_text("utf-8")
    except OSError:
        return
    config.write_text(re.sub(r'(?m)^domain\s*=\s*".*"$', f'domain = "{base_url}"', text, count=1), encoding="utf-8")


def start_demo_tenant(workspace: Path, *, rate: str = RATE) -> DemoTenant:
    """Start the emulator on a free loopback port and seed it from `workspace` (see `seed`).
    The caller stops it (`DemoTenant.stop`) when the console exits."""
    from hooktui.tenant.bucket import RatePlan
    from hooktui.tenant.emulator import Emulator

    secret = secrets.token_urlsafe(24)
    emulator = Emulator(rate=RatePlan.parse(rate), client_id=DEMO_CLIENT_ID, client_secret=secret,
                        state_file=workspace.parent / "tenant.json")
    base_url = emulator.start("127.0.0.1", 0)
    credentials = Credentials(domain=base_url, client_id=DEMO_CLIENT_ID, client_secret=secret)
    from hooktui.remote.errors import RemoteError

    try:
        _point_workspace_at(workspace, base_url)
        asyncio.run(seed(workspace, base_url, credentials))
    except RemoteError as exc:
        emulator.stop()
        raise RuntimeError(f"the demo tenant did not answer as expected: {exc}") from None
    except BaseException:
        emulator.stop()
        raise
    return DemoTenant(emulator, credentials, base_url)
