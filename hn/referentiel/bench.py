"""Benchmark data of the référentiel (``bench.generer``): the établissements (valid FINESS over
the former régions, weighted by the caller), their reference-year activity per programme and
the GHT, planned in memory then written in bulk (``hn.bulk``). Also what the apps above read of
the référentiel: the programmes' rules, domaines, prérequis, engagements and indicators."""

import random
from collections import Counter
from dataclasses import dataclass

from hn.bulk import copier, prochain_id, repartir
from hn.formats import de_lieu
from hn.referentiel import regles as regles_referentiel
from hn.referentiel.demo import DEPARTEMENTS, MAYOTTE, NOMS_PRIVES
from hn.referentiel.finess import completer_finess
from hn.referentiel.models import (
    GHT,
    ActiviteEtablissement,
    Etablissement,
    Programme,
    Region,
)

# (statut, kind, weight), as the demo, plus the CLCC HOP'EN distinguishes.
PROFILS = [
    ("public", "ch", 30),
    ("public", "chs", 6),
    ("public", "hl", 6),
    ("prive_lucratif", "clinique", 22),
    ("prive_lucratif", "ssr", 8),
    ("prive_non_lucratif", "espic", 10),
    ("prive_non_lucratif", "had", 3),
    ("clcc", "clcc", 1),
]
ACTIVITES = {
    "ch": (True, True, False, False),
    "chs": (False, False, True, False),
    "hl": (True, True, False, False),
    "clinique": (True, False, False, False),
    "ssr": (False, True, False, False),
    "espic": (True, True, False, True),
    "had": (False, False, False, True),
    "clcc": (True, False, False, False),
}
TAILLE_MCO = {
    "ch": (20_000, 320_000),
    "hl": (3_000, 15_000),
    "clinique": (8_000, 70_000),
    "espic": (15_000, 120_000),
    "clcc": (10_000, 60_000),
}
NOMS = {
    "ch": "Centre hospitalier {de_ville}",
    "chs": "Centre hospitalier spécialisé {de_ville}",
    "hl": "Hôpital local {de_ville}",
    "clinique": "Clinique {prive} — {ville}",
    "ssr": "Centre de soins de suite {prive} — {ville}",
    "espic": "Hôpital privé {prive} — {ville}",
    "had": "HAD {prive} — {ville}",
    "clcc": "Centre de lutte contre le cancer {prive} — {ville}",
}
# ActiviteEtablissement volume columns, in the order of the plan's tuples.
VOLUMES = (
    "journees_mco",
    "seances_mco",
    "hdj_chirurgie_ambulatoire",
    "hdj_hors_chirurgie_ambulatoire",
    "journees_ssr",
    "journees_psy",
    "journees_had",
)
# The tables this module writes.
MODELES = [Etablissement, ActiviteEtablissement, GHT]


@dataclass(slots=True)
class PlanEtab:
    id: int
    finess: str
    raison_sociale: str
    region_id: int
    region_code: str
    statut: str
    kind: str
    mco: int = 0
    gestionnaire_id: int | None = None
    ght_id: int | None = None

    def __str__(self):  # as Etablissement.__str__
        return f"{self.raison_sociale} ({self.finess})"


def lire_programmes(codes) -> dict[str, dict]:
    """What the generator reads of the programmes ``codes``: ids, rules, domaines, prérequis,
    engagements and indicators (id, code, type, target, prérequis code, domaine code)."""
    programmes = {}
    for p in Programme.objects.filter(code__in=codes):
        domaines = list(p.domaines.order_by("ordre", "pk"))
        indicateurs = list(
            p.indicateurs.select_related("prerequis", "domaine").order_by("ordre", "pk")
        )
        programmes[p.code] = {
            "id": p.pk,
            "regles": p.regles(),
            "domaines": [(d.pk, d.code) for d in domaines],
            "prerequis": [(x.pk, x.code) for x in p.prerequis.order_by("ordre", "pk")],
            "engagements": sorted(p.engagements.values_list("code", flat=True)),
            "indicateurs": [
                (
                    i.pk,
                    i.code,
                    i.type,
                    int(i.cible) if i.cible is not None else None,
                    i.prerequis.code if i.prerequis_id else None,
                    i.domaine.code if i.domaine_id else None,
                )
                for i in indicateurs
            ],
        }
    manquants = set(codes) - set(programmes)
    if manquants:
        raise RuntimeError(
            f"Référentiel incomplet : programme(s) {', '.join(sorted(manquants))} absent(s) "
            "(lancez load_referentiel)."
        )
    return programmes


class ReferentielBench:
    """The établissements of the data set, their activity and GHT: planned, then written."""

    def __init__(self, codes, rng, *, graine: int):
        self.codes = list(codes)  # the programmes, in the order of their activity rows
        self.rng = rng
        self.graine = graine
        self.programmes = lire_programmes(self.codes)
        self.regions = {r.pk: r for r in Region.objects.all()}
        self.actuelles = {r.code: r for r in self.regions.values() if r.region_actuelle_id is None}
        self.etabs: list[PlanEtab] = []
        self.etabs_hist: dict[int, int | None] = {}  # établissement -> former région
        self.etabs_dept: dict[int, tuple[str, str]] = {}  # établissement -> (dept, ville)
        self.ghts: list[tuple] = []
        self.volumes: dict[tuple[int, str], tuple[int, ...]] = {}

    # --- plan -------------------------------------------------------------------------------

    def planifier(self, nombre: int, *, poids_anciennes: dict[int, int]):
        """``nombre`` établissements over the former régions weighted by ``poids_anciennes``
        (région id -> weight), their GHT and activity."""
        self._planifier_etablissements(nombre, poids_anciennes)
        self._planifier_ghts()
        self._planifier_activites()

    def _planifier_etablissements(self, nombre, poids_anciennes):
        rng = self.rng
        existants = set(Etablissement.objects.values_list("finess", flat=True))
        par_code = {r.code: r for r in self.regions.values() if r.region_actuelle_id}
        anciennes = sorted(
            ((self.regions[pk], poids) for pk, poids in poids_anciennes.items()),
            key=lambda x: x[0].code,
        )
        # 0.3% for Mayotte (current région 06 only: HN's Océan Indien maps onto La Réunion).
        poids = {r.code: p for r, p in anciennes}
        poids["mayotte"] = sum(poids.values()) * 3 // 1000
        quotas = repartir(nombre, poids)
        kinds = [(s, k) for s, k, w in PROFILS for _ in range(w)]
        sequences: Counter = Counter()
        numeros: Counter = Counter()
        prochain = prochain_id(Etablissement)
        for code, quota in sorted(quotas.items()):
            if code == "mayotte":
                departements, ancienne, actuelle = MAYOTTE, None, self.actuelles["06"]
            else:
                ancienne = par_code[code]
                departements = DEPARTEMENTS[code]
                actuelle = self.regions[ancienne.region_actuelle_id]
            for i in range(quota):
                dept, ville = departements[i % len(departements)]
                statut, kind = kinds[rng.randrange(len(kinds))]
                while True:  # FINESS payloads clear of the demo's (sequences from 500000)
                    sequences[dept] += 1
                    longueur = 8 - len(dept)
                    seq = 10 ** (longueur - 1) * 5 + sequences[dept]
                    finess = completer_finess(f"{dept}{seq:0{longueur}d}")
                    if finess not in existants:
                        break
                numeros[(kind, ville)] += 1
                nom = NOMS[kind].format(
                    ville=ville, de_ville=de_lieu(ville), prive=rng.choice(NOMS_PRIVES)
                )
                if numeros[(kind, ville)] > 1:
                    nom = f"{nom} {numeros[(kind, ville)]}"
                etab = PlanEtab(
                    id=prochain,
                    finess=finess,
                    raison_sociale=nom[:200],
                    region_id=actuelle.pk,
                    region_code=actuelle.code,
                    statut=statut,
                    kind=kind,
                )
                lo, hi = TAILLE_MCO.get(kind, (0, 0))
                etab.mco = rng.randint(lo, hi) if ACTIVITES[kind][0] else 0
                self.etabs.append(etab)
                self.etabs_hist[etab.id] = ancienne.pk if ancienne else None
                self.etabs_dept[etab.id] = (dept, ville)
                prochain += 1

    def _planifier_ghts(self):
        """One GHT per département grouping its public établissements (about 100, as the 135
        real ones); the support is the largest."""
        groupes: dict[tuple, list[PlanEtab]] = {}
        for e in self.etabs:
            if e.statut == "public":
                dept, ville = self.etabs_dept[e.id]
                groupes.setdefault((e.region_id, dept, ville), []).append(e)
        prochain = prochain_id(GHT)
        self.ghts = []
        for (region_id, _dept, ville), etabs in sorted(groupes.items()):
            if len(etabs) < 2:
                continue
            support = max(etabs, key=lambda e: (e.mco, -e.id))
            self.ghts.append((prochain, f"GHT {ville}", region_id, support.id))
            for e in etabs:
                e.ght_id = prochain
            prochain += 1

    def _planifier_activites(self):
        """Reference-year activity per établissement and programme (the forfaits engaged on
        the envelopes are computed from it)."""
        references = dict(Programme.objects.values_list("code", "annee_reference_activite"))
        rng = random.Random(self.graine + 2)
        self.volumes = {}
        for e in self.etabs:
            _, ssr, psy, had = ACTIVITES[e.kind]
            mco = e.mco
            base = (
                mco,
                rng.randint(0, mco // 8) if mco else 0,
                rng.randint(mco // 40, mco // 10) if mco else 0,
                rng.randint(0, mco // 12) if mco else 0,
                rng.randint(4_000, 45_000) if ssr else 0,
                rng.randint(20_000, 120_000) if psy else 0,
                rng.randint(5_000, 30_000) if had else 0,
            )
            for code in self.codes:
                facteur = 1 if references[code] <= 2011 else rng.randint(92, 112) / 100
                self.volumes[(e.id, code)] = tuple(int(v * facteur) for v in base)

    def forfaits(self, etab_id: int, programme: str) -> dict[str, int]:
        """Standard forfait of each domaine for a planned établissement
        (``enveloppes.actions.forfaits_du_dossier``)."""
        prog = self.programmes[programme]
        volumes = dict(zip(VOLUMES, self.volumes[(etab_id, programme)], strict=True))
        activite = regles_referentiel.activite_combinee(volumes, prog["regles"].coefficients)
        return {
            code: standard
            for code, (standard, _avance) in regles_referentiel.forfaits_par_domaine(
                prog["regles"], activite
            ).items()
        }

    # --- tables -----------------------------------------------------------------------------

    def tables(self) -> list[tuple[str, object]]:
        """(name, function writing it) in dependency order."""
        return [
            ("etablissements", self.table_etablissements),
            ("activites", self.table_activites),
            ("ghts", self.table_ghts),
        ]

    def table_etablissements(self) -> int:
        def lignes():
            for e in self.etabs:
                mco, ssr, psy, had = ACTIVITES[e.kind]
                yield (
                    e.id,
                    e.finess,
                    e.raison_sociale,
                    e.region_id,
                    self.etabs_hist[e.id],
                    e.statut,
                    mco,
                    ssr,
                    psy,
                    had,
                    e.ght_id,
                )

        return copier(
            Etablissement,
            "id finess raison_sociale region region_historique statut mco ssr psy had ght",
            lignes(),
        )

    def table_activites(self) -> int:
        prochain = prochain_id(ActiviteEtablissement)

        def lignes():
            nonlocal prochain
            for e in self.etabs:
                for code in self.codes:
                    yield (prochain, e.id, self.programmes[code]["id"], *self.volumes[(e.id, code)])
                    prochain += 1

        return copier(
            ActiviteEtablissement, "id etablissement programme " + " ".join(VOLUMES), lignes()
        )

    def table_ghts(self) -> int:
        """Written after the établissements that point to them: foreign keys are checked at
        commit (deferred), so the circular GHT <-> support reference needs no update."""
        return copier(GHT, ["id", "nom", "region", "support"], self.ghts)
