"""The docs page and the admin in a real browser: Debian's Chromium, headless.

The server is the one `make run` starts (tests/live.py). Every page the tests
finish on is saved as a screenshot under `test-artifacts/`.
"""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = pytest.mark.live

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's synchronous API keeps an event loop on this
    # thread while it runs, which Django's ORM in other modules refuses.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, app_server):
    """A fresh browser profile that records every URL it requests."""
    context = browser.new_context(base_url=app_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.requested_urls = []
    page.on("request", lambda request: page.requested_urls.append(request.url))
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def off_server_requests(page: Page, server_url: str) -> list[str]:
    origin = urlsplit(server_url).netloc
    return [
        url
        for url in page.requested_urls
        if not url.startswith(("data:", "blob:")) and urlsplit(url).netloc != origin
    ]


def make_provider(app_server, model: str, name: str) -> int:
    output = app_server.shell(
        "from outposts.models import *\n"
        f"print({model}.objects.create(name={name!r}).pk)\n"
    )
    return int(output.strip().splitlines()[-1])


def make_outpost(app_server, name: str, providers: list[int]) -> dict:
    with app_server.client() as http:
        response = http.post(
            "/api/v3/outposts/instances/",
            json={"name": name, "type": "proxy", "providers": providers, "config": {}},
        )
    assert response.status_code == 201, response.text
    return response.json()


def fetch_outpost(app_server, pk: str) -> dict:
    with app_server.client() as http:
        response = http.get(f"/api/v3/outposts/instances/{pk}/")
    assert response.status_code == 200, response.text
    return response.json()


def admin_login(page: Page, app_server) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "akadmin")
    page.fill("#id_password", app_server.password)
    page.click("input[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_docs_page_patches_an_outpost_with_a_bearer_token(page, app_server):
    provider = make_provider(app_server, "ProxyProvider", "browser-docs-proxy")
    outpost = make_outpost(app_server, "browser-docs-before", [provider])

    page.goto("/api/v3/")
    operation = page.locator("#operations-outposts-outposts_instances_partial_update")
    expect(operation).to_be_visible()

    page.click("button.btn.authorize")
    page.fill("input[aria-label='auth-bearer-value']", app_server.token)
    page.click(".auth-btn-wrapper button.authorize")
    page.click(".auth-btn-wrapper button.btn-done")

    operation.locator(".opblock-summary-control").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("tr[data-param-name='uuid'] input").fill(outpost["pk"])
    operation.locator("textarea.body-param__text").fill(
        json.dumps({"name": "browser-docs-after"})
    )
    with page.expect_response(
        lambda response: response.request.method == "PATCH"
    ) as patch:
        operation.locator("button.execute").click()
    live = operation.locator(".live-responses-table")
    expect(live.locator(".response .response-col_status").first).to_have_text("200")
    expect(live.locator(".response-col_description pre").first).to_contain_text(
        '"name": "browser-docs-after"'
    )
    screenshot(page, "docs-patch-outpost")
    operation.screenshot(path=ARTIFACTS / "docs-patch-outpost-operation.png")

    request = patch.value.request
    assert request.url == f"{app_server.url}/api/v3/outposts/instances/{outpost['pk']}/"
    assert request.headers["authorization"] == f"Bearer {app_server.token}"
    assert patch.value.status == 200
    assert fetch_outpost(app_server, outpost["pk"])["name"] == "browser-docs-after"
    assert off_server_requests(page, app_server.url) == []


def test_admin_changes_an_outposts_providers(page, app_server):
    kept = make_provider(app_server, "ProxyProvider", "browser-admin-kept")
    dropped = make_provider(app_server, "ProxyProvider", "browser-admin-dropped")
    added = make_provider(app_server, "ProxyProvider", "browser-admin-added")
    outpost = make_outpost(app_server, "browser-admin-outpost", [kept, dropped])

    admin_login(page, app_server)
    page.goto(f"/admin/outposts/outpost/{outpost['pk']}/change/")
    page.select_option("#id_providers_from", str(added))
    page.click("#id_providers_add")
    page.select_option("#id_providers_to", str(dropped))
    page.click("#id_providers_remove")
    expect(page.locator("#id_providers_to option")).to_have_count(2)
    page.click("input[name=_save]")

    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/outposts/outpost/$"))
    screenshot(page, "admin-outpost-providers-saved")
    assert fetch_outpost(app_server, outpost["pk"])["providers"] == sorted(
        [kept, added]
    )
    assert off_server_requests(page, app_server.url) == []


def test_admin_shows_why_an_ldap_provider_cannot_go_on_a_proxy_outpost(
    page, app_server
):
    proxy = make_provider(app_server, "ProxyProvider", "browser-admin-proxy")
    ldap = make_provider(app_server, "LDAPProvider", "browser-admin-ldap")
    outpost = make_outpost(app_server, "browser-admin-mismatch", [proxy])

    admin_login(page, app_server)
    page.goto(f"/admin/outposts/outpost/{outpost['pk']}/change/")
    page.select_option("#id_providers_from", str(ldap))
    page.click("#id_providers_add")
    page.click("input[name=_save]")

    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-providers .errorlist")).to_have_text(
        "Outpost type proxy can't be used with LDAPProvider providers."
    )
    screenshot(page, "admin-outpost-ldap-on-proxy-rejected")
    assert fetch_outpost(app_server, outpost["pk"])["providers"] == [proxy]
    assert off_server_requests(page, app_server.url) == []
