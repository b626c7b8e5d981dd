"""Envelope operations on real dossiers: authorised, checked under the envelope's row lock,
traced, and changing nothing when refused; HN on the former régions; the concurrency of two
CMSI deciding amorçage at the same instant (PostgreSQL)."""

import datetime as dt
import time
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from dossiers.models import Dossier
from enveloppes import actions, regles
from enveloppes.enums import Nature
from enveloppes.models import (
    DecisionDerogation,
    Enveloppe,
    MouvementEnveloppe,
    enveloppe_de,
)
from enveloppes.regles import MouvementRefuse
from hn.comptes.models import User
from hn.journal.models import Evenement
from hn.referentiel.enums import Statut
from hn.referentiel.models import Region
from tests import dossiers_factories as d
from tests import factories as f
from tests.concurrence import en_parallele

PARIS = ZoneInfo("Europe/Paris")
JOUR = dt.date(2020, 3, 2)
# Mayotte, HOP'EN: 718 000 € published [003 A2]; amorçage cap 143 600 €; derogation 30 % of
# the amorçage credits = 43 080 €, 50 % = 71 800 €.
MAYOTTE = "06"
# Forfaits at 10 000 journées MCO (category B) [003 A3].
D1_STANDARD, D1_AVANCE, D2, D3 = D(190_323), D(228_387), D(269_355), D(219_355)


def fr(texte: str) -> str:
    return texte.replace("_", "\u00a0")


def accepte(selectionnes=("D2",), *, region=MAYOTTE, domaines=None, statut=Statut.PUBLIC):
    etab = f.EtablissementFactory(region=f.region(region), statut=statut)
    f.ActiviteEtablissementFactory(etablissement=etab, journees_mco=10_000)
    return d.accepte_hors_enveloppe(
        etab, selectionnes=selectionnes, domaines=domaines or selectionnes
    )


def engage(selectionnes=("D2",), **kw) -> Dossier:
    dossier = accepte(selectionnes, **kw)
    actions.engager(dossier=dossier, acting_user=d.valideur_de(dossier), le=JOUR)
    return dossier


def enveloppe(code=MAYOTTE, programme="HOPEN", decoupage="2016") -> Enveloppe:
    return Enveloppe.objects.select_related("programme", "region").get(
        programme__code=programme, region__code=code, region__decoupage=decoupage
    )


def lignes(**filtres) -> list[tuple]:
    return [
        (m.nature, m.domaine.domaine.code if m.domaine_id else None, m.montant, m.derogation)
        for m in MouvementEnveloppe.objects.filter(**filtres).order_by("pk")
    ]


def refuse(appel, **kw) -> str:
    avant = (MouvementEnveloppe.objects.count(), Evenement.objects.count())
    with pytest.raises(MouvementRefuse) as exc:
        appel(**kw)
    assert (MouvementEnveloppe.objects.count(), Evenement.objects.count()) == avant
    return exc.value.message


# --- engagement at selection ----------------------------------------------------------------------


@pytest.mark.django_db
def test_engager_engages_each_selected_domaine_at_its_forfait():
    dossier = accepte(("D2", "D3"))
    assert actions.forfaits_du_dossier(dossier)["D2"] == (int(D2), None)
    valideur = d.valideur_de(dossier)
    resultat = actions.engager(dossier=dossier, acting_user=valideur, le=JOUR)
    assert lignes() == [
        (Nature.ENGAGEMENT, "D2", D2, False),
        (Nature.ENGAGEMENT, "D3", D3, False),
    ]
    assert [m.acteur for m in resultat.mouvements] == [valideur, valideur]
    assert resultat.avertissements == []
    s = enveloppe().situation()
    assert (s.engage, s.engage_usage, s.disponible) == (D2 + D3, D2 + D3, D(718_000) - D2 - D3)
    trace = Evenement.objects.get(action="enveloppe_engagement")
    assert (trace.acteur, trace.objet_id, trace.region) == (
        valideur,
        str(dossier.pk),
        enveloppe().region,
    )
    assert [(x["domaine"], D(x["montant"])) for x in trace.apres["mouvements"]] == [
        ("D2", D2),
        ("D3", D3),
    ]


@pytest.mark.django_db
def test_only_selected_domaines_are_engaged():
    dossier = accepte(("D2",), domaines=("D2", "D3"))
    actions.engager(dossier=dossier, acting_user=d.valideur_de(dossier), le=JOUR)
    assert lignes() == [(Nature.ENGAGEMENT, "D2", D2, False)]


@pytest.mark.django_db
def test_engagement_beyond_the_available_amount_is_refused_and_changes_nothing():
    engage(("D2", "D3"))
    second = accepte(("D2", "D3"))
    message = refuse(actions.engager, dossier=second, acting_user=d.valideur_de(second), le=JOUR)
    assert message == fr(
        "Enveloppe insuffisante : il reste 229_290,00_€ disponibles (enveloppe 718_000,00_€, "
        "déjà engagé 488_710,00_€) ; l'engagement demandé pour le domaine D2 est de "
        "269_355,00_€."
    )
    assert not MouvementEnveloppe.objects.filter(dossier=second).exists()


@pytest.mark.django_db
def test_engagement_refusals():
    dossier = engage()
    valideur = d.valideur_de(dossier)
    assert "est déjà engagé" in refuse(actions.engager, dossier=dossier, acting_user=valideur)
    depose = d.depose(f.EtablissementFactory(region=f.region(MAYOTTE)))
    assert refuse(actions.engager, dossier=depose, acting_user=valideur) == (
        f"Le dossier {depose.numero} n'a aucun domaine sélectionné."
    )
    sans_activite = d.accepte_hors_enveloppe(f.EtablissementFactory(region=f.region(MAYOTTE)))
    sans_activite.etablissement.volumes.all().delete()  # e.g. corrected after the decision
    assert refuse(actions.engager, dossier=sans_activite, acting_user=valideur) == (
        f"L'activité 2017 de l'établissement {sans_activite.etablissement} n'est pas connue : "
        "son forfait ne peut pas être calculé."
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona",
    [
        lambda: f.ars_lecteur(MAYOTTE),
        lambda: f.ars_auditeur(MAYOTTE),
        lambda: f.ars_valideur("84"),
        lambda: f.pilote_national(),
        lambda: f.es_gestionnaire(),
    ],
    ids=["lecteur ARS", "auditeur ARS", "CMSI d'une autre région", "pilote national", "ES"],
)
def test_only_the_cmsi_of_the_region_engages_credits(persona):
    dossier = accepte()
    user = persona()
    avant = MouvementEnveloppe.objects.count()
    for appel, kw in [
        (actions.engager, {}),
        (actions.decider_amorcage, {"montants": {"D2": 1}}),
        (actions.verser, {"domaine": "D2", "volet": "amorcage"}),
        (actions.notifier_usage, {"domaine": "D2"}),
        (actions.liberer, {"motif": "Clôture."}),
        (actions.constater_remboursement, {"domaine": "D2", "volet": "amorcage", "montant": 1}),
    ]:
        with pytest.raises(PermissionDenied, match="Seul le valideur"):
            appel(dossier=dossier, acting_user=user, **kw)
    assert MouvementEnveloppe.objects.count() == avant


# --- amorçage: 20 % of the envelope -------------------------------------------------------------


@pytest.mark.django_db
def test_amorcage_up_to_exactly_20_percent_then_one_cent_over_is_refused():
    premier, second = engage(), engage()
    actions.decider_amorcage(
        dossier=premier, montants={"D2": 100_000}, acting_user=d.valideur_de(premier)
    )
    actions.decider_amorcage(
        dossier=second, montants={"D2": "43600.00"}, acting_user=d.valideur_de(second)
    )
    assert (
        enveloppe().situation().engage_amorcage == D(143_600) == enveloppe().etat().plafond_amorcage
    )
    message = refuse(
        actions.decider_amorcage,
        dossier=second,
        montants={"D2": "0.01"},
        acting_user=d.valideur_de(second),
    )
    assert message == fr(
        "L'amorçage de la région ne peut dépasser 20_% de son enveloppe, soit 143_600,00_€ "
        "(enveloppe 718_000,00_€) : déjà décidé 143_600,00_€, demandé 0,01_€, soit "
        "143_600,01_€ (dépassement de 0,01_€)."
    )
    trace = Evenement.objects.filter(action="enveloppe_amorcage_decide").order_by("pk").last()
    assert trace.objet_id == str(second.pk)


@pytest.mark.django_db
def test_an_amorcage_decision_over_several_domaines_is_all_or_nothing():
    dossier = engage(("D2", "D3"))
    message = refuse(
        actions.decider_amorcage,
        dossier=dossier,
        montants={"D2": 100_000, "D3": "43600.01"},
        acting_user=d.valideur_de(dossier),
    )
    assert fr("dépassement de 0,01_€") in message
    assert not MouvementEnveloppe.objects.filter(nature=Nature.AMORCAGE_DECIDE).exists()


@pytest.mark.django_db
def test_amorcage_input_errors():
    dossier = engage()
    valideur = d.valideur_de(dossier)
    assert refuse(actions.decider_amorcage, dossier=dossier, montants={}, acting_user=valideur) == (
        "Indiquez le montant d'amorçage de chaque domaine."
    )
    assert refuse(
        actions.decider_amorcage, dossier=dossier, montants={"D9": 1}, acting_user=valideur
    ) == (f"Domaine absent du dossier {dossier.numero} : D9.")
    assert "deux décimales" in refuse(
        actions.decider_amorcage, dossier=dossier, montants={"D2": "1.001"}, acting_user=valideur
    )


# --- HOP'EN derogation --------------------------------------------------------------------------


@pytest.mark.django_db
def test_derogation_30_percent_then_raised_to_50_by_the_national_pilot():
    premier, second = engage(), engage()
    valideur = d.valideur_de(premier)
    actions.decider_amorcage(
        dossier=premier, montants={"D2": 43_080}, derogation=True, acting_user=valideur
    )
    kw = {"dossier": second, "derogation": True, "acting_user": valideur}
    assert refuse(actions.decider_amorcage, montants={"D2": "0.01"}, **kw) == fr(
        "L'amorçage versé avant l'atteinte des prérequis est limité à 30_% des crédits "
        "d'amorçage de la région (143_600,00_€), soit 43_080,00_€ : déjà décidé par dérogation "
        "43_080,00_€, demandé 0,01_€, soit 43_080,01_€ (dépassement de 0,01_€)."
    )
    with pytest.raises(PermissionDenied, match="pilote national"):
        actions.fixer_taux_derogation(
            enveloppe=enveloppe(), taux="0.50", motif="Demande de l'ARS.", acting_user=valideur
        )
    pilote = f.pilote_national()
    decision = actions.fixer_taux_derogation(
        enveloppe=enveloppe(),
        taux="0.50",
        motif="Trop peu d'établissements ont atteint les prérequis HOP'EN.",
        acting_user=pilote,
        le=JOUR,
    )
    assert (decision.taux, decision.acteur, decision.decide_le) == (D("0.50"), pilote, JOUR)
    trace = Evenement.objects.get(action="enveloppe_taux_derogation")
    assert (trace.avant, trace.apres) == ({"taux_derogation": "0.30"}, {"taux_derogation": "0.50"})
    actions.decider_amorcage(montants={"D2": 28_720}, **kw)
    assert enveloppe().etat().compteurs.engage_amorcage_derogatoire == D(71_800)
    assert fr("soit 71_800,00_€") in refuse(actions.decider_amorcage, montants={"D2": "0.01"}, **kw)


@pytest.mark.django_db
def test_derogation_share_decision_refusals():
    pilote = f.pilote_national()
    kw = {"acting_user": pilote, "motif": "Trop peu d'établissements."}
    assert fr("entre 30_% et 50_%") in refuse(
        actions.fixer_taux_derogation, enveloppe=enveloppe(), taux="0.55", **kw
    )
    assert refuse(
        actions.fixer_taux_derogation,
        enveloppe=enveloppe("94", "HN", "avant_2016"),
        taux="0.40",
        **kw,
    ) == ("Ce programme ne prévoit pas d'amorçage par dérogation.")
    assert "Motivez" in refuse(
        actions.fixer_taux_derogation,
        enveloppe=enveloppe(),
        taux="0.40",
        acting_user=pilote,
        motif="  ",
    )
    assert not DecisionDerogation.objects.exists()


@pytest.mark.django_db
def test_derogatory_amorcage_repayable_when_prerequis_not_met_by_01_01_2021():
    dossier = engage()
    valideur = d.valideur_de(dossier)
    actions.decider_amorcage(
        dossier=dossier, montants={"D2": 40_000}, derogation=True, acting_user=valideur
    )
    versement = actions.verser(
        dossier=dossier, domaine="D2", volet="amorcage", montant=25_000, acting_user=valideur
    )
    assert versement.derogation is True
    assert refuse(
        actions.exiger_remboursement_derogation,
        dossier=dossier,
        prerequis_atteints_le=None,
        le=dt.date(2021, 1, 1),
    ) == (
        "L'amorçage versé par dérogation n'est à rembourser que si les prérequis ne sont pas "
        "atteints au plus tard le 01/01/2021."
    )
    assert "au plus tard" in refuse(
        actions.exiger_remboursement_derogation,
        dossier=dossier,
        prerequis_atteints_le=dt.date(2021, 1, 1),
        le=dt.date(2022, 1, 3),
    )
    mouvements = actions.exiger_remboursement_derogation(
        dossier=dossier, prerequis_atteints_le=None, le=dt.date(2021, 1, 2)
    )
    assert [(m.nature, m.montant, m.derogation, m.acteur) for m in mouvements] == [
        (Nature.AMORCAGE_ANNULE, D(15_000), True, None),
        (Nature.REMBOURSEMENT_AMORCAGE_DU, D(25_000), True, None),
    ]
    assert Evenement.objects.get(action="enveloppe_remboursement_exige").acteur_nom == "systeme"
    # Rerunning changes nothing.
    assert (
        actions.exiger_remboursement_derogation(
            dossier=dossier, prerequis_atteints_le=None, le=dt.date(2021, 1, 3)
        )
        == []
    )
    s = enveloppe().situation()
    assert (s.engage_amorcage, s.consomme_amorcage, s.remboursement_du) == (
        D(25_000),
        D(25_000),
        D(25_000),
    )


@pytest.mark.django_db
def test_amorcage_outside_the_derogation_is_never_made_repayable_by_it():
    dossier = engage()
    valideur = d.valideur_de(dossier)
    actions.decider_amorcage(dossier=dossier, montants={"D2": 40_000}, acting_user=valideur)
    actions.verser(dossier=dossier, domaine="D2", volet="amorcage", acting_user=valideur)
    assert (
        actions.exiger_remboursement_derogation(
            dossier=dossier, prerequis_atteints_le=None, le=dt.date(2021, 6, 1)
        )
        == []
    )


# --- payments and usage notification --------------------------------------------------------------


@pytest.mark.django_db
def test_payments_and_usage_notification_forfait_minus_amorcage():
    dossier = engage()
    valideur = d.valideur_de(dossier)
    kw = {"dossier": dossier, "domaine": "D2", "acting_user": valideur}
    actions.decider_amorcage(dossier=dossier, montants={"D2": 50_000}, acting_user=valideur)
    assert actions.verser(volet="amorcage", **kw).montant == D(50_000)
    assert refuse(actions.verser, volet="amorcage", **kw) == (
        "Le domaine D2 n'a pas d'amorçage décidé à verser."
    )
    assert refuse(actions.verser, volet="usage", **kw) == (
        "Le domaine D2 n'a pas de soutien à l'usage notifié à verser."
    )
    assert refuse(actions.verser, volet="tout", **kw) == (
        "Choisissez le volet versé : amorcage ou usage."
    )
    [notification] = actions.notifier_usage(**kw)
    assert (notification.nature, notification.montant) == (Nature.USAGE_NOTIFIE, D2 - 50_000)
    assert refuse(actions.notifier_usage, **kw) == (
        "Le soutien à l'usage du domaine D2 est déjà notifié."
    )
    assert refuse(actions.notifier_usage, avance=True, **kw) == (
        "Le domaine D2 n'a pas de forfait avancé."
    )
    actions.verser(volet="usage", montant=100_000, **kw)
    assert fr("est de 119_355,00_€") in refuse(
        actions.verser, volet="usage", montant="119355.01", **kw
    )
    actions.verser(volet="usage", **kw)
    s = enveloppe().situation()
    assert (s.engage, s.consomme_amorcage, s.consomme_usage, s.usage_a_verser) == (
        D2,
        D(50_000),
        D2 - 50_000,
        0,
    )
    assert Evenement.objects.filter(action="enveloppe_versement").count() == 3


@pytest.mark.django_db
def test_notification_at_the_forfait_avance_raises_the_engagement_first():
    dossier = engage(("D1",))
    valideur = d.valideur_de(dossier)
    assert actions.forfaits_du_dossier(dossier)["D1"] == (int(D1_STANDARD), int(D1_AVANCE))
    actions.decider_amorcage(dossier=dossier, montants={"D1": 30_000}, acting_user=valideur)
    mouvements = actions.notifier_usage(
        dossier=dossier, domaine="D1", avance=True, acting_user=valideur
    )
    assert [(m.nature, m.montant) for m in mouvements] == [
        (Nature.ENGAGEMENT_COMPLEMENTAIRE, D1_AVANCE - D1_STANDARD),
        (Nature.USAGE_NOTIFIE, D1_AVANCE - 30_000),
    ]
    assert enveloppe().situation().engage == D1_AVANCE
    trace = Evenement.objects.get(action="enveloppe_usage_notifie")
    assert trace.apres["avance"] is True


# --- closure, repayments ------------------------------------------------------------------------


@pytest.mark.django_db
def test_closure_by_the_system_releases_the_unpaid_and_makes_paid_amorcage_due():
    dossier = engage(("D2", "D3"))
    valideur = d.valideur_de(dossier)
    actions.decider_amorcage(dossier=dossier, montants={"D2": 60_000}, acting_user=valideur)
    actions.verser(
        dossier=dossier, domaine="D2", volet="amorcage", montant=40_000, acting_user=valideur
    )
    assert refuse(actions.liberer, dossier=dossier, motif=" ") == (
        "La libération d'un engagement doit être motivée."
    )
    mouvements = actions.liberer(dossier=dossier, motif="Fin du programme : cibles non atteintes.")
    assert [(m.nature, m.domaine.domaine.code, m.montant) for m in mouvements] == [
        (Nature.AMORCAGE_ANNULE, "D2", D(20_000)),
        (Nature.LIBERATION, "D2", D2 - 40_000),
        (Nature.REMBOURSEMENT_AMORCAGE_DU, "D2", D(40_000)),
        (Nature.LIBERATION, "D3", D3),
    ]
    s = enveloppe().situation()
    assert (s.engage, s.engage_amorcage, s.remboursement_du, s.disponible) == (
        D(40_000),
        D(40_000),
        D(40_000),
        D(678_000),
    )
    trace = Evenement.objects.get(action="enveloppe_liberation")
    assert (trace.acteur_nom, trace.commentaire) == (
        "systeme",
        "Fin du programme : cibles non atteintes.",
    )
    # Nothing left to release: no line, no trace.
    assert actions.liberer(dossier=dossier, motif="Encore.") == []
    assert Evenement.objects.filter(action="enveloppe_liberation").count() == 1


@pytest.mark.django_db
def test_partial_closure_of_one_domaine():
    dossier = engage(("D2", "D3"))
    actions.liberer(
        dossier=dossier,
        domaines=["D3"],
        motif="Clôture partielle.",
        acting_user=d.valideur_de(dossier),
    )
    assert lignes(nature=Nature.LIBERATION) == [(Nature.LIBERATION, "D3", D3, False)]
    assert enveloppe().situation().engage == D2


@pytest.mark.django_db
def test_hopen_repayment_received_is_taken_back_from_the_envelope():
    dossier = engage()
    valideur = d.valideur_de(dossier)
    actions.decider_amorcage(dossier=dossier, montants={"D2": 40_000}, acting_user=valideur)
    actions.verser(dossier=dossier, domaine="D2", volet="amorcage", acting_user=valideur)
    actions.liberer(dossier=dossier, motif="Déclarations erronées.", acting_user=valideur)
    kw = {"dossier": dossier, "domaine": "D2", "volet": "amorcage", "acting_user": valideur}
    assert "ne peut dépasser le montant dû" in refuse(
        actions.constater_remboursement, montant="40000.01", **kw
    )
    mouvements = actions.constater_remboursement(montant=40_000, **kw)
    assert [(m.nature, m.montant) for m in mouvements] == [
        (Nature.REMBOURSEMENT_AMORCAGE_RECU, D(40_000)),
        (Nature.REPRISE, D(40_000)),
    ]
    s = enveloppe().situation()
    # [003 A2 §2] "L'enveloppe régionale sera déduite des montants récupérés."
    assert (s.total, s.engage, s.consomme, s.rembourse, s.disponible) == (
        D(678_000),
        0,
        0,
        D(40_000),
        D(678_000),
    )


@pytest.mark.django_db
def test_hopen_audit_closure_makes_paid_usage_repayable():
    dossier = engage()
    valideur = d.valideur_de(dossier)
    actions.notifier_usage(dossier=dossier, domaine="D2", acting_user=valideur)
    actions.verser(dossier=dossier, domaine="D2", volet="usage", acting_user=valideur)
    mouvements = actions.liberer(
        dossier=dossier, motif="Audit : déclarations fausses.", audit=True, acting_user=valideur
    )
    assert [(m.nature, m.montant) for m in mouvements] == [(Nature.REMBOURSEMENT_USAGE_DU, D2)]


# --- HN: envelopes of the 26 former régions [000 A1 §2, §4] ---------------------------------------


def etablissement_hn(code_actuel, code_ancien, **kw):
    return f.EtablissementFactory(
        region=f.region(code_actuel),
        region_historique=Region.objects.get(code=code_ancien, decoupage="avant_2016"),
        **kw,
    )


def hn_accepte(etab, journees, selectionnes):
    f.ActiviteEtablissementFactory(
        etablissement=etab, programme=d.programme("HN"), journees_mco=journees
    )
    return d.accepte_hors_enveloppe(
        etab, code="HN", selectionnes=selectionnes, domaines=selectionnes
    )


@pytest.mark.django_db
def test_hn_envelope_is_the_former_region_managed_by_the_current_ars():
    with time_machine.travel(dt.datetime(2013, 9, 2, 10, tzinfo=PARIS), tick=False):
        dossier = hn_accepte(etablissement_hn("84", "83"), 10_000, ("D2",))
        assert enveloppe_de(dossier) == enveloppe("83", "HN", "avant_2016")
        actions.engager(dossier=dossier, acting_user=f.ars_valideur("84"))
        with pytest.raises(PermissionDenied):
            actions.engager(dossier=dossier, acting_user=f.ars_valideur("94"))
    [ligne] = MouvementEnveloppe.objects.all()
    assert (ligne.enveloppe.region.nom, ligne.date) == ("Auvergne", dt.date(2013, 9, 2))
    assert Evenement.objects.get(action="enveloppe_engagement").region.nom == "Auvergne"


@pytest.mark.django_db
def test_hn_dossier_without_former_region_has_no_envelope():
    with time_machine.travel(dt.datetime(2013, 9, 2, 10, tzinfo=PARIS), tick=False):
        dossier = d.en_saisie(f.EtablissementFactory(), code="HN")
    with pytest.raises(MouvementRefuse) as exc:
        enveloppe_de(dossier)
    assert exc.value.message == (
        f"L'établissement {dossier.etablissement} n'a pas de région d'avant 2016 : son "
        "enveloppe HN ne peut pas être déterminée."
    )


@pytest.mark.django_db
def test_hn_yearly_cap_at_the_year_boundary_through_engager():
    """Corse (HN): 1 845 000 €, 40 % = 738 000 € for the dossiers selected in 2013."""
    with time_machine.travel(dt.datetime(2013, 12, 31, 10, tzinfo=PARIS), tick=False):
        grand = hn_accepte(etablissement_hn("94", "94"), 615_000, ("D2",))
        petit = hn_accepte(etablissement_hn("94", "94"), 10_000, ("D4",))
        valideur = d.valideur_de(grand)
        actions.engager(dossier=grand, acting_user=valideur)
        message = refuse(actions.engager, dossier=petit, acting_user=valideur)
    assert message == fr(
        "Les dossiers sélectionnés en 2013 ne peuvent représenter plus de 40_% de l'enveloppe "
        "régionale, soit 738_000,00_€ : déjà sélectionné en 2013 700_000,00_€, demandé "
        "99_194,00_€, soit 799_194,00_€ (dépassement de 61_194,00_€)."
    )
    with time_machine.travel(dt.datetime(2014, 1, 1, 0, 0, tzinfo=PARIS), tick=False):
        actions.engager(dossier=petit, acting_user=valideur)
    assert enveloppe("94", "HN", "avant_2016").etat().selection == {
        2013: D(700_000),
        2014: D(99_194),
    }


@pytest.mark.django_db
def test_hn_repayment_received_is_given_back_to_the_region():
    with time_machine.travel(dt.datetime(2014, 3, 3, 10, tzinfo=PARIS), tick=False):
        dossier = hn_accepte(etablissement_hn("94", "94"), 10_000, ("D4",))
        valideur = d.valideur_de(dossier)
        actions.engager(dossier=dossier, acting_user=valideur)
        actions.decider_amorcage(dossier=dossier, montants={"D4": 20_000}, acting_user=valideur)
        actions.verser(dossier=dossier, domaine="D4", volet="amorcage", acting_user=valideur)
        actions.liberer(dossier=dossier, motif="Demande de l'établissement.", acting_user=valideur)
        mouvements = actions.constater_remboursement(
            dossier=dossier, domaine="D4", volet="amorcage", montant=20_000, acting_user=valideur
        )
    assert [m.nature for m in mouvements] == [Nature.REMBOURSEMENT_AMORCAGE_RECU]
    s = enveloppe("94", "HN", "avant_2016").situation()
    assert (s.total, s.engage, s.disponible) == (D(1_845_000), 0, D(1_845_000))
    assert refuse(
        actions.exiger_remboursement_derogation,
        dossier=dossier,
        prerequis_atteints_le=None,
        le=dt.date(2021, 6, 1),
    ) == ("Ce programme ne prévoit pas d'amorçage par dérogation.")


# --- national redeployment ----------------------------------------------------------------------


@pytest.mark.django_db
def test_redeployment_between_two_regions_by_the_national_pilot():
    pilote = f.pilote_national()
    source, destination = enveloppe(MAYOTTE), enveloppe("03")
    sortant, entrant = actions.redeployer(
        source=source,
        destination=destination,
        montant=100_000,
        motif="Sous-consommation de l'enveloppe.",
        acting_user=pilote,
        le=JOUR,
    )
    assert (sortant.nature, entrant.nature, entrant.contrepartie) == (
        Nature.REDEPLOIEMENT_SORTANT,
        Nature.REDEPLOIEMENT_ENTRANT,
        sortant,
    )
    situations = Enveloppe.objects.filter(pk__in=[source.pk, destination.pk]).situations()
    assert (situations[source.pk].total, situations[destination.pk].total) == (
        D(618_000),
        D(1_367_000),
    )
    assert situations[source.pk].plafond_amorcage == D(123_600)
    regions = set(
        Evenement.objects.filter(action="enveloppe_redeploiement").values_list(
            "region__code", flat=True
        )
    )
    assert regions == {MAYOTTE, "03"}


@pytest.mark.django_db
def test_redeployment_refusals():
    pilote = f.pilote_national()
    kw = {"montant": 1, "motif": "Redéploiement.", "acting_user": pilote}
    with pytest.raises(PermissionDenied):
        actions.redeployer(
            source=enveloppe(),
            destination=enveloppe("03"),
            montant=1,
            motif="x",
            acting_user=f.ars_valideur(MAYOTTE),
        )
    assert refuse(
        actions.redeployer,
        source=enveloppe(),
        destination=enveloppe("94", "HN", "avant_2016"),
        **kw,
    ) == ("Un redéploiement se fait entre enveloppes d'un même programme.")
    assert refuse(actions.redeployer, source=enveloppe(), destination=enveloppe(), **kw) == (
        "Un redéploiement se fait entre deux enveloppes différentes."
    )
    assert refuse(
        actions.redeployer,
        source=enveloppe(),
        destination=enveloppe("03"),
        montant="718000.01",
        motif="Trop.",
        acting_user=pilote,
    ).startswith("Le redéploiement ne peut dépasser le disponible")
    assert refuse(
        actions.redeployer,
        source=enveloppe(),
        destination=enveloppe("03"),
        montant=1,
        motif="",
        acting_user=pilote,
    ) == ("Un redéploiement doit être motivé.")


# --- balance of the selection (warning, never blocking) ------------------------------------------


@pytest.mark.django_db
def test_engager_warns_when_the_selection_drifts_from_the_region_balance():
    env = enveloppe()
    for _ in range(5):
        dossier = d.en_saisie(
            f.EtablissementFactory(region=f.region(MAYOTTE), statut=Statut.PRIVE_LUCRATIF)
        )
        dd = d.DomaineDossierFactory(dossier=dossier)
        MouvementEnveloppe.objects.create(
            enveloppe=env,
            dossier=dossier,
            domaine=dd,
            nature=Nature.ENGAGEMENT,
            montant=1_000,
            date=JOUR,
        )
    f.EtablissementFactory.create_batch(9, region=f.region(MAYOTTE), statut=Statut.PUBLIC)
    ecarts = actions.ecarts_equilibre_de(env)
    assert {(e.axe, e.valeur) for e in ecarts} == {
        ("statut", "prive_lucratif"),
        ("statut", "public"),
    }
    # Engaging a sixth (public) dossier is not blocked; the warning is returned and traced.
    resultat = actions.engager(dossier=accepte(), acting_user=f.ars_valideur(MAYOTTE), le=JOUR)
    assert len(resultat.mouvements) == 1
    assert (
        fr(
            "83,3_% des établissements retenus sont de statut « Privé à but lucratif », contre "
            "33,3_% des établissements de la région"
        )
        in resultat.avertissements[0]
    )
    trace = Evenement.objects.get(action="enveloppe_engagement")
    assert trace.apres["avertissements"] == resultat.avertissements


# --- concurrency (PostgreSQL) -------------------------------------------------------------------


def _decider(dossier_pk, user_pk, montant):
    def preparer():
        dossier, user = Dossier.objects.get(pk=dossier_pk), User.objects.get(pk=user_pk)
        return lambda: actions.decider_amorcage(
            dossier=dossier, montants={"D2": montant}, acting_user=user
        )

    return preparer


def _ralentir_la_section_critique(monkeypatch):
    """Hold the envelope's lock a while between reading the figures and writing: without the
    lock both decisions would read the same figures and both pass."""
    original = regles.appliquer_tous

    def lent(etat, mouvements):
        time.sleep(0.3)
        return original(etat, mouvements)

    monkeypatch.setattr(regles, "appliquer_tous", lent)


def _deux_cmsi():
    premier, second = engage(), engage()
    return premier.pk, second.pk, d.valideur_de(premier).pk, f.ars_valideur(MAYOTTE).pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("essai", range(3))
def test_two_cmsi_deciding_amorcage_at_the_same_instant_cannot_exceed_20_percent(
    referentiel, monkeypatch, essai
):
    """Each decision alone fits under the 143 600 € cap (80 000 €), both do not: exactly one
    is written, the other is refused with the figures the first produced."""
    premier, second, cmsi_1, cmsi_2 = _deux_cmsi()
    _ralentir_la_section_critique(monkeypatch)
    resultats, erreurs = en_parallele(
        [_decider(premier, cmsi_1, 80_000), _decider(second, cmsi_2, 80_000)]
    )
    gagnants = [r for r in resultats if r is not None]
    perdants = [e for e in erreurs if e is not None]
    assert len(gagnants) == 1 and len(perdants) == 1, (resultats, erreurs)
    [perdant] = perdants
    assert isinstance(perdant, MouvementRefuse)
    assert perdant.message == fr(
        "L'amorçage de la région ne peut dépasser 20_% de son enveloppe, soit 143_600,00_€ "
        "(enveloppe 718_000,00_€) : déjà décidé 80_000,00_€, demandé 80_000,00_€, soit "
        "160_000,00_€ (dépassement de 16_400,00_€)."
    )
    assert MouvementEnveloppe.objects.filter(nature=Nature.AMORCAGE_DECIDE).count() == 1
    assert enveloppe().situation().engage_amorcage == D(80_000)
    assert Evenement.objects.filter(action="enveloppe_amorcage_decide").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_row_lock_the_same_race_would_exceed_20_percent(referentiel, monkeypatch):
    """The test above can fail: with the lock removed, both decisions pass and the région's
    amorçage goes over its cap."""
    premier, second, cmsi_1, cmsi_2 = _deux_cmsi()
    _ralentir_la_section_critique(monkeypatch)
    monkeypatch.setattr(
        actions,
        "_verrouiller",
        lambda e: Enveloppe.objects.select_related("programme", "region").get(pk=e.pk),
    )
    resultats, erreurs = en_parallele(
        [_decider(premier, cmsi_1, 80_000), _decider(second, cmsi_2, 80_000)]
    )
    assert erreurs == [None, None]
    assert all(len(r) == 1 for r in resultats)
    assert enveloppe().situation().engage_amorcage == D(160_000) > D(143_600)
