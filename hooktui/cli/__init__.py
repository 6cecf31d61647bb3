"""The headless command line: one module per command group over core, runtime, sync, remote and tenant."""
