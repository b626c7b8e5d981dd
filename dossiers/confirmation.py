"""The confirmation step before an irreversible act (issue 19): a form's first submit renders
the confirmation page (the consequences, the same POST data carried as hidden fields); only a
POST with ``confirme=1`` acts. With JavaScript (static/hn/confirmation.js) the same page is
fetched and its ``[data-confirmation]`` block shown in a DSFR modal. The JSON API has no such
step (API.md is a stable contract)."""

from django.http import HttpResponse
from django.shortcuts import render

from dossiers import actions
from dossiers.contextes import contexte_dossier

NON_TRANSMIS = {"csrfmiddlewaretoken", "confirme", "annuler"}


def confirme(request) -> bool:
    return request.POST.get("confirme") == "1"


def annule(request) -> bool:
    """The confirmation page's « Annuler » (without JavaScript): back to the form, as typed."""
    return request.POST.get("annuler") == "1"


def apercu(request) -> bool:
    """The modal's background request (static/hn/confirmation.js)."""
    return request.headers.get("X-Confirmation") == "apercu"


def donnees_transmises(request) -> list[tuple[str, str]]:
    """The form's POST data, carried by the confirmation as hidden fields."""
    return [
        (nom, valeur)
        for nom, valeurs in request.POST.lists()
        if nom not in NON_TRANSMIS
        for valeur in valeurs
    ]


def rendre_confirmation(request, calcul, erreurs, gabarit: str, contexte):
    """The full page (and the modal's content) of ``calcul()``'s consequences, rendered with
    ``gabarit`` and ``contexte(consequences)``. An input the act would refuse raises one of
    ``erreurs`` for the view to show at the fields; to the modal's request it is a 204 (no
    message stored, no error in the browser's console): the script then submits the form
    normally, which shows them."""
    try:
        consequences = calcul()
    except erreurs:
        if apercu(request):
            return HttpResponse(status=204)
        raise
    donnees = {"consequences": consequences, "donnees": donnees_transmises(request)}
    return render(request, gabarit, contexte(consequences) | donnees)


def page_de_confirmation(request, dossier, calcul):
    """A dossier act's confirmation (dépôt, acceptance, refusal, closure)."""
    return rendre_confirmation(
        request,
        calcul,
        (actions.DossierError, actions.TransitionRefusee, actions.DepotIncomplet),
        "dossiers/confirmation.html",
        lambda consequences: contexte_dossier(request, dossier, title=consequences.titre),
    )
