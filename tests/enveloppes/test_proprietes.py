"""Invariants of the envelope ledger over random sequences of money events (hypothesis).

Each event becomes ledger lines the way ``enveloppes.actions`` builds them; the rules accept
or refuse them. Whatever the sequence: engaged ≥ consumed ≥ 0, amorçage ≤ 20 % of the
envelope, derogatory amorçage ≤ its share, available = total − engaged ≥ 0, the figures by
statut and by domaine add up to the envelope's, and the state built line by line equals the one
recomputed from the whole ledger."""

import datetime as dt
from dataclasses import fields
from decimal import Decimal as D

from hypothesis import given

from enveloppes import regles
from enveloppes.regles import Compteurs, EtatEnveloppe, Mouvement, ParametresEnveloppe
from tests.enveloppes.scenarios import HN, HOPEN, evenements, jouer


def somme(compteurs) -> Compteurs:
    return sum(compteurs, Compteurs())


def verifier_invariants(etat: EtatEnveloppe, journal: list[Mouvement]) -> None:
    c = etat.compteurs
    s = etat.situation()
    zero = D(0)
    # engaged ≥ consumed ≥ 0, each part ≥ 0
    assert c.engage >= c.consomme >= zero
    assert c.consomme_amorcage >= zero and c.consomme_usage >= zero
    assert s.engage_usage >= zero and c.engage_amorcage >= zero
    # amorçage ≤ 20 % of the envelope; derogatory amorçage within its share
    assert c.engage_amorcage <= etat.parametres.part_amorcage * etat.allouee
    assert s.amorcage_disponible >= zero
    if etat.taux_derogation is not None:
        assert c.engage_amorcage_derogatoire <= etat.plafond_derogation
    # available = total − engaged, never negative
    assert s.disponible == s.total - s.engage >= zero
    assert s.total == s.publie + s.redeploye - s.repris
    # each domaine
    for d in etat.domaines.values():
        assert d.engage >= d.engage_amorcage + d.usage_notifie
        assert d.engage_amorcage >= d.consomme_amorcage >= zero
        assert d.usage_notifie >= d.consomme_usage >= zero
        assert d.consomme_amorcage >= d.du_amorcage >= zero
        assert d.consomme_usage >= d.du_usage >= zero
        assert d.rembourse >= d.repris >= zero
        assert d.engage_amorcage >= d.engage_amorcage_derogatoire >= zero
    # the breakdowns add up: by domaine (all but the redeployments), by statut
    redeploiements = Compteurs(redeploye=c.redeploye)
    assert somme(etat.domaines.values()) + redeploiements == c
    statuts = regles.par_statut(journal)
    assert somme(statuts.values()) + redeploiements == c
    assert sum((v.engage for v in statuts.values()), zero) == c.engage
    etablissements = regles.par_etablissement(journal)
    assert sum((v.consomme for v in etablissements.values()), zero) == c.consomme
    # the state kept line by line is the one recomputed from the whole ledger
    recalcul = regles.etat(
        journal,
        publie=etat.publie,
        parametres=etat.parametres,
        taux_derogation=etat.taux_derogation,
    )
    assert recalcul == etat


@given(sequence=evenements(redeploiements=True, derogation=True))
def test_invariants_hopen_with_derogation_reprise_and_redeployments(sequence):
    etat = EtatEnveloppe(publie=D("1000000.00"), parametres=HOPEN, taux_derogation=D("0.30"))
    jouer(etat, sequence, verifier=verifier_invariants)


@given(sequence=evenements(redeploiements=False, derogation=False))
def test_invariants_hn_with_yearly_caps(sequence):
    etat, journal, _ = jouer(
        EtatEnveloppe(publie=D("1845000.00"), parametres=HN),
        sequence,
        verifier=verifier_invariants,
    )
    # the yearly selections never exceeded their caps (no redeployment in this profile)
    for annee, total in regles.selection_par_annee(journal).items():
        plafond = etat.plafond_annuel(annee)
        assert plafond is None or total <= plafond
    assert not any(m.derogation for m in journal)


def test_the_generator_reaches_the_caps():
    """The profiles above are not vacuous: a plain sequence reaches each refusal."""
    jour = dt.date(2013, 5, 2)
    sequence = [
        (("engager", 0, ("montant", D("400000"))), jour),
        (("engager", 0, ("montant", D("400000"))), jour),  # 2013 cap (40 % of 1 000 000)
        (("amorcage", 0, ("montant", D("200000")), True), jour),  # derogation (60 000)
        (("amorcage", 0, ("montant", D("200000")), False), jour),
        (("amorcage", 0, ("montant", D("0.01")), False), jour),  # 20 %
        (("verser_amorcage", 0, ("part", D("1"))), jour),
        (("cloturer", 0, False), jour),
        (("rembourser", 0, "amorcage", ("part", D("0.5"))), jour),
        (("redeployer", False, ("part", D("1"))), jour),  # the amorçage cap would fall
        (("redeployer", False, ("montant", D("100000"))), jour),
    ]
    parametres = ParametresEnveloppe(
        plafonds_annuels=HN.plafonds_annuels,
        derogation_taux=HOPEN.derogation_taux,
        derogation_taux_max=HOPEN.derogation_taux_max,
    )
    etat = EtatEnveloppe(publie=D(1_000_000), parametres=parametres, taux_derogation=D("0.30"))
    etat, _, refus = jouer(etat, sequence, verifier=verifier_invariants)
    assert refus == 4
    s = etat.situation()
    assert (s.engage, s.consomme_amorcage, s.remboursement_du, s.rembourse) == (
        D(100_000),
        D(100_000),
        D(100_000),
        D(100_000),
    )
    assert s.disponible == s.total - s.engage == D(800_000)
    assert [f.name for f in fields(Compteurs)] == list(regles.COMPTEURS)
