"""Sync between the workspace and a tenant: the pure plan (statuses, steps in phases), the state file of
what was last in sync, and the application of a plan through the Management API client."""
