import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

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


# --- background exports (issue 16) -----------------------------------------------------------


class StatutExport(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    PRET = "pret", "Prêt"
    ECHEC = "echec", "Échec"


def chemin_export(instance, filename: str) -> str:
    return f"exports/{instance.pk}/{filename}"


class Export(models.Model):
    """A list's file produced out of the request (``hn.taches.exports``): who asked for it, with
    which filters, under which scope; its progress, then its file (private default storage,
    served only to its requester while the scope is unchanged)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    demandeur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    producteur = models.CharField(max_length=50)
    # The list's GET filters (``format`` included), each key with its list of values.
    parametres = models.JSONField(default=dict, blank=True)
    # ``hn.taches.exports.signature`` of the requester's scope when asked.
    signature = models.CharField(max_length=64)
    statut = models.CharField(
        max_length=10, choices=StatutExport.choices, default=StatutExport.EN_ATTENTE
    )
    faites = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    fichier = models.FileField(upload_to=chemin_export, max_length=200, blank=True)
    nom_fichier = models.CharField(max_length=200, blank=True)
    cree_le = models.DateTimeField(default=timezone.now)
    debut = models.DateTimeField(null=True, blank=True)
    fin = models.DateTimeField(null=True, blank=True)
    erreur = models.TextField(blank=True)

    class Meta:
        verbose_name = "export"
        ordering = ["-cree_le"]
        indexes = [
            models.Index(fields=["demandeur", "-cree_le"], name="export_demandeur"),
            models.Index(fields=["statut", "cree_le"], name="export_statut"),
        ]

    def __str__(self):
        return f"{self.producteur} {self.cree_le:%d/%m/%Y %H:%M}"

    @property
    def format(self) -> str:
        return (self.parametres.get("format") or [""])[0]

    @property
    def pourcentage(self) -> int:
        if self.statut == StatutExport.PRET:
            return 100
        return min(100, self.faites * 100 // self.total) if self.total else 0
