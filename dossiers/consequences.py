"""What an irreversible act on a dossier will do, told before it is done (issue 19): the
amounts it engages, the deadlines it starts, who is notified, and that it cannot be undone.

One function per act (dépôt, acceptance, refusal, closure). Each first checks what the action
itself would refuse for the input typed (state, missing fields, motif, amounts) and raises the
same exception, so a form in error is told at its fields *before* the confirmation; then it
returns the :class:`Consequences` that the confirmation (the DSFR modal, or the full page
without JavaScript) shows. Nothing is written here.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from dossiers import actions
from dossiers.analyse import blocage_depot
from dossiers.contenu import manquants
from dossiers.contextes import forfaits_du_dossier
from dossiers.enums import (
    SUIVI_OUVERT,
    DecisionDomaine,
    MotifCloture,
    MotifRefus,
    SuiviDomaine,
)
from dossiers.notifications import ARS, ARS_VALIDEURS, AVIS, ES, NATIONAL
from hn.dates import ajouter_mois, aujourd_hui, echeance_decision, recandidature_possible_le
from hn.saisie import nombre_ou_erreur

# The programme's calendar entry by which the selected domaines must reach their targets
# (the follow-up closes those that do not: indicateurs.echeances.FIN_DU_PROGRAMME).
ATTEINTE_CIBLES = "atteinte_cibles"
NON_NOMBRE = "Le montant doit être un nombre."
MONTANT = {
    "invalide": NON_NOMBRE,
    "non_fini": NON_NOMBRE,
    "minimum": "Le montant doit être strictement positif.",
}


@dataclass(frozen=True)
class Consequences:
    titre: str  # the question asked ("Accepter le dossier … ?")
    bouton: str  # the confirming button's label
    points: list[str] = field(default_factory=list)  # what will happen, in order
    notifies: list[str] = field(default_factory=list)  # who is told, in French
    irreversible: str = ""


def euros(montant) -> str:
    """``1 234 567 €`` to the euro, ``1 234,50 €`` with cents (no-break spaces)."""
    valeur = Decimal(montant).quantize(Decimal("0.01"))
    entier, _, centimes = f"{abs(valeur):.2f}".partition(".")
    texte = f"{int(entier):,}".replace(",", "\u00a0")
    if centimes != "00":
        texte += f",{centimes}"
    return f"{'-' if valeur < 0 else ''}{texte}\u00a0€"


def _date(jour) -> str:
    return f"{jour:%d/%m/%Y}"


def notifies(action: str, dossier) -> list[str]:
    """Who is told of ``action`` (a trace action of ``dossiers.notifications.AVIS``), in
    French: read from the notification table itself, so the text never drifts from it."""
    region = dossier.etablissement.region.nom
    publics = {
        ES: f"l'établissement {dossier.etablissement.raison_sociale} (ses comptes)",
        ARS_VALIDEURS: f"le valideur (CMSI) de l'ARS {region}",
        ARS: f"l'ARS {region} (valideurs et lecteurs)",
        NATIONAL: "le niveau national (DGOS)",
    }
    return [publics[p] for p in AVIS[action].publics]


def depot(dossier, *, controles=()) -> Consequences:
    """The ES's dépôt: no more edits, the ARS's 4-month decision deadline starts."""
    actions.verifier_etat(dossier, dossier.deposer, "de déposer")
    if manque := manquants(dossier):
        raise actions.DepotIncomplet(manque)
    if bloque := blocage_depot(dossier):
        raise actions.TransitionRefusee(bloque, dossier.etat)
    echeance = echeance_decision(aujourd_hui())
    points = [
        "Le dossier ne sera plus modifiable par l'établissement, sauf si l'ARS le reporte "
        "pour corrections.",
        f"Le délai de décision de l'ARS commence : quatre mois, jusqu'au {_date(echeance)}. "
        "Sans décision à cette date, le dossier sera réputé refusé (refus implicite).",
    ]
    non_conformes = [c for c in controles if not c.ok]
    if non_conformes:
        n = len(non_conformes)
        points.append(
            f"{n} contrôle{'s' if n > 1 else ''} d'éligibilité non conforme{'s' if n > 1 else ''} "
            "ou à surveiller : l'ARS en tiendra compte dans sa décision."
        )
    return Consequences(
        titre=f"Déposer le dossier {dossier.numero} ?",
        bouton="Confirmer le dépôt",
        points=points,
        notifies=notifies("dossier_depose", dossier),
        irreversible="Le dépôt ne peut pas être annulé.",
    )


def _amorcage_saisi(amorcage) -> dict[str, Decimal]:
    """The amorçage typed per domaine, as ``enveloppes.evenements.montants_saisis`` reads it
    (empty and zero amounts left out); a value that is no number refuses the confirmation."""
    errors: dict[str, list[str]] = {}
    lus = {}
    for code, brut in (amorcage or {}).items():
        valeur = nombre_ou_erreur(brut, "montant", errors, minimum=0, messages=MONTANT)
        if valeur is not None and not valeur.is_zero():
            lus[str(code).upper()] = valeur
    if errors:
        raise actions.DossierError(errors["montant"][0], errors)
    return lus


def acceptation(dossier, *, amorcage=None, enveloppe=None, situation=None) -> Consequences:
    """The CMSI's acceptance: the selected domaines' forfaits engaged on the région's
    envelope, the amorçage decided, the follow-up and its deadlines started. ``enveloppe``
    and its ``situation``: as the ledger gives them to the instruction page (None without)."""
    actions.verifier_etat(dossier, dossier.accepter, "d'accepter le dossier")
    if raisons := dossier.raisons_non_acceptable():
        raise actions.TransitionRefusee(
            "Le dossier ne peut pas être accepté : " + " ".join(raisons), dossier.etat
        )
    montants = _amorcage_saisi(amorcage)
    forfaits, _ = forfaits_du_dossier(dossier)
    selectionnes = [
        dd.domaine.code
        for dd in dossier.domaines.select_related("domaine").order_by("domaine__ordre", "pk")
        if dd.demande and dd.decision == DecisionDomaine.SELECTIONNE
    ]
    engages = {code: Decimal(forfaits[code]["standard"]) for code in selectionnes}
    detail = " ; ".join(f"{code} : {euros(m)}" for code, m in engages.items())
    total = sum(engages.values(), Decimal(0))
    points = [
        f"{euros(total)} engagés sur l'enveloppe régionale ({detail}) : le forfait de chaque "
        "domaine sélectionné."
    ]
    if enveloppe is not None and situation is not None:
        points.append(
            f"Disponible de l'enveloppe {enveloppe} : {euros(situation.disponible)} avant, "
            f"{euros(situation.disponible - total)} après."
        )
    if montants:
        detail = " ; ".join(f"{code} : {euros(m)}" for code, m in montants.items())
        decide = sum(montants.values(), Decimal(0))
        points.append(f"Amorçage décidé : {euros(decide)} ({detail}), déduit des forfaits.")
        if situation is not None:
            points.append(
                f"Amorçage encore possible dans la région : {euros(situation.amorcage_disponible)}"
                f" avant, {euros(situation.amorcage_disponible - decide)} après."
            )
    else:
        points.append("Aucun amorçage décidé.")
    le = aujourd_hui()
    suivi = (
        "Le dossier passe en suivi de projet : premier rapport de suivi de l'établissement "
        f"attendu le {_date(ajouter_mois(le, dossier.frequence_suivi))}"
    )
    cibles = dossier.programme.calendrier.filter(code=ATTEINTE_CIBLES).first()
    if cibles is not None:
        suivi += f", cibles des domaines à atteindre au plus tard le {_date(cibles.date)}"
    points.append(suivi + ".")
    if dossier.echeance_decision:
        points.append(
            f"Le délai de décision (échéance du {_date(dossier.echeance_decision)}) s'arrête."
        )
    return Consequences(
        titre=f"Accepter le dossier {dossier.numero} ?",
        bouton="Confirmer l'acceptation",
        points=points,
        notifies=notifies("dossier_accepte", dossier),
        irreversible="L'acceptation ne peut pas être annulée : seule une clôture libérera "
        "ensuite l'engagement.",
    )


def refus(dossier, *, motif: str, commentaire: str) -> Consequences:
    """The CMSI's refusal: the dossier closed, the recandidature delay started."""
    actions.verifier_etat(dossier, dossier.refuser, "de refuser le dossier")
    actions.motif_et_commentaire(
        motif,
        commentaire,
        MotifRefus,
        "Choisissez le motif du refus : enveloppe, prerequis ou autre.",
        "Le commentaire est obligatoire pour refuser un dossier.",
        "Le refus doit être motivé.",
    )
    financier = motif == MotifRefus.ENVELOPPE
    recandidature = recandidature_possible_le(aujourd_hui(), motif_financier=financier)
    return Consequences(
        titre=f"Refuser le dossier {dossier.numero} ?",
        bouton="Confirmer le refus",
        points=[
            f"Le dossier est refusé ({MotifRefus(motif).label}) et clos : l'établissement "
            "pourra le lire, plus le modifier ; aucun montant n'est engagé.",
            "Une nouvelle candidature de l'établissement ne sera possible qu'à partir du "
            f"{_date(recandidature)}, sur un nouveau dossier initialisé par l'ARS"
            + (" (refus financier : 1er janvier suivant)." if financier else " (six mois)."),
        ],
        notifies=notifies("dossier_refuse", dossier),
        irreversible="Le refus ne peut pas être annulé.",
    )


def cloture(dossier, *, motif: str, commentaire: str, montants=None) -> Consequences:
    """The CMSI's total closure: the domaines still open closed (the funded ones too after
    false declarations, as ``indicateurs.clotures`` does), their unpaid engagement released,
    their paid amorçage repayable. ``montants``: ``{DomaineDossier id: {"engage_libere",
    "amorcage_remboursable"}}`` as the ledger computes them (``enveloppes.contributions``)."""
    actions.verifier_cloture(dossier, motif, commentaire)
    etats = list(SUIVI_OUVERT)
    if motif == MotifCloture.DECLARATIONS_ERRONEES:
        etats.append(SuiviDomaine.FINANCE)
    clos = [
        dd
        for dd in dossier.domaines.select_related("domaine").order_by("domaine__ordre", "pk")
        if dd.suivi in etats
    ]
    points = [
        f"Domaines clos : {', '.join(dd.domaine.code for dd in clos) or 'aucun'} ; puis le "
        f"dossier ({MotifCloture(motif).label})."
    ]
    if montants is not None:
        figures = [montants.get(dd.pk, {}) for dd in clos]
        libere = sum((f.get("engage_libere", 0) for f in figures), Decimal(0))
        du = sum((f.get("amorcage_remboursable", 0) for f in figures), Decimal(0))
        points.append(f"{euros(libere)} d'engagement non versé libérés sur l'enveloppe régionale.")
        points.append(f"{euros(du)} d'amorçage versé à rembourser par l'établissement.")
    else:
        points.append(
            "L'engagement non versé est libéré sur l'enveloppe ; l'amorçage versé devient "
            "remboursable."
        )
    return Consequences(
        titre=f"Clore le dossier {dossier.numero} ?",
        bouton="Confirmer la clôture",
        points=points,
        notifies=notifies("dossier_clos", dossier),
        irreversible="La clôture ne peut pas être annulée.",
    )
