"""Housekeeping kinds of the sweep that belong to the core, not to an app built on a dossier
(registered by ``TachesConfig.ready()``, so they run first)."""

from hn.comptes.jetons import purger_expires
from hn.taches.registre import Bilan, echeance


@echeance("jetons_expires", "Jetons d'API expirés", "jeton(s) d'API expiré(s) supprimé(s)")
def jetons_expires(jour, bilan: Bilan) -> None:
    bilan.traites += purger_expires()


@echeance("exports", "Exports en tâche de fond", "export(s) de plus de 7 jours supprimé(s)")
def exports_expires(jour, bilan: Bilan) -> None:
    from hn.taches import exports

    bilan.traites += exports.purger()
    exports.relancer_en_attente()
