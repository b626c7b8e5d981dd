"""Writing the trace. Call inside the transaction of the change it records."""

from django.db import models

from hn.journal.models import SYSTEME, Evenement


def instantane(instance: models.Model, fields: list[str] | None = None) -> dict:
    """An instance's concrete field values (before/after images).

    Values stay Python values (Decimal, date, ...) so that comparisons are by value
    (Decimal("70.00") == Decimal("70")); the journal's JSON encoder serialises them.
    """
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: getattr(instance, name) for name in names}


def difference(avant: dict, apres: dict) -> tuple[dict, dict]:
    keys = [k for k in apres if avant.get(k) != apres.get(k)]
    return {k: avant.get(k) for k in keys}, {k: apres.get(k) for k in keys}


def tracer(
    action: str,
    *,
    acteur=None,
    objet: models.Model | None = None,
    etablissement=None,
    region=None,
    avant: dict | None = None,
    apres: dict | None = None,
    commentaire: str = "",
    reserve_etablissement: bool = False,
) -> Evenement:
    """Append one row to the trace. ``acteur=None`` records the system."""
    return Evenement.objects.create(
        acteur=acteur if acteur is not None and acteur.is_authenticated else None,
        acteur_nom=acteur.get_username() if acteur is not None and acteur.pk else SYSTEME,
        action=action,
        objet_type=objet._meta.label_lower if objet is not None else "",
        objet_id=str(objet.pk) if objet is not None else "",
        objet_libelle=str(objet)[:255] if objet is not None else "",
        etablissement=etablissement,
        region=region,
        avant=avant,
        apres=apres,
        commentaire=commentaire,
        reserve_etablissement=reserve_etablissement,
    )
