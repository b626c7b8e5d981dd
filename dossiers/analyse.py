"""Antivirus of the attachments (issue 17): every piece is scanned by ClamAV (``hn.antivirus``)
before anyone but its uploader can open it.

- On upload the piece is stored ``en_analyse`` and its scan is queued once the upload commits
  (``programmer``): a Celery task under a worker, inline when tasks run eagerly (``make run``);
  the page answers as soon as the scan is queued.
- ``saine``: served to whoever may read the dossier. ``infectee``: the file is deleted from the
  storage, the row stays (with the virus name) so that the établissement sees what happened; its
  uploader is notified; the verdict is traced. A dépôt is refused while an active piece is
  ``en_analyse`` or ``infectee`` (``blocage_depot``): the ARS never receives an unscanned file.
- Scanner down: the piece stays ``en_analyse`` (served to its uploader only) and the deadline
  sweep (``hn.taches``: every 15 minutes) scans every piece still waiting.
- ``ANTIVIRUS = "aucun"``: the piece is ``saine`` at once with the detail "non analysée
  (antivirus désactivé)", written in its trace; administrators are warned on their home page and
  in the admin site.

No function here imports ``dossiers.actions`` (which asks ``blocage_depot`` at the dépôt).
"""

import logging

from celery import shared_task
from django.contrib import messages
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from dossiers.enums import EtatAnalyse
from dossiers.models import PieceJointe
from hn import antivirus
from hn.formats import compter
from hn.journal.services import tracer
from hn.notifications.models import Categorie
from hn.notifications.services import notifier
from hn.taches.echeances import echeance, unite

logger = logging.getLogger(__name__)

LOT_REPRISE = 200  # pieces scanned per sweep at most (the next sweep takes the rest)

MSG_EN_ANALYSE = (
    "Cette pièce est en cours d'analyse antivirus : elle sera disponible dès la fin de l'analyse."
)
MSG_INFECTEE = (
    "Cette pièce a été refusée par l'antivirus (virus détecté) : son fichier a été supprimé."
)


def etat_initial() -> tuple[str, str]:
    """(state, detail) of a new piece: ``saine`` "non analysée" when the antivirus is off."""
    if antivirus.actif():
        return EtatAnalyse.EN_ANALYSE, ""
    return EtatAnalyse.SAINE, "non analysée (antivirus désactivé)"


def servie_a(piece, user) -> bool:
    """Whether ``user`` may download the file: once clean, or its own uploader while it is
    being scanned; never once infected (the file is gone)."""
    if piece.etat_analyse == EtatAnalyse.SAINE:
        return True
    return piece.etat_analyse == EtatAnalyse.EN_ANALYSE and piece.deposee_par_id == user.pk


def message_refus(piece) -> str | None:
    """Why ``piece``'s file is not served (None: it is)."""
    if piece.etat_analyse == EtatAnalyse.INFECTEE:
        return MSG_INFECTEE
    if piece.etat_analyse == EtatAnalyse.EN_ANALYSE:
        return MSG_EN_ANALYSE
    return None


def message_ajout(piece, succes: str) -> tuple[int, str]:
    """(message level, text) for the page after an upload, whose scan may have run already."""
    if piece.etat_analyse == EtatAnalyse.INFECTEE:
        return messages.ERROR, (
            f"L'antivirus a détecté un virus dans « {piece.nom} » ({piece.analyse_detail}) : "
            "le fichier a été supprimé. Joignez un fichier sain."
        )
    if piece.etat_analyse == EtatAnalyse.EN_ANALYSE:
        return messages.INFO, (
            f"{succes} Son analyse antivirus est en cours : les autres utilisateurs y auront "
            "accès dès la fin de l'analyse."
        )
    return messages.SUCCESS, succes


def blocage_depot(dossier) -> str | None:
    """The dépôt's refusal while an active piece is being scanned or was infected."""
    non_saines = list(
        PieceJointe.objects.filter(
            dossier=dossier, remplacee_par__isnull=True, supprimee_le__isnull=True
        )
        .exclude(etat_analyse=EtatAnalyse.SAINE)
        .order_by("pk")
    )
    infectees = [p.nom for p in non_saines if p.etat_analyse == EtatAnalyse.INFECTEE]
    if infectees:
        return (
            "Le dossier ne peut pas être déposé : l'antivirus a refusé "
            f"{', '.join(f'« {n} »' for n in infectees)}. Remplacez ou supprimez ces pièces."
        )
    if non_saines:
        return (
            "Le dossier ne peut pas être déposé pendant l'analyse antivirus de "
            f"{', '.join(f'« {p.nom} »' for p in non_saines)}. Réessayez dans quelques minutes."
        )
    return None


def _description(piece, resultat) -> dict:
    return {
        "piece": piece.pk,
        "nom": piece.nom,
        "empreinte": piece.empreinte,
        "etat_analyse": piece.etat_analyse,
        "signature": resultat.signature,
        "detail": piece.analyse_detail,
    }


def _tracer(action, piece, resultat, commentaire):
    dossier = piece.dossier
    tracer(
        action,
        objet=dossier,
        etablissement=dossier.etablissement,
        region=dossier.etablissement.region,
        apres=_description(piece, resultat),
        commentaire=commentaire,
        reserve_etablissement=True,
    )


def _infectee(piece, resultat):
    """Keep the file out: delete it from the storage, tell its uploader, trace it."""
    nom_stocke = piece.fichier.name
    piece.etat_analyse = EtatAnalyse.INFECTEE
    piece.analyse_detail = f"Virus détecté : {resultat.signature}"[:200]
    piece.fichier = ""
    piece.save(
        update_fields=[
            "etat_analyse",
            "analyse_detail",
            "analysee_le",
            "analyse_tentatives",
            "fichier",
        ]
    )
    dossier = piece.dossier
    _tracer("piece_infectee", piece, resultat, f"{piece.nom} : {resultat.signature}")
    notifier(
        cle=f"piece_infectee:{piece.pk}",
        destinataires=[piece.deposee_par],
        categorie=Categorie.DOSSIER,
        titre=f"Dossier {dossier.numero} : pièce refusée par l'antivirus",
        message=(
            f"L'antivirus a détecté un virus ({resultat.signature}) dans « {piece.nom} », "
            f"jointe au dossier « {dossier.nom} ». Le fichier a été supprimé ; remplacez-le "
            "par un fichier sain."
        ),
        lien=reverse("dossiers:detail", args=[dossier.numero]),
    )
    if nom_stocke:
        piece._meta.get_field("fichier").storage.delete(nom_stocke)


def _appliquer(piece_id, resultat) -> str:
    with transaction.atomic():
        piece = (
            PieceJointe.objects.select_for_update(of=("self",))
            .select_related("dossier__etablissement__region", "deposee_par")
            .filter(pk=piece_id)
            .first()
        )
        if piece is None or piece.etat_analyse != EtatAnalyse.EN_ANALYSE:
            return piece.etat_analyse if piece else ""
        piece.analyse_tentatives += 1
        if resultat.statut == antivirus.INDISPONIBLE:
            piece.analyse_detail = f"Analyse en attente : {resultat.detail}"[:200]
            piece.save(update_fields=["analyse_tentatives", "analyse_detail"])
            return piece.etat_analyse
        piece.analysee_le = timezone.now()
        if resultat.statut == antivirus.INFECTEE:
            _infectee(piece, resultat)
            return piece.etat_analyse
        piece.etat_analyse = EtatAnalyse.SAINE
        piece.analyse_detail = "" if resultat.analyse else resultat.detail
        piece.save(
            update_fields=["etat_analyse", "analyse_detail", "analysee_le", "analyse_tentatives"]
        )
        commentaire = piece.nom if resultat.analyse else f"{piece.nom} : {resultat.detail}"
        _tracer("piece_analysee", piece, resultat, commentaire)
        return piece.etat_analyse


def analyser_piece(piece_id: int) -> str:
    """Scan one waiting piece and record the verdict; returns its state afterwards. The file is
    read and scanned outside any transaction; the verdict is written under the row's lock (a
    piece scanned twice at once gets one verdict)."""
    piece = PieceJointe.objects.filter(pk=piece_id).first()
    if piece is None or piece.etat_analyse != EtatAnalyse.EN_ANALYSE:
        return piece.etat_analyse if piece else ""
    try:
        with piece.fichier.open("rb") as fichier:
            data = fichier.read()
    except OSError:
        logger.exception("Pièce %s : fichier illisible pour l'analyse antivirus.", piece_id)
        return piece.etat_analyse
    return _appliquer(piece_id, antivirus.analyser(data))


@shared_task(
    name="dossiers.analyser_piece",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
)
def tache_analyser_piece(piece_id: int) -> str:
    return analyser_piece(piece_id)


def programmer(piece_id: int) -> None:
    """Queue the scan of a new piece once its upload commits. A broker that is down leaves it
    ``en_analyse``: the next sweep scans it."""

    def lancer():
        try:
            tache_analyser_piece.delay(piece_id)
        except Exception:
            logger.warning(
                "File de tâches indisponible : la pièce %s sera analysée au prochain passage.",
                piece_id,
                exc_info=True,
            )

    transaction.on_commit(lancer)


def reprendre_analyses(jour, bilan):
    """Every piece still ``en_analyse`` (scanner down at upload, lost task), oldest first: a
    kind of the deadline sweep, registered by ``DossiersConfig.ready`` after the instruction's
    own (``inscrire``). A scanner that does not answer is asked once, not once per piece (each
    try would wait up to ``CLAMD_TIMEOUT``): the pieces wait for the next run."""
    if antivirus.actif() and not antivirus.ping():
        attente = PieceJointe.objects.filter(etat_analyse=EtatAnalyse.EN_ANALYSE).count()
        if attente:
            bilan.erreurs.append(
                f"Antivirus injoignable : {compter(attente, 'pièce(s)')} en attente."
            )
        return
    ids = list(
        PieceJointe.objects.filter(etat_analyse=EtatAnalyse.EN_ANALYSE)
        .order_by("deposee_le", "pk")
        .values_list("pk", flat=True)[:LOT_REPRISE]
    )
    for pk in ids:
        with unite(bilan, f"Pièce {pk}"):
            if analyser_piece(pk) != EtatAnalyse.EN_ANALYSE:
                bilan.traites += 1


def inscrire() -> None:
    echeance("analyses_antivirus", "Analyses antivirus en attente", "pièce(s) analysée(s)")(
        reprendre_analyses
    )
