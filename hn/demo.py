"""Demo data (``python manage.py demo``): the référentiel, a few hundred établissements with
realistic activity figures, GHT, the accounts of API.md, dossiers in every state with their
money and follow-up, last year's audits of région 84 in every state, the HOP'EN 2019 AMI's
pré-candidatures with région 84's programmation and an open call. Deterministic and
idempotent.

Project wiring, like ``hn.urls``: it orchestrates the demo modules each app owns
(``hn.referentiel.demo``, ``hn.comptes.demo``, ``dossiers.demo``, ``enveloppes.demo``,
``indicateurs.demo``, ``audits.demo``, ``candidatures.demo``) and is the one place allowed to
import them all."""

import random

from django.db import transaction

from audits import demo as audits_demo
from candidatures import demo as candidatures_demo
from dossiers import demo as dossiers_demo
from enveloppes import demo as enveloppes_demo
from hn.comptes import demo as comptes_demo
from hn.notifications.services import en_lot
from hn.referentiel import demo as referentiel_demo
from hn.referentiel.chargement import charger_referentiel
from indicateurs import demo as indicateurs_demo

DemoImpossible = dossiers_demo.DemoImpossible


@transaction.atomic
def charger_demo(nombre_etablissements: int = 300) -> dict:
    dossiers_demo.exiger_antivirus()  # before anything is written
    charger_referentiel()
    rng = random.Random(20130604)  # the date of the HN instruction: reproducible data
    etablissements = referentiel_demo.charger_etablissements(
        nombre_etablissements, rng, poids=enveloppes_demo.poids_des_regions()
    )
    comptes = comptes_demo.charger_comptes()
    suites = dossiers_demo.Suites(
        amorcage=enveloppes_demo.amorcage_demo,
        versements=enveloppes_demo.verser_amorcage,
        suivi=indicateurs_demo.suivre,
    )
    # The demo's history notifies in the application but mails nobody; the deadlines it
    # leaves due are notified, and mailed, by the first sweep.
    par_region_actuelle = etablissements.par_region_actuelle
    with en_lot(courriels=False):
        dossiers = dossiers_demo.charger_dossiers(par_region_actuelle, rng, suites=suites)
        # HOP'EN's gate: a request needs a pre-selected pré-candidature.
        precandidatures = candidatures_demo.preselectionner_reserves(
            dossiers_demo.etablissements_des_demandes(par_region_actuelle)
            + dossiers_demo.etablissements_des_ght()
        )
        demandes = dossiers_demo.charger_demandes(par_region_actuelle)
        dossiers += dossiers_demo.charger_dossiers_ght(suites=suites)
        audits = audits_demo.charger_audits(par_region_actuelle, rng, suites=suites)
        precandidatures += candidatures_demo.charger_ami(par_region_actuelle)
        candidatures_demo.ouvrir_campagne()
    return {
        "etablissements": etablissements.cree,
        "comptes": comptes,
        "dossiers": dossiers,
        "demandes": demandes,
        "audits": audits,
        "precandidatures": precandidatures,
    }
