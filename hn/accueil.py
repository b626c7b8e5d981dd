"""What the apps add to the core's pages: the home page's per-role blocks and the operations
page's backlog counts. Each app registers its contributions in its ``AppConfig.ready()``, so the
core names none of the apps built on it.

A home contribution receives the user's access (``hn.comptes.scopes.acces``) and returns the
context entries it adds (an empty dict when the role sees nothing of it); an operations
contribution receives today's date (Europe/Paris) and returns counts for ``en_souffrance``.
"""

from collections.abc import Callable

ACCUEIL: list[Callable] = []
OPERATIONS: list[Callable] = []


def contribution_accueil(fonction: Callable) -> Callable:
    """Decorator: ``fonction(acces) -> dict`` adds its entries to the home page's context."""
    if fonction not in ACCUEIL:
        ACCUEIL.append(fonction)
    return fonction


def contribution_operations(fonction: Callable) -> Callable:
    """Decorator: ``fonction(jour) -> dict`` adds its counts to the operations page."""
    if fonction not in OPERATIONS:
        OPERATIONS.append(fonction)
    return fonction


def contexte_accueil(acces) -> dict:
    contexte = {}
    for fonction in ACCUEIL:
        contexte.update(fonction(acces))
    return contexte


def en_souffrance(jour) -> dict:
    comptes = {}
    for fonction in OPERATIONS:
        comptes.update(fonction(jour))
    return comptes
