"""Demo data of the référentiel (``python manage.py demo``): a few hundred établissements with
realistic activity figures over the former régions, the three fixed ones of API.md (ES A, B and
C), and GHT (région 84's demo GHT on fixed établissements: :data:`ES_GHT`). Deterministic (the
caller's random generator) and idempotent."""

import random
from dataclasses import dataclass, field
from decimal import Decimal

from hn.formats import de_lieu
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

# Demo GHT of région 84 (issue 15), on fixed public établissements of their own so that no
# plan of the demo (dossiers, audits, calls) draws them: the demo GHT of the accounts
# ``ght_support`` (its support, ES D) and ``ght_membre`` (ES E), ES A a plain member; and two
# GHT whose dossiers the demo brings to instruction and to follow-up (``dossiers.demo``).
# GHT name -> [(FINESS without its key, raison sociale, kind)], the support first.
GHT_DEMO = "GHT Rhône Centre (démonstration)"
GHT_INSTRUCTION = "GHT Loire Sud (démonstration)"
GHT_SUIVI = "GHT Isère Nord (démonstration)"
ES_GHT = {
    GHT_DEMO: [
        ("69000004", "Centre hospitalier de démonstration D", "ch"),
        ("69000005", "Hôpital de démonstration E", "hl"),
        ("69000006", "Centre hospitalier spécialisé de démonstration F", "chs"),
    ],
    GHT_INSTRUCTION: [
        ("42000001", "Centre hospitalier de démonstration de Saint-Étienne", "ch"),
        ("42000002", "Hôpital local de démonstration de Firminy", "hl"),
        ("42000003", "Centre hospitalier de démonstration de Montbrison", "ch"),
    ],
    GHT_SUIVI: [
        ("38000001", "Centre hospitalier de démonstration de Grenoble", "ch"),
        ("38000002", "Hôpital local de démonstration de Voiron", "hl"),
        ("38000003", "Centre hospitalier spécialisé de démonstration de Bourgoin", "chs"),
        ("38000004", "Centre hospitalier de démonstration de Vienne", "ch"),
    ],
}


def finess_ght(nom: str) -> list[str]:
    """The FINESS of the fixed établissements of a demo GHT, its support first."""
    return [completer_finess(f) for f, *_ in ES_GHT[nom]]


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
        "ch": f"Centre hospitalier {de_lieu(ville)}" + (f" {numero}" if numero > 1 else ""),
        "chs": f"Centre hospitalier spécialisé {de_lieu(ville)}",
        "hl": f"Hôpital local {de_lieu(ville)}" + (f" {numero}" if numero > 1 else ""),
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


@dataclass
class EtablissementsDemo:
    """What :func:`charger_etablissements` made: the count, ES A/B/C, and the others by current
    région code (in creation order)."""

    cree: int
    fixes: list
    par_region_actuelle: dict[str, list] = field(default_factory=dict)


def charger_etablissements(nombre: int, rng, *, poids: dict) -> EtablissementsDemo:
    """ES A, B and C, then about ``nombre`` others spread over the former régions in proportion
    to ``poids`` (former région code -> weight: the HN envelopes), two in Mayotte; then GHT."""
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
    resultat = EtablissementsDemo(cree=len(fixes), fixes=fixes)
    par_region_actuelle = resultat.par_region_actuelle
    total = sum(poids.values())
    kinds = [(s, k) for s, k, w in PROFILS for _ in range(w)]
    numeros: dict[str, int] = {}
    sequences: dict[str, int] = {}
    for code_ancienne, montant in sorted(poids.items()):
        quota = max(2, round(nombre * montant / total))
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
            resultat.cree += 1
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
        resultat.cree += 1
    resultat.cree += _ghts_fixes(actuelles, anciennes, programmes, fixes)
    _ghts(actuelles, par_region_actuelle)
    return resultat


def _ghts_fixes(actuelles, anciennes, programmes, fixes) -> int:
    """The demo GHT of :data:`ES_GHT` (région 84) on their fixed établissements, ES A a plain
    member of the first, ES B (a private clinic) in none. Their own generator: the other
    établissements' figures do not move. Returns how many établissements."""
    rng = random.Random(20_240_115)
    es_a, es_b, _ = fixes
    cree = 0
    for nom, lignes in ES_GHT.items():
        ght, _ = GHT.objects.update_or_create(nom=nom, defaults={"region": actuelles["84"]})
        membres = []
        for finess, raison_sociale, kind in lignes:
            membres.append(
                _upsert_etablissement(
                    completer_finess(finess), raison_sociale, actuelles["84"], anciennes["82"],
                    Statut.PUBLIC, kind, rng, programmes,
                )
            )  # fmt: skip
            cree += 1
        if nom == GHT_DEMO:
            membres.append(es_a)
        for etab in membres:
            if etab.ght_id != ght.pk:
                etab.ght = ght
                etab.save(update_fields=["ght"])
        if ght.support_id != membres[0].pk:
            ght.support = membres[0]
            ght.save(update_fields=["support"])
    if es_b.ght_id is not None:
        es_b.ght = None
        es_b.save(update_fields=["ght"])
    return cree


def _ghts(actuelles, par_region_actuelle):
    """One GHT per région grouping its public établissements; support = the largest."""
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
