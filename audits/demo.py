"""Demo audits (``python manage.py demo``): last year drawn in région 84 for both programmes,
with audits in every state, through the same actions as the application (``audits.actions``).

Last year's population is made of dossiers accepted last year, created for it by
``dossiers.demo.charger_dossiers_acceptes`` on établissements of région 84 that have no dossier
of the programme (never ES A, B or C, never the plan's dossiers: those are accepted this year,
outside the population). The draw happens today (last year's draw, done this year), with a
recorded seed. Five audits, in draw order:

- HN: one ``a_planifier``; one ``en_cours`` where ``ars_auditeur`` has filled half the grid;
  one ``termine`` conforme;
- HOP'EN: one in the contradictory phase (non conforme, the ES's answer awaited); one closed
  for false declaration (the ES answered, the CMSI decided ``cloturer``: the dossier closed,
  its paid amorçage due back in the ledger).

Called by the orchestrator (``hn.demo``); idempotent: nothing is done for a programme already
drawn in région 84. A smaller demo (tests: 40 établissements) leaves no free établissement in
région 84: nothing is drawn then, so that a test may draw last year itself."""

import datetime as dt

from audits import actions
from audits.grille import indicateurs_audites
from audits.models import Tirage
from dossiers import demo as dossiers_demo
from dossiers.models import DemandeInitialisation, Dossier
from hn.comptes.demo import gestionnaire_demo
from hn.comptes.models import User
from hn.dates import aujourd_hui
from hn.referentiel.demo import ES_FIXES

REGION = "84"
# Population sizes: ⌈10 %⌉ gives three HN audits and two HOP'EN ones.
POPULATIONS = {"HN": 21, "HOPEN": 11}
GRAINES = {"HN": 20130604, "HOPEN": 20190211}  # recorded, so anyone can recheck the sample
# The states given to the drawn audits, in draw order.
ETATS = {
    "HN": ("a_planifier", "en_cours", "conforme"),
    "HOPEN": ("contradictoire", "cloture"),
}
AUDITEUR = "ars_auditeur"


def charger_audits(par_region_actuelle, rng, *, suites) -> int:
    """Last year's draws of région 84 with their audits; returns how many audits were made.
    ``suites`` are the dossiers' (``dossiers.demo.Suites``: the amorçage decided and paid)."""
    annee = aujourd_hui().year - 1
    valideur = User.objects.get(username="ars_valideur")
    fixes = {finess for finess, *_ in ES_FIXES}
    cree = 0
    for code, taille in POPULATIONS.items():
        if Tirage.objects.filter(programme__code=code, region__code=REGION).exists():
            continue
        libres = [
            e for e in par_region_actuelle[REGION] if e.finess not in fixes and not _occupe(e, code)
        ]
        if not libres:
            continue  # a smaller demo (tests) has no établissement left: nothing to draw
        dossiers_demo.charger_dossiers_acceptes(
            libres[:taille],
            code,
            valideur=valideur,
            decide_le=dt.date(annee, 11, 28),
            rng=rng,
            suites=dossiers_demo.Suites(amorcage=suites.amorcage, versements=suites.versements),
        )
        tirage = actions.tirer(
            programme=code,
            region=REGION,
            annee=annee,
            graine=GRAINES[code],
            acting_user=valideur,
        )
        audits = list(tirage.audits.order_by("rang"))
        for audit, etat in zip(audits, ETATS[code], strict=False):
            _amener(audit, etat, valideur)
        cree += len(audits)
    return cree


def _occupe(etab, code) -> bool:
    """The établissement already has a dossier of the programme or a pending request."""
    return (
        Dossier.objects.filter(etablissement=etab, programme__code=code).exists()
        or DemandeInitialisation.objects.filter(etablissement=etab).exists()
    )


def _amener(audit, etat, valideur):
    """One drawn audit brought to its demo state by the CMSI, the auditor and the ES."""
    if etat == "a_planifier":
        return
    actions.designer(audit=audit, username=AUDITEUR, acting_user=valideur)
    auditeur = User.objects.get(username=AUDITEUR)
    indicateurs = indicateurs_audites(audit.dossier)
    if etat == "en_cours":  # work in progress: half the grid filled
        indicateurs = indicateurs[: max(1, len(indicateurs) // 2)]
    non_conforme = etat in ("contradictoire", "cloture")
    lignes = [
        {
            "code": i.code,
            "resultat": "non_conforme" if non_conforme and n == 0 else "conforme",
            "preuves_verifiees": True,
            "observations": "Valeur déclarée non retrouvée dans le système d'information."
            if non_conforme and n == 0
            else "Constaté sur place.",
        }
        for n, i in enumerate(indicateurs)
    ]
    actions.enregistrer_grille(audit=audit, lignes=lignes, acting_user=auditeur)
    if etat == "en_cours":
        return
    actions.terminer(
        audit=audit,
        conclusion="non_conforme" if non_conforme else "conforme",
        observations="Le prérequis déclaré atteint ne l'est pas dans les faits."
        if non_conforme
        else "Les indicateurs déclarés sont conformes à ce qui a été constaté sur place.",
        acting_user=auditeur,
    )
    if etat != "cloture":
        return
    actions.repondre(
        audit=audit,
        reponse="Le déploiement a pris du retard ; l'indicateur a été déclaré sur la base du "
        "calendrier prévu.",
        acting_user=gestionnaire_demo(audit.dossier.etablissement),
    )
    actions.decider(
        audit=audit,
        decision="cloturer",
        commentaire="La réponse confirme une déclaration erronée d'un prérequis.",
        acting_user=valideur,
    )
