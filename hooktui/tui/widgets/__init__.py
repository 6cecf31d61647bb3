"""One module per pane: hook list, editor, payload tester, log stream."""
