"""Configuration: the workspace's `hooktui.toml` and the user's Auth0 credentials.

Credentials never live in the workspace (it is meant to be committed); they come from the
environment or from a 0600 file in the user config folder.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import math
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from hooktui.core.files import atomic_write

CONFIG_FILE = "hooktui.toml"
CREDENTIALS_FILE = "credentials.toml"

# Environment variable per credential field; the environment wins over the user file.
CREDENTIAL_ENV = {
    "domain": "AUTH0_DOMAIN",
    "client_id": "AUTH0_CLIENT_ID",
    "client_secret": "AUTH0_CLIENT_SECRET",
    "token": "AUTH0_TOKEN",
}

# Key names that smell like credentials. A workspace is committed to git, so finding one of
# these in hooktui.toml is refused rather than silently ignored.
_CREDENTIAL_KEY = re.compile(
    r"^(auth0_)?(client_?id|client_?secret|(access_|refresh_|api_|auth_|bearer_)?token|"
    r"secret|password|api_?key|private_?key)$"
)
# Inside [keywords] a key is a deploy-cli keyword, free-form by design (hooks reference
# `##API_URL##` and the like); only Auth0's own management credentials are refused there.
_CREDENTIAL_KEYWORDS = {
    "AUTH0_CLIENT_ID",
    "AUTH0_CLIENT_SECRET",
    "AUTH0_TOKEN",
    "AUTH0_ACCESS_TOKEN",
}


class ConfigError(Exception):
    """A configuration file cannot be used as it is; the message says which file and why."""


def mask(secret: str | None) -> str:
    """What to show instead of a secret: never any part of its value."""
    return "***" if secret else ""


# ---------------------------------------------------------------------------- workspace


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> ConfigError:
    # tomllib's message already carries "(at line X, column Y)".
    return ConfigError(f"{path}: invalid TOML: {exc}")


def _read_toml(path: Path) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, exc) from exc


def _find_credential_keys(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    found = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if dotted == "keywords" and isinstance(value, Mapping):
            found.extend(f"keywords.{k}" for k in value if str(k).upper() in _CREDENTIAL_KEYWORDS)
            continue
        if _CREDENTIAL_KEY.match(str(key).lower().replace("-", "_")):
            found.append(dotted)
        if isinstance(value, Mapping):
            found.extend(_find_credential_keys(value, f"{dotted}."))
    return found


def _keyword_value_ok(value: Any) -> bool:
    # Keyword values are replaced into JSON and JavaScript, so only what JSON can express.
    if isinstance(value, bool | str | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_keyword_value_ok(v) for v in value)
    if isinstance(value, dict):
        return all(_keyword_value_ok(v) for v in value.values())
    return False  # TOML dates and times have no JSON form


@dataclass
class WorkspaceConfig:
    """The settings in `<workspace>/hooktui.toml`; every field has a working default."""

    tenant_domain: str | None = None  # [tenant] domain
    executor_timeout: float = 20.0  # [executor] timeout, seconds (Auth0's limit is 20 s)
    executor_max_workers: int = 4  # [executor] max_workers
    executor_log_limit: int = 1000  # [executor] log_limit, lines kept per run
    executor_memory_mb: int = 256  # [executor] memory_mb
    keywords: dict[str, Any] = field(default_factory=dict)  # [keywords], deploy-cli mappings
    payloads_dir: str = "payloads"  # [paths] payloads, relative to the workspace root

    # (table, key, attribute, accepted types, description for errors, lower bound)
    _FIELDS = (
        ("tenant", "domain", "tenant_domain", (str,), "a string like 'my-tenant.eu.auth0.com'", None),
        ("executor", "timeout", "executor_timeout", (int, float), "a number of seconds > 0", 0),
        ("executor", "max_workers", "executor_max_workers", (int,), "an integer >= 1", 1),
        ("executor", "log_limit", "executor_log_limit", (int,), "an integer >= 1", 1),
        ("executor", "memory_mb", "executor_memory_mb", (int,), "an integer >= 16", 16),
        ("paths", "payloads", "payloads_dir", (str,), "a folder path relative to the workspace", None),
    )

    @staticmethod
    def path_for(root: Path) -> Path:
        return Path(root) / CONFIG_FILE

    @classmethod
    def load(cls, root: Path) -> WorkspaceConfig:
        """Read `<root>/hooktui.toml`; a missing file gives the defaults, unknown keys are ignored."""
        path = cls.path_for(root)
        data = _read_toml(path)
        config = cls()
        if data is None:
            return config

        leaked = _find_credential_keys(data)
        if leaked:
            raise ConfigError(
                f"{path}: {', '.join(leaked)}: credentials do not belong in hooktui.toml (it is "
                f"meant to be committed). Remove them and set AUTH0_DOMAIN, AUTH0_CLIENT_ID, "
                f"AUTH0_CLIENT_SECRET or AUTH0_TOKEN in the environment, or save them in "
                f"{user_config_dir() / CREDENTIALS_FILE}."
            )

        for table, key, attr, types, expected, lower in cls._FIELDS:
            section = data.get(table, {})
            if not isinstance(section, dict):
                raise ConfigError(f"{path}: [{table}] must be a table, got {_toml_type(section)}")
            if key not in section:
                continue
            value = section[key]
            # bool is an int in Python but never a sensible count or timeout.
            ok = isinstance(value, types) and not isinstance(value, bool)
            if ok and lower is not None:
                ok = value > lower if attr == "executor_timeout" else value >= lower
            if ok and isinstance(value, float):
                ok = math.isfinite(value)
            if not ok:
                raise ConfigError(
                    f"{path}: {table}.{key}: expected {expected}, got {_toml_repr(value)}"
                )
            setattr(config, attr, float(value) if attr == "executor_timeout" else value)

        keywords = data.get("keywords", {})
        if not isinstance(keywords, dict):
            raise ConfigError(f"{path}: [keywords] must be a table, got {_toml_type(keywords)}")
        for key, value in keywords.items():
            if not _keyword_value_ok(value):
                raise ConfigError(
                    f"{path}: keywords.{key}: expected a string, number, boolean, array or "
                    f"table (what JSON can hold), got {_toml_repr(value)}"
                )
        config.keywords = dict(keywords)
        return config

    def to_toml(self, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The TOML document for this config, on top of `base` so unknown keys survive a save."""
        doc: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in (base or {}).items()}
        for table, key, attr, *_ in self._FIELDS:
            value = getattr(self, attr)
            section = doc.setdefault(table, {})
            if value is None:
                section.pop(key, None)
            else:
                section[key] = value
            if not section:
                del doc[table]
        if self.keywords:
            doc["keywords"] = dict(self.keywords)
        else:
            doc.pop("keywords", None)
        return doc

    def save(self, root: Path) -> Path:
        """Write `<root>/hooktui.toml` atomically, keeping keys hooktui does not know."""
        path = self.path_for(root)
        try:
            existing = _read_toml(path) or {}
        except ConfigError:
            existing = {}  # a broken file is being replaced on purpose
        atomic_write(path, tomli_w.dumps(self.to_toml(existing)))
        return path


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, _dt.date | _dt.time):
        return "a date/time"
    return type(value).__name__


def _toml_repr(value: Any) -> str:
    if isinstance(value, dict | list):
        return _toml_type(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{_toml_type(value)} ({value!r})"


# ---------------------------------------------------------------------------- user config


def user_config_dir(env: Mapping[str, str] | None = None) -> Path:
    """$HOOKTUI_CONFIG_DIR, else $XDG_CONFIG_HOME/hooktui, else ~/.config/hooktui."""
    env = os.environ if env is None else env
    # The XDG spec says an empty value counts as unset; the same goes for ours.
    if env.get("HOOKTUI_CONFIG_DIR"):
        return Path(env["HOOKTUI_CONFIG_DIR"]).expanduser()
    if env.get("XDG_CONFIG_HOME"):
        return Path(env["XDG_CONFIG_HOME"]).expanduser() / "hooktui"
    home = env.get("HOME")
    return (Path(home) if home else Path.home()) / ".config" / "hooktui"


def credentials_path(env: Mapping[str, str] | None = None) -> Path:
    return user_config_dir(env) / CREDENTIALS_FILE


@dataclass(frozen=True, repr=False)
class Credentials:
    """Auth0 Management API credentials, each field from the environment or the user file."""

    domain: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    token: str | None = None
    # Where each set field came from ("env:AUTH0_DOMAIN" or the file path), for `whoami`-style output.
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def resolve(cls, env: Mapping[str, str] | None = None) -> Credentials:
        """Environment first (AUTH0_DOMAIN, ...), then `<user_config_dir>/credentials.toml`."""
        env = os.environ if env is None else env
        path = credentials_path(env)
        values: dict[str, str | None] = dict.fromkeys(CREDENTIAL_ENV)
        sources: dict[str, str] = {}
        warnings: list[str] = []

        data = _read_toml(path)
        if data is not None:
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                warnings.append(
                    f"{path} can be read by other users (mode {mode:o}); run `chmod 600 {path}`"
                )
            for name in CREDENTIAL_ENV:
                if name not in data:
                    continue
                value = data[name]
                if not isinstance(value, str):
                    raise ConfigError(f"{path}: {name}: expected a string, got {_toml_type(value)}")
                if value:
                    values[name], sources[name] = value, str(path)

        for name, var in CREDENTIAL_ENV.items():
            if env.get(var):  # an empty variable does not hide the file's value
                values[name], sources[name] = env[var], f"env:{var}"

        return cls(**values, sources=sources, warnings=tuple(warnings))

    def __repr__(self) -> str:
        def show(value: str | None, secret: bool) -> str:
            if value is None:
                return "None"
            return repr(mask(value)) if secret else repr(value)

        return (
            f"Credentials(domain={show(self.domain, False)}, "
            f"client_id={show(self.client_id, False)}, "
            f"client_secret={show(self.client_secret, True)}, "
            f"token={show(self.token, True)})"
        )

    __str__ = __repr__


def save_credentials(creds: Credentials, env: Mapping[str, str] | None = None) -> Path:
    """Write the set fields of `creds` to the user credentials file, mode 0600 in a 0700 folder."""
    path = credentials_path(env)
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
    if stat.S_IMODE(folder.stat().st_mode) != 0o700:
        # mkdir's mode is filtered by the umask, and a folder made by hand is often 0755: others
        # could then list it, and read whatever is written there before its mode is fixed.
        os.chmod(folder, 0o700)
    doc = {
        name: getattr(creds, name) for name in CREDENTIAL_ENV if getattr(creds, name) is not None
    }
    atomic_write(path, tomli_w.dumps(doc), mode=0o600)
    return path


def is_loopback(domain_or_url: str) -> bool:
    """Whether a tenant domain (or URL, or bare host) is this machine: the only place plain http
    is accepted, and a local emulator rather than anybody's tenant."""
    text = domain_or_url.strip()
    try:
        return ipaddress.ip_address(text.strip("[]")).is_loopback  # a bare address, IPv6 included
    except ValueError:
        pass
    try:
        host = urlsplit(text if "://" in text else f"https://{text}").hostname or ""
    except ValueError:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tenant_label(domain_or_url: str) -> str:
    """A tenant as people read it: the host (and port), never a scheme, path or credential."""
    text = domain_or_url.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    host = parts.hostname or text
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


def tenant_mismatch(named: str | None, domain: str | None) -> str | None:
    """Why a workspace whose hooktui.toml names its tenant (`[tenant] domain`) must not be written
    to `domain`, or None when it may: the same tenant, no tenant named, or a loopback emulator
    (nobody's production tenant). The CLI and the console both refuse writes with this."""
    if not named or not domain or is_loopback(domain):
        return None
    if tenant_label(named).lower() == tenant_label(domain).lower():
        return None
    return (f"refusing to write to {tenant_label(domain)}: {CONFIG_FILE} names {tenant_label(named)} "
            f"([tenant] domain). Set AUTH0_DOMAIN={named} (and its credentials), or change [tenant] "
            f"domain in {CONFIG_FILE} (remove it to allow any tenant)")
