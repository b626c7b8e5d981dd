"""Envelope money rules as pure functions (no database): every rule with its boundaries
[000 A1 §3-4, A2 §3, A4 §2, A6; 003 §5.1, A2 §2, A4; SPEC §3]."""

import datetime as dt
from decimal import Decimal as D

import pytest

from enveloppes import regles
from enveloppes.enums import Nature
from enveloppes.regles import (
    Compteurs,
    EtatEnveloppe,
    Mouvement,
    MouvementRefuse,
    ParametresEnveloppe,
    Profil,
)

JOUR = dt.date(2020, 3, 2)
HN = ParametresEnveloppe(
    plafonds_annuels={2013: D("0.40"), 2014: D("0.40"), 2015: D("0.20")},
)
HOPEN = ParametresEnveloppe(
    derogation_taux=D("0.30"),
    derogation_taux_max=D("0.50"),
    derogation_echeance=dt.date(2021, 1, 1),
    reprise_des_remboursements=True,
    usage_remboursable_apres_audit=True,
)


def fr(texte: str) -> str:
    """Expected messages are written with ``_`` for the no-break spaces of amounts."""
    return texte.replace("_", "\u00a0")


def m(nature, montant, domaine=1, date=JOUR, **kw) -> Mouvement:
    champs = {"dossier": domaine, "domaine_code": f"D{domaine}"} if domaine is not None else {}
    return Mouvement(nature, D(str(montant)), date, domaine=domaine, **champs, **kw)


def enveloppe(publie="1000000.00", parametres=None, taux=None) -> EtatEnveloppe:
    return EtatEnveloppe(
        publie=D(publie), parametres=parametres or ParametresEnveloppe(), taux_derogation=taux
    )


def applique(etat, *mouvements):
    return regles.appliquer_tous(etat, mouvements)


def refuse(etat, mouvement) -> str:
    with pytest.raises(MouvementRefuse) as exc:
        regles.appliquer(etat, mouvement)
    return exc.value.message


def engage(etat, montants: dict, date=JOUR):
    return applique(etat, *(m(Nature.ENGAGEMENT, v, k, date) for k, v in montants.items()))


# --- formatting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("montant", "texte"),
    [
        (D("0"), "0,00_€"),
        (D("0.005"), "0,01_€"),
        (D("1234567.891"), "1_234_567,89_€"),
        (D("200000.006"), "200_000,01_€"),
        (D("-1500"), "-1_500,00_€"),
        (49_777_000, "49_777_000,00_€"),
    ],
)
def test_euros_are_french_to_the_cent_half_up(montant, texte):
    assert regles.euros(montant) == fr(texte)


@pytest.mark.parametrize(
    ("part", "texte"), [(D("0.20"), "20_%"), (D("0.375"), "37,5_%"), (D("0.3"), "30_%")]
)
def test_pourcent(part, texte):
    assert regles.pourcent(part) == fr(texte)


@pytest.mark.parametrize(
    ("montant", "message"),
    [
        (0, "Le montant doit être strictement positif."),
        ("-0.01", "Le montant doit être strictement positif."),
        ("10.001", "Le montant s'exprime en euros et centimes (deux décimales au plus)."),
        ("NaN", "Le montant doit être un nombre."),
        ("dix", "Le montant doit être un nombre."),
        ("1e12", "Le montant est hors de proportion avec une enveloppe régionale."),
    ],
)
def test_amounts_are_positive_euros_and_cents(montant, message):
    with pytest.raises(MouvementRefuse) as exc:
        regles.verifier_montant(montant)
    assert exc.value.message == message


def test_amount_accepts_int_str_and_decimal_to_the_cent():
    assert regles.verifier_montant(12) == D("12.00")
    assert regles.verifier_montant("0.01") == D("0.01")
    assert regles.verifier_montant(D("999999999999.99")) == D("999999999999.99")


# --- effects of each nature ---------------------------------------------------------------------


def test_every_nature_has_an_effect_and_amounts_are_positive_with_the_nature_as_sign():
    assert set(regles.EFFETS) == set(Nature.values)
    assert all(regles.EFFETS[n] for n in Nature)
    assert set(regles.effets(Nature.AMORCAGE_DECIDE, True)) == {
        "engage_amorcage",
        "engage_amorcage_derogatoire",
    }
    assert "engage_amorcage_derogatoire" not in regles.effets(Nature.AMORCAGE_DECIDE, False)
    assert regles.effets(Nature.REMBOURSEMENT_AMORCAGE_RECU, True)["engage_amorcage"] == -1


def test_figures_of_a_domaine_through_its_life():
    etat = applique(
        enveloppe(),
        m(Nature.ENGAGEMENT, 300_000),
        m(Nature.AMORCAGE_DECIDE, 50_000),
        m(Nature.AMORCAGE_VERSE, 20_000),
        m(Nature.AMORCAGE_VERSE, 30_000),
        m(Nature.USAGE_NOTIFIE, 250_000),
        m(Nature.USAGE_VERSE, 250_000),
    )
    s = etat.situation()
    assert (s.total, s.engage, s.engage_amorcage, s.engage_usage) == (
        D(1_000_000),
        D(300_000),
        D(50_000),
        D(250_000),
    )
    assert (s.consomme_amorcage, s.consomme_usage, s.consomme) == (
        D(50_000),
        D(250_000),
        D(300_000),
    )
    assert (s.disponible, s.plafond_amorcage, s.amorcage_disponible) == (
        D(700_000),
        D(200_000),
        D(150_000),
    )
    assert (s.amorcage_a_verser, s.usage_a_verser, s.remboursement_du) == (0, 0, 0)


# --- engagement and available amount -----------------------------------------------------------


def test_engagement_up_to_the_available_amount_exactly():
    etat = engage(enveloppe(), {1: "600000", 2: "400000"})
    assert etat.disponible == 0
    message = refuse(etat, m(Nature.ENGAGEMENT, "0.01", 3))
    assert message == fr(
        "Enveloppe insuffisante : il reste 0,00_€ disponibles (enveloppe 1_000_000,00_€, déjà "
        "engagé 1_000_000,00_€) ; l'engagement demandé pour le domaine D3 est de 0,01_€."
    )


def test_a_domaine_is_engaged_once():
    etat = engage(enveloppe(), {1: 100_000})
    assert refuse(etat, m(Nature.ENGAGEMENT, 100_000)) == (
        "Le domaine D1 est déjà engagé : un domaine s'engage une seule fois, à sa sélection."
    )
    # Even once released: a closure is final.
    etat = applique(etat, m(Nature.LIBERATION, 100_000))
    assert "déjà engagé" in refuse(etat, m(Nature.ENGAGEMENT, 100_000))


# --- HN yearly selection caps [000 A1 §4] -------------------------------------------------------


def test_hn_2013_cap_is_40_percent_exactly_then_one_cent_over_is_refused():
    etat = engage(enveloppe(parametres=HN), {1: "250000", 2: "150000"}, date=dt.date(2013, 12, 31))
    assert etat.selection == {2013: D(400_000)}
    message = refuse(etat, m(Nature.ENGAGEMENT, "0.01", 3, dt.date(2013, 12, 31)))
    assert message == fr(
        "Les dossiers sélectionnés en 2013 ne peuvent représenter plus de 40_% de l'enveloppe "
        "régionale, soit 400_000,00_€ : déjà sélectionné en 2013 400_000,00_€, demandé 0,01_€, "
        "soit 400_000,01_€ (dépassement de 0,01_€)."
    )
    # The next day is another year, with its own cap.
    etat = regles.appliquer(etat, m(Nature.ENGAGEMENT, "0.01", 3, dt.date(2014, 1, 1)))
    assert etat.selection == {2013: D(400_000), 2014: D("0.01")}


@pytest.mark.parametrize(("annee", "part"), [(2013, "0.40"), (2014, "0.40"), (2015, "0.20")])
def test_hn_yearly_cap_at_each_year_boundary(annee, part):
    plafond = D(part) * 1_000_000
    etat = engage(enveloppe(parametres=HN), {1: plafond}, date=dt.date(annee, 12, 31))
    message = refuse(etat, m(Nature.ENGAGEMENT, "0.01", 2, dt.date(annee, 12, 31)))
    assert message.startswith(
        f"Les dossiers sélectionnés en {annee} ne peuvent représenter plus de "
        f"{regles.pourcent(D(part))} de l'enveloppe régionale, soit {regles.euros(plafond)}"
    )
    etat = regles.appliquer(etat, m(Nature.ENGAGEMENT, "0.01", 2, dt.date(annee + 1, 1, 1)))
    assert etat.selection == {annee: plafond, annee + 1: D("0.01")}


def test_hn_caps_are_per_year_not_cumulative_40_40_20():
    """A cumulative reading would refuse any 2014 selection after 40 % in 2013."""
    etat = enveloppe(parametres=HN)
    etat = engage(etat, {1: 400_000}, date=dt.date(2013, 1, 1))
    etat = engage(etat, {2: 350_000}, date=dt.date(2014, 6, 30))
    etat = engage(etat, {3: "199999.99"}, date=dt.date(2015, 1, 1))
    etat = engage(etat, {4: "0.01"}, date=dt.date(2015, 12, 31))
    assert etat.selection == {2013: D(400_000), 2014: D(350_000), 2015: D(200_000)}
    assert etat.disponible == D(50_000)
    message = refuse(etat, m(Nature.ENGAGEMENT, "0.01", 5, dt.date(2015, 12, 31)))
    assert message == fr(
        "Les dossiers sélectionnés en 2015 ne peuvent représenter plus de 20_% de l'enveloppe "
        "régionale, soit 200_000,00_€ : déjà sélectionné en 2015 200_000,00_€, demandé 0,01_€, "
        "soit 200_000,01_€ (dépassement de 0,01_€)."
    )


@pytest.mark.parametrize("annee", [2012, 2016, 2017])
def test_hn_no_yearly_cap_outside_2013_2015(annee):
    etat = engage(enveloppe(parametres=HN), {1: 900_000}, date=dt.date(annee, 5, 1))
    assert etat.selection == {annee: D(900_000)}


def test_hn_cap_counts_selections_gross_of_later_releases():
    """A dossier selected in 2013 stays selected in 2013 when it is later closed."""
    etat = engage(enveloppe(parametres=HN), {1: 400_000}, date=dt.date(2013, 3, 1))
    etat = applique(etat, m(Nature.LIBERATION, 400_000, 1, dt.date(2013, 9, 1)))
    assert etat.disponible == D(1_000_000)
    assert "2013" in refuse(etat, m(Nature.ENGAGEMENT, 1, 2, dt.date(2013, 10, 1)))


def test_hn_cap_base_is_the_allocated_envelope_redeployments_included():
    etat = applique(
        enveloppe(parametres=HN),
        m(Nature.REDEPLOIEMENT_ENTRANT, 100_000, None, dt.date(2013, 1, 1)),
    )
    etat = engage(etat, {1: 440_000}, date=dt.date(2013, 2, 1))
    assert fr("40_% de l'enveloppe régionale, soit 440_000,00_€") in refuse(
        etat, m(Nature.ENGAGEMENT, "0.01", 2, dt.date(2013, 2, 1))
    )


# --- amorçage: 20 % of the envelope [000 A1 §3, A6 §2; 003 A2 §2] -------------------------------


def test_amorcage_up_to_exactly_20_percent_then_one_cent_over_is_refused():
    etat = engage(enveloppe(), {1: 300_000, 2: 300_000})
    etat = applique(etat, m(Nature.AMORCAGE_DECIDE, 120_000, 1))
    etat = applique(etat, m(Nature.AMORCAGE_DECIDE, 80_000, 2))
    assert etat.compteurs.engage_amorcage == etat.plafond_amorcage == D(200_000)
    message = refuse(etat, m(Nature.AMORCAGE_DECIDE, "0.01", 2))
    assert message == fr(
        "L'amorçage de la région ne peut dépasser 20_% de son enveloppe, soit 200_000,00_€ "
        "(enveloppe 1_000_000,00_€) : déjà décidé 200_000,00_€, demandé 0,01_€, soit "
        "200_000,01_€ (dépassement de 0,01_€)."
    )


def test_amorcage_one_cent_over_in_a_single_decision_is_refused():
    etat = engage(enveloppe(), {1: 300_000})
    assert fr("dépassement de 0,01_€") in refuse(etat, m(Nature.AMORCAGE_DECIDE, "200000.01"))
    assert regles.appliquer(etat, m(Nature.AMORCAGE_DECIDE, "200000.00")).compteurs.engage_amorcage


def test_amorcage_cap_is_exact_on_an_envelope_with_cents():
    """20 % of 1 000 000,03 € is 200 000,006 €: 200 000,00 fits, 200 000,01 does not; the
    cap shown is the one that holds in cents."""
    etat = engage(enveloppe("1000000.03"), {1: 300_000})
    assert etat.plafond_amorcage == D("200000.00")
    regles.appliquer(etat, m(Nature.AMORCAGE_DECIDE, "200000.00"))
    refuse(etat, m(Nature.AMORCAGE_DECIDE, "200000.01"))


def test_amorcage_may_be_any_share_of_the_forfait_but_never_more():
    """ "un financement d'amorçage d'un montant supérieur ou inférieur à 20 % du soutien
    financier total" [000 A1 §3]: up to the whole forfait not yet notified."""
    etat = engage(enveloppe(), {1: 150_000})
    assert refuse(etat, m(Nature.AMORCAGE_DECIDE, "150000.01")) == fr(
        "L'amorçage du domaine D1 ne peut dépasser la part de son forfait non encore "
        "notifiée, soit 150_000,00_€ (forfait engagé 150_000,00_€, amorçage déjà décidé "
        "0,00_€, usage notifié 0,00_€) ; demandé 150_000,01_€."
    )
    etat = regles.appliquer(etat, m(Nature.AMORCAGE_DECIDE, 150_000))
    assert etat.domaine(1).engage_usage == 0


def test_amorcage_needs_an_engaged_domaine():
    assert refuse(enveloppe(), m(Nature.AMORCAGE_DECIDE, 1)) == (
        "Le domaine D1 n'est pas engagé : l'amorçage se décide sur un domaine sélectionné."
    )


def test_amorcage_payments_never_exceed_the_decision():
    etat = engage(enveloppe(), {1: 100_000})
    etat = applique(etat, m(Nature.AMORCAGE_DECIDE, 30_000), m(Nature.AMORCAGE_VERSE, 10_000))
    etat = regles.appliquer(etat, m(Nature.AMORCAGE_VERSE, 20_000))
    assert refuse(etat, m(Nature.AMORCAGE_VERSE, "0.01")) == fr(
        "L'amorçage décidé et non versé du domaine D1 est de 0,00_€ (décidé 30_000,00_€, "
        "versé 30_000,00_€) ; demandé 0,01_€."
    )


# --- HOP'EN derogation [003 §5.1, A2 §2] -------------------------------------------------------


def hopen(publie="1000000.00", taux=D("0.30")):
    return engage(enveloppe(publie, HOPEN, taux), dict.fromkeys(range(1, 4), 300_000))


def test_derogation_limited_to_30_percent_of_the_amorcage_credits_exactly():
    etat = hopen()
    assert etat.plafond_derogation == D(60_000)
    etat = applique(
        etat,
        m(Nature.AMORCAGE_DECIDE, 40_000, 1, derogation=True),
        m(Nature.AMORCAGE_DECIDE, 20_000, 2, derogation=True),
    )
    message = refuse(etat, m(Nature.AMORCAGE_DECIDE, "0.01", 3, derogation=True))
    assert message == fr(
        "L'amorçage versé avant l'atteinte des prérequis est limité à 30_% des crédits "
        "d'amorçage de la région (200_000,00_€), soit 60_000,00_€ : déjà décidé par dérogation "
        "60_000,00_€, demandé 0,01_€, soit 60_000,01_€ (dépassement de 0,01_€)."
    )
    # Amorçage outside the derogation is only bound by the 20 %.
    etat = regles.appliquer(etat, m(Nature.AMORCAGE_DECIDE, 140_000, 3))
    assert etat.compteurs.engage_amorcage == D(200_000)
    assert etat.compteurs.engage_amorcage_derogatoire == D(60_000)


def test_derogation_raised_to_50_percent_by_the_national_level():
    etat = applique(hopen(), m(Nature.AMORCAGE_DECIDE, 60_000, 1, derogation=True))
    etat = regles.changer_taux_derogation(etat, "0.50")
    assert etat.plafond_derogation == D(100_000)
    etat = regles.appliquer(etat, m(Nature.AMORCAGE_DECIDE, 40_000, 2, derogation=True))
    assert fr("soit 100_000,00_€ : déjà décidé par dérogation 100_000,00_€") in refuse(
        etat, m(Nature.AMORCAGE_DECIDE, "0.01", 3, derogation=True)
    )


@pytest.mark.parametrize("taux", ["0.29", "0.51", "1", "-0.3", "NaN"])
def test_derogation_share_stays_between_30_and_50_percent(taux):
    with pytest.raises(MouvementRefuse) as exc:
        regles.changer_taux_derogation(hopen(), taux)
    assert exc.value.message == fr(
        "La part de l'amorçage par dérogation est comprise entre 30_% et 50_% des crédits "
        "d'amorçage de la région."
    )


@pytest.mark.parametrize("taux", ["0.30", "0.4", "0.50"])
def test_derogation_share_bounds_are_included(taux):
    assert regles.changer_taux_derogation(hopen(), taux).taux_derogation == D(taux)


def test_derogation_share_in_hundredths_and_never_under_what_was_decided():
    with pytest.raises(MouvementRefuse, match="centièmes"):
        regles.changer_taux_derogation(hopen(), "0.305")
    etat = regles.changer_taux_derogation(hopen(), "0.50")
    etat = regles.appliquer(etat, m(Nature.AMORCAGE_DECIDE, "60000.01", 1, derogation=True))
    with pytest.raises(MouvementRefuse) as exc:
        regles.changer_taux_derogation(etat, "0.30")
    assert exc.value.message == fr(
        "À 30_%, la limite de l'amorçage par dérogation (60_000,00_€) serait inférieure à "
        "l'amorçage déjà décidé par dérogation (60_000,01_€)."
    )
    assert regles.changer_taux_derogation(etat, "0.31").taux_derogation == D("0.31")


def test_no_derogation_in_a_programme_without_one():
    etat = engage(enveloppe(parametres=HN), {1: 100_000}, date=dt.date(2016, 1, 4))
    assert refuse(
        etat, m(Nature.AMORCAGE_DECIDE, 1_000, date=dt.date(2016, 1, 4), derogation=True)
    ) == ("Ce programme ne prévoit pas d'amorçage versé avant l'atteinte des prérequis.")
    with pytest.raises(MouvementRefuse, match="ne prévoit pas"):
        regles.changer_taux_derogation(etat, "0.40")


def test_a_domaine_amorcage_is_either_derogatory_or_not():
    etat = applique(hopen(), m(Nature.AMORCAGE_DECIDE, 10_000, 1, derogation=True))
    assert refuse(etat, m(Nature.AMORCAGE_DECIDE, 1_000, 1)) == (
        "L'amorçage du domaine D1 a été décidé par dérogation."
    )
    assert "par dérogation" in refuse(etat, m(Nature.AMORCAGE_VERSE, 1_000, 1))
    etat = regles.appliquer(etat, m(Nature.AMORCAGE_VERSE, 10_000, 1, derogation=True))
    assert etat.compteurs.consomme_amorcage == D(10_000)


def test_derogation_only_flags_amorcage_lines():
    assert refuse(hopen(), m(Nature.USAGE_NOTIFIE, 1, derogation=True)) == (
        "Seul l'amorçage peut relever de la dérogation."
    )


@pytest.mark.parametrize(
    ("atteints_le", "aujourd_hui", "exigible"),
    [
        (None, dt.date(2021, 1, 1), False),  # still the deadline day
        (None, dt.date(2021, 1, 2), True),
        (dt.date(2021, 1, 1), dt.date(2022, 6, 1), False),  # "au plus tard le" 01/01/2021
        (dt.date(2021, 1, 2), dt.date(2022, 6, 1), True),
        (dt.date(2020, 5, 1), dt.date(2021, 1, 2), False),
        (dt.date(2021, 1, 2), dt.date(2021, 1, 1), False),
    ],
)
def test_derogatory_amorcage_repayable_when_prerequis_not_met_by_01_01_2021(
    atteints_le, aujourd_hui, exigible
):
    assert (
        regles.remboursement_derogation_exigible(
            echeance=dt.date(2021, 1, 1),
            prerequis_atteints_le=atteints_le,
            aujourd_hui=aujourd_hui,
        )
        is exigible
    )


# --- usage funding = forfait − amorçage [000 A1 §3, A6 §3] -------------------------------------


def test_usage_notified_is_the_forfait_minus_the_domaine_amorcage():
    etat = engage(enveloppe(), {1: 300_000, 2: 200_000})
    etat = applique(etat, m(Nature.AMORCAGE_DECIDE, 45_000, 1))
    assert regles.usage_a_notifier(etat.domaine(1), "D1") == D(255_000)
    assert refuse(etat, m(Nature.USAGE_NOTIFIE, 300_000, 1)) == fr(
        "Le soutien à l'usage du domaine D1 est son forfait moins son amorçage : "
        "255_000,00_€ (forfait engagé 300_000,00_€, amorçage 45_000,00_€) ; demandé "
        "300_000,00_€."
    )
    etat = regles.appliquer(etat, m(Nature.USAGE_NOTIFIE, 255_000, 1))
    # Per domaine: D2 is untouched [000 A1 §3].
    assert etat.domaine(2).usage_notifie == 0
    assert refuse(etat, m(Nature.USAGE_NOTIFIE, 255_000, 1)) == (
        "Le soutien à l'usage du domaine D1 est déjà notifié."
    )
    # Nothing may be carved out of a notified forfait any more.
    assert "ne peut dépasser la part de son forfait" in refuse(
        etat, m(Nature.AMORCAGE_DECIDE, 1, 1)
    )


def test_usage_notification_needs_an_engagement_and_something_left():
    assert refuse(enveloppe(), m(Nature.USAGE_NOTIFIE, 1)) == "Le domaine D1 n'est pas engagé."
    etat = applique(engage(enveloppe(), {1: 100_000}), m(Nature.AMORCAGE_DECIDE, 100_000))
    assert refuse(etat, m(Nature.USAGE_NOTIFIE, 1)) == (
        "Le domaine D1 n'a plus de soutien à l'usage à notifier."
    )


def test_forfait_avance_complement_before_notification_only():
    etat = engage(enveloppe(), {1: 100_000})
    etat = applique(etat, m(Nature.ENGAGEMENT_COMPLEMENTAIRE, 20_000))
    assert etat.domaine(1).engage == D(120_000)
    assert etat.selection == {JOUR.year: D(100_000)}  # a complement is not a selection
    etat = regles.appliquer(etat, m(Nature.USAGE_NOTIFIE, 120_000))
    assert "déjà notifié" in refuse(etat, m(Nature.ENGAGEMENT_COMPLEMENTAIRE, 1))
    assert "n'est pas engagé" in refuse(etat, m(Nature.ENGAGEMENT_COMPLEMENTAIRE, 1, 2))


def test_usage_payments_never_exceed_the_notification():
    etat = applique(
        engage(enveloppe(), {1: 100_000}),
        m(Nature.USAGE_NOTIFIE, 100_000),
        m(Nature.USAGE_VERSE, 99_999),
    )
    assert refuse(etat, m(Nature.USAGE_VERSE, "1.01")) == fr(
        "Le soutien à l'usage notifié et non versé du domaine D1 est de 1,00_€ (notifié "
        "100_000,00_€, versé 99_999,00_€) ; demandé 1,01_€."
    )
    etat = regles.appliquer(etat, m(Nature.USAGE_VERSE, 1))
    assert etat.compteurs.consomme_usage == etat.compteurs.usage_notifie == D(100_000)


# --- closure, repayments, reprise [000 A4 §2, A6 §3; 003 A2 §2, A4] ----------------------------


def test_closure_releases_the_unpaid_and_makes_paid_amorcage_repayable():
    etat = applique(
        engage(enveloppe(), {1: 300_000}),
        m(Nature.AMORCAGE_DECIDE, 60_000),
        m(Nature.AMORCAGE_VERSE, 40_000),
    )
    lignes = regles.cloture(etat.domaine(1), cle=1, date=JOUR, usage_remboursable=False)
    assert [(x.nature, x.montant) for x in lignes] == [
        (Nature.AMORCAGE_ANNULE, D(20_000)),
        (Nature.LIBERATION, D(260_000)),
        (Nature.REMBOURSEMENT_AMORCAGE_DU, D(40_000)),
    ]
    etat = regles.appliquer_tous(etat, lignes)
    s = etat.situation()
    # The paid amorçage stays engaged (and consumed) until it is repaid.
    assert (s.engage, s.engage_amorcage, s.consomme_amorcage, s.remboursement_du) == (
        D(40_000),
        D(40_000),
        D(40_000),
        D(40_000),
    )
    assert s.disponible == D(960_000)
    assert regles.cloture(etat.domaine(1), cle=1, date=JOUR, usage_remboursable=False) == []
    # Nothing can be decided, notified or engaged again on a closed domaine.
    assert "ne peut dépasser la part" in refuse(etat, m(Nature.AMORCAGE_DECIDE, 1))
    assert "n'a plus de soutien" in refuse(etat, m(Nature.USAGE_NOTIFIE, 1))
    assert "déjà engagé" in refuse(etat, m(Nature.ENGAGEMENT, 1))


def test_repayment_received_releases_it_hn_gives_it_back_to_the_region():
    etat = applique(
        engage(enveloppe(), {1: 300_000}),
        m(Nature.AMORCAGE_DECIDE, 40_000),
        m(Nature.AMORCAGE_VERSE, 40_000),
    )
    etat = regles.appliquer_tous(
        etat, regles.cloture(etat.domaine(1), cle=1, date=JOUR, usage_remboursable=False)
    )
    assert "ne peut dépasser le montant dû" in refuse(
        etat, m(Nature.REMBOURSEMENT_AMORCAGE_RECU, "40000.01")
    )
    etat = applique(
        etat,
        m(Nature.REMBOURSEMENT_AMORCAGE_RECU, 15_000),
        m(Nature.REMBOURSEMENT_AMORCAGE_RECU, 25_000),
    )
    s = etat.situation()
    assert (s.engage, s.consomme, s.remboursement_du, s.rembourse) == (0, 0, 0, D(40_000))
    assert s.disponible == s.total == D(1_000_000)


def test_hopen_audit_closure_makes_usage_repayable_and_recovered_amounts_are_taken_back():
    etat = applique(
        hopen(),
        m(Nature.AMORCAGE_DECIDE, 50_000, 1),
        m(Nature.AMORCAGE_VERSE, 50_000, 1),
        m(Nature.USAGE_NOTIFIE, 250_000, 1),
        m(Nature.USAGE_VERSE, 250_000, 1),
    )
    lignes = regles.cloture(etat.domaine(1), cle=1, date=JOUR, usage_remboursable=True)
    assert [(x.nature, x.montant) for x in lignes] == [
        (Nature.REMBOURSEMENT_AMORCAGE_DU, D(50_000)),
        (Nature.REMBOURSEMENT_USAGE_DU, D(250_000)),
    ]
    etat = regles.appliquer_tous(etat, lignes)
    disponible = etat.disponible
    etat = applique(
        etat,
        m(Nature.REMBOURSEMENT_USAGE_RECU, 250_000, 1),
        m(Nature.REPRISE, 250_000, 1),
        m(Nature.REMBOURSEMENT_AMORCAGE_RECU, 50_000, 1),
        m(Nature.REPRISE, 50_000, 1),
    )
    s = etat.situation()
    # "L'enveloppe régionale sera déduite des montants récupérés": the region does not get
    # them back; the amorçage cap stays on the allocated envelope.
    assert (s.total, s.allouee, s.disponible) == (D(700_000), D(1_000_000), disponible)
    assert s.plafond_amorcage == D(200_000)
    assert refuse(etat, m(Nature.REPRISE, "0.01", 1)) == fr(
        "Seuls les montants remboursés et non encore repris peuvent être repris sur "
        "l'enveloppe : 0,00_€ pour le domaine D1."
    )


def test_repayments_due_never_exceed_what_was_paid():
    etat = applique(
        engage(enveloppe(), {1: 100_000}),
        m(Nature.USAGE_NOTIFIE, 100_000),
        m(Nature.USAGE_VERSE, 30_000),
    )
    assert refuse(etat, m(Nature.REMBOURSEMENT_USAGE_DU, "30000.01")) == fr(
        "Le remboursement de soutien à l'usage exigible du domaine D1 est au plus "
        "30_000,00_€ (versé 30_000,00_€, déjà dû 0,00_€) ; demandé 30_000,01_€."
    )
    assert "d'amorçage exigible" in refuse(etat, m(Nature.REMBOURSEMENT_AMORCAGE_DU, 1))


def test_release_only_of_the_free_engagement():
    etat = applique(engage(enveloppe(), {1: 100_000}), m(Nature.AMORCAGE_DECIDE, 30_000))
    assert refuse(etat, m(Nature.LIBERATION, "70000.01")) == fr(
        "Le domaine D1 n'a que 70_000,00_€ d'engagement libérable (engagé 100_000,00_€, dont "
        "amorçage 30_000,00_€ et usage notifié 0,00_€)."
    )


# --- national redeployment ----------------------------------------------------------------------


def test_redeployment_out_within_the_available_amount_and_the_amorcage_cap():
    etat = applique(
        engage(enveloppe(), {1: 500_000}),
        m(Nature.AMORCAGE_DECIDE, 150_000),
    )
    assert refuse(etat, m(Nature.REDEPLOIEMENT_SORTANT, "500000.01", None)).startswith(
        fr("Le redéploiement ne peut dépasser le disponible de l'enveloppe, soit 500_000,00_€")
    )
    # 250 000 out: the cap becomes 150 000, exactly the amorçage decided.
    apres = regles.appliquer(etat, m(Nature.REDEPLOIEMENT_SORTANT, 250_000, None))
    assert (apres.allouee, apres.plafond_amorcage) == (D(750_000), D(150_000))
    assert refuse(etat, m(Nature.REDEPLOIEMENT_SORTANT, "250000.01", None)) == fr(
        "Après ce redéploiement, le plafond d'amorçage (149_999,99_€) serait inférieur à "
        "l'amorçage déjà décidé (150_000,00_€)."
    )


def test_redeployment_in_raises_the_envelope_and_its_cap():
    etat = regles.appliquer(enveloppe(), m(Nature.REDEPLOIEMENT_ENTRANT, 100_000, None))
    s = etat.situation()
    assert (s.publie, s.redeploye, s.allouee, s.total, s.plafond_amorcage) == (
        D(1_000_000),
        D(100_000),
        D(1_100_000),
        D(1_100_000),
        D(220_000),
    )


def test_redeployment_out_keeps_the_derogation_limit():
    etat = applique(hopen(), m(Nature.AMORCAGE_DECIDE, 60_000, 1, derogation=True))
    assert "limite de l'amorçage par dérogation" in refuse(
        etat, m(Nature.REDEPLOIEMENT_SORTANT, 1, None)
    )


# --- structure of the lines --------------------------------------------------------------------


def test_lines_of_a_domaine_and_lines_of_the_envelope():
    assert refuse(enveloppe(), m(Nature.ENGAGEMENT, 1, None)) == (
        "Ce mouvement doit désigner le domaine d'un dossier."
    )
    assert refuse(enveloppe(), m(Nature.REDEPLOIEMENT_ENTRANT, 1)) == (
        "Un redéploiement concerne l'enveloppe, pas un dossier."
    )
    assert refuse(enveloppe(), m("cadeau", 1)) == "Nature de mouvement inconnue : cadeau."


def test_appliquer_returns_a_new_state_and_leaves_the_old_one():
    avant = engage(enveloppe(), {1: 100_000})
    apres = regles.appliquer(avant, m(Nature.AMORCAGE_DECIDE, 10_000))
    assert avant.domaine(1).engage_amorcage == 0
    assert avant.compteurs.engage_amorcage == 0
    assert apres.domaine(1).engage_amorcage == D(10_000)


# --- breakdowns ---------------------------------------------------------------------------------


def test_breakdowns_by_etablissement_statut_activite():
    def ligne(nature, montant, domaine, etab, statut, activites):
        return Mouvement(
            nature,
            D(montant),
            JOUR,
            domaine=domaine,
            dossier=domaine,
            etablissement=etab,
            statut=statut,
            activites=activites,
        )

    lignes = [
        ligne(Nature.ENGAGEMENT, 100_000, 1, "A", "public", ("mco", "ssr")),
        ligne(Nature.ENGAGEMENT, 50_000, 2, "A", "public", ("mco", "ssr")),
        ligne(Nature.ENGAGEMENT, 70_000, 3, "B", "prive_lucratif", ("psy",)),
        ligne(Nature.AMORCAGE_DECIDE, 20_000, 3, "B", "prive_lucratif", ("psy",)),
        Mouvement(Nature.REDEPLOIEMENT_ENTRANT, D(5), JOUR),
    ]
    total = regles.releve(lignes)
    assert regles.par_etablissement(lignes)["A"].engage == D(150_000)
    statuts = regles.par_statut(lignes)
    assert {k: v.engage for k, v in statuts.items()} == {
        "public": D(150_000),
        "prive_lucratif": D(70_000),
    }
    assert sum((v for v in statuts.values()), Compteurs()).engage == total.engage
    activites = regles.par_activite(lignes)
    assert {k: v.engage for k, v in activites.items()} == {
        "mco": D(150_000),
        "ssr": D(150_000),
        "psy": D(70_000),
    }
    assert activites["psy"].engage_amorcage == D(20_000)
    assert set(regles.par_domaine(lignes)) == {1, 2, 3}
    assert total.redeploye == D(5)


# --- balance of the selection (warning) [000 A2 §3] --------------------------------------------


def profils(n, statut="public", activites=("mco",)):
    return [Profil(statut, activites)] * n


def test_balance_gap_of_exactly_15_points_does_not_warn():
    region = profils(45) + profils(55, "prive_lucratif")
    selection = profils(6) + profils(4, "prive_lucratif")  # 60 % vs 45 %
    assert regles.ecarts_equilibre(selection, region) == []


def test_balance_gap_above_15_points_warns_without_blocking():
    region = profils(44) + profils(56, "prive_lucratif")
    selection = profils(6) + profils(4, "prive_lucratif")  # 60 % vs 44 %
    ecarts = regles.ecarts_equilibre(selection, region)
    assert [(e.axe, e.valeur) for e in ecarts] == [
        ("statut", "prive_lucratif"),
        ("statut", "public"),
    ]
    assert ecarts[1].message == fr(
        "60_% des établissements retenus sont de statut « Public », contre 44_% des "
        "établissements de la région : la sélection s'écarte de l'équilibre préconisé entre "
        "statuts et activités."
    )
    assert ecarts[1].points == 16


def test_balance_by_activite():
    region = profils(10, activites=("mco",)) + profils(10, activites=("psy",))
    selection = profils(5, activites=("mco", "ssr"))
    ecarts = {(e.axe, e.valeur) for e in regles.ecarts_equilibre(selection, region)}
    assert ecarts == {("activite", "mco"), ("activite", "ssr"), ("activite", "psy")}
    [ssr] = [e for e in regles.ecarts_equilibre(selection, region) if e.valeur == "ssr"]
    assert "exercent une activité SSR" in ssr.message


def test_balance_needs_five_retained_etablissements():
    region = profils(10, "public") + profils(10, "clcc")
    assert regles.ecarts_equilibre(profils(4, "clcc"), region) == []
    assert regles.ecarts_equilibre(profils(5, "clcc"), region)
    assert regles.ecarts_equilibre(profils(5, "clcc"), []) == []
