"""GHT dossiers, per-member indicators [SPEC §10]: one value per candidate member of each
domaine indicator, at entry (page and API), in the deposited snapshot and the dépôt's
missing list, in the eligibility checks, and in the follow-up: a domaine's targets are met
when the prérequis are and every member meets every indicator of the domaine."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.urls import reverse

from dossiers import actions
from dossiers.contenu import contenu, manquants
from dossiers.eligibilite import _Contexte
from dossiers.models import MembreDossier, ValeurIndicateur
from dossiers.saisie import enregistrer_saisie
from hn.referentiel.models import GHT
from indicateurs import suivi
from indicateurs.models import ValeurSuivi
from indicateurs.regles import blocages_financement_ght
from tests import dossiers_factories as d
from tests import factories as f
from tests.indicateurs import aides as a

pytestmark = pytest.mark.django_db


def en_ght(dossier, n_membres=2):
    """Make ``dossier`` a GHT dossier of its établissement (the support, a candidate) and
    ``n_membres - 1`` other members, each with its reference-year activity."""
    support = dossier.etablissement
    ght = GHT.objects.create(nom=f"GHT {support.finess}", region=support.region, support=support)
    autres = [f.EtablissementFactory(region=support.region) for _ in range(n_membres - 1)]
    for etab in [support, *autres]:
        etab.ght = ght
        etab.save(update_fields=["ght"])
        f.ActiviteEtablissementFactory(etablissement=etab, programme=dossier.programme)
        MembreDossier.objects.create(dossier=dossier, etablissement=etab)
    dossier.ght = ght
    dossier.save(update_fields=["ght"])
    return sorted([support, *autres], key=lambda e: e.finess)


# --- entry (phase instruction) ------------------------------------------------------------------


@pytest.fixture
def saisi():
    """A GHT dossier (two members) in saisie, D2 requested, every field but the members'."""
    dossier = d.en_saisie()
    membres = en_ght(dossier)
    gestionnaire = f.es_gestionnaire(dossier.etablissement)
    data = d.saisie_complete(dossier.programme, ("D2",))
    data["indicateurs"] = [i for i in data["indicateurs"] if not i["code"].startswith("D")]
    enregistrer_saisie(dossier=dossier, data=data, acting_user=gestionnaire)
    return dossier, membres, gestionnaire


def d2(dossier):
    return list(dossier.programme.indicateurs.filter(domaine__code="D2"))


def test_the_api_writes_one_value_per_member_and_refuses_a_non_candidate(saisi, client):
    dossier, (m1, m2), gestionnaire = saisi
    ind = d2(dossier)[0]
    client.force_login(gestionnaire)
    url = reverse("api:dossier", args=[dossier.numero])
    ok = client.patch(
        url,
        {"indicateurs": [{"code": ind.code, "finess": m1.finess, "valeur": "40"}]},
        content_type="application/json",
    )
    assert ok.status_code == 200, ok.content
    v = ValeurIndicateur.objects.get(dossier=dossier, indicateur=ind, etablissement=m1)
    assert v.valeur == D(40)
    etranger = f.EtablissementFactory()
    refus = client.patch(
        url,
        {
            "indicateurs": [
                {"code": ind.code, "finess": m2.finess, "valeur": "50"},
                {"code": ind.code, "finess": etranger.finess, "valeur": "50"},
            ]
        },
        content_type="application/json",
    )
    assert refus.status_code == 400
    assert "n'est pas un établissement candidat" in refus.content.decode()
    assert not ValeurIndicateur.objects.filter(dossier=dossier, etablissement=m2).exists()
    sans_finess = client.patch(
        url,
        {"indicateurs": [{"code": ind.code, "valeur": "50"}]},
        content_type="application/json",
    )
    assert sans_finess.status_code == 400
    assert "pour chaque établissement candidat" in sans_finess.content.decode()


def test_the_domaine_page_has_one_labelled_input_per_member_and_keeps_typed_values(saisi, client):
    dossier, (m1, m2), gestionnaire = saisi
    ind = next(i for i in d2(dossier) if i.type != "existence")
    client.force_login(gestionnaire)
    url = reverse("dossiers:page", args=[dossier.numero, "domaine-D2"])
    page = client.get(url).content.decode()
    for m in (m1, m2):
        assert f'name="indicateurs.{ind.code}.{m.finess}"' in page
        assert f"pour {m.raison_sociale} ({m.finess})" in page
    refus = client.post(
        url,
        {f"indicateurs.{ind.code}.{m1.finess}": "45", f"indicateurs.{ind.code}.{m2.finess}": "140"},
    )
    assert refus.status_code == 200
    texte = refus.content.decode()
    assert 'value="45"' in texte and 'value="140"' in texte  # typed values kept
    assert "rien n&#x27;a été enregistré" in texte
    assert texte.count("fr-input--error") == 1  # the message at the refused member's field
    assert not ValeurIndicateur.objects.filter(
        dossier=dossier, etablissement__isnull=False
    ).exists()
    ok = client.post(
        url,
        {f"indicateurs.{ind.code}.{m1.finess}": "45", f"indicateurs.{ind.code}.{m2.finess}": "80"},
    )
    assert ok.status_code == 302
    assert dict(
        ValeurIndicateur.objects.filter(dossier=dossier, indicateur=ind).values_list(
            "etablissement__finess", "valeur"
        )
    ) == {m1.finess: D(45), m2.finess: D(80)}


def test_snapshot_missing_list_and_eligibility_read_each_member(saisi):
    dossier, (m1, m2), gestionnaire = saisi
    indicateurs = d2(dossier)
    enregistrer_saisie(
        dossier=dossier,
        data={
            "engagements": list(dossier.programme.engagements.values_list("code", flat=True)),
            "indicateurs": [
                {"code": i.code, "finess": m1.finess, "valeur": "100"} for i in indicateurs
            ],
        },
        acting_user=gestionnaire,
    )
    manque = {m["champ"] for m in manquants(dossier)}
    assert {f"indicateurs.{i.code}.{m2.finess}" for i in indicateurs} <= manque
    assert not any(c.endswith(m1.finess) for c in manque)
    data = contenu(dossier)
    lignes = {(v["finess"], v["code"]): v for v in data["indicateurs_membres"]}
    assert lignes[(m1.finess, indicateurs[0].code)]["valeur"] == "100.00"
    assert lignes[(m2.finess, indicateurs[0].code)]["valeur"] is None
    ctx = _Contexte(dossier, data)
    assert ctx.atteint(indicateurs[0]) is False  # m2 has no value
    enregistrer_saisie(
        dossier=dossier,
        data={
            "engagements": list(dossier.programme.engagements.values_list("code", flat=True)),
            "indicateurs": [
                {"code": i.code, "finess": m2.finess, "valeur": "100"} for i in indicateurs
            ],
        },
        acting_user=gestionnaire,
    )
    assert not [m for m in manquants(dossier) if m["champ"].startswith("indicateurs.D")]
    assert _Contexte(dossier, contenu(dossier)).atteint(indicateurs[0]) is True


def test_a_single_es_dossier_keeps_its_content_shape():
    dossier, _ = d.complet(domaines=("D2",))
    assert "indicateurs_membres" not in contenu(dossier)


# --- follow-up: per-member targets decide the usage funding ---------------------------------


def test_rule_names_the_blocking_member():
    class Ind:
        def __init__(self, pk, code, domaine_id, cible):
            self.pk, self.code, self.domaine_id, self.cible = pk, code, domaine_id, D(cible)
            self.prerequis_id = None if domaine_id else 1
            self.type = "taux"

        def est_atteint(self, valeur):
            return valeur is not None and D(valeur) >= self.cible

    class Membre:
        def __init__(self, pk, nom, finess):
            self.pk, self.raison_sociale, self.finess = pk, nom, finess

    p, i = Ind(1, "P1.1", None, 90), Ind(2, "D2.1", 7, 70)
    a_, b_ = Membre(10, "CH A", "840000001"), Membre(11, "CH B", "840000002")
    valeurs = {1: (D(95), False), (2, 10): (D(80), False), (2, 11): (D(40), False)}
    assert blocages_financement_ght([p, i], valeurs, [a_, b_]) == [
        "Bloquant : CH B (840000002) — D2.1 : 40,0\u00a0% pour une cible de 70,0\u00a0%."
    ]
    valeurs[(2, 11)] = (D(70), False)
    assert blocages_financement_ght([p, i], valeurs, [a_, b_]) == []
    del valeurs[(2, 11)]
    assert blocages_financement_ght([p, i], valeurs, [a_, b_]) == [
        "Bloquant : CH B (840000002) — D2.1 : absent du dernier rapport de suivi."
    ]
    assert blocages_financement_ght([p, i], None, [a_]) == [
        "Aucun rapport de suivi n'a encore été déposé."
    ]


def taux_d2(dossier):
    return next(
        i
        for i in dossier.programme.indicateurs.filter(domaine__code="D2")
        if i.type != "existence" and i.cible is not None
    )


def rapport_ght(dossier, membres, *, bas=None):
    """A complete report: every value at target; ``bas``: (member, indicator code) at 10."""
    data = a.donnees(dossier)
    domaine = {i.code for i in dossier.programme.indicateurs.filter(domaine__isnull=False)}
    data["valeurs"] = {c: v for c, v in data["valeurs"].items() if c not in domaine}
    data["valeurs_membres"] = {
        m.finess: {c: {"valeur": 10 if bas == (m, c) else 100} for c in domaine} for m in membres
    }
    return suivi.deposer_rapport(dossier=dossier, data=data, acting_user=a.gestionnaire_de(dossier))


@pytest.fixture
def en_suivi():
    dossier = a.accepte_le((2022, 3, 1), selectionnes=("D2",))
    membres = en_ght(dossier)
    return a.recharger(dossier), membres


def test_every_member_at_target_lets_the_funding_be_notified(en_suivi, client):
    dossier, membres = en_suivi
    with a.le(2022, 4, 1):
        rapport = rapport_ght(dossier, membres)
        assert ValeurSuivi.objects.filter(rapport=rapport, etablissement__isnull=False).count() == (
            2 * dossier.programme.indicateurs.filter(domaine__code="D2").count()
        )
        assert a.suivis(dossier) == {"D2": "cibles_atteintes"}
        suivi.notifier_financement(
            dossier=dossier, domaine="D2", acting_user=d.valideur_de(dossier)
        )
    assert a.suivis(dossier) == {"D2": "finance"}


def test_one_member_below_blocks_the_funding_and_is_named(en_suivi, client):
    dossier, (m1, m2) = en_suivi
    ind = taux_d2(dossier)
    with a.le(2022, 4, 1):
        rapport_ght(dossier, [m1, m2], bas=(m2, ind.code))
        assert a.suivis(dossier) == {"D2": "selectionne"}
        with pytest.raises(actions.TransitionRefusee, match=m2.finess):
            suivi.notifier_financement(
                dossier=dossier, domaine="D2", acting_user=d.valideur_de(dossier)
            )
        client.force_login(d.valideur_de(dossier))
        page = client.get(reverse("dossiers:suivi", args=[dossier.numero])).content.decode()
    assert f"Bloquant : {m2.raison_sociale} ({m2.finess}) — {ind.code} : 10,0" in page
    assert f"Bloquant : {m1.raison_sociale}" not in page


def _page_suivi(client, n_membres):
    """(client logged in as the CMSI, URL) of the follow-up page of a GHT dossier with
    ``n_membres`` members and one report; the page read once (session, caches)."""
    dossier = a.accepte_le((2022, 3, 1), selectionnes=("D2",))
    membres = en_ght(dossier, n_membres)
    dossier = a.recharger(dossier)
    with a.le(2022, 4, 1):
        rapport_ght(dossier, membres, bas=(membres[-1], taux_d2(dossier).code))
        client.force_login(d.valideur_de(dossier))
        url = reverse("dossiers:suivi", args=[dossier.numero])
        assert "Bloquant" in client.get(url).content.decode()
    connection.queries_log.clear()  # a full log (9 000 queries) would count nothing
    return url


def test_suivi_page_query_count_does_not_grow_with_members(client, django_assert_num_queries):
    url = _page_suivi(client, 2)
    with a.le(2022, 4, 1), django_assert_num_queries(500, exact=False) as deux:
        assert client.get(url).status_code == 200
    requetes = len(deux)
    url = _page_suivi(client, 8)
    with a.le(2022, 4, 1), django_assert_num_queries(requetes):
        assert client.get(url).status_code == 200


def test_a_members_user_reads_its_own_values_the_support_every_members(saisi, client):
    dossier, (m2, m1), gestionnaire = saisi  # m2 is the support, m1 another member
    ind = next(i for i in d2(dossier) if i.type != "existence")
    url = reverse("dossiers:page", args=[dossier.numero, "domaine-D2"])
    client.force_login(f.es_lecteur(m1))
    page = client.get(url).content.decode()
    assert f"<caption>{m1.raison_sociale} (FINESS {m1.finess})</caption>" in page
    # Another member's values are not its to read (SPEC §10); the header still names it.
    assert f"<caption>{m2.raison_sociale} (FINESS {m2.finess})</caption>" not in page
    client.force_login(gestionnaire)
    page = client.get(url).content.decode()
    assert all(f'name="indicateurs.{ind.code}.{m.finess}"' in page for m in (m1, m2))
