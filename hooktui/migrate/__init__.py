"""Hooks to Actions: the conversion of a hook into the action that does the same (convert.py runs
the AST transform in convert.js with the runtime's Node) and the files it writes (files.py)."""
