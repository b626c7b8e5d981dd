"""A refused form whose page is another one (POST, then redirect): its message goes at its
field through the messages framework (``extra_tags="champ:<name>"``, read by
``{% erreur_message %}`` of :mod:`hn.templatetags.formulaires`), and what was chosen comes back
in the query string."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

CHAMPS_DEMANDE = ("finess", "programme")


MEMBRES_MAX = 100  # far above any GHT's établissements


def demande_refusee(request, message: str, *, champ: str = "finess"):
    """The ES's dossier request refused: the message at its field of the list page
    (``finess``, or ``membres`` for a GHT request's members), the établissement, programme and
    GHT members chosen still selected."""
    messages.error(request, message, extra_tags=f"champ:demande-{champ}")
    choix = [(f"demande_{k}", request.POST.get(k, "")[:50]) for k in CHAMPS_DEMANDE]
    choix += [("demande_membres", m[:20]) for m in request.POST.getlist("membres")[:MEMBRES_MAX]]
    return redirect(f"{reverse('dossiers:liste')}?{urlencode(choix)}#demander-dossier")
