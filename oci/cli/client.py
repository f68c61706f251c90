"""A small HTTP client of the oci API (requests). Never imports models or db."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests


class ApiError(Exception):
    """The server refused or failed; ``str()`` is one line fit for an operator."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = details or {}

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

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """The server's answer to a request; ApiError for an error or no answer."""
        url = self.base_url + path
        try:
            response = self._http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.ConnectionError as exc:
            raise ApiError(
                f"cannot reach the oci server at {self.base_url} (is it running? "
                "set --api-url or OCI_API_URL)",
                code="unreachable",
            ) from exc
        except requests.Timeout as exc:
            raise ApiError(
                f"the oci server at {self.base_url} did not answer in time", code="timeout"
            ) from exc
        except requests.RequestException as exc:  # a bad URL: no scheme, bad port, ...
            raise ApiError(f"cannot use the server URL {self.base_url!r}: {exc}") from exc
        if response.ok:
            return response
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            raise ApiError(
                str(error.get("message") or "request failed"),
                response.status_code,
                error.get("code"),
                error.get("details") or {},
            )
        raise ApiError(
            f"the server answered {response.status_code} {response.reason} to {method} {path}",
            response.status_code,
        )

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
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

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, json=body)

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
