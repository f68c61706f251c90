"""The Flask test client, authenticated as one user by token."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.database import Credentials


class Api:
    """``client``'s requests with ``user``'s bearer token."""

    def __init__(self, client: FlaskClient, user: Credentials) -> None:
        self.client = client
        self.user = user

    def get(self, path: str, **kw: Any) -> TestResponse:
        return self.client.get(path, headers=self.user.bearer, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.client.post(path, json=json, headers=self.user.bearer, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.client.patch(path, json=json, headers=self.user.bearer, **kw)

    def delete(self, path: str, **kw: Any) -> TestResponse:
        return self.client.delete(path, headers=self.user.bearer, **kw)
