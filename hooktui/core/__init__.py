"""The UI-free core of hooktui: workspace on disk, local executor, payloads, configuration.

Nothing under this package imports Textual; the CLI and the console are two faces over it.
"""
