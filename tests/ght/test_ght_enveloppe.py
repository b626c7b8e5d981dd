"""GHT dossiers and the envelope ledger [SPEC §10, §3]: at acceptance one engagement line per
selected domaine at the support (``dossier.etablissement``) for the sum of the members' own
forfaits, to the euro; the lines name the members (FINESS), shown on the envelope page, the
annual synthesis and its export; the amorçage ceiling and the usage funding use the GHT total."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from dossiers import actions as dossiers_actions
from enveloppes import actions, tableaux
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe, enveloppe_de
from enveloppes.regles import MouvementRefuse
from hn.referentiel.models import ActiviteEtablissement
from tests import dossiers_factories as d
from tests.ght.argent import dossier_ght, forfait_du_membre, selectionne, somme

pytestmark = pytest.mark.django_db
JOUR = dt.datetime(2021, 3, 15, 10, tzinfo=dt.UTC)


@pytest.fixture
def ght3():
    """(accepted GHT dossier of 3 members, D2 and D3 selected, members) — engaged through
    ``dossiers.actions.accepter`` with an amorçage on D2 above any single member's forfait."""
    with time_machine.travel(JOUR, tick=False):
        dossier, gestionnaire, membres = dossier_ght(3)
        dossier = selectionne(dossier, gestionnaire)
        plus_grand = max(forfait_du_membre(e, dossier.programme, "D2")[0] for e in membres)
        amorcage = D(plus_grand + 1_000)
        dossier = dossiers_actions.accepter(
            dossier=dossier, acting_user=d.valideur_de(dossier), amorcage={"D2": amorcage}
        )
    return dossier, membres, amorcage


def _lignes(dossier, nature):
    return {
        m.domaine.domaine.code: m
        for m in MouvementEnveloppe.objects.filter(dossier=dossier, nature=nature).select_related(
            "domaine__domaine", "dossier__etablissement"
        )
    }


def test_acceptance_engages_one_line_per_domaine_at_the_support_for_the_members_sum(ght3):
    dossier, membres, _ = ght3
    engagements = MouvementEnveloppe.objects.filter(dossier=dossier, nature=Nature.ENGAGEMENT)
    assert engagements.count() == 2  # one per selected domaine, not one per member
    lignes = _lignes(dossier, Nature.ENGAGEMENT)
    for code in ("D2", "D3"):
        assert lignes[code].montant == somme(membres, dossier.programme, code)
        assert lignes[code].dossier.etablissement == dossier.etablissement  # the support
        # A sum of several forfaits: more than any single member's.
        assert lignes[code].montant > max(
            forfait_du_membre(e, dossier.programme, code)[0] for e in membres
        )
    finess = ", ".join(sorted(e.finess for e in membres))
    assert {m.membres for m in MouvementEnveloppe.objects.filter(dossier=dossier)} == {finess}
    # The envelope counts it under the support only.
    par_etab = MouvementEnveloppe.objects.filter(
        enveloppe=enveloppe_de(dossier)
    ).par_etablissement()
    assert set(par_etab) == {dossier.etablissement_id}
    assert par_etab[dossier.etablissement_id].engage == sum(
        somme(membres, dossier.programme, c) for c in ("D2", "D3")
    )


def test_amorcage_and_usage_use_the_ght_total_to_the_euro(ght3):
    dossier, membres, amorcage = ght3
    total_d2 = somme(membres, dossier.programme, "D2")
    assert _lignes(dossier, Nature.AMORCAGE_DECIDE)["D2"].montant == amorcage
    valideur = d.valideur_de(dossier)
    with time_machine.travel(JOUR + dt.timedelta(days=30), tick=False):
        [usage] = actions.notifier_usage(dossier=dossier, domaine="D2", acting_user=valideur)
        assert usage.montant == total_d2 - amorcage  # usage payment = forfait − amorçage
        assert usage.membres == ", ".join(sorted(e.finess for e in membres))
        actions.verser(dossier=dossier, domaine="D2", volet="amorcage", acting_user=valideur)
        actions.verser(dossier=dossier, domaine="D2", volet="usage", acting_user=valideur)
    consomme = MouvementEnveloppe.objects.filter(
        dossier=dossier,
        domaine__domaine__code="D2",
        nature__in=[Nature.AMORCAGE_VERSE, Nature.USAGE_VERSE],
    )
    assert sum(m.montant for m in consomme) == total_d2


def test_amorcage_beyond_the_ght_total_is_refused(ght3):
    dossier, membres, _ = ght3
    total_d3 = somme(membres, dossier.programme, "D3")
    avant = MouvementEnveloppe.objects.count()
    with pytest.raises(MouvementRefuse):
        actions.decider_amorcage(
            dossier=dossier,
            montants={"D3": D(total_d3 + 1)},
            acting_user=d.valideur_de(dossier),
        )
    assert MouvementEnveloppe.objects.count() == avant
    [ligne] = actions.decider_amorcage(
        dossier=dossier, montants={"D3": D(total_d3)}, acting_user=d.valideur_de(dossier)
    )
    assert ligne.montant == total_d3


def test_synthesis_envelope_page_and_export_show_the_total_and_name_the_members(client, ght3):
    dossier, membres, amorcage = ght3
    enveloppe = enveloppe_de(dossier)
    total = sum(somme(membres, dossier.programme, c) for c in ("D2", "D3"))
    synthese = tableaux.synthese(enveloppe, 2021)
    [retenu] = [er for er in synthese.tableau.retenus if er.etablissement == dossier.etablissement]
    [dr] = retenu.dossiers
    assert dr.compteurs.engage == total
    assert dr.compteurs.engage_amorcage == amorcage
    finess = ", ".join(sorted(e.finess for e in membres))
    assert dr.membres == finess

    client.force_login(d.valideur_de(dossier))
    code, region = enveloppe.programme.code, enveloppe.region.code
    page = client.get(reverse("enveloppes:detail", args=[code, region])).content.decode()
    assert f"GHT, membres : {finess}" in page
    page = client.get(reverse("enveloppes:synthese", args=[code, region, 2021])).content.decode()
    assert f"GHT, membres : {finess}" in page
    xlsx = client.get(reverse("enveloppes:synthese_xlsx", args=[code, region, 2021]))
    feuille = load_workbook(io.BytesIO(xlsx.content))["Mouvements de l'année"]
    lignes = list(feuille.iter_rows(values_only=True))
    assert lignes[0][-1] == "Membres du GHT (FINESS)"
    du_dossier = [r for r in lignes[1:] if r[2] == dossier.numero]
    assert du_dossier and {r[-1] for r in du_dossier} == {finess}
    assert sum(r[5] for r in du_dossier if r[1] == "Engagement à la sélection") == total


def test_a_single_es_line_names_no_member():
    with time_machine.travel(JOUR, tick=False):
        dossier = d.accepte(selectionnes=("D2",))
    assert list(MouvementEnveloppe.objects.filter(dossier=dossier).values_list("membres")) == [
        ("",)
    ]


def test_unknown_member_activity_refuses_the_engagement_naming_the_member():
    with time_machine.travel(JOUR, tick=False):
        dossier, gestionnaire, membres = dossier_ght(2)
        dossier = selectionne(dossier, gestionnaire)
    ActiviteEtablissement.objects.filter(etablissement=membres[1]).delete()
    with pytest.raises(MouvementRefuse) as exc:
        actions.forfaits_du_dossier(dossier)
    assert membres[1].finess in exc.value.message
