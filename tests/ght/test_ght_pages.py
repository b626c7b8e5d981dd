"""GHT dossiers on the HTML pages and in the PDF [SPEC §10]: the header names the GHT, its
support and the candidate members; the "coûts" page and the PDF break the forfait down, one
line per member and the GHT total; the support's users, the ARS and the national level read
every line, a member's users their own lines and the totals; a single ES's page is unchanged;
the page's queries do not grow with the members."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from dossiers import actions, pdf
from tests import dossiers_factories as d
from tests import factories as f
from tests.ght.argent import dossier_ght, forfait_du_membre, somme

pytestmark = pytest.mark.django_db


def couts(dossier) -> str:
    return reverse("dossiers:page", args=[dossier.numero, "couts"])


def ligne_id(etab) -> str:
    return f'id="repartition-{etab.finess}"'


@pytest.fixture
def ght3():
    return dossier_ght(3)


def test_the_header_names_the_ght_its_support_and_the_members(client, ght3):
    dossier, gestionnaire, membres = ght3
    client.force_login(gestionnaire)
    page = client.get(reverse("dossiers:page", args=[dossier.numero, "engagements"]))
    html = page.content.decode()
    assert f"Dossier de GHT : <strong>{dossier.ght.nom}</strong>" in html
    assert f"Établissement support : {dossier.etablissement.raison_sociale}" in html
    for etab in membres:
        assert f"{etab.raison_sociale} (FINESS {etab.finess})" in html


def test_the_support_reads_every_member_line_and_the_ght_total(client, ght3):
    dossier, gestionnaire, membres = ght3
    client.force_login(gestionnaire)
    reponse = client.get(couts(dossier))
    r = reponse.context["repartition"]
    assert [lg["etablissement"] for lg in r["lignes"]] == sorted(membres, key=lambda e: e.finess)
    assert r["masquees"] == 0
    for lg in r["lignes"]:
        for code, forfait in zip(("D2", "D3"), lg["forfaits"], strict=True):
            assert (
                forfait["standard"]
                == forfait_du_membre(lg["etablissement"], dossier.programme, code)[0]
            )
    assert [t["standard"] for t in r["total"]["forfaits"]] == [
        somme(membres, dossier.programme, "D2"),
        somme(membres, dossier.programme, "D3"),
    ]
    # The per-domaine forfait of the main table is the GHT total too.
    assert [x["forfait"]["standard"] for x in reponse.context["domaines"]] == [
        t["standard"] for t in r["total"]["forfaits"]
    ]
    html = reponse.content.decode()
    assert all(ligne_id(e) in html for e in membres)
    assert "Total du GHT" in html and 'id="repartition-total"' in html
    assert len({lg["categorie"] for lg in r["lignes"]}) > 1  # each member its own category


def test_a_member_reads_its_own_line_and_the_totals_only(client, ght3):
    dossier, _, membres = ght3
    client.force_login(f.es_lecteur(membres[1]))
    reponse = client.get(couts(dossier))
    assert reponse.status_code == 200
    r = reponse.context["repartition"]
    assert [lg["etablissement"] for lg in r["lignes"]] == [membres[1]]
    assert r["masquees"] == 2
    assert r["total"]["forfaits"][0]["standard"] == somme(membres, dossier.programme, "D2")
    html = reponse.content.decode()
    assert ligne_id(membres[1]) in html
    assert ligne_id(membres[0]) not in html and ligne_id(membres[2]) not in html
    assert 'id="repartition-masquees"' in html and "Total du GHT" in html


def test_the_ars_and_the_national_level_read_every_line(client, ght3):
    dossier, gestionnaire, _ = ght3
    actions.deposer(dossier=dossier, acting_user=gestionnaire)  # they read the dépôt
    for user in (f.ars_lecteur("84"), f.lecteur_national()):
        client.force_login(user)
        r = client.get(couts(dossier)).context["repartition"]
        assert len(r["lignes"]) == 3 and r["masquees"] == 0, user


def test_a_single_es_dossier_page_is_unchanged(client):
    dossier, gestionnaire = d.complet()
    client.force_login(gestionnaire)
    reponse = client.get(couts(dossier))
    assert "repartition" not in reponse.context
    html = reponse.content.decode()
    assert "repartition-ght" not in html and "Dossier de GHT" not in html
    assert "Activité combinée de l'établissement" in html


def _requetes(client, url) -> int:
    client.get(url)  # warm (session, caches)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_couts_page_queries_do_not_grow_with_the_members(client, django_assert_num_queries):
    petit, g2, _ = dossier_ght(2)
    grand, g8, membres = dossier_ght(8)
    client.force_login(g2)
    n = _requetes(client, couts(petit))
    client.force_login(g8)
    client.get(couts(grand))
    with django_assert_num_queries(n):
        reponse = client.get(couts(grand))
    assert len(reponse.context["repartition"]["lignes"]) == 8
    assert all(ligne_id(e) in reponse.content.decode() for e in membres)


def test_the_pdf_prints_the_breakdown_as_the_reader_may_read_it(client, ght3):
    dossier, gestionnaire, membres = ght3
    client.force_login(gestionnaire)
    reponse = client.get(reverse("dossiers:pdf", args=[dossier.numero]))
    assert reponse.status_code == 200
    texte = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(reponse.content)).pages)
    plat = re.sub(r"\s+", "", texte)
    assert "TotalduGHT" in plat and "Dossier de GHT".replace(" ", "") in plat
    assert all(e.finess in texte for e in membres)
    assert str(somme(membres, dossier.programme, "D2")) in plat

    # A member's print preview: its own line and the totals.
    client.force_login(f.es_lecteur(membres[0]))
    html = client.get(reverse("dossiers:apercu", args=[dossier.numero])).content.decode()
    assert "Total du GHT" in html
    section = html[html.index('id="repartition-ght"') :]
    assert membres[0].finess in section and membres[2].finess not in section.split("</table>")[0]

    # The deposited snapshot's PDF is one file for every reader: the totals only.
    depot = actions.deposer(dossier=dossier, acting_user=gestionnaire).depots.get()
    contexte = pdf._contexte_contenu(dossier, depot.contenu, "depot", depot)
    [section] = [s for s in contexte["sections"] if s["page"].slug == "couts"]
    assert section["repartition"]["lignes"] == [] and section["repartition"]["masquees"] == 3
