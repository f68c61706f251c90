"""How long a request's URL may be: refused here, as a JSON 414, before gunicorn's own
limit would refuse it in HTML."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import RequestURITooLarge

# The request target (path and query string, percent-encoded) the API reads at most.
MAX_URI_BYTES = 4096
# gunicorn's limit_request_line under `oci serve`: its largest value, so that a URL
# between the two limits reaches the app and gets the JSON answer. Only a request
# line longer than this still gets gunicorn's HTML 414.
SERVER_REQUEST_LINE_BYTES = 8190


def refuse_long_uri() -> None:
    """before_request hook: a 414 for a URL longer than MAX_URI_BYTES."""
    # RAW_URI (gunicorn) is the target as sent, a WSGI string of bytes. Werkzeug's test
    # client leaves the query string out of it.
    environ = request.environ
    target = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"])
    query = str(environ.get("QUERY_STRING", ""))
    if query and "?" not in target:
        target += "?" + query
    if len(target) > MAX_URI_BYTES:
        raise RequestURITooLarge(f"the URL is longer than the {MAX_URI_BYTES} bytes allowed")
