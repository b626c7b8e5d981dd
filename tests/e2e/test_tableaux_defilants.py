"""``static/hn/tableaux.js`` in a real browser: a DSFR table's scrolling box takes a tab stop
while it scrolls (RGAA 7.3, axe "scrollable-region-focusable"), also when it starts or stops
scrolling after the page's load, and a tab stop the page writes itself (the journal's
labelled region) stays. The script used to decide at load and on resize only, and to take
back the journal's own tab stop when its box did not scroll at that moment: when the box came
to scroll afterwards, it was out of the keyboard's reach, and the crawl's axe check of the
journal failed now and then on CI."""

import pytest
from playwright.sync_api import expect

from hn.journal.services import tracer
from tests import factories as f
from tests.e2e.conftest import se_connecter

pytestmark = pytest.mark.e2e

BOITE = "#journal-table .fr-table__container"
CONTENU = "#journal-table .fr-table__content"


def _style(page, selecteur, propriete, valeur):
    page.evaluate(
        "([s, p, v]) => { document.querySelector(s).style[p] = v; }", [selecteur, propriete, valeur]
    )


def test_tab_stops_follow_the_scrolling_after_the_load(live_server, page, referentiel):
    etab = f.EtablissementFactory()
    lecteur = f.es_lecteur(etab)
    for _ in range(3):
        tracer("dossier_commente", etablissement=etab, commentaire="Une ligne du journal.")
    se_connecter(page, live_server, lecteur.username, f.PASSWORD)
    page.goto(f"{live_server.url}/journal/")
    boite = page.locator(BOITE)
    # The journal's own tab stop stays, whether its box scrolls or not.
    _style(page, CONTENU, "display", "none")
    # Two animation frames: the ResizeObserver's callbacks run within the first.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    expect(boite).to_have_attribute("tabindex", "0")

    # A box the page gave no tab stop: it takes one when it comes to scroll, without any load
    # or resize event, and gives it back when it no longer does.
    page.evaluate(f"document.querySelector('{BOITE}').removeAttribute('tabindex')")
    _style(page, BOITE, "width", "200px")
    _style(page, CONTENU, "display", "")
    expect(boite).to_have_attribute("tabindex", "0")
    _style(page, CONTENU, "display", "none")
    expect(boite).not_to_have_attribute("tabindex", "0")
