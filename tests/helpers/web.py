"""The dashboard through Flask's test client: log in as a browser does (the form,
its CSRF token, the session cookie)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.database import Credentials

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: TestResponse | str) -> str:
    text = page if isinstance(page, str) else page.get_data(as_text=True)
    found = _TOKEN.search(text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def log_in(client: FlaskClient, user: Credentials) -> TestResponse:
    form = client.get("/ui/login")
    answer = client.post(
        "/ui/login",
        data={"login": user.login, "password": user.password, "csrf_token": csrf_of(form)},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer


def text(client: FlaskClient, path: str, status: int = 200) -> str:
    answer = client.get(path)
    assert answer.status_code == status, (path, answer.status_code)
    return answer.get_data(as_text=True)
