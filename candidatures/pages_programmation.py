"""What the programmation pages show [SPEC §7]: a région's lines (one page of them), its totals
computed over all its lines, the chart, the transmitted versions, the CMSI's forms; the
national table of every région's latest version. Figures come from ``candidatures.chiffrage``
and ``candidatures.regles`` only (the forfait rule, the split, the envelope): nothing here
computes money, it lays the figures out.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery

from candidatures import actions, chiffrage, regles, semestres
from candidatures.models import Version
from dossiers.consequences import Consequences
from enveloppes import graphiques
from enveloppes.models import Enveloppe
from enveloppes.regles import pourcent
from hn.comptes.perms import peut_instruire
from hn.comptes.scopes import acces
from hn.dates import aujourd_hui
from hn.formats import euros, pourcentage
from hn.referentiel.enums import Activite, Statut
from hn.referentiel.models import Domaine, Region
from hn.referentiel.regles import arrondi_euro
from hn.templatetags.formulaires import ErreurChamp

PAR_PAGE = 50
STATUTS = dict(Statut.choices)
ACTIVITES = dict(Activite.choices)


def champ_amorcage(lg) -> str:
    """The name of a line's amorçage input, which its error is keyed by."""
    return f"amorcage-{lg.finess}-{lg.domaine}"


@dataclass(frozen=True)
class LignePage:
    """A line of the page with its labels and, for the CMSI, its form's state."""

    ligne: regles.Ligne
    statut: str
    activites: str
    domaine: str
    semestre: str
    champ: str
    valeur: str
    erreur: ErreurChamp


@dataclass(frozen=True)
class Ventilation:
    libelle: str
    sous: regles.Sous


def _ventilation(groupes: dict, libelles: dict) -> list[Ventilation]:
    ordre = list(libelles)
    cles = sorted(groupes, key=lambda c: (ordre.index(c) if c in ordre else len(ordre), c))
    return [Ventilation(libelles.get(c, c), groupes[c]) for c in cles]


def _domaines(programme) -> dict[str, str]:
    return dict(Domaine.objects.filter(programme=programme).values_list("code", "libelle"))


def lignes_de_la_page(page, domaines, errors, saisie) -> list[LignePage]:
    """The page's lines; the one whose form was posted keeps what was typed and its error."""
    result = []
    for lg in page:
        champ = champ_amorcage(lg)
        poste = (saisie or {}).get("finess") == lg.finess and (saisie or {}).get(
            "domaine"
        ) == lg.domaine
        result.append(
            LignePage(
                ligne=lg,
                statut=STATUTS.get(lg.statut, lg.statut),
                activites=", ".join(ACTIVITES.get(a, a) for a in lg.activites),
                domaine=domaines.get(lg.domaine, lg.domaine),
                semestre=semestres.libelle(lg.semestre_cibles),
                champ=champ,
                valeur=str(saisie.get("amorcage", "")) if poste else str(lg.amorcage),
                erreur=ErreurChamp(champ, (errors or {}).get(champ)),
            )
        )
    return result


def graphique(t: regles.Totaux):
    """Programmed amorçage and usage against the envelope and the amorçage ceiling."""
    return graphiques.barres(
        "graphique-programmation",
        "Programmation : amorçage et usage programmés face à l'enveloppe",
        [
            ("Enveloppe régionale", [("total", t.enveloppe)]),
            ("Programmé", [("amorcage", t.total_amorcage), ("usage", t.total_usage)]),
            ("Reste sur l'enveloppe", [("disponible", max(t.reste, Decimal(0)))]),
            ("Plafond d'amorçage", [("total", t.plafond_amorcage)]),
            (
                "Amorçage programmé",
                [("amorcage", t.total_amorcage), ("reste", max(t.reste_amorcage, Decimal(0)))],
            ),
        ],
        series=["total", "amorcage", "usage", "disponible", "reste"],
    )


def contexte(request, campagne, region, *, errors=None, saisie=None, page=None) -> dict:
    """The région's page: totals over all lines, one page of lines, the versions."""
    lignes = chiffrage.lignes(campagne, region)
    t = chiffrage.totaux(campagne, region, lignes)
    page_obj = Paginator(lignes, PAR_PAGE).get_page(
        page if page is not None else request.GET.get("page")
    )
    cmsi = peut_instruire(request.user, region)
    return {
        "title": f"Programmation {campagne.libelle} — {region.nom}",
        "campagne": campagne,
        "region": region,
        "t": t,
        "part": pourcent(campagne.programme.part_amorcage),
        "par_statut": _ventilation(t.par_statut, STATUTS),
        "par_activite": _ventilation(t.par_activite, ACTIVITES),
        "graphique": graphique(t),
        "page_obj": page_obj,
        "lignes": lignes_de_la_page(
            page_obj, _domaines(campagne.programme), errors, saisie if cmsi else None
        ),
        "versions": list(chiffrage.versions(campagne, region).defer("lignes")),
        "cmsi": cmsi,
        "national": acces(request.user).national,
        "errors": errors or {},
    }


# --- the transmission ----------------------------------------------------------------------


def consequences_transmission(campagne, region) -> Consequences:
    """What the transmission records, checked first as the action would (over the envelope
    or the ceiling: :class:`actions.Depassement`, nothing written)."""
    lignes = chiffrage.lignes(campagne, region)
    t = chiffrage.totaux(campagne, region, lignes)
    if t.depassements:
        raise actions.Depassement(t.depassements)
    rang = chiffrage.versions(campagne, region).count() + 1
    retard = (
        " Elle est transmise après la date attendue "
        f"({campagne.programmation_avant:%d/%m/%Y}) : elle sera signalée en retard."
    )
    en_retard = regles.programmation_en_retard(campagne.calendrier, aujourd_hui())
    return Consequences(
        titre=f"Transmettre la programmation de {region.nom} au niveau national ?",
        bouton="Confirmer la transmission",
        points=[
            f"La version {rang} de la programmation est enregistrée, datée d'aujourd'hui"
            + ("." if not en_retard else "." + retard),
            f"{len(lignes)} ligne(s) de {t.etablissements} établissement(s) : total programmé "
            f"{euros(t.total)}, dont amorçage {euros(t.total_amorcage)} et usage "
            f"{euros(t.total_usage)}.",
            f"Enveloppe régionale {euros(arrondi_euro(t.enveloppe))} : reste "
            f"{euros(arrondi_euro(t.reste))} ; plafond d'amorçage "
            f"{euros(arrondi_euro(t.plafond_amorcage))} : reste "
            f"{euros(arrondi_euro(t.reste_amorcage))}.",
            "Le niveau national voit cette version sur sa page de programmation.",
        ],
        notifies=["le niveau national (DGOS)"],
        irreversible="Une version transmise ne peut pas être retirée ; une nouvelle "
        "transmission ajoute une version.",
    )


# --- export --------------------------------------------------------------------------------

ENTETES = [
    "FINESS",
    "Raison sociale",
    "Statut",
    "Activités",
    "Domaine",
    "Semestre d'atteinte des cibles",
    "Forfait (€)",
    "Amorçage (€)",
    "Usage (€)",
    "Amorçage modifié par le CMSI",
]
MONTANTS = (6, 7, 8)


def lignes_export(lignes) -> list[list]:
    return [
        [
            lg.finess,
            lg.raison_sociale,
            STATUTS.get(lg.statut, lg.statut),
            ", ".join(ACTIVITES.get(a, a) for a in lg.activites),
            lg.domaine,
            semestres.libelle(lg.semestre_cibles),
            lg.forfait,
            lg.amorcage,
            lg.usage,
            "Oui" if lg.modifie else "Non",
        ]
        for lg in lignes
    ]


# --- the national table --------------------------------------------------------------------


@dataclass(frozen=True)
class LigneNationale:
    version: Version

    @property
    def region(self):
        return self.version.programmation.region

    @property
    def part_enveloppe(self) -> str:
        v = self.version
        return pourcentage(Decimal(v.total) * 100 / v.enveloppe) if v.enveloppe else "—"


@dataclass(frozen=True)
class TableauNational:
    campagne: object
    lignes: list[LigneNationale]
    non_transmises: list[Region]

    @property
    def total(self) -> int:
        return sum(lg.version.total for lg in self.lignes)

    @property
    def total_amorcage(self) -> int:
        return sum(lg.version.total_amorcage for lg in self.lignes)

    @property
    def enveloppe(self) -> Decimal:
        return sum((lg.version.enveloppe for lg in self.lignes), Decimal(0))

    @property
    def en_retard(self) -> int:
        return sum(1 for lg in self.lignes if lg.version.en_retard)

    @property
    def part_enveloppe(self) -> str:
        return pourcentage(Decimal(self.total) * 100 / self.enveloppe) if self.enveloppe else "—"


def tableau_national(campagne) -> TableauNational:
    """Each région's latest version (stored totals: a fixed number of queries whatever the
    number of régions and lines) and the régions with an envelope that have not transmitted."""
    derniere = (
        Version.objects.filter(programmation=OuterRef("programmation"))
        .order_by("-rang")
        .values("rang")[:1]
    )
    versions = list(
        Version.objects.filter(programmation__campagne=campagne, rang=Subquery(derniere))
        .defer("lignes")
        .select_related("programmation__region", "transmise_par")
        .order_by("programmation__region__nom")
    )
    transmises = {v.programmation.region_id for v in versions}
    avec_enveloppe = set()
    for region_id, actuelle_id in Enveloppe.objects.filter(
        programme=campagne.programme
    ).values_list("region_id", "region__region_actuelle_id"):
        avec_enveloppe.add(actuelle_id or region_id)
    non_transmises = [
        r
        for r in Region.objects.actuelles().filter(pk__in=avec_enveloppe).order_by("nom")
        if r.pk not in transmises
    ]
    return TableauNational(campagne, [LigneNationale(v) for v in versions], non_transmises)


ENTETES_NATIONAL = [
    "Région",
    "Code",
    "Version",
    "Transmise le",
    "Transmise par",
    "En retard",
    "Total programmé (€)",
    "Amorçage (€)",
    "Enveloppe (€)",
    "Part de l'enveloppe",
]
MONTANTS_NATIONAL = (6, 7, 8)


def lignes_national(t: TableauNational) -> list[list]:
    return [
        [
            lg.region.nom,
            lg.region.code,
            lg.version.rang,
            lg.version.transmise_le,
            lg.version.transmise_par.username,
            "Oui" if lg.version.en_retard else "Non",
            lg.version.total,
            lg.version.total_amorcage,
            lg.version.enveloppe,
            lg.part_enveloppe,
        ]
        for lg in t.lignes
    ]
