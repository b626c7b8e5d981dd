"""Money of the follow-up [SPEC §3, §5; 000 A1 §3, A6 §2-3; 003 A2, A3]: the acceptance engages
the selected domaines' forfaits and decides the amorçage (all or nothing, 20 % cap), the ARS
notifies each domaine's usage funding once its targets are met (forfait − amorçage, forfait
avancé under its interoperability condition), payments through ``indicateurs.suivi``. Every
figure is read back from the ledger."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied

from dossiers import actions
from dossiers.actions import DossierError, TransitionRefusee
from dossiers.enums import Etat
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from hn.champs import case_cochee
from hn.journal.models import Evenement
from indicateurs import suivi
from tests import dossiers_factories as d
from tests import factories as f
from tests.indicateurs import aides as a
from tests.indicateurs.aides import D1_AVANCE, D1_STANDARD, D2, D3, D6_AVANCE, D6_STANDARD

pytestmark = pytest.mark.django_db

ACCEPTE_LE = (2022, 3, 1)
E, AD, UN = Nature.ENGAGEMENT, Nature.AMORCAGE_DECIDE, Nature.USAGE_NOTIFIE


# --- acceptance: engagement, amorçage, follow-up ------------------------------------------------


def test_acceptance_engages_the_forfaits_decides_the_amorcage_and_opens_the_follow_up():
    dossier = a.accepte_le(ACCEPTE_LE, amorcage={"D2": 50_000})
    valideur = d.valideur_de(dossier)
    assert a.recharger(dossier).etat == Etat.ACCEPTE
    assert a.lignes(dossier) == [
        (E, "D2", D2, False),
        (E, "D3", D3, False),
        (AD, "D2", D(50_000), False),
    ]
    mouvements = MouvementEnveloppe.objects.filter(dossier=dossier)
    assert {(m.date, m.acteur) for m in mouvements} == {(dt.date(2022, 3, 1), valideur)}
    figures = a.par_domaine(dossier)
    assert (figures["D2"].engage, figures["D2"].engage_amorcage) == (D2, D(50_000))
    assert (figures["D3"].engage, figures["D3"].engage_amorcage) == (D3, 0)
    s = a.situation(dossier)
    assert (s.engage, s.engage_amorcage, s.consomme) == (D2 + D3, D(50_000), 0)
    assert a.suivis(dossier) == {"D2": "selectionne", "D3": "selectionne"}
    dossier = a.recharger(dossier)
    assert (dossier.decide_le, dossier.frequence_suivi, dossier.prochain_rapport_le) == (
        dt.date(2022, 3, 1),
        6,
        dt.date(2022, 9, 1),
    )
    actions_tracees = list(
        Evenement.objects.filter(
            objet_id=str(dossier.pk),
            action__in=["dossier_accepte", "enveloppe_engagement", "enveloppe_amorcage_decide"],
        )
        .order_by("pk")
        .values_list("action", "acteur")
    )
    assert actions_tracees == [
        ("dossier_accepte", valideur.pk),
        ("enveloppe_engagement", valideur.pk),
        ("enveloppe_amorcage_decide", valideur.pk),
    ]
    assert a.traces(dossier, "dossier_accepte")[0].apres["domaines"] == ["D2", "D3"]


def test_only_the_selected_domaines_enter_the_follow_up_and_are_engaged():
    dossier = a.accepte_le(ACCEPTE_LE, selectionnes=("D2",), domaines=("D2", "D3"))
    assert a.suivis(dossier) == {"D2": "selectionne"}
    assert a.domaine(dossier, "D3").suivi == ""
    assert a.lignes(dossier) == [(E, "D2", D2, False)]


@pytest.mark.parametrize(
    ("decision", "premier_rapport"),
    [
        ((2020, 8, 31), dt.date(2021, 2, 28)),
        ((2019, 8, 31), dt.date(2020, 2, 29)),  # leap year
        ((2022, 3, 31), dt.date(2022, 9, 30)),
        ((2022, 6, 30), dt.date(2022, 12, 30)),
        ((2021, 12, 31), dt.date(2022, 6, 30)),
    ],
)
def test_first_report_due_six_months_after_the_decision_with_month_end_clamping(
    decision, premier_rapport
):
    dossier = a.accepte_le(decision)
    assert a.recharger(dossier).prochain_rapport_le == premier_rapport


def test_decision_date_is_the_paris_date():
    """Accepted at 23:30 UTC on 31/08/2020, i.e. 01:30 on 01/09 in Paris."""
    dossier = a.accepte_le((2020, 9, 1, 1, 30))
    dossier = a.recharger(dossier)
    assert (dossier.decide_le, dossier.prochain_rapport_le) == (
        dt.date(2020, 9, 1),
        dt.date(2021, 3, 1),
    )


def test_amorcage_over_the_20_percent_cap_refuses_the_whole_acceptance():
    """Mayotte, HOP'EN: 718 000 € published, amorçage cap 143 600 €."""
    with a.le(*ACCEPTE_LE):
        dossier = d.selection(a.etablissement(a.MAYOTTE), selectionnes=("D2", "D3"))
    valideur = d.valideur_de(dossier)
    avant = a.compte()
    with a.le(2022, 3, 2), pytest.raises(DossierError) as exc:
        actions.accepter(dossier=dossier, acting_user=valideur, amorcage={"D2": "143600.01"})
    message = a.nbsp(
        "L'amorçage de la région ne peut dépasser 20_% de son enveloppe, soit 143_600,00_€ "
        "(enveloppe 718_000,00_€) : déjà décidé 0,00_€, demandé 143_600,01_€, soit "
        "143_600,01_€ (dépassement de 0,01_€)."
    )
    assert exc.value.message == message
    assert exc.value.errors == {"montant": [message]}
    # Nothing happened: still deposited, no ledger line, no trace, no notification.
    assert a.compte() == avant
    dossier = a.recharger(dossier)
    assert (dossier.etat, dossier.decide_le, dossier.prochain_rapport_le) == (
        Etat.DEPOSE,
        None,
        None,
    )
    assert a.suivis(dossier) == {}
    # Exactly the cap is accepted.
    with a.le(2022, 3, 2):
        actions.accepter(dossier=dossier, acting_user=valideur, amorcage={"D2": 143_600})
    assert a.recharger(dossier).etat == Etat.ACCEPTE
    assert a.lignes(dossier)[-1] == (AD, "D2", D(143_600), False)
    assert a.situation(dossier).amorcage_disponible == 0


def test_the_cap_counts_the_amorcage_already_decided_in_the_region():
    premier = a.accepte_le(
        ACCEPTE_LE, a.etablissement(a.MAYOTTE), selectionnes=("D3",), amorcage={"D3": 100_000}
    )
    assert a.lignes(premier)[-1] == (AD, "D3", D(100_000), False)
    with a.le(*ACCEPTE_LE):
        second = d.selection(a.etablissement(a.MAYOTTE), selectionnes=("D3",))
    with a.le(2022, 3, 2), pytest.raises(DossierError) as exc:
        actions.accepter(dossier=second, acting_user=d.valideur_de(second), amorcage={"D3": 43_601})
    assert "déjà décidé 100\u00a0000,00\u00a0€, demandé 43\u00a0601,00\u00a0€" in exc.value.message
    assert a.recharger(second).etat == Etat.DEPOSE
    assert a.lignes(second) == []


@pytest.mark.parametrize(
    ("amorcage", "message"),
    [
        (
            {"D3": 1_000},
            "Le domaine D3 n'est pas engagé : l'amorçage se décide sur un domaine sélectionné.",
        ),
        (
            {"D2": 269_356},
            "L'amorçage du domaine D2 ne peut dépasser la part de son forfait non encore "
            "notifiée, soit 269_355,00_€ (forfait engagé 269_355,00_€, amorçage déjà décidé "
            "0,00_€, usage notifié 0,00_€) ; demandé 269_356,00_€.",
        ),
        ({"D2": -5}, "Le montant doit être strictement positif."),
        ({"D2": "10.001"}, "Le montant s'exprime en euros et centimes (deux décimales au plus)."),
        ({"D2": "beaucoup"}, "Le montant doit être un nombre."),
    ],
    ids=["domaine non sélectionné", "au-delà du forfait", "négatif", "millimes", "texte"],
)
def test_any_refused_amorcage_refuses_the_acceptance(amorcage, message):
    with a.le(*ACCEPTE_LE):
        dossier = d.selection(a.etablissement(), selectionnes=("D2",), domaines=("D2", "D3"))
    avant = a.compte()
    with a.le(*ACCEPTE_LE), pytest.raises(DossierError) as exc:
        actions.accepter(dossier=dossier, acting_user=d.valideur_de(dossier), amorcage=amorcage)
    assert exc.value.message == a.nbsp(message)
    assert a.compte() == avant
    assert a.recharger(dossier).etat == Etat.DEPOSE


@pytest.mark.parametrize(
    "amorcage",
    [
        None,
        {},
        {"D2": None},
        {"D2": ""},
        {"D2": 0},
        {"D2": "0"},
        {"D2": "0,00"},
        {"D2": "0.00"},
        {"D2": " 0 "},
        {"D2": D("0.00")},
        {"D2": 0.0},
    ],
)
def test_no_amorcage_means_no_amorcage_line(amorcage):
    """An amorçage of zero, in whatever form the form or the API sends it, is no amorçage: no
    ledger line, no trace, no refusal (a zero would otherwise be "strictement positif")."""
    dossier = a.accepte_le(ACCEPTE_LE, selectionnes=("D2",), amorcage=amorcage)
    assert a.recharger(dossier).etat == Etat.ACCEPTE
    assert a.lignes(dossier) == [(E, "D2", D2, False)]
    assert a.traces(dossier, "enveloppe_amorcage_decide") == []


def test_a_zero_amorcage_is_ignored_and_the_others_decided():
    dossier = a.accepte_le(ACCEPTE_LE, amorcage={"D2": "0,00", "D3": "12000.50"})
    assert a.lignes(dossier) == [
        (E, "D2", D2, False),
        (E, "D3", D3, False),
        (AD, "D3", D("12000.50"), False),
    ]


@pytest.mark.parametrize("montant", [0, "0", "0,00", "0.00"])
def test_a_zero_amorcage_decided_after_the_acceptance_is_ignored(montant):
    dossier = a.accepte_le(ACCEPTE_LE, selectionnes=("D2",))
    avant = a.compte()
    with a.le(2022, 4, 1):
        lignes = suivi.decider_amorcage(
            dossier=dossier, montants={"D2": montant}, acting_user=d.valideur_de(dossier)
        )
    assert lignes == []
    assert a.compte() == avant


def test_amorcage_keys_are_domaine_codes_in_any_case():
    dossier = a.accepte_le(ACCEPTE_LE, selectionnes=("D2",), amorcage={"d2": 12_000})
    assert a.lignes(dossier)[-1] == (AD, "D2", D(12_000), False)


def test_derogatory_amorcage_is_flagged_on_the_ledger():
    with a.le(*ACCEPTE_LE):
        dossier = d.selection(a.etablissement(), selectionnes=("D2",))
        actions.accepter(
            dossier=dossier,
            acting_user=d.valideur_de(dossier),
            amorcage={"D2": 20_000},
            derogation=True,
        )
    assert a.lignes(dossier)[-1] == (AD, "D2", D(20_000), True)
    assert a.par_domaine(dossier)["D2"].engage_amorcage_derogatoire == D(20_000)


def test_acceptance_needs_the_reference_activity_of_the_etablissement():
    with a.le(*ACCEPTE_LE):
        dossier = d.selection(a.etablissement(), selectionnes=("D2",))
    dossier.etablissement.volumes.all().delete()
    avant = a.compte()
    with a.le(*ACCEPTE_LE), pytest.raises(TransitionRefusee) as exc:
        actions.accepter(dossier=dossier, acting_user=d.valideur_de(dossier))
    assert exc.value.message == (
        "Le dossier ne peut pas être accepté : L'activité 2017 de l'établissement n'est pas "
        "connue : son forfait, donc l'engagement sur l'enveloppe, ne peut pas être calculé."
    )
    assert a.compte() == avant
    assert not dossier.acceptable()


def test_amorcage_decided_after_the_acceptance():
    dossier = a.accepte_le(ACCEPTE_LE, a.etablissement(a.MAYOTTE), selectionnes=("D2",))
    valideur = d.valideur_de(dossier)
    with a.le(2022, 4, 1):
        [ligne] = suivi.decider_amorcage(
            dossier=dossier, montants={"D2": 40_000}, acting_user=valideur
        )
    assert (ligne.nature, ligne.montant, ligne.date) == (AD, D(40_000), dt.date(2022, 4, 1))
    with a.le(2022, 4, 1), pytest.raises(DossierError, match="ne peut dépasser 20"):
        suivi.decider_amorcage(dossier=dossier, montants={"D2": 103_601}, acting_user=valideur)
    with pytest.raises(PermissionDenied):
        suivi.decider_amorcage(
            dossier=dossier, montants={"D2": 1}, acting_user=a.gestionnaire_de(dossier)
        )
    with a.le(*ACCEPTE_LE):
        depose = d.depose(a.etablissement(a.MAYOTTE))
    with pytest.raises(TransitionRefusee, match="le suivi concerne les dossiers acceptés"):
        suivi.decider_amorcage(dossier=depose, montants={"D2": 1}, acting_user=valideur)


# --- usage funding -------------------------------------------------------------------------------


@pytest.fixture
def dossier():
    """D2 and D3 selected, 50 000 € amorçage on D2."""
    return a.accepte_le(ACCEPTE_LE, amorcage={"D2": 50_000})


def notifier(dossier, code, jour=(2022, 9, 5), user=None):
    with a.le(*jour):
        return suivi.notifier_financement(
            dossier=dossier, domaine=code, acting_user=user or d.valideur_de(dossier)
        )


def refus(dossier, code, exception=TransitionRefusee, user=None) -> str:
    avant = a.compte()
    with pytest.raises(exception) as exc:
        notifier(dossier, code, user=user)
    assert a.compte() == avant
    return getattr(exc.value, "message", str(exc.value))


def test_funding_is_refused_before_any_report(dossier):
    assert refus(dossier, "D2") == (
        "Le financement du domaine D2 ne peut pas être notifié : Aucun rapport de suivi n'a "
        "encore été déposé."
    )


def test_funding_is_refused_with_the_exact_blocking_indicators(dossier):
    a.rapport(
        dossier,
        (2022, 8, 20),
        valeurs_=a.valeurs(dossier, P1_1="89.5", P1_2=0, D2_2=50, D3_4="79.99"),
    )
    assert a.suivis(dossier) == {"D2": "selectionne", "D3": "selectionne"}
    assert refus(dossier, "D2") == (
        "Le financement du domaine D2 ne peut pas être notifié : "
        "P1.1 : 89,5\u00a0% déclaré, cible 90,0\u00a0%. "
        "P1.2 : non atteint (déclaré « non »). "
        "D2.2 : 50,0\u00a0% déclaré, cible 98,0\u00a0%."
    )
    assert refus(dossier, "D3") == (
        "Le financement du domaine D3 ne peut pas être notifié : "
        "P1.1 : 89,5\u00a0% déclaré, cible 90,0\u00a0%. "
        "P1.2 : non atteint (déclaré « non »). "
        "D3.4 : 79,99\u00a0% déclaré, cible 80,0\u00a0%."
    )
    assert suivi.blocages(
        dossier, a.domaine(dossier, "D2"), suivi.valeurs_du_rapport(suivi.dernier_rapport(dossier))
    ) == [
        "P1.1 : 89,5\u00a0% déclaré, cible 90,0\u00a0%.",
        "P1.2 : non atteint (déclaré « non »).",
        "D2.2 : 50,0\u00a0% déclaré, cible 98,0\u00a0%.",
    ]


def test_funding_of_one_domaine_at_target_leaves_the_other_alone(dossier):
    etab = dossier.etablissement
    lecteur = f.es_lecteur(etab, username="es-lecteur")
    a.rapport(dossier, (2022, 8, 20), valeurs_=a.valeurs(dossier, D3_1=10))
    dd = notifier(dossier, "D2")
    assert dd.suivi == "finance"
    assert a.domaine(dossier, "D2").finance_le == dt.date(2022, 9, 5)
    assert a.suivis(dossier) == {"D2": "finance", "D3": "selectionne"}
    # Usage = forfait − amorçage of that domaine only.
    assert a.lignes(dossier)[-1] == (UN, "D2", D2 - 50_000, False)
    figures = a.par_domaine(dossier)
    assert (figures["D2"].usage_notifie, figures["D2"].usage_a_verser) == (D2 - 50_000, D2 - 50_000)
    assert figures["D3"].usage_notifie == 0
    assert a.situation(dossier).engage == D2 + D3
    [trace] = a.traces(dossier, "financement_notifie")
    assert trace.acteur == d.valideur_de(dossier)
    assert trace.apres == {
        "domaine": "D2",
        "montant": "219\u00a0355",
        "forfait_avance": False,
        "rapport": 1,
    }
    assert a.destinataires(trace) == {a.gestionnaire_de(dossier).username, lecteur.username}
    [notification, *_] = a.notifications(f"evenement:{trace.pk}")
    assert notification.titre == f"Dossier {dossier.numero} : financement du domaine D2 notifié"
    assert notification.message == (
        f"L'ARS a notifié le soutien à l'usage du domaine D2 du dossier « {dossier.nom} » : "
        "219\u00a0355 € (forfait moins l'amorçage)."
    )
    # D3 is still blocked, by its own indicator only.
    assert refus(dossier, "D3") == (
        "Le financement du domaine D3 ne peut pas être notifié : "
        "D3.1 : 10,0\u00a0% déclaré, cible 80,0\u00a0%."
    )


def test_without_amorcage_the_usage_is_the_whole_forfait(dossier):
    a.rapport(dossier, (2022, 8, 20))
    notifier(dossier, "D3")
    assert a.lignes(dossier)[-1] == (UN, "D3", D3, False)


def test_notifying_twice_is_refused(dossier):
    a.rapport(dossier, (2022, 8, 20))
    notifier(dossier, "D2")
    assert refus(dossier, "D2") == "Le domaine D2 est déjà « Financement notifié »."


def test_targets_lost_in_the_latest_report_block_the_funding(dossier):
    a.rapport(dossier, (2022, 8, 20))
    a.rapport(dossier, (2023, 2, 20), valeurs_=a.valeurs(dossier, D2_4=94))
    assert refus(dossier, "D2") == (
        "Le financement du domaine D2 ne peut pas être notifié : "
        "D2.4 : 94,0\u00a0% déclaré, cible 95,0\u00a0%."
    )
    notifier(dossier, "D3")  # D3 still at target in the latest report


@pytest.mark.parametrize("code", ["D4", "D9", ""])
def test_only_a_followed_domaine_can_be_funded(dossier, code):
    message = refus(dossier, code, exception=DossierError)
    assert message == f"Le domaine {code} n'est pas suivi dans ce dossier."


@pytest.mark.parametrize(
    "persona",
    [
        lambda dossier: f.ars_lecteur(dossier.etablissement.region.code),
        lambda dossier: f.ars_auditeur(dossier.etablissement.region.code),
        lambda dossier: f.ars_valideur("11"),
        lambda dossier: a.gestionnaire_de(dossier),
        lambda dossier: f.pilote_national(),
    ],
    ids=["lecteur ARS", "auditeur ARS", "CMSI d'une autre région", "gestionnaire ES", "pilote"],
)
def test_only_the_regions_cmsi_notifies_the_funding(dossier, persona):
    a.rapport(dossier, (2022, 8, 20))
    message = refus(dossier, "D2", exception=PermissionDenied, user=persona(dossier))
    assert message == "Seul le valideur (CMSI) de l'ARS peut instruire ce dossier."
    assert a.suivis(dossier)["D2"] == "cibles_atteintes"


def test_funding_refused_on_a_closed_dossier(dossier):
    a.rapport(dossier, (2022, 8, 20))
    with a.le(2022, 9, 1):
        actions.clore(
            dossier=dossier,
            motif="demande_etablissement",
            commentaire="Fermeture du site.",
            acting_user=d.valideur_de(dossier),
        )
    message = refus(dossier, "D2")
    assert message.startswith("Impossible de notifier un financement : le dossier est « Clos »")


# --- forfait avancé (HOP'EN D1 and D6) -------------------------------------------------------


@pytest.fixture
def avance():
    """D1, D2 and D6 selected, 30 000 € amorçage on D1."""
    return a.accepte_le(ACCEPTE_LE, selectionnes=("D1", "D2", "D6"), amorcage={"D1": 30_000})


def test_forfaits_of_the_avance_domaines(avance):
    from enveloppes.actions import forfaits_du_dossier

    forfaits = forfaits_du_dossier(avance)
    assert forfaits["D1"] == (int(D1_STANDARD), int(D1_AVANCE))
    assert forfaits["D6"] == (int(D6_STANDARD), int(D6_AVANCE))
    assert forfaits["D2"] == (int(D2), None)
    assert {dd.domaine.code: dd.domaine.avance_indicateur for dd in avance.domaines.all()} == {
        "D1": "D1.3",
        "D2": "",
        "D3": "",
        "D4": "",
        "D5": "",
        "D6": "D6.1",
        "D7": "",
    }


def test_forfait_avance_when_the_report_declares_the_interoperability_condition(avance):
    a.rapport(
        avance,
        (2022, 8, 20),
        avancements={
            "D1": {"condition_avance": True},
            "D2": {"condition_avance": True},  # D2 has no forfait avancé: ignored
            "D6": {"condition_avance": False},
        },
    )
    conditions = dict(
        suivi.dernier_rapport(avance).avancements.values_list(
            "domaine_dossier__domaine__code", "condition_avance"
        )
    )
    assert conditions == {"D1": True, "D2": False, "D6": False}
    notifier(avance, "D1")
    notifier(avance, "D2")
    notifier(avance, "D6")
    assert a.lignes(avance)[-4:] == [
        (Nature.ENGAGEMENT_COMPLEMENTAIRE, "D1", D1_AVANCE - D1_STANDARD, False),
        (UN, "D1", D1_AVANCE - 30_000, False),
        (UN, "D2", D2, False),
        (UN, "D6", D6_STANDARD, False),
    ]
    figures = a.par_domaine(avance)
    assert figures["D1"].engage == D1_AVANCE
    assert a.situation(avance).engage == D1_AVANCE + D2 + D6_STANDARD
    [d1, d2, d6] = a.traces(avance, "financement_notifie")
    assert (d1.apres["forfait_avance"], d1.apres["montant"]) == (True, "198\u00a0387")
    assert (d2.apres["forfait_avance"], d6.apres["forfait_avance"]) == (False, False)


@pytest.mark.parametrize(
    ("saisie", "avance_"),
    [
        ("true", True),
        ("oui", True),
        ("1", True),
        ("on", True),
        ("false", False),
        ("non", False),
        ("0", False),
        ("", False),
    ],
)
def test_the_interoperability_condition_is_parsed_from_the_form(avance, saisie, avance_):
    """The page reads its checkbox (hn.champs.case_cochee: "false" is false) and hands a real
    boolean to the action; "false" gives the standard forfait."""
    coche = case_cochee({"avance": saisie}, "avance")
    a.rapport(avance, (2022, 8, 20), avancements={"D6": {"condition_avance": coche}})
    condition = suivi.dernier_rapport(avance).avancements.get(domaine_dossier__domaine__code="D6")
    assert condition.condition_avance is avance_
    notifier(avance, "D6")
    assert a.lignes(avance)[-1] == (UN, "D6", D6_AVANCE if avance_ else D6_STANDARD, False)
    [trace] = a.traces(avance, "financement_notifie")
    assert trace.apres["forfait_avance"] is avance_


@pytest.mark.parametrize("saisie", ["true", "false", "0", 1, None])
def test_the_action_takes_only_a_real_boolean_condition(avance, saisie):
    avant = a.compte()
    with a.le(2022, 8, 20), pytest.raises(DossierError) as exc:
        a.rapport(avance, avancements={"D6": {"condition_avance": saisie}})
    assert exc.value.errors == {"avancements.D6": ["Répondez par vrai ou faux (true ou false)."]}
    assert a.compte() == avant


def test_forfait_avance_of_d6(avance):
    a.rapport(avance, (2022, 8, 20), avancements={"D6": {"condition_avance": True}})
    notifier(avance, "D6")
    assert a.lignes(avance)[-2:] == [
        (Nature.ENGAGEMENT_COMPLEMENTAIRE, "D6", D6_AVANCE - D6_STANDARD, False),
        (UN, "D6", D6_AVANCE, False),
    ]


def test_the_condition_is_read_from_the_latest_report(avance):
    a.rapport(avance, (2022, 8, 20), avancements={"D1": {"condition_avance": True}})
    a.rapport(avance, (2023, 2, 20))  # condition no longer declared
    notifier(avance, "D1", jour=(2023, 2, 21))
    assert a.lignes(avance)[-1] == (UN, "D1", D1_STANDARD - 30_000, False)
    assert a.par_domaine(avance)["D1"].engage == D1_STANDARD


# --- HN: targets unknown in the seeds ---------------------------------------------------------


def test_hn_indicators_without_a_known_target_block_the_funding_explicitly():
    """HN: P3.5 and most domaine indicators have no target in the seeds (``cible`` null,
    "à confirmer"): every value is declared, yet the funding stays blocked, saying why."""
    dossier = a.accepte_le((2016, 3, 1), a.etablissement_hn(), code="HN", selectionnes=("D2",))
    assert a.lignes(dossier) == [(E, "D2", a.HN_D2, False)]
    a.rapport(dossier, (2016, 8, 20))
    assert a.suivis(dossier) == {"D2": "selectionne"}
    a_confirmer = (
        "100,0\u00a0% déclaré, mais la cible n'est pas fixée par les textes (à confirmer par le "
        "niveau national)."
    )
    assert refus(dossier, "D2") == (
        "Le financement du domaine D2 ne peut pas être notifié : "
        f"P3.5 : {a_confirmer} D2.2 : {a_confirmer} D2.4 : {a_confirmer} D2.5 : {a_confirmer}"
    )


# --- payments ---------------------------------------------------------------------------------


def verser(dossier, code, volet, jour=(2022, 9, 10), user=None):
    with a.le(*jour):
        return suivi.verser(
            dossier=dossier, domaine=code, volet=volet, acting_user=user or d.valideur_de(dossier)
        )


def test_amorcage_and_usage_payments_through_the_follow_up(dossier):
    ligne = verser(dossier, "D2", "amorcage", jour=(2022, 3, 15))
    assert (ligne.nature, ligne.montant, ligne.date) == (
        Nature.AMORCAGE_VERSE,
        D(50_000),
        dt.date(2022, 3, 15),
    )
    with pytest.raises(DossierError) as exc:
        verser(dossier, "D2", "amorcage")
    assert exc.value.message == "Le domaine D2 n'a pas d'amorçage décidé à verser."
    assert exc.value.errors == {"montant": [exc.value.message]}
    with pytest.raises(DossierError) as exc:
        verser(dossier, "D2", "usage")
    assert exc.value.message == "Le domaine D2 n'a pas de soutien à l'usage notifié à verser."

    a.rapport(dossier, (2022, 8, 20))
    notifier(dossier, "D2")
    ligne = verser(dossier, "D2", "usage")
    assert (ligne.nature, ligne.montant) == (Nature.USAGE_VERSE, D2 - 50_000)

    figures = a.par_domaine(dossier)["D2"]
    assert (figures.consomme_amorcage, figures.consomme_usage) == (D(50_000), D2 - 50_000)
    assert (figures.amorcage_a_verser, figures.usage_a_verser) == (0, 0)
    s = a.situation(dossier)
    assert (s.consomme_amorcage, s.consomme_usage, s.consomme) == (D(50_000), D2 - 50_000, D2)
    assert (s.engage, s.disponible) == (D2 + D3, s.total - D2 - D3)
    assert [t.action for t in Evenement.objects.filter(action="enveloppe_versement")] == [
        "enveloppe_versement",
        "enveloppe_versement",
    ]


def test_payment_refusals(dossier):
    autres = (a.gestionnaire_de(dossier), f.ars_lecteur("84"), f.ars_valideur("11"))
    avant = a.compte()
    with pytest.raises(DossierError) as exc:
        verser(dossier, "D2", "tout")
    assert exc.value.message == "Choisissez le volet versé : amorcage ou usage."
    with pytest.raises(DossierError, match="n'est pas suivi"):
        verser(dossier, "D4", "amorcage")
    for user in autres:
        with pytest.raises(PermissionDenied):
            verser(dossier, "D2", "amorcage", user=user)
    assert a.compte() == avant
