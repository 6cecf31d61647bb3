"""The tenant log: its entries (`sapi`, `fapi`, `seccft`, `feccft`, `api_limit`), their retention, and
the logs endpoints in both modes (search with `q`/`sort`/pages, and checkpoint with `from`/`take`)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from hooktui.tenant.request import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    ApiError,
    Call,
    log_query,
    paginate,
    query_bool,
    query_int,
    select_fields,
)

MAX_LOGS = 10_000  # oldest entries go first, like a tenant's retention period


class LogsApi:
    """The log and its endpoints, mixed into the Emulator (which holds the lock while they run)."""

    logs: list[dict[str, Any]]
    client_id: str
    domain: str
    _next_log: int
    _dirty: bool
    _clock: Callable[[], float]
    _epoch: Callable[[float], float]

    # ------------------------------------------------------------------ logs

    def _search_logs(self, ctx: Call) -> tuple[int, Any]:
        q = ctx.query
        if "from" in q or "take" in q:
            mixed = [k for k in ("q", "sort", "page", "per_page") if k in q]
            if mixed:
                raise ApiError.query(f"{mixed[0]} cannot be used with from and take (checkpoint mode)", mixed[0])
            take = query_int(q, "take", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
            start = q.get("from", "")
            entries = [e for e in self.logs if e["log_id"] > start][:take]
            return 200, select_fields([copy.deepcopy(e) for e in entries], q)
        entries = self.logs
        if q.get("q"):
            match = log_query(q["q"])
            entries = [e for e in entries if match(e)]
        sort = q.get("sort", "date:-1")
        if sort not in ("date:-1", "date:1"):
            raise ApiError.query(f"unsupported sort {sort!r}: use date:1 or date:-1", "sort")
        if sort == "date:-1":
            entries = entries[::-1]
        page_items, start_at, limit = paginate(entries, q, page_all=False)
        page_items = select_fields([copy.deepcopy(e) for e in page_items], q)
        if query_bool(q, "include_totals", False):
            return 200, {"start": start_at, "limit": limit, "length": len(page_items), "total": len(entries),
                         "logs": page_items}
        return 200, page_items

    def _get_log(self, ctx: Call, log_id: str) -> tuple[int, Any]:
        for entry in self.logs:
            if entry["log_id"] == log_id:
                return 200, copy.deepcopy(entry)
        raise ApiError.api(404, "log not found", "inexistent_log")

    def _log(self, kind: str, description: str, *, client_id: str, ip: str, headers: Any,
             details: dict[str, Any] | None = None, durable: bool = True) -> None:
        """`durable=False` for entries anyone can cause without credentials (a failed token request,
        a 429): they are kept and reach the state file with the next real change, but never cause
        a write of their own."""
        log_id = f"900{self._next_log:021d}"
        self._next_log += 1
        stamp = datetime.fromtimestamp(self._epoch(self._clock()), tz=timezone.utc)
        entry: dict[str, Any] = {
            "_id": log_id, "log_id": log_id,
            "date": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "type": kind, "description": description, "client_id": client_id,
            "client_name": "hooktui emulator client" if client_id == self.client_id else "",
            "ip": ip, "user_agent": headers.get("User-Agent", "") if headers is not None else "",
            "hostname": self.domain, "details": details or {},
        }
        self.logs.append(entry)
        if len(self.logs) > MAX_LOGS:
            del self.logs[: len(self.logs) - MAX_LOGS]
        if durable:
            self._dirty = True
