"""A small HTTP client of the oci API (requests). Never imports models or db."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

# What a proxy in front of several oci servers (README: "Running oci highly
# available") answers, without oci's error body, when the server it chose died
# (502: the request may have been done; 504 too) or none is up (503: it was not).
PROXY_STATUSES = frozenset({502, 503, 504})
# Requests that change nothing: sent again when their answer was lost.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Waits before each new attempt (seconds): 15 s in all, longer than a proxy
# takes to find a dead server out (the README's haproxy: 3 checks of 1 s).
RETRY_WAITS = (0.5, 1.0, 1.5, 2.0, 4.0, 6.0)


class ApiError(Exception):
    """The server refused or failed; ``str()`` is one line fit for an operator."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        *,
        resent: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details or {}
        # The request was sent again after its answer was lost: the server may
        # have done what an earlier attempt asked (a POST that says "exists").
        self.resent = resent

    @property
    def passing(self) -> bool:
        """No answer in time, no connection, or a gateway's 502/503/504 (the server
        could not reach a machine): worth asking again, where waiting makes sense."""
        return self.status in (502, 503, 504) or self.code in ("timeout", "unreachable")


@dataclass
class ApiClient:
    base_url: str
    login: str | None = None
    password: str | None = None
    token: str | None = None
    timeout: float = 30.0
    retry_waits: tuple[float, ...] = RETRY_WAITS
    # Told each time a request is sent again, with why (ocicli: a line on stderr).
    notice: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._http = requests.Session()
        self._http.headers["Accept"] = "application/json"
        self._http.headers["User-Agent"] = "ocicli"
        if self.token:
            self._http.headers["Authorization"] = f"Bearer {self.token}"
        elif self.login is not None and self.password is not None:
            self._http.auth = (self.login, self.password)

    @staticmethod
    def path(*parts: str) -> str:
        """``/api/v1/a/b`` with every part URL-quoted, so a name cannot change the route."""
        return "/api/v1/" + "/".join(quote(part, safe="") for part in parts)

    def _send(
        self, method: str, path: str, *, resend: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """The server's answer to a request; ApiError for an error or no answer.

        A request whose answer was lost (the connection dropped after it was
        sent, or a proxy's 502/504: the server behind it died) is sent again
        if ``resend``, by default for GET, HEAD and OPTIONS only; one a proxy
        could not deliver (its 503: no server up) is sent again whatever its
        method. No server listening at the URL is said at once."""
        resend = method.upper() in SAFE_METHODS if resend is None else resend
        waits = iter(self.retry_waits)
        resent = False
        url = self.base_url + path
        while True:
            try:
                response = self._http.request(method, url, timeout=self.timeout, **kwargs)
            except requests.ConnectionError as exc:
                wait = next(waits, None) if resend and not _not_connected(exc) else None
                if wait is None:
                    raise ApiError(
                        f"cannot reach the oci server at {self.base_url} (is it running? "
                        "set --api-url or OCI_API_URL)",
                        code="unreachable",
                        resent=resent,
                    ) from exc
                self._again(f"{self.base_url} dropped the connection", wait)
                resent = True
                continue
            except requests.Timeout as exc:
                raise ApiError(
                    f"the oci server at {self.base_url} did not answer in time",
                    code="timeout",
                    resent=resent,
                ) from exc
            except requests.RequestException as exc:  # a bad URL: no scheme, bad port, ...
                raise ApiError(f"cannot use the server URL {self.base_url!r}: {exc}") from exc
            error = _error_of(response)
            if response.status_code in PROXY_STATUSES and error is None:
                undelivered = response.status_code == 503
                wait = next(waits, None) if resend or undelivered else None
                if wait is not None:
                    self._again(f"{response.status_code} {response.reason} from {url}", wait)
                    resent = resent or not undelivered
                    continue
            break
        if response.ok:
            return response
        if error is not None:
            raise ApiError(
                str(error.get("message") or "request failed"),
                response.status_code,
                error.get("code"),
                error.get("details") or {},
                resent=resent,
            )
        raise ApiError(
            f"the server answered {response.status_code} {response.reason} to {method} {path}",
            response.status_code,
            resent=resent,
        )

    def _again(self, why: str, wait: float) -> None:
        if self.notice is not None:
            self.notice(f"({why}; asking again in {wait:g} s)")
        time.sleep(wait)

    def request(self, method: str, path: str, *, resend: bool | None = None, **kwargs: Any) -> Any:
        """The JSON answer; ``resend``: see _send (True where the caller makes a
        repeated request harmless)."""
        response = self._send(method, path, resend=resend, **kwargs)
        if response.status_code == 204:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ApiError(
                f"{self.base_url} answered {method} {path} with no JSON: is it an oci server?",
                response.status_code,
            ) from exc

    def download(self, path: str) -> bytes:
        """The raw body of a GET (a report archive, say)."""
        return self._send("GET", path).content

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: dict[str, Any], *, resend: bool = False) -> Any:
        return self.request("POST", path, resend=resend, json=body)

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PUT", path, json=body)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PATCH", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def list_fields(self, path: str) -> list[str]:
        """The item fields of list route ``path``, read from the server's OpenAPI document."""
        doc = self.get("/api/v1/openapi.json")
        schemas = doc["components"]["schemas"]
        page_ref = doc["paths"][_template_of(path, doc["paths"])]["get"]["responses"]["200"][
            "content"
        ]["application/json"]
        page = schemas[page_ref["schema"]["$ref"].rsplit("/", 1)[1]]
        item = schemas[page["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]]
        return list(item["properties"])

    def iterate(self, path: str, page_size: int = 500, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a list route, fetching page after page."""
        offset = 0
        while True:
            page = self.get(path, limit=page_size, offset=offset, **params)
            yield from page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return


def _not_connected(exc: requests.ConnectionError) -> bool:
    """No connection was made (refused, no route, no name): nothing was sent."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError holds the cause
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _error_of(response: requests.Response) -> dict[str, Any] | None:
    """oci's {"error": {...}} in an answer, or None (a success, or a proxy's page)."""
    if response.ok:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None


def _template_of(path: str, templates: Iterable[str]) -> str:
    """The OpenAPI path template (``/machines/{key}/reports``) that ``path`` fills."""
    templates = list(templates)
    if path in templates:
        return path
    parts = path.split("/")
    for template in templates:
        pattern = template.split("/")
        if len(pattern) == len(parts) and all(
            p == t or (t.startswith("{") and t.endswith("}"))
            for p, t in zip(parts, pattern, strict=True)
        ):
            return template
    return path
