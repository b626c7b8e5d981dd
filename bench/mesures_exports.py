"""The background exports' measure of the bench (issue 16 point 7): the CSV of every dossier of
the data set (66,000 at ten times the volume) produced by the body of the task ``hn.export``
(``hn.taches.exports.produire``: the national list's rows streamed from the database into the
storage, progress written every 1,000 rows) ≤ 10 s. Run as the national pilot ``dgos`` inside a
transaction rolled back at the end (the data set is left as it was; the file is deleted)."""

import time

from bench.budgets import EXPORT_FOND

NOM = "Export CSV de tous les dossiers (tâche de fond)"


def scenarios(banc, repetitions: int = 3):
    from django.db import transaction

    from bench.mesurer import Compteur, Resultat, _stats
    from hn.comptes.models import User
    from hn.taches import exports
    from hn.taches.models import StatutExport

    banc.log("Exports en tâche de fond :")
    banc.noter_charge()
    dgos = User.objects.get(username="dgos")
    durees, requetes, total, taille = [], 0, 0, 0
    try:
        with transaction.atomic():
            for _ in range(repetitions):
                export = exports.demander(dgos, "dossiers", {"format": ["csv"]})
                compteur = Compteur()
                with banc.connection.execute_wrapper(compteur):
                    debut = time.perf_counter()
                    export = exports.produire(export.pk)
                    durees.append(time.perf_counter() - debut)
                if export.statut != StatutExport.PRET:
                    raise RuntimeError(export.erreur)
                requetes, total, taille = compteur.n, export.total, export.fichier.size
                export.fichier.delete(save=False)
            transaction.set_rollback(True)
    except Exception as exc:  # reported with the other figures
        banc.ajouter(
            Resultat(NOM, None, None, None, None, EXPORT_FOND, None, categorie="tâche",
                     note=f"échec : {type(exc).__name__}: {exc}"[:300])
        )  # fmt: skip
        return
    banc.ajouter(
        Resultat(NOM, *_stats(durees), requetes, EXPORT_FOND, total, repetitions, "tâche",
                 utilisateur="dgos", note=f"{total} lignes, fichier de {taille / 1e6:.1f} Mo")
    )  # fmt: skip
