"""What the apps built on a dossier add to its pages: the layers point one way.

``dossiers`` never imports the apps above it (enveloppes, indicateurs, audits...). An app that
shows something of its own on a dossier page registers a function in its ``AppConfig.ready()``:
``contribuer(INSTRUCTION, fonction)``; ``fonction(dossier)`` returns a dict merged into the
page's template context (``contexte_contribue(INSTRUCTION, dossier)``). Without the app, the
page renders without those keys.
"""

from collections.abc import Callable

INSTRUCTION = "instruction"  # the ARS's instruction page (dossiers:instruction)
CLOTURE = "cloture"  # the confirmation of a dossier's closure (dossiers.consequences.cloture)

_contributions: dict[str, list[Callable[..., dict]]] = {}


def contribuer(page: str, fonction: Callable[..., dict]) -> None:
    """Register ``fonction(dossier) -> dict`` for ``page``; registering twice is a no-op."""
    fonctions = _contributions.setdefault(page, [])
    if fonction not in fonctions:
        fonctions.append(fonction)


def contexte_contribue(page: str, dossier) -> dict:
    """The context every registered app adds to ``page`` for ``dossier``, in registration
    order."""
    contexte: dict = {}
    for fonction in _contributions.get(page, ()):
        contexte.update(fonction(dossier))
    return contexte
