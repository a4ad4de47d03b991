"""Security headers, cookies over TLS, CSRF on session writes, and the request log."""

import json
import re

import pytest
from django.test import Client
from playwright.sync_api import sync_playwright

from outposts.http.security_headers import CONTENT_SECURITY_POLICY

URL = "/api/v3/outposts/instances/"


@pytest.mark.parametrize(
    "path", ["/api/v3/", "/api/v3/?script=", "/admin/login/", URL, "/-/health/live/"]
)
def test_every_response_carries_the_security_headers(client, db, path):
    response = client.get(path)

    assert response.status_code in (200, 403)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_docs_page_has_no_inline_script(client, db):
    page = client.get("/api/v3/").content.decode()

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts
    assert all('src="' in attrs and not body.strip() for attrs, body in scripts)
    start = client.get("/api/v3/?script=")
    assert start["Content-Type"] == "application/javascript"


@pytest.mark.parametrize(("secure", "flag"), [(True, True), (False, False)])
def test_cookies_are_secure_exactly_when_the_request_is(client, db, secure, flag):
    response = client.get("/admin/login/", secure=secure)

    assert bool(response.cookies["csrftoken"]["secure"]) is flag


def test_session_write_without_csrf_token_is_403(superuser, make_outpost):
    outpost = make_outpost(name="csrf")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(superuser)
    # The admin hands the browser its CSRF cookie; a forged cross-site request
    # carries that cookie but cannot read it into the header.
    browser.get("/admin/")

    response = browser.patch(
        f"{URL}{outpost.pk}/", {"name": "changed"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "CSRF Failed: CSRF token missing.",
        "code": "permission_denied",
    }
    outpost.refresh_from_db()
    assert outpost.name == "csrf"


def test_session_write_with_csrf_token_succeeds(superuser, make_outpost):
    outpost = make_outpost(name="csrf")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(superuser)
    token = browser.get("/admin/").cookies["csrftoken"].value

    response = browser.patch(
        f"{URL}{outpost.pk}/",
        {"name": "changed"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 200
    assert response.json()["name"] == "changed"


# --- The real server -----------------------------------------------------------


@pytest.mark.live
def test_live_cookies_behind_a_tls_proxy_are_secure(app_server):
    with app_server.client() as client:
        plain = client.get("/admin/login/")
        proxied = client.get("/admin/login/", headers={"X-Forwarded-Proto": "https"})

    assert "secure" not in plain.headers["set-cookie"].lower()
    assert "; secure" in proxied.headers["set-cookie"].lower()


@pytest.mark.live
def test_live_request_log_line_and_request_id(app_server):
    with app_server.client() as client:
        echoed = client.get(URL, headers={"X-Request-ID": "trace-4711"})
        refused = client.get(URL, headers={"X-Request-ID": "bad id\twith spaces"})

    assert echoed.headers["x-request-id"] == "trace-4711"
    generated = refused.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    lines = [
        json.loads(line)
        for line in app_server.log_path.read_text().splitlines()
        if line.startswith("{") and '"event": "request"' in line
    ]
    entry = next(line for line in lines if line.get("request_id") == "trace-4711")
    assert entry["method"] == "GET"
    assert entry["path"] == URL
    assert entry["status"] == 200
    assert entry["user"] == "akadmin"
    assert entry["client_ip"] == "127.0.0.1"
    assert entry["level"] == "info"
    assert isinstance(entry["duration_ms"], float)
    assert any(line.get("request_id") == generated for line in lines)


@pytest.mark.live
def test_live_audit_event_records_the_request_id(app_server):
    from tests.reliability import outpost_create, provider_create, query

    provider = provider_create(app_server, "proxy", "request-id-provider")
    with app_server.client() as client:
        outpost = outpost_create(client, "request-id", [provider])
        client.patch(
            f"{URL}{outpost['pk']}/",
            json={"config": {"log_level": "debug"}},
            headers={"X-Request-ID": "audit-trace-1"},
        )

    rows = query(
        app_server,
        "SELECT context->'http_request'->>'request_id' FROM outposts_event "
        "WHERE action = 'model_updated' AND context->'model'->>'pk' = %s",
        outpost["pk"],
    )
    assert rows == [("audit-trace-1",)]


@pytest.mark.live
def test_live_docs_and_admin_render_under_the_policy(app_server):
    violations = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page(base_url=app_server.url)
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.goto("/api/v3/")
        page.wait_for_selector(".opblock", timeout=20_000)
        operations = page.locator(".opblock").count()
        page.goto("/admin/login/")
        page.fill("#id_username", "akadmin")
        page.fill("#id_password", app_server.password)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        page.goto("/admin/outposts/outpost/add/")
        page.wait_for_selector("form")
        browser.close()

    assert operations > 10
    assert violations == []
