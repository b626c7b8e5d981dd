"""Loading the programmes' référentiel from ``fixtures/referentiel/*.json``.

Programmes are data: a new programme is a new JSON file, no code change. Loading creates what
is missing; rows the national level edited in the admin are left as they are unless
``mettre_a_jour=True`` (then the fixture's values win, and each change is traced).

Once a programme is loaded, ``programme_charge`` is sent: the apps that keep rows per programme
(the envelopes: ``enveloppes.chargement``) create theirs through the same ``Chargeur``, so they
are counted and traced like the référentiel's own rows.
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal

from hn.journal.services import difference, instantane, tracer
from hn.referentiel.enums import TypeIndicateur
from hn.referentiel.models import (
    Categorie,
    CoefficientActivite,
    Domaine,
    Echeance,
    Engagement,
    GrilleForfait,
    Indicateur,
    Prerequis,
    Programme,
    Region,
)

KEUR = Decimal(1000)

# Sent after each programme file is loaded, in the loading transaction, with ``programme``, the
# file's ``data`` and the ``chargeur`` to create rows with (``chargeur.upsert``).
programme_charge = Signal()


def dossier_fixtures() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "referentiel"


class Chargeur:
    """Creates what is missing; with ``mettre_a_jour``, overwrites and traces changes."""

    def __init__(self, mettre_a_jour: bool):
        self.mettre_a_jour = mettre_a_jour
        self.crees = 0
        self.modifies = 0

    def upsert(self, model, lookup: dict, valeurs: dict):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model.objects.create(**lookup, **valeurs)
            self.crees += 1
            return obj
        if self.mettre_a_jour:
            avant = instantane(obj, list(valeurs))
            for key, value in valeurs.items():
                setattr(obj, key, value)
            apres = instantane(obj, list(valeurs))
            avant, apres = difference(avant, apres)
            if apres:
                obj.save(update_fields=list(apres))
                self.modifies += 1
                tracer("referentiel_modifie", objet=obj, avant=avant, apres=apres)
        return obj


def _indicateurs(chargeur, programme, data, *, prerequis=None, domaine=None, ordre_depart=0):
    for i, ind in enumerate(data, start=ordre_depart):
        cible = ind.get("cible")
        chargeur.upsert(
            Indicateur,
            {"programme": programme, "code": ind["code"]},
            {
                "prerequis": prerequis,
                "domaine": domaine,
                "libelle": ind["libelle"],
                "type": TypeIndicateur(ind["type"]),
                "cible": Decimal(cible) if cible is not None else None,
                "cible_a_confirmer": bool(ind.get("cible_a_confirmer", False)),
                "cible_libelle": ind.get("cible_libelle") or "",
                "libelle_a_confirmer": bool(ind.get("libelle_a_confirmer", False)),
                "source": ind.get("source", ""),
                # GHT convergence [003 A1 "Déclinaison GHT"]: empty = none for this indicator.
                "declinaison_ght": ind.get("declinaison_ght", ""),
                "ordre": i,
            },
        )


def charger_regions(chargeur, data):
    actuelles = {}
    for reg in data["regions"]:
        if reg.get("region_actuelle"):
            continue
        actuelles[reg["code"]] = chargeur.upsert(
            Region, {"code": reg["code"], "decoupage": reg["decoupage"]}, {"nom": reg["nom"]}
        )
    for reg in data["regions"]:
        if not reg.get("region_actuelle"):
            continue
        chargeur.upsert(
            Region,
            {"code": reg["code"], "decoupage": reg["decoupage"]},
            {"nom": reg["nom"], "region_actuelle": actuelles[reg["region_actuelle"]]},
        )


def charger_programme(chargeur, data, ordre):
    programme = chargeur.upsert(
        Programme,
        {"code": data["code"]},
        {
            "nom": data["nom"],
            "decoupage": data["decoupage"],
            "annee_reference_activite": data["annee_reference_activite"],
            "montant_total_publie": Decimal(data["montant_total_publie_keur"]) * KEUR,
            "part_amorcage": Decimal(data["part_amorcage"]),
            "source": data.get("source", ""),
            "ordre": ordre,
            "eligibilite": data.get("eligibilite", []),
        },
    )
    _bareme(chargeur, programme, data)
    _calendrier(chargeur, programme, data)
    for i, pre in enumerate(data["prerequis"]):
        prerequis = chargeur.upsert(
            Prerequis,
            {"programme": programme, "code": pre["code"]},
            {"libelle": pre["libelle"], "ordre": i},
        )
        _indicateurs(
            chargeur, programme, pre["indicateurs"], prerequis=prerequis, ordre_depart=i * 100
        )
    for i, dom in enumerate(data["domaines"]):
        _domaine(chargeur, programme, dom, i)
    programme_charge.send(sender=Programme, programme=programme, data=data, chargeur=chargeur)
    return programme


def _bareme(chargeur, programme, data):
    for volume, coefficient in data["coefficients"].items():
        chargeur.upsert(
            CoefficientActivite,
            {"programme": programme, "volume": volume},
            {"coefficient": Decimal(coefficient)},
        )
    for cat in data["categories"]:
        chargeur.upsert(
            Categorie,
            {"programme": programme, "code": cat["code"]},
            {"borne_min": cat["borne_min"], "borne_max": cat["borne_max"]},
        )


def _calendrier(chargeur, programme, data):
    for ech in data.get("calendrier", []):
        chargeur.upsert(
            Echeance,
            {"programme": programme, "code": ech["code"]},
            {
                "libelle": ech["libelle"],
                "date": date.fromisoformat(ech["date"]),
                "date_a_confirmer": bool(ech.get("date_a_confirmer", False)),
                "source": ech.get("source", ""),
            },
        )
    for i, eng in enumerate(data.get("engagements", [])):
        chargeur.upsert(
            Engagement,
            {"programme": programme, "code": eng["code"]},
            {"libelle": eng["libelle"], "source": eng.get("source", ""), "ordre": i},
        )


def _domaine(chargeur, programme, dom, i):
    avance = dom.get("avance") or {}
    domaine = chargeur.upsert(
        Domaine,
        {"programme": programme, "code": dom["code"]},
        {
            "libelle": dom["libelle"],
            "ordre": i,
            "avance_indicateur": avance.get("indicateur", ""),
            "avance_condition": avance.get("condition", ""),
        },
    )
    _indicateurs(
        chargeur, programme, dom["indicateurs"], domaine=domaine, ordre_depart=1000 + i * 100
    )
    for cle, avance_flag in (("standard", False), ("avance", True)):
        grille = dom["grille_keur"].get(cle)
        if not grille:
            continue
        for categorie, (minimum, maximum) in grille.items():
            chargeur.upsert(
                GrilleForfait,
                {"domaine": domaine, "categorie": categorie, "avance": avance_flag},
                {
                    "montant_min": Decimal(str(minimum)) * KEUR,
                    "montant_max": Decimal(str(maximum)) * KEUR,
                },
            )


@transaction.atomic
def charger_referentiel(repertoire: Path | None = None, *, mettre_a_jour=False) -> tuple[int, int]:
    """Load régions then every programme file; returns (created, updated) row counts."""
    repertoire = repertoire or dossier_fixtures()
    chargeur = Chargeur(mettre_a_jour)
    charger_regions(chargeur, json.loads((repertoire / "regions.json").read_text("utf-8")))
    fichiers = sorted(p for p in repertoire.glob("*.json") if p.name != "regions.json")
    for ordre, chemin in enumerate(fichiers):
        charger_programme(chargeur, json.loads(chemin.read_text("utf-8")), ordre)
    return chargeur.crees, chargeur.modifies
