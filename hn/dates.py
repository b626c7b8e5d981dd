"""Calendar rules of the deadlines (SPEC §9): Europe/Paris dates, calendar months, month-end
clamping (31 January + 1 month = 28/29 February)."""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

PARIS = ZoneInfo("Europe/Paris")


def aujourd_hui() -> dt.date:
    return timezone.now().astimezone(PARIS).date()


def date_paris(moment: dt.datetime) -> dt.date:
    return moment.astimezone(PARIS).date()


def ajouter_mois(jour: dt.date, mois: int) -> dt.date:
    index = jour.month - 1 + mois
    annee, mois0 = divmod(index, 12)
    annee += jour.year
    dernier = calendar.monthrange(annee, mois0 + 1)[1]
    return dt.date(annee, mois0 + 1, min(jour.day, dernier))


def echeance_initialisation(demande_le: dt.date) -> dt.date:
    """The ARS initialises a requested dossier within 1 month and 15 days [000 §2]."""
    return ajouter_mois(demande_le, 1) + dt.timedelta(days=15)


def echeance_decision(depose_le: dt.date) -> dt.date:
    """Without a decision 4 months after the dépôt, the dossier is refused implicitly: the
    expiry date is the refusal date [000 §2, A2 §3]."""
    return ajouter_mois(depose_le, 4)


def recandidature_possible_le(refuse_le: dt.date, *, motif_financier: bool) -> dt.date:
    """A new dossier after a refusal: 6 months later, or 1 January of the next year when the
    refusal was financial (maîtrise de l'enveloppe) [000 A2 §3, A6 §1]."""
    if motif_financier:
        return dt.date(refuse_le.year + 1, 1, 1)
    return ajouter_mois(refuse_le, 6)
