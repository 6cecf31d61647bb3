"""The local runtime: the executor (Python side), the Node supervisor and one JS module per kind,
the contracts Auth0 would enforce, and the npm dependencies hooks and actions require."""
