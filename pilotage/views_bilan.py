"""The bilan's PDF (issue 16 point 5): thin views over ``pilotage.bilan`` (figures,
fetch-and-authorise) and ``pilotage.document`` (HTML, PDF).

``/pilotage/<programme>/bilan.pdf``: the national bilan, the national level only (403 for
anyone else). ``/pilotage/<programme>/<region>/bilan.pdf``: a région's, for the national level
and that région's ARS (404 for anyone else, like an envelope outside one's scope); ``region`` is
the INSEE code of a current région (HN: its former régions together) or of a former one (HN).
"""

from django.contrib.auth.decorators import login_required

from hn.pdf import reponse_pdf
from pilotage import document
from pilotage.bilan import bilan, perimetre_visible


def _reponse(request, programme, region=None):
    b = bilan(perimetre_visible(request.user, programme, region))
    return reponse_pdf(document.pdf(b), document.nom_fichier(b))


@login_required
def bilan_national_pdf(request, programme):
    return _reponse(request, programme)


@login_required
def bilan_region_pdf(request, programme, region):
    return _reponse(request, programme, region)
