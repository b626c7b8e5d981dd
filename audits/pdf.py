"""The audits' PDFs [SPEC §8]: the fiche de synthèse of one audit and the consolidated table of
a région's year, laid out from Django templates by the core's renderer (``hn.pdf``).

The fiche is rendered on request from what the audit keeps (grid, observations, conclusion and,
once decided, the decision): it always shows the audit as it stands, and one audit's fiche is a
page or two, so nothing slow runs under a lock. It is *sent* to the établissement when the
auditor concludes (:func:`envoyer_fiche`, called by ``audits.actions.terminer``): the date is
kept (``Audit.fiche_envoyee_le``) and the ES's accounts are notified (in-app and e-mail) with
the link to the PDF; before that, the établissement cannot read it (404).
"""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audits import grille
from audits.services import lit_la_grille
from hn.comptes.destinataires import comptes_etablissement
from hn.dates import PARIS
from hn.notifications.models import Categorie
from hn.notifications.services import notifier
from hn.pdf import html_vers_pdf

GABARIT_FICHE = "audits/fiche_pdf.html"
GABARIT_SYNTHESE = "audits/synthese_pdf.html"


def lien_fiche(audit) -> str:
    return reverse("audits:fiche", args=[audit.pk])


def nom_fiche(audit) -> str:
    return f"fiche-synthese-audit-{audit.tirage.annee}-{audit.dossier.numero}.pdf"


def lit_la_fiche(user, audit) -> bool:
    """``audit`` already fetched for ``user`` (``audits.services.get_audit_for_user``): the ARS,
    the national level and the designated auditors always; the établissement once sent."""
    return lit_la_grille(user, audit) or audit.fiche_envoyee_le is not None


def _edite_le() -> str:
    return date_format(timezone.localtime(timezone.now(), PARIS), "d/m/Y à H:i")


def contexte_fiche(audit) -> dict:
    designations = audit.designations.select_related("auditeur").order_by("designe_le", "pk")
    return {
        "audit": audit,
        "dossier": audit.dossier,
        "etablissement": audit.dossier.etablissement,
        "auditeurs": [d.auditeur.get_full_name() or d.auditeur.username for d in designations],
        "lignes": grille.lignes(audit),
        "edite_le": _edite_le(),
    }


def html_fiche(audit) -> str:
    return render_to_string(GABARIT_FICHE, contexte_fiche(audit))


def fiche_pdf(audit) -> bytes:
    return html_vers_pdf(html_fiche(audit))


def synthese_pdf(tableau) -> bytes:
    html = render_to_string(GABARIT_SYNTHESE, {"t": tableau, "edite_le": _edite_le()})
    return html_vers_pdf(html)


def envoyer_fiche(audit) -> int:
    """The fiche is sent to the établissement (in the caller's transaction, once per audit):
    its date recorded, its accounts notified with the link to the PDF; e-mails after the
    commit (``hn.notifications``)."""
    if audit.fiche_envoyee_le is None:
        audit.fiche_envoyee_le = timezone.now()
        audit.save(update_fields=["fiche_envoyee_le"])
    dossier = audit.dossier
    return notifier(
        cle=f"audit_fiche:{audit.pk}",
        destinataires=comptes_etablissement(dossier.etablissement),
        categorie=Categorie.DOSSIER,
        titre=f"Audit du dossier {dossier.numero} : fiche de synthèse",
        message=(
            f"La fiche de synthèse de l'audit {audit.tirage.annee} du dossier « {dossier.nom} » "
            f"de {dossier.etablissement.raison_sociale} est disponible : grille de contrôle, "
            f"observations et conclusion ({audit.get_conclusion_display()})."
        ),
        lien=lien_fiche(audit),
    )
