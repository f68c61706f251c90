"""The dashboard (/ui) through Flask's test client: login, the pages, what a
reader may not do, CSRF, and no secret on any page."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from oci.inventory.status import change_status
from oci.models import Machine, MachineStatus
from tests.helpers import factories
from tests.helpers.api import Api
from tests.helpers.database import Credentials
from tests.helpers.enrolment import add, make_cluster, ok
from tests.helpers.web import csrf_of, log_in, text


def test_every_page_needs_a_login_and_the_cookie_is_guarded(
    client: FlaskClient, admin: Credentials
) -> None:
    for path in ("/ui/", "/ui/fleet", "/ui/racks", "/ui/machines/S1", "/ui/clusters"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/ui/login" in answer.headers["Location"], path
    assert client.get("/ui/fleet/changes.json").status_code == 401
    # API credentials do not open the dashboard, nor the other way round
    assert client.get("/ui/fleet", headers=admin.basic).status_code == 302
    form = client.get("/ui/login")
    assert form.status_code == 200
    wrong = client.post(
        "/ui/login", data={"login": "admin", "password": "nope", "csrf_token": csrf_of(form)}
    )
    assert wrong.status_code == 401 and "Wrong login or password" in wrong.get_data(as_text=True)
    no_token = client.post("/ui/login", data={"login": admin.login, "password": admin.password})
    assert no_token.status_code == 400
    answer = log_in(client, admin)
    cookie = answer.headers["Set-Cookie"]
    assert "oci_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; Secure behind TLS
    assert client.get("/ui/fleet").status_code == 200
    assert client.get("/api/v1/machines").status_code == 401  # the cookie is not an API login
    # an open redirect is refused: next= only within the dashboard
    client.post("/ui/logout", data={"csrf_token": csrf_of(client.get("/ui/fleet"))})
    form = client.get("/ui/login?next=https://evil.example/")
    assert "evil" not in form.get_data(as_text=True)


def test_every_dashboard_route_is_closed_without_a_session(app: Flask, client: FlaskClient) -> None:
    routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("web.")]
    assert len(routes) >= 10
    for rule in routes:
        url = re.sub(r"<[^>]+>", "nonexistent", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            answer = client.open(url, method=method)
            if rule.endpoint in ("web.login", "web.static"):
                assert answer.status_code in (200, 400, 404), (method, url)
            elif method == "GET":
                assert answer.status_code in (302, 401), (method, url, answer.status_code)
            else:  # a POST without the session's CSRF token is refused before anything runs
                assert answer.status_code == 400, (method, url, answer.status_code)


def test_the_session_ends_with_a_logout_and_with_a_password_change(
    client: FlaskClient, admin: Credentials, session: Session
) -> None:
    log_in(client, admin)
    page = client.get("/ui/fleet")
    assert client.post("/ui/logout", data={}).status_code == 400  # no CSRF token
    assert client.post("/ui/logout", data={"csrf_token": csrf_of(page)}).status_code == 302
    assert client.get("/ui/fleet").status_code == 302
    log_in(client, admin)
    from oci.security.users import set_password

    set_password(session, admin.login, "another-password")
    session.commit()
    assert client.get("/ui/fleet").status_code == 302


def test_fleet_lists_filters_counts_and_feeds_changes(
    client: FlaskClient, admin: Credentials, session: Session
) -> None:
    factories.machine(session, "S1", rack="r5", datacenter="dc1", row="r2", u_position=12)
    factories.machine(session, "S2", status=MachineStatus.INSTALLING, hostname="cl1-compute-1")
    factories.machine(session, "S3<script>", product_name="Tiny <b>box</b>")
    session.commit()
    log_in(client, admin)
    page = text(client, "/ui/fleet")
    assert "dc1/r2/r5 U12" in page and "cl1-compute-1" in page
    assert "<script>" not in page and "S3&lt;script&gt;" in page  # escaped, never markup
    assert re.search(r'data-count="live">2<', page) and re.search(
        r'data-count="installing">1<', page
    )
    only = text(client, "/ui/fleet?state=installing")
    assert "cl1-compute-1" in only and "dc1/r2/r5" not in only
    assert "S2" in text(client, "/ui/fleet?q=COMPUTE") and "S1<" not in text(
        client, "/ui/fleet?q=compute"
    )
    since = re.search(r'data-since="([^"]+)"', page)
    assert since
    feed = client.get(f"/ui/fleet/changes.json?since={since.group(1)}").get_json()
    assert feed["counts"]["live"] == 2
    machine = session.query(Machine).filter_by(serial="S1").one()
    machine.status = MachineStatus.INSTALLING
    session.commit()
    feed = client.get(f"/ui/fleet/changes.json?since={feed['since']}").get_json()
    assert {r["serial"]: r["status"] for r in feed["rows"]}["S1"] == "installing"
    assert feed["counts"]["installing"] == 2


def test_racks_machine_and_cluster_pages(
    client: FlaskClient, api: Api, admin: Credentials, session: Session
) -> None:
    make_cluster(api, session)
    ok(add(api, "S1"), 201)
    change_status(session, "S1", MachineStatus.INSTALLING, message="install started by test")
    for n, u in ((1, 10), (2, 12)):
        row = session.query(Machine).filter_by(serial=f"S{n}").one()
        row.datacenter, row.row, row.rack, row.u_position = "dc1", "r2", "rack5", u
    session.commit()
    log_in(client, admin)
    racks = text(client, "/ui/racks")
    assert "dc1 / r2 / rack5" in racks
    assert re.search(
        r'<th scope="row">12</th><td><a class="box state s-live"[^>]*><span class="name">S2<', racks
    )
    assert "Not placed" in racks and "S14" in racks
    assert "unknown switch dc1-r2-rack5-sw1 on eno1" in racks  # no switch rule: flagged
    machine = text(client, "/ui/machines/S1")
    for seen in ("Tesla T4", "10de:1eb8", "nvme0n1", "3.8T", "dc1-r2-rack5-sw1", "swp12"):
        assert seen in machine, seen
    assert "Power cycle" in machine and "Hardware profile" in machine
    assert "install started by test" in machine  # the timeline
    cluster = text(client, "/ui/clusters/cl1")
    assert "mgmt" in cluster and "192.168.101.0/24" in cluster and "controller" in cluster
    assert "pub" in cluster and "VIPs" in cluster
    assert text(client, "/ui/clusters/nope", 404)
    assert text(client, "/ui/machines/nope", 404)


def test_a_reader_sees_no_action_and_cannot_post_one(
    client: FlaskClient, reader: Credentials, session: Session
) -> None:
    factories.machine(session, "S1")
    session.commit()
    log_in(client, reader)
    page = text(client, "/ui/machines/S1")
    assert "Power cycle" not in page and "Reboot on" not in page
    assert client.get("/ui/machines/S1/actions/power-cycle").status_code == 403
    answer = client.post("/ui/machines/S1/actions/power-cycle", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 403


def test_an_admin_action_needs_the_form_token_and_says_why_it_failed(
    client: FlaskClient, admin: Credentials, session: Session
) -> None:
    factories.machine(session, "S1")
    session.commit()
    log_in(client, admin)
    confirm = text(client, "/ui/machines/S1/actions/power-cycle")
    assert "Yes, power cycle" in confirm
    assert client.post("/ui/machines/S1/actions/power-cycle").status_code == 400
    answer = client.post(
        "/ui/machines/S1/actions/power-cycle", data={"csrf_token": csrf_of(confirm)}
    )
    assert answer.status_code == 302
    assert "Power cycle failed" in text(client, "/ui/machines/S1")  # no BMC credentials


def test_no_secret_is_ever_rendered(
    client: FlaskClient, api: Api, admin: Credentials, session: Session
) -> None:
    make_cluster(api, session)
    ok(add(api, "S1"), 201)
    ok(
        client.put(
            "/api/v1/machines/S1/ipmi",
            json={"username": "root", "password": "BmcPw-9z7y", "address": "192.0.2.9"},
            headers=admin.basic,
        )
    )
    secrets = set(ok(api.get("/api/v1/clusters/cl1/secrets"))["secrets"].values())
    secrets |= {"BmcPw-9z7y", admin.password, admin.token}
    secrets = {s for s in secrets if len(s) >= 8}
    assert len(secrets) > 10
    log_in(client, admin)
    pages = ["/ui/fleet", "/ui/racks", "/ui/clusters", "/ui/clusters/cl1", "/ui/machines/S1"]
    pages += ["/ui/machines/S1/actions/power-cycle", "/ui/fleet/changes.json?since=2000-01-01"]
    pages += ["/ui/machines/S1/install-log", "/ui/machines/S2", "/ui/login"]
    for path in pages:
        body = client.get(path).get_data(as_text=True)
        leaked = [s for s in secrets if s in body]
        assert not leaked, (path, leaked)


def test_fleet_shows_a_machine_booting_by_its_mac_then_the_machine(
    client: FlaskClient, admin: Credentials, session: Session
) -> None:
    mac = "52:54:00:aa:00:07"
    booted = client.get("/boot/ipxe", query_string={"mac": mac, "buildarch": "x86_64"})
    assert booted.status_code == 200
    log_in(client, admin)
    page = text(client, "/ui/fleet")
    row = re.search(r'<tr id="b525400aa0007">(.*?)</tr>', page)
    assert row and mac in row.group(1) and ">booting<" in row.group(1), page
    assert "x86_64, ipxe live, since" in row.group(1)
    assert re.search(r'data-count="booting">1<', page) and re.search(r'id="count-all">1<', page)
    assert "b525400aa0007" in text(client, "/ui/fleet?state=booting")
    assert "b525400aa0007" not in text(client, "/ui/fleet?state=live")
    since = re.search(r'data-since="([^"]+)"', page)
    assert since
    feed = client.get("/ui/fleet/changes.json?since=2000-01-01").get_json()
    assert [(r["row"], r["hostname"], r["status"]) for r in feed["rows"]] == [
        ("b525400aa0007", mac, "booting")
    ]
    # it reports: now a machine with that NIC; its row replaces the booting one
    machine = factories.machine(session, "S1")
    machine.nics[0].mac = mac
    session.commit()
    feed = client.get(f"/ui/fleet/changes.json?since={since.group(1)}").get_json()
    assert feed["known"] == ["b525400aa0007"]
    assert [(r["row"], r["status"]) for r in feed["rows"]] == [(f"m{machine.id}", "live")]
    assert feed["counts"]["booting"] == 0 and feed["counts"]["live"] == 1
    page = text(client, "/ui/fleet")
    assert "b525400aa0007" not in page and f'id="m{machine.id}"' in page
