"""The tenant's Authentication API half: the client-credentials token endpoint, HS256 tokens signed
with the client secret, and the audience and expiry checks every Management API call passes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from hooktui.tenant.request import (
    ApiError,
    AuthError,
    Unauthenticated,
    clip,
    parse_json,
)

SCOPES = "read:hooks create:hooks update:hooks delete:hooks read:logs"
EXPIRED_TOKEN = "Expired token received for JSON Web Token validation"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TenantAuth:
    """Tokens and the checks on them, mixed into the Emulator: it reads the tenant's credentials,
    domain and clock, and writes the `seccft`/`feccft` log entries through the tenant log."""

    client_id: str
    client_secret: str
    domain: str
    token_ttl: int
    base_url: str
    _clock: Callable[[], float]
    _epoch: Callable[[float], float]
    _log: Callable[..., None]

    def _token(self, headers: Any, body: bytes, ip: str) -> tuple[int, Any]:
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            if ctype == "application/x-www-form-urlencoded":
                params: Any = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            else:
                params = parse_json(body) if body.strip() else {}
        except UnicodeDecodeError:
            raise AuthError(400, "invalid_request", "Invalid request body: not UTF-8") from None
        except ApiError as exc:
            raise AuthError(400, "invalid_request", f"Invalid request body: {exc}") from None
        if not isinstance(params, dict):
            raise AuthError(400, "invalid_request", "Invalid request body")
        grant = params.get("grant_type")
        if not grant:
            raise AuthError(400, "invalid_request", "Missing required parameter: grant_type")
        if grant != "client_credentials":
            raise AuthError(400, "unsupported_grant_type", f"Unsupported grant type: {clip(grant)}")
        client_id = str(params.get("client_id") or "")
        fail = {"client_id": client_id, "ip": ip, "headers": headers}
        if client_id != self.client_id or not hmac.compare_digest(
            str(params.get("client_secret") or "").encode(), self.client_secret.encode()
        ):
            self._log("feccft", "Unauthorized", **fail, durable=False)
            raise AuthError(401, "access_denied", "Unauthorized")
        audience = params.get("audience")
        if not audience:
            message = "No audience parameter was provided, and no default audience has been configured"
            self._log("feccft", message, **fail, durable=False)
            raise AuthError(403, "access_denied", message)
        if not isinstance(audience, str) or audience not in self._audiences(headers):
            message = f"Service not enabled within domain: {clip(audience, 200)}"
            self._log("feccft", message, **fail, durable=False)
            raise AuthError(403, "access_denied", message)
        iat = int(self._epoch(self._clock()))
        claims = {
            "iss": f"https://{self.domain}/", "sub": f"{client_id}@clients", "aud": audience,
            "iat": iat, "exp": iat + self.token_ttl, "azp": client_id, "scope": SCOPES,
            "gty": "client-credentials",
        }
        self._log("seccft", "Client Credentials for Access Token", client_id=client_id, ip=ip, headers=headers,
                  details={"audience": audience, "scope": SCOPES})
        return 200, {"access_token": self._sign(claims), "expires_in": self.token_ttl, "scope": SCOPES,
                     "token_type": "Bearer"}

    def _audiences(self, headers: Any) -> set[str]:
        """The tenant's own audience, and `http(s)://{Host}/api/v2/` for the host[:port] the client
        called (the official SDKs ask for https://{domain}/api/v2/; hooktui asks for its base URL).
        A token is good only where it was minted: another emulator's host is another tenant."""
        hosts = {f"https://{self.domain}"}
        # An HTTP/1.0 client may send no Host: then it called the address we listen on.
        host = (headers.get("Host") or self.base_url.partition("://")[2]).strip().lower()
        if host:
            hosts |= {f"http://{host}", f"https://{host}"}
        return {f"{h}/api/v2/" for h in hosts}

    def _sign(self, claims: dict[str, Any]) -> str:
        head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        body = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        mac = hmac.new(self.client_secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64url(mac)}"

    def _claims(self, token: str) -> dict[str, Any] | None:
        """The token's claims if this tenant signed it (expired or not), else None."""
        try:
            head, body, sig = token.split(".")
            mac = hmac.new(self.client_secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(_b64url_decode(sig), mac):
                return None
            claims = json.loads(_b64url_decode(body))
        except (ValueError, TypeError):
            return None
        return claims if isinstance(claims, dict) else None

    def _bearer(self, headers: Any) -> str | None:
        scheme, _, token = (headers.get("Authorization") or "").strip().partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def _authenticate(self, headers: Any) -> str:
        token = self._bearer(headers)
        if token is None:
            raise Unauthenticated.api(401, "Missing authentication")
        claims = self._claims(token)
        if claims is None:
            raise Unauthenticated.api(401, "Invalid token", "invalid_token")
        if not isinstance(claims.get("exp"), int) or self._epoch(self._clock()) >= claims["exp"]:
            raise Unauthenticated.api(401, EXPIRED_TOKEN, "invalid_token")
        aud = claims.get("aud")
        auds = [aud] if isinstance(aud, str) else [a for a in aud if isinstance(a, str)] if isinstance(aud, list) else []
        if not set(auds) & self._audiences(headers):
            shown = " ".join(auds) if auds else "(none)"
            raise Unauthenticated.api(401, f"Bad audience: {clip(shown, 200)}", "invalid_token")
        return str(claims.get("azp", ""))

    def _caller(self, headers: Any) -> str:
        """Who sent the request, for a log entry, when the token says so."""
        token = self._bearer(headers)
        claims = self._claims(token) if token else None
        return str(claims.get("azp", "")) if claims else ""
