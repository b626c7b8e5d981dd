"""The control grid of an audit [SPEC §8], read side: one line per prérequis indicator and per
indicator of each domaine the dossier was selected on, with the values the dossier declared
(the last dépôt, the last follow-up report through ``dossiers.declarations``), the target and
the auditor's findings (``LigneGrille``, stored once written)."""

from dataclasses import dataclass
from decimal import Decimal

from dossiers.declarations import Valeur, dernier_suivi, valeurs_deposees
from dossiers.enums import DecisionDomaine
from hn.referentiel.enums import TypeIndicateur

NON_APPLICABLE = "non_applicable"


@dataclass
class Ligne:
    indicateur: object
    valeur_depot: str | None
    valeur_suivi: str | None
    resultat: str = ""
    preuves_verifiees: bool = False
    observations: str = ""

    @property
    def code(self) -> str:
        return self.indicateur.code

    @property
    def valeur_declaree(self) -> str | None:
        """The latest declaration: the last follow-up report's, else the deposited one."""
        return self.valeur_suivi if self.valeur_suivi is not None else self.valeur_depot

    @property
    def cible(self) -> str | None:
        i = self.indicateur
        if i.type == TypeIndicateur.EXISTENCE:
            return "oui"
        return None if i.cible is None else _nombre(i.cible)


def _nombre(valeur: Decimal) -> str:
    return format(valeur.normalize(), "f") if valeur == valeur.to_integral() else str(valeur)


def _texte(indicateur, v: Valeur | None) -> str | None:
    if v is None:
        return None
    if v.non_applicable:
        return NON_APPLICABLE
    if v.valeur is None:
        return None
    if indicateur.type == TypeIndicateur.EXISTENCE:
        return "oui" if v.valeur else "non"
    return _nombre(v.valeur)


def indicateurs_audites(dossier) -> list:
    """Every prérequis indicator, then the indicators of the selected domaines (programme
    order)."""
    selectionnes = set(
        dossier.domaines.filter(decision=DecisionDomaine.SELECTIONNE).values_list(
            "domaine_id", flat=True
        )
    )
    return [
        i
        for i in dossier.programme.indicateurs.all()
        if i.prerequis_id is not None or i.domaine_id in selectionnes
    ]


def lignes(audit) -> list[Ligne]:
    dossier = audit.dossier
    depot = dossier.depots.order_by("-rang").first()
    deposees = valeurs_deposees(depot)
    suivi = dernier_suivi(dossier)
    suivies = suivi.valeurs if suivi else {}
    ecrites = {ligne.indicateur_id: ligne for ligne in audit.lignes.all()}
    result = []
    for i in indicateurs_audites(dossier):
        ligne = Ligne(i, _texte(i, deposees.get(i.code)), _texte(i, suivies.get(i.code)))
        if (ecrite := ecrites.get(i.pk)) is not None:
            ligne.resultat = ecrite.resultat
            ligne.preuves_verifiees = ecrite.preuves_verifiees
            ligne.observations = ecrite.observations
        result.append(ligne)
    return result


def manquants(audit) -> list[str]:
    """Codes of the grid's lines without a result (``terminer`` lists them)."""
    return [ligne.code for ligne in lignes(audit) if not ligne.resultat]
