"""The old home of the console's tenant controller, now hooktui.tui.tenant (and tenant_transfers):
the names are re-exported for importers outside tui/'s own modules until they move."""

from hooktui.tui.tenant import TenantController  # re-exported for tests/tui/test_remote_console.py, see report

__all__ = ["TenantController"]
