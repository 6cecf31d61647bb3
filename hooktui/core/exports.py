"""Whether a hook's script defines the function Auth0 calls: a static look at its text, shared by
`validate` and `push`, which can only warn (a script may assign module.exports in ways no
pattern sees)."""

from __future__ import annotations

import re

# module.exports = ..., module["exports"] = ..., or a bare exports.x / exports = at a line start.
EXPORTS = re.compile(r"\bmodule\s*\.\s*exports\b|\bmodule\s*\[\s*['\"]exports['\"]\s*\]|^\s*exports\s*[.=\[]",
                     re.MULTILINE)

NO_EXPORTS = "never assigns module.exports, so it exports no function: Auth0 will fail every call to it"


def assigns_exports(script: str) -> bool:
    return EXPORTS.search(script) is not None
