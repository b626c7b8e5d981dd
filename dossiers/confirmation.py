"""The confirmation step before an irreversible act (issue 19): a form's first submit renders
the confirmation page (the consequences, the same POST data carried as hidden fields); only a
POST with ``confirme=1`` acts. With JavaScript (static/hn/confirmation.js) the same page is
fetched and its ``[data-confirmation]`` block shown in a DSFR modal. The JSON API has no such
step (API.md is a stable contract)."""

from django.shortcuts import render

from dossiers.contextes import contexte_dossier

NON_TRANSMIS = {"csrfmiddlewaretoken", "confirme", "annuler"}


def confirme(request) -> bool:
    return request.POST.get("confirme") == "1"


def annule(request) -> bool:
    """The confirmation page's "Revenir" (without JavaScript): back to the form, as typed."""
    return request.POST.get("annuler") == "1"


def page_de_confirmation(request, dossier, consequences, *, retour: str):
    """The full page (and the modal's content): ``retour`` is the page to go back to."""
    donnees = [
        (nom, valeur)
        for nom, valeurs in request.POST.lists()
        if nom not in NON_TRANSMIS
        for valeur in valeurs
    ]
    return render(
        request,
        "dossiers/confirmation.html",
        contexte_dossier(
            request,
            dossier,
            title=consequences.titre,
            consequences=consequences,
            donnees=donnees,
            retour=retour,
        ),
    )
