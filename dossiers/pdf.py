"""PDF exports of the dossier [SPEC §4 "Exports"; 000 A9 §14, A10]: the whole dossier as the
caller may read it, the deposited snapshot, and the accusé de dépôt.

HTML (Django templates) is turned into PDF by the core's renderer (``hn.pdf``: WeasyPrint, only
the project's static files fetched). A dépôt never changes, so its PDFs (the snapshot and the
accusé) are rendered once and kept in the default storage under a key derived from the dépôt's
id and SHA-256.
"""

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone

from dossiers.contenu import domaines_demandes
from dossiers.contextes import contexte_page
from dossiers.enums import Avancement, CategoriePiece, TypeContact
from dossiers.pages import pages
from dossiers.repartition import membres_ght
from dossiers.services import contenu_lisible
from hn import formats
from hn.dates import PARIS, echeance_decision
from hn.pdf import html_vers_pdf

logger = logging.getLogger(__name__)


# --- content as printed -----------------------------------------------------------------------


def _decimal(valeur):
    try:
        return Decimal(str(valeur))
    except (InvalidOperation, TypeError, ValueError):
        return None


def _valeur_affichee(ligne) -> str:
    return formats.valeur_indicateur(
        ligne["valeur"], ligne["indicateur"], non_applicable=bool(ligne["na"])
    )


def _date(valeur):
    if not valeur:
        return None
    try:
        return dt.date.fromisoformat(valeur)
    except (TypeError, ValueError):
        return None


def _section(dossier, page, contenu, pieces_par_prerequis, *, user=None):
    """One page of the dossier, with the context the screens compute (dossiers.views).
    ``user``: the reader (None: the deposited snapshot, the same for every reader)."""
    contexte = contexte_page(dossier, page, contenu, user=user)
    if page.slug == "etablissement":
        gabarit = "etablissement"
    elif page.slug in ("contacts", "direction"):
        gabarit = "contacts"
    elif page.prerequis_id or page.domaine_id:
        gabarit = "indicateurs"
        groupes = [m["lignes"] for m in contexte.get("membres", [])]  # a GHT's domaine page
        for ligne in [
            ligne for lignes in [contexte.get("lignes", []), *groupes] for ligne in lignes
        ]:
            ligne["affichage"] = _valeur_affichee(ligne)
        if page.prerequis_id:
            code = page.slug.removeprefix("prerequis-")
            contexte["pieces"] = pieces_par_prerequis.get(code, [])
    else:
        gabarit = page.slug
    for ligne in contexte.get("domaines", []):
        ligne["avancement_libelle"] = (
            Avancement(ligne["avancement"]).label
            if ligne.get("avancement") in Avancement.values
            else "—"
        )
        ligne["date_cible_date"] = _date(ligne.get("date_cible"))
        ligne["cout_decimal"] = _decimal(ligne["cout"]) if ligne.get("cout") else None
    return {"page": page, "gabarit": f"dossiers/impression/pages/{gabarit}.html", **contexte}


def _pieces(contenu) -> list[dict]:
    categories = dict(CategoriePiece.choices)
    return [
        {**p, "categorie_libelle": categories.get(p["categorie"], p["categorie"])}
        for p in contenu.get("pieces", [])
    ]


def _instruction(dossier, contenu) -> dict:
    """The ARS's decisions and comments (as the API shows them to whoever reads the dossier)."""
    demandes = domaines_demandes(contenu)
    decisions = {d.prerequis_id: d for d in dossier.decisions_prerequis.select_related("prerequis")}
    return {
        "prerequis": [
            {"prerequis": p, "decision": decisions.get(p.pk)}
            for p in dossier.programme.prerequis.all()
        ],
        "commentaire_prerequis": dossier.commentaire_ars_prerequis,
        "domaines": [
            dd
            for dd in dossier.domaines.select_related("domaine")
            if dd.domaine.code in demandes or dd.decision
        ],
        "commentaire_decision": dossier.commentaire_ars_decision,
        "commentaires": list(dossier.commentaires.select_related("auteur")),
    }


def contexte_impression(user, dossier) -> dict:
    """Everything the print templates show of this dossier, as this user may read it: the
    ES reads its live data, the ARS and the national level the last dépôt, nobody else's
    typing before the first dépôt (header only)."""
    contenu, source, depot = contenu_lisible(user, dossier)
    return {
        "dossier": dossier,
        "membres_ght": membres_ght(dossier),
        "edite_le": timezone.localtime(timezone.now(), PARIS),
        # The ARS's part: shown once there is a dépôt, or to the ES when the ARS has commented.
        "instruction": _instruction(dossier, contenu) if contenu is not None else None,
        **_contexte_contenu(dossier, contenu, source, depot, user=user),
    }


def _contexte_contenu(dossier, contenu, source, depot, *, user=None) -> dict:
    if contenu is None:
        return {"contenu": None, "source": None, "depot": depot, "sections": []}
    pieces = _pieces(contenu)
    par_prerequis = {}
    for p in pieces:
        if p["prerequis"]:
            par_prerequis.setdefault(p["prerequis"], []).append(p)
    return {
        "contenu": contenu,
        "source": source,
        "depot": depot,
        "depose_le": timezone.localtime(depot.depose_le, PARIS) if depot else None,
        "sections": [
            _section(dossier, page, contenu, par_prerequis, user=user)
            for page in pages(dossier, contenu)
        ],
        "pieces": pieces,
        "types_contact": TypeContact,
    }


# --- the PDFs ---------------------------------------------------------------------------------


def pdf_dossier(user, dossier) -> bytes:
    """The whole dossier as ``user`` may read it, with the ARS's decisions and comments.
    Rendered on each request: its state and the instruction change after the dépôt."""
    html = render_to_string("dossiers/impression/dossier.html", contexte_impression(user, dossier))
    return html_vers_pdf(html)


def _cle(depot, nature: str) -> str:
    suffixe = "" if nature == "depot" else f"-{nature}"
    return f"pdf/depots/{depot.pk}-{depot.empreinte}{suffixe}.pdf"


def _une_fois(cle: str, rendre) -> bytes:
    """The stored PDF under ``cle``, rendered and stored on first use only."""
    if default_storage.exists(cle):
        with default_storage.open(cle, "rb") as fichier:
            data = fichier.read()
        if data.startswith(b"%PDF-"):
            return data
        logger.error("PDF stocké illisible, nouveau rendu : %s", cle)
        default_storage.delete(cle)
    data = rendre()
    try:
        nom = default_storage.save(cle, ContentFile(data))
        if nom != cle:
            # Another request stored it first (same immutable content): keep one copy.
            default_storage.delete(nom)
    except Exception:
        # The storage is a cache here: the caller still gets the PDF just rendered.
        logger.exception("PDF non conservé dans le stockage : %s", cle)
    return data


def _contexte_depot(depot) -> dict:
    dossier = depot.dossier
    return {
        "dossier": dossier,
        "membres_ght": membres_ght(dossier),
        "depot": depot,
        "depose_le": timezone.localtime(depot.depose_le, PARIS),
        "echeance": echeance_decision(timezone.localtime(depot.depose_le, PARIS).date()),
        "depose_par": depot.depose_par.get_full_name() or depot.depose_par.get_username(),
    }


def pdf_depot(depot) -> bytes:
    """The deposited snapshot, as frozen: rendered once, then read from the storage."""

    def rendre():
        contexte = {
            **_contexte_depot(depot),
            **_contexte_contenu(depot.dossier, depot.contenu, "depot", depot),
            "version_deposee": True,
        }
        return html_vers_pdf(render_to_string("dossiers/impression/dossier.html", contexte))

    return _une_fois(_cle(depot, "depot"), rendre)


def accuse_de_depot(depot) -> bytes:
    """The accusé de dépôt: date and time (Europe/Paris), numéro, établissement, rang and the
    SHA-256 of the deposited snapshot. Rendered once, then read from the storage."""

    def rendre():
        return html_vers_pdf(
            render_to_string("dossiers/impression/accuse.html", _contexte_depot(depot))
        )

    return _une_fois(_cle(depot, "accuse"), rendre)
