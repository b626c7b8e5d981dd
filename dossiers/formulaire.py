"""A refused form whose page is another one (POST, then redirect): its message goes at its
field through the messages framework (``extra_tags="champ:<name>"``, read by
``{% erreur_message %}`` of :mod:`hn.templatetags.formulaires`), and what was chosen comes back
in the query string."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

CHAMPS_DEMANDE = ("finess", "programme")


def demande_refusee(request, message: str):
    """The ES's dossier request refused: the message at the établissement field of the list
    page, the établissement and programme chosen still selected."""
    messages.error(request, message, extra_tags="champ:demande-finess")
    choix = {f"demande_{k}": request.POST.get(k, "")[:50] for k in CHAMPS_DEMANDE}
    return redirect(f"{reverse('dossiers:liste')}?{urlencode(choix)}#demander-dossier")
