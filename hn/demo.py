"""Demo data (``python manage.py demo``): the référentiel, a few hundred établissements with
realistic activity figures, GHT, and the accounts of API.md. Deterministic and idempotent."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hn.comptes import actions
from hn.comptes.enums import Role
from hn.comptes.models import Attribution, User
from hn.dates import (
    PARIS,
    ajouter_mois,
    aujourd_hui,
    date_paris,
    echeance_decision,
    echeance_initialisation,
)
from hn.notifications.services import en_lot
from hn.referentiel.chargement import charger_referentiel
from hn.referentiel.enums import Decoupage, Statut
from hn.referentiel.finess import completer_finess
from hn.referentiel.models import GHT, ActiviteEtablissement, Etablissement, Programme, Region

# Former région -> (départements with their chef-lieu). DOM use the FINESS prefix 97x.
DEPARTEMENTS = {
    "42": [("67", "Strasbourg"), ("68", "Colmar")],
    "72": [
        ("24", "Périgueux"),
        ("33", "Bordeaux"),
        ("40", "Mont-de-Marsan"),
        ("47", "Agen"),
        ("64", "Pau"),
    ],
    "83": [
        ("03", "Moulins"),
        ("15", "Aurillac"),
        ("43", "Le Puy-en-Velay"),
        ("63", "Clermont-Ferrand"),
    ],
    "25": [("14", "Caen"), ("50", "Saint-Lô"), ("61", "Alençon")],
    "26": [("21", "Dijon"), ("58", "Nevers"), ("71", "Mâcon"), ("89", "Auxerre")],
    "53": [("22", "Saint-Brieuc"), ("29", "Quimper"), ("35", "Rennes"), ("56", "Vannes")],
    "24": [
        ("18", "Bourges"),
        ("28", "Chartres"),
        ("36", "Châteauroux"),
        ("37", "Tours"),
        ("41", "Blois"),
        ("45", "Orléans"),
    ],
    "21": [("08", "Charleville-Mézières"), ("10", "Troyes"), ("51", "Reims"), ("52", "Chaumont")],
    "94": [("2A", "Ajaccio"), ("2B", "Bastia")],
    "43": [("25", "Besançon"), ("39", "Lons-le-Saunier"), ("70", "Vesoul"), ("90", "Belfort")],
    "01": [("971", "Pointe-à-Pitre")],
    "03": [("973", "Cayenne")],
    "23": [("27", "Évreux"), ("76", "Rouen")],
    "11": [
        ("75", "Paris"),
        ("77", "Melun"),
        ("78", "Versailles"),
        ("91", "Évry"),
        ("92", "Nanterre"),
        ("93", "Bobigny"),
        ("94", "Créteil"),
        ("95", "Pontoise"),
    ],
    "91": [
        ("11", "Carcassonne"),
        ("30", "Nîmes"),
        ("34", "Montpellier"),
        ("48", "Mende"),
        ("66", "Perpignan"),
    ],
    "74": [("19", "Tulle"), ("23", "Guéret"), ("87", "Limoges")],
    "41": [("54", "Nancy"), ("55", "Bar-le-Duc"), ("57", "Metz"), ("88", "Épinal")],
    "02": [("972", "Fort-de-France")],
    "73": [
        ("09", "Foix"),
        ("12", "Rodez"),
        ("31", "Toulouse"),
        ("32", "Auch"),
        ("46", "Cahors"),
        ("65", "Tarbes"),
        ("81", "Albi"),
        ("82", "Montauban"),
    ],
    "31": [("59", "Lille"), ("62", "Arras")],
    "04": [("974", "Saint-Denis")],
    "52": [
        ("44", "Nantes"),
        ("49", "Angers"),
        ("53", "Laval"),
        ("72", "Le Mans"),
        ("85", "La Roche-sur-Yon"),
    ],
    "22": [("02", "Laon"), ("60", "Beauvais"), ("80", "Amiens")],
    "54": [("16", "Angoulême"), ("17", "La Rochelle"), ("79", "Niort"), ("86", "Poitiers")],
    "93": [
        ("04", "Digne-les-Bains"),
        ("05", "Gap"),
        ("06", "Nice"),
        ("13", "Marseille"),
        ("83", "Toulon"),
        ("84", "Avignon"),
    ],
    "82": [
        ("01", "Bourg-en-Bresse"),
        ("07", "Privas"),
        ("26", "Valence"),
        ("38", "Grenoble"),
        ("42", "Saint-Étienne"),
        ("69", "Lyon"),
        ("73", "Chambéry"),
        ("74", "Annecy"),
    ],
}
MAYOTTE = [("976", "Mamoudzou")]

NOMS_PRIVES = [
    "Saint-Joseph",
    "du Parc",
    "des Cèdres",
    "Sainte-Marie",
    "Les Tilleuls",
    "du Val",
    "Pasteur",
    "Bon Secours",
    "Les Lilas",
    "de l'Espérance",
]

# (statut, kind, weight): kinds drive activities and volumes.
PROFILS = [
    (Statut.PUBLIC, "ch", 30),
    (Statut.PUBLIC, "chs", 6),
    (Statut.PUBLIC, "hl", 6),
    (Statut.PRIVE_LUCRATIF, "clinique", 22),
    (Statut.PRIVE_LUCRATIF, "ssr", 8),
    (Statut.PRIVE_NON_LUCRATIF, "espic", 10),
    (Statut.PRIVE_NON_LUCRATIF, "had", 3),
]

# Fixed établissements of API.md (ES A, ES B, ES C).
ES_FIXES = [
    ("690000013", "Centre hospitalier de démonstration A", "84", "82", Statut.PUBLIC, "ch"),
    ("690000021", "Clinique de démonstration B", "84", "82", Statut.PRIVE_LUCRATIF, "clinique"),
    ("750000036", "Hôpital de démonstration C", "11", "11", Statut.PRIVE_NON_LUCRATIF, "espic"),
]

COMPTES = [
    # username, first, last, role, scope kind, scope key
    ("es_gestionnaire", "Élise", "Gestionnaire", Role.ES_GESTIONNAIRE, "es", "690000013"),
    ("es_lecteur", "Étienne", "Lecteur", Role.ES_LECTEUR, "es", "690000013"),
    ("es2_gestionnaire", "Bérénice", "Gestionnaire", Role.ES_GESTIONNAIRE, "es", "690000021"),
    ("es3_gestionnaire", "Camille", "Gestionnaire", Role.ES_GESTIONNAIRE, "es", "750000036"),
    ("es_admin", "Adèle", "Administratrice", Role.ADMINISTRATEUR, "es", "690000013"),
    ("ars_valideur", "Valérie", "CMSI", Role.ARS_VALIDEUR, "ars", "84"),
    ("ars_lecteur", "Louis", "Lecteur ARS", Role.ARS_LECTEUR, "ars", "84"),
    ("ars_auditeur", "Aude", "Auditrice", Role.ARS_AUDITEUR, "ars", "84"),
    ("ars_admin", "Arnaud", "Administrateur ARS", Role.ADMINISTRATEUR, "ars", "84"),
    ("ars11_valideur", "Victor", "CMSI Île-de-France", Role.ARS_VALIDEUR, "ars", "11"),
    ("dgos", "Diane", "Pilote DGOS", Role.NATIONAL_PILOTE, "national", None),
    ("dgos_lecteur", "Denis", "Lecteur DGOS", Role.NATIONAL_LECTEUR, "national", None),
]


def _finess(departement: str, sequences: dict) -> str:
    """Next FINESS of a département; sequences start at 100, clear of the fixed ES."""
    sequences[departement] = sequences.get(departement, 99) + 1
    longueur = 8 - len(departement)
    return completer_finess(f"{departement}{sequences[departement]:0{longueur}d}")


def _activites(kind):
    return {
        "ch": {"mco": True, "ssr": True, "psy": False, "had": False},
        "chs": {"mco": False, "ssr": False, "psy": True, "had": False},
        "hl": {"mco": True, "ssr": True, "psy": False, "had": False},
        "clinique": {"mco": True, "ssr": False, "psy": False, "had": False},
        "ssr": {"mco": False, "ssr": True, "psy": False, "had": False},
        "espic": {"mco": True, "ssr": True, "psy": False, "had": True},
        "had": {"mco": False, "ssr": False, "psy": False, "had": True},
    }[kind]


def _volumes(rng, kind, activites):
    """Reference-year volumes of a plausible size for the kind of établissement."""
    taille = {
        "ch": (20_000, 320_000),
        "hl": (3_000, 15_000),
        "clinique": (8_000, 70_000),
        "espic": (15_000, 120_000),
    }.get(kind, (0, 0))
    mco = rng.randint(*taille) if activites["mco"] else 0
    return {
        "journees_mco": mco,
        "seances_mco": rng.randint(0, mco // 8) if mco else 0,
        "hdj_chirurgie_ambulatoire": rng.randint(mco // 40, mco // 10) if mco else 0,
        "hdj_hors_chirurgie_ambulatoire": rng.randint(0, mco // 12) if mco else 0,
        "journees_ssr": rng.randint(4_000, 45_000) if activites["ssr"] else 0,
        "journees_psy": rng.randint(20_000, 120_000) if activites["psy"] else 0,
        "journees_had": rng.randint(5_000, 30_000) if activites["had"] else 0,
    }


def _nom(rng, kind, ville, numero):
    prive = rng.choice(NOMS_PRIVES)
    return {
        "ch": f"Centre hospitalier de {ville}" + (f" {numero}" if numero > 1 else ""),
        "chs": f"Centre hospitalier spécialisé de {ville}",
        "hl": f"Hôpital local de {ville}" + (f" {numero}" if numero > 1 else ""),
        "clinique": f"Clinique {prive} — {ville}",
        "ssr": f"Centre de soins de suite {prive} — {ville}",
        "espic": f"Hôpital privé {prive} — {ville}",
        "had": f"HAD {prive} — {ville}",
    }[kind]


def _upsert_etablissement(finess, nom, region, region_historique, statut, kind, rng, programmes):
    activites = _activites(kind)
    etab, _ = Etablissement.objects.update_or_create(
        finess=finess,
        defaults={
            "raison_sociale": nom,
            "region": region,
            "region_historique": region_historique,
            "statut": statut,
            **activites,
        },
    )
    base = _volumes(rng, kind, activites)
    for programme in programmes:
        # HOP'EN's reference year (2017) drifts from HN's (2011).
        facteur = (
            Decimal(1)
            if programme.annee_reference_activite <= 2011
            else Decimal(rng.randint(92, 112)) / 100
        )
        volumes = {k: int(Decimal(v) * facteur) for k, v in base.items()}
        ActiviteEtablissement.objects.update_or_create(
            etablissement=etab, programme=programme, defaults=volumes
        )
    return etab


@transaction.atomic
def charger_demo(nombre_etablissements: int = 300) -> dict:
    charger_referentiel()
    rng = random.Random(20130604)  # the date of the HN instruction: reproducible data
    programmes = list(Programme.objects.all())
    actuelles = {r.code: r for r in Region.objects.filter(decoupage=Decoupage.ACTUEL)}
    anciennes = {r.code: r for r in Region.objects.filter(decoupage=Decoupage.ANCIEN)}

    fixes = []
    for finess, nom, reg, hist, statut, kind in ES_FIXES:
        fixes.append(
            _upsert_etablissement(
                finess, nom, actuelles[reg], anciennes[hist], statut, kind, rng, programmes
            )
        )

    # Spread the others over the former régions, roughly in proportion to the HN envelopes.
    hn = Programme.objects.get(code="HN")
    poids = {e.region.code: e.montant_publie for e in hn.enveloppes.select_related("region")}
    total = sum(poids.values())
    kinds = [(s, k) for s, k, w in PROFILS for _ in range(w)]
    cree = len(fixes)
    numeros: dict[str, int] = {}
    sequences: dict[str, int] = {}
    par_region_actuelle: dict[str, list] = {}
    for code_ancienne, montant in sorted(poids.items()):
        quota = max(2, round(nombre_etablissements * montant / total))
        ancienne = anciennes[code_ancienne]
        for i in range(quota):
            dept, ville = DEPARTEMENTS[code_ancienne][i % len(DEPARTEMENTS[code_ancienne])]
            statut, kind = kinds[rng.randrange(len(kinds))]
            numeros[ville] = numeros.get(ville, 0) + 1
            finess = _finess(dept, sequences)
            etab = _upsert_etablissement(
                finess,
                _nom(rng, kind, ville, numeros[ville]),
                ancienne.region_actuelle,
                ancienne,
                statut,
                kind,
                rng,
                programmes,
            )
            par_region_actuelle.setdefault(ancienne.region_actuelle.code, []).append(etab)
            cree += 1
    # Mayotte: current région of HOP'EN only (HN's Océan Indien maps onto La Réunion).
    for i in range(2):
        dept, ville = MAYOTTE[0]
        finess = _finess(dept, sequences)
        etab = _upsert_etablissement(
            finess,
            _nom(rng, "ch", ville, i + 1),
            actuelles["06"],
            None,
            Statut.PUBLIC,
            "ch",
            rng,
            programmes,
        )
        par_region_actuelle.setdefault("06", []).append(etab)
        cree += 1

    _ghts(actuelles, par_region_actuelle, fixes)
    comptes = _comptes(actuelles)
    # The demo's history notifies in the application but mails nobody; the deadlines it
    # leaves due are notified, and mailed, by the first sweep.
    with en_lot(courriels=False):
        dossiers = _dossiers(par_region_actuelle, rng)
        demandes = _demandes(par_region_actuelle)
    return {
        "etablissements": cree,
        "comptes": comptes,
        "dossiers": dossiers,
        "demandes": demandes,
    }


def _ghts(actuelles, par_region_actuelle, fixes):
    """One or two GHT per région grouping its public établissements; support = the largest."""
    es_a, es_b, _ = fixes
    ght_demo, _ = GHT.objects.update_or_create(
        nom="GHT Rhône Centre (démonstration)", defaults={"region": actuelles["84"]}
    )
    for etab in (es_a, es_b):
        etab.ght = ght_demo
        etab.save(update_fields=["ght"])
    ght_demo.support = es_a
    ght_demo.save(update_fields=["support"])
    for code, etabs in sorted(par_region_actuelle.items()):
        publics = [e for e in etabs if e.statut == Statut.PUBLIC]
        if len(publics) < 2:
            continue
        ght, _ = GHT.objects.update_or_create(
            nom=f"GHT {actuelles[code].nom}", defaults={"region": actuelles[code]}
        )
        for etab in publics:
            etab.ght = ght
            etab.save(update_fields=["ght"])
        support = max(publics, key=lambda e: e.volumes.first().journees_mco)
        if ght.support_id != support.pk:
            ght.support = support
            ght.save(update_fields=["support"])


def _comptes(actuelles) -> list[tuple[str, str, str]]:
    password = settings.DEMO_PASSWORD
    admin, _ = User.objects.update_or_create(
        username="admin",
        defaults={
            "is_superuser": True,
            "is_staff": True,
            "first_name": "Administrateur",
            "last_name": "technique",
            "email": "admin@demo.localhost",
        },
    )
    admin.set_password(password)
    admin.save()
    rows = [("admin", "Superutilisateur", "—")]
    for username, first, last, role, kind, key in COMPTES:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.localhost",
            },
        )
        user.set_password(password)
        user.save()
        etablissement = Etablissement.objects.get(finess=key) if kind == "es" else None
        region = actuelles[key] if kind == "ars" else None
        existe = Attribution.objects.filter(
            user=user, role=role, etablissement=etablissement, region=region
        ).exists()
        if not existe:
            actions.attribuer_role(
                user=user,
                role=role,
                etablissement=etablissement,
                region=region,
                acting_user=admin,
            )
        portee = etablissement or region
        rows.append((username, Role(role).label, str(portee) if portee else "National"))
    return rows


# --- dossiers in every state ------------------------------------------------------------------
# (région, programme, state, requested domaines, selected domaines). ES A, B and C keep no
# HOP'EN dossier so that a new user can walk the whole workflow from the request on.
PLAN_DOSSIERS = [
    ("84", "HN", "accepte", ("D1", "D2", "D3"), ("D1", "D2")),
    ("84", "HN", "accepte", ("D4", "D5"), ("D4",)),
    ("84", "HN", "refuse_enveloppe", ("D2",), ()),
    ("84", "HN", "depose", ("D2", "D3"), ()),
    ("84", "HN", "reporte", ("D1",), ()),
    ("84", "HN", "en_saisie", (), ()),
    ("84", "HN", "refuse_implicite", ("D3",), ()),
    ("84", "HN", "clos", ("D1", "D2"), ("D1",)),
    ("84", "HOPEN", "accepte", ("D1", "D2", "D6"), ("D1", "D2", "D6")),
    ("84", "HOPEN", "accepte", ("D3", "D5"), ("D3",)),
    ("84", "HOPEN", "depose", ("D2", "D3"), ()),
    ("84", "HOPEN", "depose", ("D7",), ()),
    ("84", "HOPEN", "reporte", ("D2",), ()),
    ("84", "HOPEN", "en_saisie", (), ()),
    ("84", "HOPEN", "refuse_prerequis", ("D4",), ()),
    ("84", "HOPEN", "refuse_implicite", ("D5",), ()),
    ("84", "HOPEN", "clos", ("D2",), ("D2",)),
    ("11", "HN", "accepte", ("D2",), ("D2",)),
    ("11", "HN", "depose", ("D3",), ()),
    ("11", "HOPEN", "accepte", ("D2", "D3"), ("D2", "D3")),
    ("11", "HOPEN", "depose", ("D1",), ()),
    ("11", "HOPEN", "en_saisie", (), ()),
    # Deadlines (issue 4): the first sweep sends the ARS its J-15 reminder for one, and
    # refuses the other implicitly (its four months ran out yesterday).
    ("84", "HN", "depose_echeance_proche", ("D1",), ()),
    ("11", "HN", "depose_expire", ("D4",), ()),
]


def _saisie_demo(programme, domaines, rng) -> dict:
    prerequis = programme.indicateurs.filter(prerequis__isnull=False)
    return {
        "engagements": list(programme.engagements.values_list("code", flat=True)),
        "commentaire_etablissement": "Établissement engagé dans la convergence de son GHT.",
        "description_projet": "Déploiement progressif dans l'ensemble des services de soins, "
        "en lien avec la trajectoire du schéma directeur du SI.",
        "motivation": "Projet porté par la direction et la CME ; référents métiers désignés "
        "dans chaque pôle.",
        "mutualise": rng.random() < 0.3,
        "partenaires": "Établissements du GHT (dossier patient commun).",
        "contacts": [
            {
                "type": t,
                "nom": nom,
                "fonction": fonction,
                "email": f"{t}@demo.localhost",
                "telephone": "04 00 00 00 00",
            }
            for t, nom, fonction in (
                ("contact", "Claire Martin", "Chargée de mission SI"),
                ("responsable_projet", "Hugo Bernard", "Chef de projet"),
                ("dsi", "Nadia Petit", "DSI"),
                ("directeur", "Paul Durand", "Directeur"),
            )
        ],
        "domaines": [
            {
                "code": code,
                "demande": True,
                "avancement": "deploiement",
                "date_cible": f"{2017 if programme.code == 'HN' else 2022}-06-30",
                "cout": str(rng.randrange(40, 400) * 1000),
            }
            for code in domaines
        ],
        "indicateurs": [
            {"code": i.code, "valeur": True if i.type == "existence" else str(rng.randint(90, 100))}
            for i in prerequis
        ]
        + [
            {"code": i.code, "valeur": False if i.type == "existence" else str(rng.randint(5, 60))}
            for i in programme.indicateurs.filter(domaine__code__in=domaines)
        ],
    }


def _gestionnaire_demo(etab):
    """A gestionnaire for a demo établissement (no password: it cannot log in)."""
    user, created = User.objects.get_or_create(
        username=f"gest_{etab.finess}",
        defaults={"first_name": "Gestionnaire", "last_name": etab.raison_sociale[:100]},
    )
    if created:
        user.set_unusable_password()
        user.save()
        actions.attribuer_role(
            user=user,
            role=Role.ES_GESTIONNAIRE,
            etablissement=etab,
            acting_user=None,
            systeme=True,
        )
    return user


def _antidater_depot(dossier, *, echeance):
    """Move a demo dépôt back in time so that its decision deadline falls on ``echeance``."""
    from dossiers.models import Dossier

    jour = ajouter_mois(echeance, -4)
    depose_le = datetime.combine(jour, time(10), tzinfo=PARIS)
    Dossier.objects.filter(pk=dossier.pk).update(
        depose_le=depose_le, echeance_decision=echeance_decision(jour)
    )


def _demandes(par_region_actuelle) -> int:
    """Pending requests in région 84: one overdue (asked 50 days ago), one recent. Taken from
    the end of the région's list (the dossiers' plan takes from its start), never ES A/B/C."""
    from dossiers import actions as dossier_actions
    from dossiers.models import DemandeInitialisation

    programme = Programme.objects.get(code="HOPEN")
    fixes = {finess for finess, *_ in ES_FIXES}
    libres = [e for e in reversed(par_region_actuelle["84"]) if e.finess not in fixes]
    cree = 0
    for etab, il_y_a in zip(libres, (50, 3), strict=False):
        if etab.dossiers.exists() or etab.demandes.exists():
            continue
        demande = dossier_actions.demander_initialisation(
            programme=programme, etablissement=etab, acting_user=_gestionnaire_demo(etab)
        )
        demandee_le = timezone.now() - timedelta(days=il_y_a)
        DemandeInitialisation.objects.filter(pk=demande.pk).update(
            demandee_le=demandee_le, echeance=echeance_initialisation(date_paris(demandee_le))
        )
        cree += 1
    return cree


def _dossiers(par_region_actuelle, rng) -> int:
    from dossiers import actions as dossier_actions
    from dossiers.enums import DecisionDomaine, DecisionPrerequis, MotifRefus
    from dossiers.models import Dossier

    valideurs = {
        "84": User.objects.get(username="ars_valideur"),
        "11": User.objects.get(username="ars11_valideur"),
    }
    fixes = {finess for finess, *_ in ES_FIXES}
    candidats = {
        code: [e for e in par_region_actuelle[code] if e.finess not in fixes] for code in valideurs
    }
    rangs: dict[tuple[str, str], int] = {}
    cree = 0
    for region, code, etat, demandes, selectionnes in PLAN_DOSSIERS:
        cle = (region, code)
        rangs[cle] = rangs.get(cle, -1) + 1
        if rangs[cle] >= len(candidats[region]):
            continue  # a smaller demo (tests) has fewer établissements than the plan
        etab = candidats[region][rangs[cle]]
        programme = Programme.objects.get(code=code)
        if Dossier.objects.filter(programme=programme, etablissement=etab).exists():
            continue
        valideur = valideurs[region]
        gestionnaire = _gestionnaire_demo(etab)
        dossier = dossier_actions.initialiser_dossier(
            programme=programme, etablissement=etab, nom="", acting_user=valideur
        )
        cree += 1
        if etat == "en_saisie":
            dossier_actions.enregistrer_saisie(
                dossier=dossier,
                data={"engagements": list(programme.engagements.values_list("code", flat=True))},
                acting_user=gestionnaire,
            )
            continue
        dossier_actions.enregistrer_saisie(
            dossier=dossier, data=_saisie_demo(programme, demandes, rng), acting_user=gestionnaire
        )
        dossier = dossier_actions.deposer(dossier=dossier, acting_user=gestionnaire)
        if etat == "depose_echeance_proche":
            _antidater_depot(dossier, echeance=aujourd_hui() + timedelta(days=10))
        elif etat == "depose_expire":
            _antidater_depot(dossier, echeance=aujourd_hui() - timedelta(days=1))
        if etat.startswith("depose"):
            continue
        if etat == "reporte":
            dossier_actions.reporter(
                dossier=dossier,
                commentaire="Merci de joindre les justificatifs des indicateurs P1.1 et P1.3.",
                acting_user=valideur,
            )
        elif etat.startswith("refuse_") and etat != "refuse_implicite":
            motif = MotifRefus.ENVELOPPE if etat == "refuse_enveloppe" else MotifRefus.PREREQUIS
            dossier_actions.refuser(
                dossier=dossier,
                motif=motif,
                commentaire="Enveloppe régionale de l'année engagée."
                if motif == "enveloppe"
                else "Prérequis de sécurité non atteints à ce jour.",
                acting_user=valideur,
            )
        elif etat == "refuse_implicite":
            # The 4 months ran out: the dépôt is moved back in time, then the system acts.
            depose_le = timezone.now() - timedelta(days=200)
            Dossier.objects.filter(pk=dossier.pk).update(
                depose_le=depose_le,
                echeance_decision=echeance_decision(date_paris(depose_le)),
            )
            dossier_actions.refuser_implicitement(dossier=dossier)
        elif etat in ("accepte", "clos"):
            dossier_actions.valider_prerequis(
                dossier=dossier,
                decisions={p.code: DecisionPrerequis.ACCEPTE for p in programme.prerequis.all()},
                commentaire="",
                acting_user=valideur,
            )
            dossier_actions.valider_domaines(
                dossier=dossier,
                decisions={
                    c: (
                        DecisionDomaine.SELECTIONNE
                        if c in selectionnes
                        else DecisionDomaine.NON_SELECTIONNE,
                        "" if c in selectionnes else "Hors de la priorité régionale.",
                    )
                    for c in demandes
                },
                acting_user=valideur,
            )
            dossier = dossier_actions.accepter(
                dossier=dossier, acting_user=valideur, amorcage=_amorcage_demo(dossier)
            )
            _suivi_demo(dossier, etat, valideur, gestionnaire)
    return cree


def _amorcage_demo(dossier) -> dict:
    """About 15 % of each selected domaine's forfait, to the euro."""
    from dossiers.enums import DecisionDomaine
    from enveloppes.actions import forfaits_du_dossier

    forfaits = forfaits_du_dossier(dossier)
    return {
        dd.domaine.code: (Decimal(forfaits[dd.domaine.code][0]) * Decimal("0.15")).quantize(1)
        for dd in dossier.domaines.select_related("domaine")
        if dd.decision == DecisionDomaine.SELECTIONNE
    }


def _valeurs_demo(dossier, *, atteints: set[str]) -> dict:
    """Report values: prérequis and the domaines in ``atteints`` at target, others below."""
    from dossiers import suivi

    ouverts = [dd for dd in dossier.domaines.select_related("domaine") if dd.suivi]
    valeurs = {}
    for i in suivi.indicateurs_requis(dossier, ouverts):
        a_la_cible = i.prerequis_id is not None or i.domaine.code in atteints
        if i.type == "existence":
            valeur = 100 if a_la_cible else 0
        else:
            valeur = (i.cible or 100) if a_la_cible else 10
        valeurs[i.code] = {"valeur": valeur, "non_applicable": False}
    return valeurs


def _suivi_demo(dossier, etat, valideur, gestionnaire):
    """Money and follow-up: amorçage paid; on the first HOP'EN dossier of région 84 a report
    puts D2 at target and the ARS funds it (D1 and D6 still below); closures leave a
    repayment due."""
    from dossiers import actions as dossier_actions
    from dossiers import suivi
    from dossiers.enums import SuiviDomaine

    domaines = [dd for dd in dossier.domaines.select_related("domaine") if dd.suivi]
    for dd in domaines:
        suivi.verser(
            dossier=dossier, domaine=dd.domaine.code, volet="amorcage", acting_user=valideur
        )
    if etat == "clos":
        dossier_actions.clore(
            dossier=dossier,
            motif="cibles_inatteignables",
            commentaire="Le projet ne pourra pas atteindre ses cibles avant la fin du "
            "programme (changement d'éditeur).",
            acting_user=valideur,
        )
        return
    codes = [dd.domaine.code for dd in domaines]
    if dossier.programme.code != "HOPEN" or codes != ["D1", "D2", "D6"]:
        return
    suivi.deposer_rapport(
        dossier=dossier,
        data={
            "arrete_le": aujourd_hui(),
            "budget_engage": "185000",
            "etp_engages": "2.5",
            "commentaire": "Déploiement du DPI terminé dans tous les services.",
            "valeurs": _valeurs_demo(dossier, atteints={"D2"}),
            "avancements": {
                "D1": {"avancement": "deploiement"},
                "D2": {"avancement": "deploiement"},
                "D6": {"avancement": "etude"},
            },
        },
        acting_user=gestionnaire,
    )
    if dossier.domaines.get(domaine__code="D2").suivi == SuiviDomaine.CIBLES_ATTEINTES:
        suivi.notifier_financement(dossier=dossier, domaine="D2", acting_user=valideur)
        suivi.verser(dossier=dossier, domaine="D2", volet="usage", acting_user=valideur)
