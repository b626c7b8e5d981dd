"""Shared helpers of the follow-up tests: dossiers accepted at a given Paris date through the
real actions, complete reports, and readers of the ledger, the trace and the notifications."""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal as D

import time_machine

from dossiers.models import DomaineDossier, Dossier
from enveloppes.models import MouvementEnveloppe, enveloppe_de
from hn.comptes.enums import Role
from hn.comptes.models import Attribution
from hn.dates import PARIS
from hn.journal.models import Evenement
from hn.notifications.models import Notification
from hn.referentiel.models import Region
from indicateurs import suivi
from tests import dossiers_factories as d
from tests import factories as f

# HOP'EN forfaits at 10 000 journées MCO (category B) [003 A3]; the same figures as
# tests/enveloppes/test_actions.py.
D1_STANDARD, D1_AVANCE = D(190_323), D(228_387)
D2, D3 = D(269_355), D(219_355)
D6_STANDARD, D6_AVANCE = D(84_677), D(101_613)
# HN forfaits at 10 000 journées MCO (category B) [000 A3].
HN_D2, HN_D4 = D(279_032), D(99_194)

MAYOTTE = "06"  # HOP'EN envelope 718 000 €, amorçage cap 143 600 € [003 A2]


def nbsp(texte: str) -> str:
    """The ledger's messages use no-break spaces; write them as ``_`` in expectations."""
    return texte.replace("_", "\u00a0")


def paris(*args) -> dt.datetime:
    if len(args) == 3:
        args = (*args, 10)
    return dt.datetime(*args, tzinfo=PARIS)


@contextmanager
def le(*args):
    """Travel to a Paris date (10:00 unless an hour is given)."""
    with time_machine.travel(paris(*args), tick=False):
        yield


def etablissement(region="84", **kw):
    return f.EtablissementFactory(region=f.region(region), **kw)


def etablissement_hn(code_actuel="84", code_ancien="83", **kw):
    return f.EtablissementFactory(
        region=f.region(code_actuel),
        region_historique=Region.objects.get(code=code_ancien, decoupage="avant_2016"),
        **kw,
    )


def accepte_le(jour, etab=None, *, selectionnes=("D2", "D3"), domaines=None, **kw) -> Dossier:
    """A dossier accepted on ``jour`` (Paris) by the real actions; HOP'EN unless ``code``."""
    with le(*jour):
        return d.accepte(
            etab or etablissement(),
            selectionnes=selectionnes,
            domaines=domaines or selectionnes,
            **kw,
        )


def recharger(dossier) -> Dossier:
    return Dossier.objects.select_related("programme", "etablissement__region").get(pk=dossier.pk)


def gestionnaire_de(dossier):
    return Attribution.objects.get(
        etablissement=dossier.etablissement, role=Role.ES_GESTIONNAIRE
    ).user


def suivis(dossier) -> dict[str, str]:
    """The follow-up state of each domaine of the dossier that entered the follow-up."""
    return {
        code: etat
        for code, etat in DomaineDossier.objects.filter(dossier=dossier)
        .order_by("domaine__ordre")
        .values_list("domaine__code", "suivi")
        if etat
    }


def domaine(dossier, code) -> DomaineDossier:
    return DomaineDossier.objects.select_related("domaine").get(dossier=dossier, domaine__code=code)


def valeurs(dossier, defaut=100, **par_code) -> dict:
    """A value for every indicator of the programme (``defaut``), some overridden:
    ``valeurs(dossier, D2_2=50)`` (dots written as underscores)."""
    par_code = {k.replace("_", "."): v for k, v in par_code.items()}
    result = {}
    for i in dossier.programme.indicateurs.all():
        valeur = par_code.get(i.code, defaut)
        result[i.code] = valeur if isinstance(valeur, dict) else {"valeur": valeur}
    return result


def donnees(dossier, *, valeurs_=None, avancements=None, **kw) -> dict:
    """A complete, valid report body: every indicator at target unless told otherwise."""
    codes = [
        dd.domaine.code
        for dd in dossier.domaines.select_related("domaine").order_by("domaine__ordre")
        if dd.suivi
    ]
    data = {
        "budget_engage": "125000.50",
        "etp_engages": "2.5",
        "commentaire": "Déploiement en cours.",
        "valeurs": valeurs_ if valeurs_ is not None else valeurs(dossier),
        "avancements": {c: {"avancement": "deploiement"} for c in codes},
    }
    if avancements:
        for code, valeur in avancements.items():
            data["avancements"][code] = {"avancement": "deploiement", **valeur}
    data.update(kw)
    return data


def rapport(dossier, jour=None, *, user=None, **kw):
    """A report filed by the établissement's gestionnaire (on ``jour`` when given)."""
    user = user or gestionnaire_de(dossier)
    data = donnees(dossier, **kw)
    if jour is None:
        return suivi.deposer_rapport(dossier=dossier, data=data, acting_user=user)
    with le(*jour):
        return suivi.deposer_rapport(dossier=dossier, data=data, acting_user=user)


def lignes(dossier) -> list[tuple]:
    """The dossier's ledger lines: (nature, domaine, montant, dérogation)."""
    return [
        (m.nature, m.domaine.domaine.code, m.montant, m.derogation)
        for m in MouvementEnveloppe.objects.filter(dossier=dossier)
        .select_related("domaine__domaine")
        .order_by("pk")
    ]


def par_domaine(dossier) -> dict:
    """The ledger figures of each domaine of the dossier, by domaine code."""
    codes = dict(DomaineDossier.objects.filter(dossier=dossier).values_list("pk", "domaine__code"))
    return {
        codes[pk]: c
        for pk, c in MouvementEnveloppe.objects.filter(dossier=dossier).par_domaine().items()
    }


def situation(dossier):
    return enveloppe_de(recharger(dossier)).situation()


def compte() -> tuple[int, ...]:
    """Rows that a refused operation must not write."""
    from indicateurs.models import AvancementSuivi, RapportSuivi, ValeurSuivi

    return (
        MouvementEnveloppe.objects.count(),
        Evenement.objects.count(),
        Notification.objects.count(),
        RapportSuivi.objects.count(),
        ValeurSuivi.objects.count(),
        AvancementSuivi.objects.count(),
    )


def traces(dossier, action) -> list[Evenement]:
    return list(Evenement.objects.filter(objet_id=str(dossier.pk), action=action).order_by("pk"))


def destinataires(evenement) -> set[str]:
    return set(
        Notification.objects.filter(cle=f"evenement:{evenement.pk}").values_list(
            "destinataire__username", flat=True
        )
    )


def notifications(cle_prefixe: str) -> list[Notification]:
    return list(
        Notification.objects.filter(cle__startswith=cle_prefixe)
        .select_related("destinataire")
        .order_by("cle", "destinataire__username")
    )
