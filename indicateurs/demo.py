"""Demo follow-up (``python manage.py demo``): on the first accepted HOP'EN dossier of région 84
(domaines D1, D2, D6) a semester report puts D2 at target and the ARS funds it (D1 and D6 still
below). Called by the orchestrator (``hn.demo``) after the acceptance and its payments."""

from dossiers.enums import SuiviDomaine
from enveloppes.demo import verser
from enveloppes.enums import Volet
from hn.dates import aujourd_hui
from indicateurs import suivi


def suivre(dossier, valideur, gestionnaire):
    """The report, the funding notified and the usage paid, on the one dossier that fits."""
    codes = [dd.domaine.code for dd in dossier.domaines.select_related("domaine") if dd.suivi]
    if dossier.programme.code != "HOPEN" or codes != ["D1", "D2", "D6"]:
        return
    suivi.deposer_rapport(
        dossier=dossier,
        data={
            "arrete_le": aujourd_hui(),
            "budget_engage": "185000",
            "etp_engages": "2.5",
            "commentaire": "Déploiement du DPI terminé dans tous les services.",
            "valeurs": _valeurs_demo(dossier, atteints={"D2"}),
            "avancements": {
                "D1": {"avancement": "deploiement"},
                "D2": {"avancement": "deploiement"},
                "D6": {"avancement": "etude"},
            },
        },
        acting_user=gestionnaire,
    )
    if dossier.domaines.get(domaine__code="D2").suivi == SuiviDomaine.CIBLES_ATTEINTES:
        suivi.notifier_financement(dossier=dossier, domaine="D2", acting_user=valideur)
        verser(dossier, "D2", Volet.USAGE, valideur)


def _valeurs_demo(dossier, *, atteints: set[str]) -> dict:
    """Report values: prérequis and the domaines in ``atteints`` at target, others below."""
    ouverts = [dd for dd in dossier.domaines.select_related("domaine") if dd.suivi]
    valeurs = {}
    for i in suivi.indicateurs_requis(dossier, ouverts):
        a_la_cible = i.prerequis_id is not None or i.domaine.code in atteints
        if i.type == "existence":
            valeur = 100 if a_la_cible else 0
        else:
            valeur = (i.cible or 100) if a_la_cible else 10
        valeurs[i.code] = {"valeur": valeur, "non_applicable": False}
    return valeurs
