"""Rules of the calls for applications and of the regional programmation [SPEC §7; 003 §5.3.2,
A5], as pure functions over plain data: the campaign's window, the amorçage / usage split of a
programmation line, the totals against the envelope and what forbids a transmission.

The forfait itself is ``hn.referentiel.regles.forfait`` (one home for the money rule); the
envelope's figures come from ``enveloppes``. Amounts are whole euros (int) or Decimal euros.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from hn.formats import euros
from hn.referentiel.regles import arrondi_euro

ZERO = Decimal(0)


def _d(jour: dt.date) -> str:
    return f"{jour:%d/%m/%Y}"


@dataclass(frozen=True)
class Calendrier:
    """The dates of a campaign (API.md ``campagnes/``)."""

    ouverture: dt.date
    cloture: dt.date
    programmation_avant: dt.date
    reponse_avant: dt.date
    tardives_jusqu_au: dt.date


ORDRE = (
    ("cloture", "ouverture", "La clôture doit suivre l'ouverture."),
    (
        "programmation_avant",
        "cloture",
        "La programmation de l'ARS est due après la clôture des candidatures.",
    ),
    (
        "reponse_avant",
        "cloture",
        "La réponse aux établissements est due après la clôture des candidatures.",
    ),
    (
        "tardives_jusqu_au",
        "cloture",
        "Les candidatures tardives sont reçues après la clôture, jusqu'à cette date.",
    ),
)


def dates_desordonnees(c: Calendrier) -> dict[str, list[str]]:
    """Field errors for dates out of order (empty when the calendar holds together)."""
    errors: dict[str, list[str]] = {}
    for champ, apres, message in ORDRE:
        if getattr(c, champ) < getattr(c, apres) or (
            champ == "cloture" and c.cloture == c.ouverture
        ):
            errors.setdefault(champ, []).append(message)
    return errors


def tardive(c: Calendrier, jour: dt.date) -> bool:
    """After the closing date: accepted, flagged late [003 §5.3.2]."""
    return jour > c.cloture


def refus_fenetre(c: Calendrier, jour: dt.date, libelle: str) -> str | None:
    """The French refusal when ``jour`` is outside the window (None inside)."""
    if c.ouverture <= jour <= c.tardives_jusqu_au:
        return None
    quand = "n'est pas encore ouvert" if jour < c.ouverture else "est fermé"
    return (
        f"L'appel « {libelle} » {quand} : pré-candidatures du {_d(c.ouverture)} au "
        f"{_d(c.cloture)}, puis candidatures tardives jusqu'au {_d(c.tardives_jusqu_au)}."
    )


def programmation_en_retard(c: Calendrier, jour: dt.date) -> bool:
    return jour > c.programmation_avant


def reponse_en_retard(c: Calendrier, jour: dt.date) -> bool:
    return jour > c.reponse_avant


# --- the programmation ------------------------------------------------------------------------


def amorcage_par_defaut(forfait: int, part: Decimal) -> int:
    """20 % of the forfait (the programme's share), rounded to the euro half up [SPEC §7]."""
    return arrondi_euro(Decimal(forfait) * part)


@dataclass(frozen=True)
class Ligne:
    """One établissement and domaine of the programmation (API.md ``programmations/``)."""

    finess: str
    raison_sociale: str
    statut: str
    activites: tuple[str, ...]
    domaine: str
    semestre_cibles: str
    forfait: int
    amorcage: int
    modifie: bool = False

    @property
    def usage(self) -> int:
        return self.forfait - self.amorcage


def ligne(*, forfait: int, part: Decimal, amorcage: int | None = None, **valeurs) -> Ligne:
    """A line with the default split unless the CMSI set ``amorcage``."""
    defaut = amorcage_par_defaut(forfait, part)
    choisi = defaut if amorcage is None else amorcage
    return Ligne(forfait=forfait, amorcage=choisi, modifie=choisi != defaut, **valeurs)


def amorcage_refuse(forfait: int, amorcage: int) -> str | None:
    if amorcage < 0:
        return "L'amorçage ne peut pas être négatif."
    if amorcage > forfait:
        return f"L'amorçage ne peut pas dépasser le forfait de la ligne ({euros(forfait)})."
    return None


@dataclass(frozen=True)
class Sous:
    """Forfait, amorçage and usage of a group of lines."""

    forfait: int = 0
    amorcage: int = 0
    lignes: int = 0

    @property
    def usage(self) -> int:
        return self.forfait - self.amorcage

    def plus(self, ligne_: Ligne) -> "Sous":
        return Sous(self.forfait + ligne_.forfait, self.amorcage + ligne_.amorcage, self.lignes + 1)


@dataclass(frozen=True)
class Totaux:
    total: int
    total_amorcage: int
    enveloppe: Decimal
    plafond_amorcage: Decimal
    par_statut: dict[str, Sous] = field(default_factory=dict)
    par_activite: dict[str, Sous] = field(default_factory=dict)
    etablissements: int = 0

    @property
    def total_usage(self) -> int:
        return self.total - self.total_amorcage

    @property
    def reste(self) -> Decimal:
        return self.enveloppe - self.total

    @property
    def reste_amorcage(self) -> Decimal:
        return self.plafond_amorcage - self.total_amorcage

    @property
    def plafond_usage(self) -> Decimal:
        """The usage part of the envelope (80 %: what the amorçage ceiling leaves)."""
        return self.enveloppe - self.plafond_amorcage

    @property
    def reste_usage(self) -> Decimal:
        return self.plafond_usage - self.total_usage

    @property
    def depassements(self) -> list[str]:
        """Why the programmation may not be transmitted (empty: it may) [SPEC §7]."""
        result = []
        if self.total > self.enveloppe:
            result.append(
                f"Le total programmé ({euros(self.total)}) dépasse l'enveloppe régionale "
                f"({euros(arrondi_euro(self.enveloppe))}) de {euros(arrondi_euro(-self.reste))}."
            )
        if self.total_amorcage > self.plafond_amorcage:
            result.append(
                f"L'amorçage programmé ({euros(self.total_amorcage)}) dépasse le plafond de "
                f"l'amorçage ({euros(arrondi_euro(self.plafond_amorcage))}) de "
                f"{euros(arrondi_euro(-self.reste_amorcage))}."
            )
        return result


def totaliser(lignes: Iterable[Ligne], enveloppe: Decimal, part: Decimal) -> Totaux:
    """Totals of the lines, by statut and by activité (a multi-activity établissement counts
    under each of its activités, as on the envelope pages), against the envelope."""
    total = amorcage = 0
    par_statut: dict[str, Sous] = {}
    par_activite: dict[str, Sous] = {}
    finess = set()
    for lg in lignes:
        total += lg.forfait
        amorcage += lg.amorcage
        finess.add(lg.finess)
        par_statut[lg.statut] = par_statut.get(lg.statut, Sous()).plus(lg)
        for activite in lg.activites:
            par_activite[activite] = par_activite.get(activite, Sous()).plus(lg)
    return Totaux(
        total=total,
        total_amorcage=amorcage,
        enveloppe=Decimal(enveloppe),
        plafond_amorcage=Decimal(enveloppe) * part,
        par_statut=par_statut,
        par_activite=par_activite,
        etablissements=len(finess),
    )
