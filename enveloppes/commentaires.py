"""The CMSI's comment per dossier in the annual synthesis [SPEC §5; 000 A4 §1, 003 A4 §3].

One operation, atomic, authorised (the ARS valideur of the envelope's région), checked and
traced in the same transaction. The dossier's row is locked first (the dossier workflow's lock
order): two CMSI saving the same dossier's comment at the same instant run one after the other.
The trace names the région, not the établissement: the synthesis is the ARS's report to the
national level, not read by the établissement.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from dossiers.models import Dossier
from enveloppes.models import CommentaireSynthese
from enveloppes.tableaux import dossiers_de_la_synthese
from hn.champs import texte as lire_texte
from hn.comptes.perms import peut_instruire
from hn.journal.services import tracer
from hn.saisie import SaisieInvalide

LONGUEUR_MAX = 5000


class CommentaireRefuse(Exception):
    """A comment the rules refuse; ``message`` is French, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def peut_commenter(user, enveloppe) -> bool:
    return peut_instruire(user, enveloppe.region_ars)


@transaction.atomic
def commenter_synthese(
    *, enveloppe, numero: str, annee: int, texte: str, acting_user
) -> CommentaireSynthese | None:
    """Write (or clear, with an empty text) the CMSI's comment on dossier ``numero`` in the
    synthesis of ``annee``. Returns the comment (None once cleared)."""
    if not peut_commenter(acting_user, enveloppe):
        raise PermissionDenied(
            "Seul le valideur (CMSI) de l'ARS peut commenter la synthèse annuelle."
        )
    maximum = f"{LONGUEUR_MAX:_}".replace("_", "\u00a0")
    longueur = f"Le commentaire ne peut dépasser {maximum} caractères ({{n}} saisis)."
    try:
        texte = lire_texte(texte, longueur=LONGUEUR_MAX, messages={"longueur": longueur})
    except SaisieInvalide as exc:
        raise CommentaireRefuse(exc.message) from None
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .filter(numero=str(numero or "").strip(), pk__in=dossiers_de_la_synthese(enveloppe, annee))
        .first()
    )
    if dossier is None:
        raise CommentaireRefuse(
            f"Le dossier {numero or '(non indiqué)'} ne figure pas dans la synthèse {annee} de "
            "cette enveloppe."
        )
    existant = CommentaireSynthese.objects.filter(dossier=dossier, annee=annee).first()
    avant = existant.texte if existant else ""
    if texte == avant:
        if not texte:
            raise CommentaireRefuse("Saisissez le commentaire du CMSI avant de l'enregistrer.")
        return existant
    if not texte:
        existant.delete()
        commentaire = None
    elif existant:
        existant.texte, existant.auteur = texte, acting_user
        existant.save(update_fields=["texte", "auteur", "modifie_le"])
        commentaire = existant
    else:
        commentaire = CommentaireSynthese.objects.create(
            enveloppe=enveloppe, dossier=dossier, annee=annee, texte=texte, auteur=acting_user
        )
    tracer(
        "enveloppe_commentaire_synthese",
        acteur=acting_user,
        objet=dossier,
        region=enveloppe.region,
        avant={"texte": avant},
        apres={"texte": texte, "annee": annee, "enveloppe": str(enveloppe)},
    )
    return commentaire
