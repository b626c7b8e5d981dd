"""Issue 19 point 7 in a real browser: an indicator value typed in a table is shown whole
(« 95. » for 95.00 and « O » for Oui when the column shrank the field), at 1280 and 375 px."""

import pytest
from django.urls import reverse

from tests import dossiers_factories as d
from tests import factories as f
from tests.e2e.conftest import se_connecter

pytestmark = pytest.mark.e2e

# Per field: the width its text needs (measured in the field's own font) and the width the
# field gives it (content box: client width minus padding, minus the arrow of a select).
LARGEURS = """
() => Array.from(document.querySelectorAll("tr[data-indicateur] input, tr[data-indicateur] select"))
  .map((champ) => {
    const style = getComputedStyle(champ);
    const texte = champ.tagName === "SELECT" ? champ.selectedOptions[0].text : champ.value;
    const ctx = document.createElement("canvas").getContext("2d");
    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const marges = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const utile = champ.clientWidth - marges;
    return {id: champ.id, texte, besoin: ctx.measureText(texte).width, utile};
  })
"""


@pytest.mark.parametrize("largeur", [1280, 375])
def test_indicator_fields_show_their_whole_value(live_server, page, referentiel, largeur):
    dossier, gestionnaire = d.complet(code="HOPEN")
    page.set_viewport_size({"width": largeur, "height": 900})
    se_connecter(page, live_server, gestionnaire.username, f.PASSWORD)
    url = reverse("dossiers:page", args=[dossier.numero, "prerequis-P1"])
    page.goto(f"{live_server.url}{url}")
    champs = [c for c in page.evaluate(LARGEURS) if c["texte"] and not c["id"].endswith(".na")]
    assert {c["texte"] for c in champs} >= {"Oui", "95.00"}
    coupes = [c for c in champs if c["besoin"] > c["utile"]]
    assert not coupes
