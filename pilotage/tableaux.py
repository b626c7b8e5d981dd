"""The dashboards' sections (issue 16): the figures of ``pilotage.chiffres`` as summary tiles,
charts and tables, every number carrying the link to the filtered list behind it.

Pure functions over a :class:`chiffres.Tableau` (no query): a :class:`Table` is both what the
page shows (under its chart) and what its CSV/XLSX export holds (``valeurs``); the charts are
``enveloppes.graphiques.barres`` (server-rendered SVG, ``templates/enveloppes/_barres.html``),
one bar per région (national) or per category (regional), each segment a link.
"""

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse

from audits.enums import EtatAudit
from candidatures.enums import EtatPrecandidature
from dossiers.enums import Etat
from enveloppes import graphiques
from hn import formats
from hn.referentiel.enums import Activite, Decoupage, Statut
from pilotage import chiffres

COULEURS_ETATS = {
    Etat.EN_SAISIE: "#929292",
    Etat.DEPOSE: "#6a6af4",
    Etat.REPORTE: "#b34000",
    Etat.REFUSE: "#ce0500",
    Etat.REFUSE_IMPLICITE: "#6e445a",
    Etat.ACCEPTE: "#18753c",
    Etat.CLOS: "#000091",
}
COULEURS_STATUTS = {
    Statut.PUBLIC: "#000091",
    Statut.PRIVE_LUCRATIF: "#b34000",
    Statut.PRIVE_NON_LUCRATIF: "#18753c",
    Statut.CLCC: "#6e445a",
}
COULEURS_PRECANDIDATURES = {
    EtatPrecandidature.BROUILLON: "#929292",
    EtatPrecandidature.TRANSMISE: "#6a6af4",
    EtatPrecandidature.PRESELECTIONNEE: "#18753c",
    EtatPrecandidature.REJETEE: "#ce0500",
}
COULEURS_AUDITS = {
    EtatAudit.A_PLANIFIER: "#929292",
    EtatAudit.EN_COURS: "#6a6af4",
    EtatAudit.CONTRADICTOIRE: "#b34000",
    EtatAudit.TERMINE: "#18753c",
}
COULEURS_FINANCES = {"verse": "#000091", "engage": "#6a6af4", "disponible": "#18753c"}
LIBELLES_FINANCES = {"verse": "Versé", "engage": "Engagé non versé", "disponible": "Disponible"}


# --- values and links ---------------------------------------------------------------------------


def pourcent(part: Decimal | None) -> Decimal | None:
    """A share as a percentage with one decimal (the API's rounding), None without base."""
    if part is None:
        return None
    return (part * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def dire_pourcent(valeur) -> str:
    return "—" if valeur is None else formats.pourcentage(valeur, decimales=1, minimum=0)


def dire_nombre(valeur) -> str:
    return formats.nombre(valeur, decimales=0)


def _url(base: str, **params) -> str:
    """``base?k=v&…`` without the empty ones: the values are codes (programme, région, état,
    statut), which need no quoting; built by hand, a dashboard links a thousand times."""
    return base + "?" + "&".join(f"{k}={v}" for k, v in params.items() if v not in ("", None))


@dataclass(frozen=True)
class Liens:
    """The filtered lists behind the figures of one programme (``code``: a current région,
    "" for the total row). The lists' addresses are reversed once (:func:`liens`)."""

    programme: str
    ancien: bool  # HN: envelopes on the former régions
    url_dossiers: str
    url_enveloppes: str
    url_candidatures: str
    url_audits: str
    url_pilotage: str

    def region(self, code) -> str:
        """The regional dashboard (the national level's row headers)."""
        return f"{self.url_pilotage}{self.programme}/{code}/"

    def dossiers(self, code="", **filtres) -> str:
        return _url(self.url_dossiers, programme=self.programme, region=code, **filtres)

    def enveloppe(self, code="") -> str:
        if code and not self.ancien:  # enveloppes:detail
            return f"{self.url_enveloppes}{self.programme}/{code}/"
        return _url(self.url_enveloppes, programme=self.programme, region=code)

    def precandidatures(self, code="", **filtres) -> str:
        return _url(self.url_candidatures, programme=self.programme, region=code, **filtres)

    def audits(self, code="", **filtres) -> str:
        return _url(self.url_audits, programme=self.programme, region=code, **filtres)


def liens(programme) -> Liens:
    return Liens(
        programme.code,
        programme.decoupage == Decoupage.ANCIEN,
        reverse("dossiers:liste"),
        reverse("enveloppes:liste"),
        reverse("candidatures:accueil"),
        reverse("audits:liste"),
        reverse("pilotage:accueil"),
    )


# --- tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cellule:
    valeur: object  # int, Decimal (euros or percent), str, None
    texte: str
    lien: str = ""


def nombre(n, lien="") -> Cellule:
    return Cellule(n, dire_nombre(n), lien)


def montant(m, lien="") -> Cellule:
    return Cellule(m, formats.montant(m, centimes=False), lien)


def part(p, lien="") -> Cellule:
    v = pourcent(p)
    return Cellule(v, dire_pourcent(v), lien)


def texte(t) -> Cellule:
    return Cellule(t, t)


@dataclass
class Table:
    nom: str  # the export's ``?table=``
    titre: str
    entetes: list[str]  # after the first column (Région / Indicateur)
    lignes: list[tuple[str, str, list[Cellule]]]  # (name, its dashboard link, cells)
    total: list[Cellule] | None = None
    premiere: str = "Région"
    montants: tuple[int, ...] = ()  # indices in ``entetes`` of amounts in euros

    @property
    def ident(self) -> str:
        return f"table-{self.nom}"

    @property
    def feuille(self) -> str:
        """The XLSX sheet's title (31 characters, none of ``:\\/?*[]``)."""
        return re.sub(r"[:\\/?*\[\]]", " ", self.titre)[:31].strip()

    def export(self) -> tuple[list[str], list[list], tuple[int, ...]]:
        """(headers, rows, columns in euros) of the CSV/XLSX file: the figures as values."""
        lignes = [[nom, *(c.valeur for c in cellules)] for nom, _lien, cellules in self.lignes]
        if self.total is not None:
            lignes.append(["Total", *(c.valeur for c in self.total)])
        return [self.premiere, *self.entetes], lignes, tuple(i + 1 for i in self.montants)


@dataclass
class Section:
    bloc: str
    titre: str
    graphiques: list = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    absent: str = ""  # the block does not apply (no call for applications, no audit)
    note: str = ""


@dataclass(frozen=True)
class Tuile:
    titre: str
    valeur: str
    detail: str
    lien: str


def _rangs(t: chiffres.Tableau, national: bool):
    """(name, code, row) of the table: the régions, then (national) the total."""
    rangs = [(lig.nom, lig.code, lig) for lig in t.lignes]
    return rangs, (t.total if national and len(t.lignes) > 1 else None)


def table_instruction(t, li: Liens, national: bool) -> Table:
    rangs, total = _rangs(t, national)

    def cellules(lig, code):
        i = lig.instruction
        return [
            *(nombre(i.etats.get(e.value, 0), li.dossiers(code, etat=e.value)) for e in Etat),
            nombre(i.dossiers, li.dossiers(code)),
            nombre(i.decisions_sous_15_jours, li.dossiers(code, decision="sous_15_jours")),
            nombre(i.demandes_en_attente),
            nombre(i.initialisations_en_retard),
            part(chiffres._part(i.refus_implicites, i.dossiers)),
        ]

    return Table(
        "instruction",
        "Dossiers par état et instruction",
        [
            *(e.label for e in Etat),
            "Total des dossiers",
            "Décisions dues sous 15 jours",
            "Demandes d'initialisation en attente",
            "dont en retard",
            "Part de refus implicites (%)",
        ],
        [
            (nom, li.region(code) if national else "", cellules(lig, code))
            for nom, code, lig in rangs
        ],
        cellules(total, "") if total else None,
    )


def table_finances(t, li: Liens, national: bool) -> Table:
    rangs, total = _rangs(t, national)

    def cellules(lig, code):
        f = lig.finances
        lien = li.enveloppe(code)
        return [
            montant(f.enveloppe, lien),
            montant(f.redeploiements, lien),
            montant(f.total, lien),
            montant(f.engage, lien),
            montant(f.verse, lien),
            montant(f.disponible, lien),
            montant(f.remboursements_dus, lien),
            montant(f.amorcage_derogatoire, lien),
            part(f.taux_engagement),
            part(f.taux_versement),
        ]

    return Table(
        "finances",
        "Enveloppes : engagé, versé et disponible (€)",
        [
            "Enveloppe publiée",
            "Redéploiements",
            "Enveloppe totale",
            "Engagé",
            "Versé",
            "Disponible",
            "Remboursements dus",
            "Amorçage par dérogation",
            "Taux d'engagement (%)",
            "Taux de versement (%)",
        ],
        [
            (nom, li.region(code) if national else "", cellules(lig, code))
            for nom, code, lig in rangs
        ],
        cellules(total, "") if total else None,
        montants=tuple(range(8)),
    )


def table_selection(t, li: Liens, national: bool, axe: str) -> Table:
    rangs, total = _rangs(t, national)
    valeurs = list(Statut if axe == "statut" else Activite)

    def cellules(lig, code):
        s = lig.selection
        reps = {r.cle: r for r in (s.par_statut if axe == "statut" else s.par_activite)}
        out = []
        for v in valeurs:
            r = reps.get(v.value)
            n = r.selectionnes if r else 0
            out.append(nombre(n, li.dossiers(code, selection="oui", **{axe: v.value})))
            out.append(part(r.part_region if r else None))
        if axe == "statut":
            out += [
                nombre(s.etablissements, li.dossiers(code, selection="oui")),
                nombre(s.domaines),
                texte(", ".join(r.libelle for r in s.ecarts) or "Aucun"),
            ]
        return out

    entetes = []
    for v in valeurs:
        entetes += [f"{v.label} : sélectionnés", f"{v.label} : part dans la région (%)"]
    if axe == "statut":
        entetes += ["Établissements sélectionnés", "Domaines sélectionnés", "Écarts à l'équilibre"]
    return Table(
        f"selection_{axe}",
        "Établissements sélectionnés par statut"
        if axe == "statut"
        else "Établissements sélectionnés par activité",
        entetes,
        [
            (nom, li.region(code) if national else "", cellules(lig, code))
            for nom, code, lig in rangs
        ],
        cellules(total, "") if total else None,
    )


def table_suivi(t, li: Liens, national: bool) -> Table:
    rangs, total = _rangs(t, national)

    def cellules(lig, code):
        s = lig.suivi
        return [
            nombre(s.domaines_selectionnes),
            nombre(s.domaines_cibles_atteintes, li.dossiers(code, cibles="atteintes")),
            part(s.part_cibles_atteintes),
            nombre(s.domaines_finances),
            nombre(s.dossiers_suivis, li.dossiers(code, etat=Etat.ACCEPTE)),
            nombre(s.prerequis_atteints, li.dossiers(code, prerequis="atteints")),
            part(s.part_prerequis_atteints),
            nombre(s.rapports_en_retard, li.dossiers(code, rapport="retard")),
        ]

    return Table(
        "suivi",
        "Suivi : cibles, prérequis et rapports",
        [
            "Domaines sélectionnés",
            "Domaines aux cibles atteintes",
            "Part des cibles atteintes (%)",
            "Domaines financés",
            "Dossiers en suivi",
            "Prérequis atteints",
            "Part des prérequis atteints (%)",
            "Rapports en retard",
        ],
        [
            (nom, li.region(code) if national else "", cellules(lig, code))
            for nom, code, lig in rangs
        ],
        cellules(total, "") if total else None,
    )


def table_candidatures(t, li: Liens, national: bool) -> Table:
    rangs, total = _rangs(t, national)

    def cellules(lig, code):
        c = lig.candidatures
        return [
            *(
                nombre(c.etats.get(e.value, 0), li.precandidatures(code, etat=e.value))
                for e in EtatPrecandidature
            ),
            nombre(c.precandidatures, li.precandidatures(code)),
            nombre(c.tardives, li.precandidatures(code, tardive="oui")),
            nombre(c.domaines_demandes),
            nombre(c.versions),
            montant(c.total_programme),
        ]

    return Table(
        "candidatures",
        "Appels à candidatures et programmation",
        [
            *(e.label for e in EtatPrecandidature),
            "Pré-candidatures",
            "Tardives",
            "Domaines demandés",
            "Versions de programmation transmises",
            "Montant programmé (€)",
        ],
        [
            (nom, li.region(code) if national else "", cellules(lig, code))
            for nom, code, lig in rangs
        ],
        cellules(total, "") if total else None,
        montants=(len(EtatPrecandidature) + 4,),
    )


def table_audits(t, li: Liens, national: bool) -> Table:
    rangs, total = _rangs(t, national)

    def cellules(lig, code):
        a = lig.audits
        return [
            *(nombre(a.etats.get(e.value, 0), li.audits(code, etat=e.value)) for e in EtatAudit),
            nombre(a.audits, li.audits(code)),
            nombre(a.clotures),
        ]

    return Table(
        "audits",
        "Audits par état",
        [*(e.label for e in EtatAudit), "Total des audits", "Dossiers clos après audit"],
        [
            (nom, li.region(code) if national else "", cellules(lig, code))
            for nom, code, lig in rangs
        ],
        cellules(total, "") if total else None,
    )


# --- charts ---------------------------------------------------------------------------------------


def _empile(ident, titre, rangs, categories, couleurs, valeur, lien, *, dire=dire_nombre):
    """One stacked bar per row of ``rangs`` ((label, code, ligne)), a segment per category."""
    return graphiques.barres(
        ident,
        titre,
        [
            (nom, [(c.value, valeur(lig, c), lien(code, c)) for c in categories])
            for nom, code, lig in rangs
        ],
        series=[c.value for c in categories],
        couleurs={c.value: couleurs[c] for c in categories},
        libelles={c.value: c.label for c in categories},
        dire=dire,
        court=dire,
    )


def _par_categorie(ident, titre, categories, couleurs, valeurs_liens, *, dire=dire_nombre):
    """A regional chart: one bar per category (its value, its link)."""
    return graphiques.barres(
        ident,
        titre,
        [(c.label, [(c.value, *valeurs_liens(c))]) for c in categories],
        couleurs={c.value: couleurs[c] for c in categories},
        libelles={c.value: c.label for c in categories},
        dire=dire,
        court=dire,
    )


def graphique_instruction(t, li, national):
    if national:
        return _empile(
            "graphique-instruction",
            "Dossiers par région, par état",
            [(lig.nom, lig.code, lig) for lig in t.lignes],
            list(Etat),
            COULEURS_ETATS,
            lambda lig, e: lig.instruction.etats.get(e.value, 0),
            lambda code, e: li.dossiers(code, etat=e.value),
        )
    lig, code = t.lignes[0], t.lignes[0].code
    return _par_categorie(
        "graphique-instruction",
        f"Dossiers de la région {lig.nom} par état",
        list(Etat),
        COULEURS_ETATS,
        lambda e: (lig.instruction.etats.get(e.value, 0), li.dossiers(code, etat=e.value)),
    )


def graphique_finances(t, li, national):
    rangs = [(lig.nom, lig.code, lig) for lig in t.lignes]
    return graphiques.barres(
        "graphique-finances",
        "Enveloppe totale par région : versé, engagé non versé et disponible",
        [
            (
                nom,
                [
                    ("verse", lig.finances.verse, li.enveloppe(code)),
                    ("engage", lig.finances.engage - lig.finances.verse, li.enveloppe(code)),
                    ("disponible", lig.finances.disponible, li.enveloppe(code)),
                ],
            )
            for nom, code, lig in rangs
        ],
        series=["verse", "engage", "disponible"],
        couleurs=COULEURS_FINANCES,
        libelles=LIBELLES_FINANCES,
    )


def graphique_selection(t, li, national):
    def valeur(lig, st):
        return next((r.selectionnes for r in lig.selection.par_statut if r.cle == st.value), 0)

    if national:
        return _empile(
            "graphique-selection",
            "Établissements sélectionnés par région, par statut",
            [(lig.nom, lig.code, lig) for lig in t.lignes],
            list(Statut),
            COULEURS_STATUTS,
            valeur,
            lambda code, st: li.dossiers(code, selection="oui", statut=st.value),
        )
    lig, code = t.lignes[0], t.lignes[0].code
    return _par_categorie(
        "graphique-selection",
        f"Établissements sélectionnés de la région {lig.nom} par statut",
        list(Statut),
        COULEURS_STATUTS,
        lambda st: (valeur(lig, st), li.dossiers(code, selection="oui", statut=st.value)),
    )


def graphique_cibles(t, li):
    return graphiques.barres(
        "graphique-suivi",
        "Part des domaines sélectionnés aux cibles atteintes, par région",
        [
            (
                lig.nom,
                [
                    (
                        "cibles",
                        pourcent(lig.suivi.part_cibles_atteintes) or 0,
                        li.dossiers(lig.code, cibles="atteintes"),
                    )
                ],
            )
            for lig in t.lignes
        ],
        couleurs={"cibles": "#18753c"},
        libelles={"cibles": "Cibles atteintes"},
        dire=dire_pourcent,
        court=dire_pourcent,
        echelle=100,
    )


def graphique_candidatures(t, li, national):
    def valeur(lig, e):
        return lig.candidatures.etats.get(e.value, 0)

    if national:
        return _empile(
            "graphique-candidatures",
            "Pré-candidatures par région, par état",
            [(lig.nom, lig.code, lig) for lig in t.lignes],
            list(EtatPrecandidature),
            COULEURS_PRECANDIDATURES,
            valeur,
            lambda code, e: li.precandidatures(code, etat=e.value),
        )
    lig, code = t.lignes[0], t.lignes[0].code
    return _par_categorie(
        "graphique-candidatures",
        f"Pré-candidatures de la région {lig.nom} par état",
        list(EtatPrecandidature),
        COULEURS_PRECANDIDATURES,
        lambda e: (valeur(lig, e), li.precandidatures(code, etat=e.value)),
    )


def graphique_audits(t, li, national):
    def valeur(lig, e):
        return lig.audits.etats.get(e.value, 0)

    if national:
        return _empile(
            "graphique-audits",
            "Audits par région, par état",
            [(lig.nom, lig.code, lig) for lig in t.lignes],
            list(EtatAudit),
            COULEURS_AUDITS,
            valeur,
            lambda code, e: li.audits(code, etat=e.value),
        )
    lig, code = t.lignes[0], t.lignes[0].code
    return _par_categorie(
        "graphique-audits",
        f"Audits de la région {lig.nom} par état",
        list(EtatAudit),
        COULEURS_AUDITS,
        lambda e: (valeur(lig, e), li.audits(code, etat=e.value)),
    )


# --- position against the national figure (regional dashboard) ------------------------------------


def indicateurs(lig: chiffres.Ligne) -> list[tuple[str, str, Decimal | None]]:
    """(key, label, share) of the rates a région compares to the national figure."""
    i, f, s = lig.instruction, lig.finances, lig.suivi
    return [
        ("engagement", "Taux d'engagement de l'enveloppe", f.taux_engagement),
        ("versement", "Taux de versement de l'engagé", f.taux_versement),
        ("cibles", "Part des domaines aux cibles atteintes", s.part_cibles_atteintes),
        ("prerequis", "Part des dossiers aux prérequis atteints", s.part_prerequis_atteints),
        (
            "rapports",
            "Part des dossiers en suivi au rapport en retard",
            chiffres._part(s.rapports_en_retard, s.dossiers_suivis),
        ),
        (
            "refus_implicites",
            "Part des dossiers refusés implicitement",
            chiffres._part(i.refus_implicites, i.dossiers),
        ),
    ]


def table_position(lig: chiffres.Ligne, nationale: chiffres.Ligne, li: Liens) -> Table:
    liens_ = {
        "engagement": li.enveloppe(lig.code),
        "versement": li.enveloppe(lig.code),
        "cibles": li.dossiers(lig.code, cibles="atteintes"),
        "prerequis": li.dossiers(lig.code, prerequis="atteints"),
        "rapports": li.dossiers(lig.code, rapport="retard"),
        "refus_implicites": li.dossiers(lig.code, etat=Etat.REFUSE_IMPLICITE),
    }
    lignes = []
    for (cle, libelle, p), (_c, _l, n) in zip(
        indicateurs(lig), indicateurs(nationale), strict=True
    ):
        r, m = pourcent(p), pourcent(n)
        ecart = (r - m) if r is not None and m is not None else None
        lignes.append(
            (
                libelle,
                "",
                [
                    Cellule(r, dire_pourcent(r), liens_[cle]),
                    Cellule(m, dire_pourcent(m)),
                    Cellule(ecart, "—" if ecart is None else f"{ecart:+.1f} pt".replace(".", ",")),
                ],
            )
        )
    return Table(
        "position",
        f"Position de la région {lig.nom} par rapport à la moyenne nationale",
        ["Région (%)", "National (%)", "Écart (points)"],
        lignes,
        premiere="Indicateur",
    )


def graphique_position(lig, nationale, li):
    lignes = []
    for (_cle, libelle, p), (_c, _l, n) in zip(
        indicateurs(lig), indicateurs(nationale), strict=True
    ):
        lignes.append((f"{libelle} — région", [("region", pourcent(p) or 0)]))
        lignes.append((f"{libelle} — national", [("national", pourcent(n) or 0)]))
    return graphiques.barres(
        "graphique-position",
        f"Région {lig.nom} et moyenne nationale : taux et parts",
        lignes,
        series=["region", "national"],
        couleurs={"region": "#000091", "national": "#929292"},
        libelles={"region": f"Région {lig.nom}", "national": "National"},
        dire=dire_pourcent,
        court=dire_pourcent,
        echelle=100,
    )


# --- the page ---------------------------------------------------------------------------------


def tuiles(t: chiffres.Tableau, li: Liens, code: str = "", nationale=None) -> list[Tuile]:
    """The summary first: dossiers, engaged / envelope, targets met, audits."""
    lig = t.ligne(code) if code else t.total
    f, s, a = lig.finances, lig.suivi, lig.audits

    def compare(p, n):
        if nationale is None:
            return ""
        return f" (national : {dire_pourcent(pourcent(n))})"

    return [
        Tuile(
            "Dossiers",
            dire_nombre(lig.instruction.dossiers),
            f"dont {dire_nombre(lig.instruction.decisions_sous_15_jours)} décisions dues "
            f"sous 15 jours",
            li.dossiers(code),
        ),
        Tuile(
            "Engagé sur l'enveloppe",
            dire_pourcent(pourcent(f.taux_engagement)),
            f"{formats.euros(f.engage, centimes=False)} sur "
            f"{formats.euros(f.total, centimes=False)}"
            + compare(f.taux_engagement, nationale and nationale.finances.taux_engagement),
            li.enveloppe(code),
        ),
        Tuile(
            "Cibles atteintes",
            dire_pourcent(pourcent(s.part_cibles_atteintes)),
            f"{dire_nombre(s.domaines_cibles_atteintes)} domaines sur "
            f"{dire_nombre(s.domaines_selectionnes)} sélectionnés"
            + compare(s.part_cibles_atteintes, nationale and nationale.suivi.part_cibles_atteintes),
            li.dossiers(code, cibles="atteintes"),
        ),
        Tuile(
            "Audits",
            dire_nombre(a.audits),
            f"dont {dire_nombre(a.etats.get(EtatAudit.TERMINE, 0))} terminés",
            li.audits(code),
        ),
    ]


def sections(t: chiffres.Tableau, *, national: bool, appel: bool, nationale=None) -> list[Section]:
    """Every block of the dashboard: its chart(s), then its table(s)."""
    li = liens(t.programme)
    lig = t.lignes[0] if t.lignes else t.total
    out = []
    if nationale is not None:
        out.append(
            Section(
                "position",
                "Position par rapport à la moyenne nationale",
                [graphique_position(lig, nationale, li)],
                [table_position(lig, nationale, li)],
                note="Les taux nationaux sont calculés sur les totaux de toutes les régions.",
            )
        )
    out.append(
        Section(
            "instruction",
            "Instruction",
            [graphique_instruction(t, li, national)],
            [table_instruction(t, li, national)],
        )
    )
    out.append(
        Section(
            "finances",
            "Enveloppes et montants",
            [graphique_finances(t, li, national)],
            [table_finances(t, li, national)],
        )
    )
    out.append(
        Section(
            "selection",
            "Sélection",
            [graphique_selection(t, li, national)],
            [
                table_selection(t, li, national, "statut"),
                table_selection(t, li, national, "activite"),
            ],
        )
    )
    out.append(
        Section(
            "suivi",
            "Suivi",
            [graphique_cibles(t, li)],
            [table_suivi(t, li, national)],
        )
    )
    if appel:
        out.append(
            Section(
                "candidatures",
                "Appels à candidatures et programmation",
                [graphique_candidatures(t, li, national)],
                [table_candidatures(t, li, national)],
            )
        )
    else:
        out.append(
            Section(
                "candidatures",
                "Appels à candidatures et programmation",
                absent="Pas d'appel à candidatures pour ce programme.",
            )
        )
    if t.total.audits.audits:
        out.append(
            Section(
                "audits",
                "Audits",
                [graphique_audits(t, li, national)],
                [table_audits(t, li, national)],
            )
        )
    else:
        out.append(
            Section("audits", "Audits", absent="Aucun audit n'a été tiré pour ce programme.")
        )
    return out


def table_nommee(liste: list[Section], nom: str) -> Table | None:
    return next((tb for s in liste for tb in s.tables if tb.nom == nom), None)
