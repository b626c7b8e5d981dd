from django.db import models

from hn.taches.registre import REGISTRE, resume


class Statut(models.TextChoices):
    EN_COURS = "en_cours", "En cours"
    REUSSIE = "reussie", "Réussie"
    PARTIELLE = "partielle", "Réussie avec erreurs"
    ECHEC = "echec", "Échec"


# How a run was started (``hn.taches.execution``), as the operations page says it.
MODES = {
    "celery": "automatique",
    "embarqué": "automatique, planificateur intégré",
    "commande": "lancée à la main",
}


class ExecutionTache(models.Model):
    """One run of a periodic task, whoever ran it (Celery worker, embedded scheduler,
    ``run_deadlines``): what the operations page shows."""

    nom = models.CharField(max_length=50)
    mode = models.CharField(max_length=20)
    debut = models.DateTimeField()
    fin = models.DateTimeField(null=True, blank=True)
    statut = models.CharField(max_length=10, choices=Statut.choices, default=Statut.EN_COURS)
    compteurs = models.JSONField(default=dict, blank=True)
    erreurs = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "exécution de tâche"
        ordering = ["-debut", "-pk"]
        indexes = [models.Index(fields=["nom", "-debut"], name="execution_tache_recente")]

    def __str__(self):
        return f"{self.nom} {self.debut:%d/%m/%Y %H:%M}"

    @property
    def mode_libelle(self) -> str:
        return MODES.get(self.mode, self.mode)

    @property
    def bilan(self) -> list[str]:
        """What the run did, one line per kind, named in French (``run_deadlines`` prints the
        same lines named by their codes)."""
        return [
            resume(code, c, pour_page=True)
            if code in REGISTRE or code == "courriels"
            else f"{code} : {c}"
            for code, c in self.compteurs.items()
        ]

    @property
    def duree(self):
        return (self.fin - self.debut) if self.fin else None
