"""Envelope data for the page, synthesis and API tests: accepted dossiers with money movements,
built through the real workflow (dossier actions, then the envelope actions), at fixed dates."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import time_machine

from dossiers.enums import SuiviDomaine
from dossiers.models import DomaineDossier
from enveloppes import actions, regles
from enveloppes.enums import Nature
from enveloppes.models import Enveloppe, MouvementEnveloppe
from hn.referentiel.enums import Decoupage, Statut
from hn.referentiel.models import Region
from tests import dossiers_factories as d
from tests import factories as f

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"


def a_midi(jour: dt.date):
    """Travel to noon, Paris time, on ``jour`` (the workflow dates its lines 'today')."""
    return time_machine.travel(dt.datetime.combine(jour, dt.time(12), tzinfo=PARIS), tick=False)


def etablissement(region="84", *, historique=None, statut=Statut.PUBLIC, **kw):
    if historique is not None:
        kw["region_historique"] = Region.objects.get(code=historique, decoupage=Decoupage.ANCIEN)
    return f.EtablissementFactory(region=f.region(region), statut=statut, **kw)


def retenu(etab, *, code="HOPEN", selectionnes=("D2",), domaines=None, le=dt.date(2020, 3, 2)):
    """An accepted dossier whose selected domaines are engaged on the envelope on ``le``
    (the acceptance engages them once the workflow is wired to the ledger; otherwise the
    CMSI's engagement is called here, as the acceptance would)."""
    with a_midi(le):
        f.ActiviteEtablissementFactory(etablissement=etab, programme=d.programme(code))
        dossier = d.accepte(
            etab, selectionnes=selectionnes, domaines=domaines or selectionnes, code=code
        )
        if not MouvementEnveloppe.objects.filter(
            dossier=dossier, nature=Nature.ENGAGEMENT
        ).exists():
            actions.engager(dossier=dossier, acting_user=d.valideur_de(dossier), le=le)
    return dossier


def enveloppe(programme="HOPEN", region="84") -> Enveloppe:
    return Enveloppe.objects.select_related("programme", "region__region_actuelle").get(
        programme__code=programme, region__code=region, region__decoupage=F_DECOUPAGE[programme]
    )


F_DECOUPAGE = {"HN": Decoupage.ANCIEN, "HOPEN": Decoupage.ACTUEL}


def recalcul(env: Enveloppe, au: dt.date | None = None) -> regles.Situation:
    """The envelope's amounts recomputed with the pure rules from its ledger lines."""
    lignes = [m for m in env_mouvements(env) if au is None or m.date <= au]
    return regles.situation(
        env.montant_publie,
        regles.releve(lignes),
        regles.ParametresEnveloppe(part_amorcage=env.programme.part_amorcage),
    )


def env_mouvements(env: Enveloppe) -> list[regles.Mouvement]:
    return MouvementEnveloppe.objects.filter(enveloppe=env).en_mouvements()


def euros_fr(montant) -> str:
    return regles.euros(D(montant))


def scenario_hopen_84():
    """Région 84, HOP'EN, over three years (amounts with cents on purpose):

    - 2020: ES A (public, MCO) accepted with D2 and D3; amorçage D2 50 000,50 € decided and paid.
    - 2021: ES B (privé lucratif, SSR + PSY) accepted with D2; amorçage 30 000 € decided, paid;
      ES A's D2 usage notified, 12 345,67 € of it paid; ES B's D2 closed (its amorçage due back).
    - 2022: ES B repays 10 000,01 € of its amorçage (taken back from the envelope, HOP'EN).
    """
    a = etablissement(statut=Statut.PUBLIC, raison_sociale="CH Alpha", mco=True)
    b = etablissement(
        statut=Statut.PRIVE_LUCRATIF, raison_sociale="Clinique Bêta", mco=False, ssr=True, psy=True
    )
    dossier_a = retenu(a, selectionnes=("D2", "D3"), le=dt.date(2020, 3, 2))
    valideur = d.valideur_de(dossier_a)
    actions.decider_amorcage(
        dossier=dossier_a, montants={"D2": "50000.50"}, acting_user=valideur, le=dt.date(2020, 4, 1)
    )
    actions.verser(
        dossier=dossier_a,
        domaine="D2",
        volet="amorcage",
        acting_user=valideur,
        le=dt.date(2020, 5, 4),
    )
    dossier_b = retenu(b, selectionnes=("D2",), le=dt.date(2021, 2, 1))
    actions.decider_amorcage(
        dossier=dossier_b, montants={"D2": 30_000}, acting_user=valideur, le=dt.date(2021, 2, 1)
    )
    actions.verser(
        dossier=dossier_b,
        domaine="D2",
        volet="amorcage",
        acting_user=valideur,
        le=dt.date(2021, 3, 1),
    )
    actions.notifier_usage(
        dossier=dossier_a, domaine="D2", acting_user=valideur, le=dt.date(2021, 6, 1)
    )
    # As indicateurs.suivi notifies the funding: the follow-up state changes with the ledger.
    DomaineDossier.objects.filter(dossier=dossier_a, domaine__code="D2").update(
        suivi=SuiviDomaine.FINANCE
    )
    actions.verser(
        dossier=dossier_a,
        domaine="D2",
        volet="usage",
        montant="12345.67",
        acting_user=valideur,
        le=dt.date(2021, 7, 1),
    )
    actions.liberer(
        dossier=dossier_b,
        motif="Cibles impossibles à atteindre avant la fin du programme.",
        acting_user=valideur,
        le=dt.date(2021, 9, 1),
    )
    # As indicateurs.suivi closes a domaine: the follow-up state changes with the release.
    DomaineDossier.objects.filter(dossier=dossier_b).update(suivi=SuiviDomaine.CLOS)
    actions.constater_remboursement(
        dossier=dossier_b,
        domaine="D2",
        volet="amorcage",
        montant="10000.01",
        acting_user=valideur,
        le=dt.date(2022, 1, 10),
    )
    return {"a": a, "b": b, "dossier_a": dossier_a, "dossier_b": dossier_b, "valideur": valideur}


# The sheets of the annual synthesis XLSX, in order.
FEUILLES = [
    "Synthèse",
    "Par établissement",
    "Par statut",
    "Par activité",
    "Retenus",
    "Commentaires CMSI",
    "Mouvements de l'année",
]
