"""The API's URL table (``/api/``). Wiring, like ``hn.urls``: it routes to every app's API
views, so it sits above the apps in the import-linter layers (pyproject.toml); the core's own
API modules (``hn.api.auth``, ``hn.api.exceptions``) import no app."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from dossiers import api as dossiers
from dossiers import api_pdf
from hn.api import auth
from hn.notifications import api as notifications
from hn.referentiel import api as referentiel
from hn.views import RouteInconnue

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # --- Authentication hardening (issue 17): tokens and MFA ---
    path("auth/token/", auth.ObtenirJeton.as_view(), name="token"),
    path("auth/tokens/", auth.JetonList.as_view(), name="tokens"),
    path("auth/tokens/<int:pk>/", auth.JetonDetail.as_view(), name="token-detail"),
    path("auth/mfa/", auth.MfaEtat.as_view(), name="mfa"),
    path("auth/mfa/totp/", auth.MfaTotp.as_view(), name="mfa-totp"),
    path("auth/mfa/totp/confirmer/", auth.MfaTotpConfirmer.as_view(), name="mfa-totp-confirmer"),
    # --- end authentication hardening ---
    path("programmes/", referentiel.ProgrammeList.as_view(), name="programmes"),
    path(
        "programmes/<str:code>/domaines/",
        referentiel.ProgrammeDomaines.as_view(),
        name="programme-domaines",
    ),
    path("programmes/<str:code>/forfait/", referentiel.Forfait.as_view(), name="forfait"),
    path("etablissements/", referentiel.EtablissementList.as_view(), name="etablissements"),
    path(
        "etablissements/<str:finess>/",
        referentiel.EtablissementDetail.as_view(),
        name="etablissement",
    ),
    path("demandes/", dossiers.DemandeList.as_view(), name="demandes"),
    # Envelopes and their ledger (enveloppes/api_urls.py).
    path("", include("enveloppes.api_urls")),
    path("notifications/", notifications.NotificationList.as_view(), name="notifications"),
    path(
        "notifications/<int:pk>/lue/",
        notifications.NotificationLue.as_view(),
        name="notification-lue",
    ),
    path("dossiers/", dossiers.DossierList.as_view(), name="dossiers"),
    path("dossiers/<str:numero>/", dossiers.DossierDetail.as_view(), name="dossier"),
    path(
        "dossiers/<str:numero>/transitions/<str:name>/",
        dossiers.DossierTransition.as_view(),
        name="dossier-transition",
    ),
    path(
        "dossiers/<str:numero>/prerequis/",
        dossiers.DossierPrerequis.as_view(),
        name="dossier-prerequis",
    ),
    path(
        "dossiers/<str:numero>/domaines/",
        dossiers.DossierDomaines.as_view(),
        name="dossier-domaines",
    ),
    path(
        "dossiers/<str:numero>/commentaires/",
        dossiers.DossierCommentaires.as_view(),
        name="dossier-commentaires",
    ),
    path(
        "dossiers/<str:numero>/pieces/",
        dossiers.DossierPieces.as_view(),
        name="dossier-pieces",
    ),
    path(
        "dossiers/<str:numero>/pieces/<int:piece>/",
        dossiers.DossierPiece.as_view(),
        name="dossier-piece",
    ),
    path(
        "dossiers/<str:numero>/pieces/<int:piece>/fichier/",
        dossiers.DossierPieceFichier.as_view(),
        name="dossier-piece-fichier",
    ),
    path(
        "dossiers/<str:numero>/pieces/<int:piece>/remplacer/",
        dossiers.DossierPieceRemplacer.as_view(),
        name="dossier-piece-remplacer",
    ),
    path(
        "dossiers/<str:numero>/forfaits/",
        dossiers.DossierForfaits.as_view(),
        name="dossier-forfaits",
    ),
    path(
        "dossiers/<str:numero>/historique/",
        dossiers.DossierHistorique.as_view(),
        name="dossier-historique",
    ),
    # Phase suivi (indicateurs/api_urls.py).
    path("", include("indicateurs.api_urls")),
    # Audits (audits/api_urls.py).
    path("", include("audits.api_urls")),
    # Calls for applications and programmation (candidatures/api_urls.py).
    path("", include("candidatures.api_urls")),
    # National and regional pilotage (pilotage/api_urls.py).
    path("", include("pilotage.api_urls")),
    # Exports (dossiers/api_pdf.py).
    path("dossiers/<str:numero>/pdf/", api_pdf.DossierPdf.as_view(), name="dossier-pdf"),
    path("dossiers/<str:numero>/depots/", api_pdf.DossierDepots.as_view(), name="dossier-depots"),
    path(
        "dossiers/<str:numero>/depots/<int:rang>/accuse/",
        api_pdf.DossierDepotAccuse.as_view(),
        name="dossier-depot-accuse",
    ),
    path(
        "dossiers/<str:numero>/depots/<int:rang>/pdf/",
        api_pdf.DossierDepotPdf.as_view(),
        name="dossier-depot-pdf",
    ),
    # Last: any other address under /api/v1/ is a JSON 404 whatever DEBUG is (hn/views.py).
    re_path(r"^", RouteInconnue.as_view()),
]
