"""Under the Content-Security-Policy in a real browser (the page fixture fails on any console
error or CSP violation): the API's documentation and the mobile menu of the DSFR header."""

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.e2e.conftest import se_connecter

pytestmark = pytest.mark.e2e


def test_swagger_ui_runs_under_the_csp(live_server, page):
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.locator(".opblock-tag").first.wait_for()
    expect(page.get_by_text("API financement HN / HOP'EN").first).to_be_visible()
    assert page.locator(".opblock").count() > 20


def test_mobile_menu_of_the_header_opens(live_server, page, transactional_db):
    user = f.UserFactory(username="mobile")
    user.set_password("mot-de-passe-mobile")
    user.save()
    page.set_viewport_size({"width": 390, "height": 800})
    se_connecter(page, live_server, "mobile", "mot-de-passe-mobile")
    page.get_by_role("button", name="Menu").click()
    menu = page.locator("#menu-mobile")
    menu.get_by_role("link", name="Programmes").wait_for()
    # DSFR's script copied the tools links (notifications, log-out) into the mobile menu.
    expect(menu.get_by_role("button", name="Se déconnecter")).to_be_visible()
    menu.get_by_role("button", name="Fermer").click()
    menu.get_by_role("link", name="Programmes").wait_for(state="hidden")
