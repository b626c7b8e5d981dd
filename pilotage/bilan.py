"""The published bilan of a programme (issue 16 point 5), per région and national, in the manner
of an ARS's published results [002]: établissements funded, amounts attributed and their split by
statut, progression year by year, domaines, prérequis and targets reached.

Every figure is computed when asked, from two sources only, and nothing is stored:

- **the ledger** (``enveloppes.models.MouvementEnveloppe``) for every amount: SQL sums per key and
  nature folded by the effect table of ``enveloppes.regles`` (``MouvementQuerySet.par``), so the
  amounts are those of the envelope pages and the annual synthesis, to the cent;
- **the dossiers** for every count: a domaine is *retenu* when it is selected
  (``DomaineDossier.decision``) in an accepted or closed dossier (``ETATS_SUIVI``); an
  établissement is *financé* when it has one; its targets are met when
  ``cibles_atteintes_le`` is set, its usage funding notified when ``finance_le`` is; the
  prérequis from the ARS's decisions (``DecisionPrerequisDossier``) and, for HOP'EN's
  derogation, ``Dossier.prerequis_atteints_le``.

The year of a selection is the year of its engagement line (``Nature.ENGAGEMENT``, dated at the
selection); the amounts "of a year" are the net effect of the lines dated that year, so the
years add up to the totals.

Périmètre: a current région (its ARS) covers, for HN whose envelopes are on the 26 former
régions, the former régions mapped onto it (``Region.region_actuelle``), as ``GET
enveloppes/?region=84`` does; a former région's code (HN, e.g. 82) covers that envelope alone;
national: every envelope of the programme, with one row per current région.

A fixed number of queries (about twenty) whatever the number of dossiers, domaines, ledger lines
or régions: every count and sum is aggregated in SQL (``values().annotate()``, ``aggregate``).
"""

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Q
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.utils import timezone

from dossiers.enums import ETATS_SUIVI, DecisionDomaine, DecisionPrerequis, Etat
from dossiers.models import DecisionPrerequisDossier, DomaineDossier, Dossier
from enveloppes import regles
from enveloppes.enums import Nature
from enveloppes.models import Enveloppe, MouvementEnveloppe
from hn.comptes.scopes import acces
from hn.dates import PARIS
from hn.referentiel.enums import Activite, Decoupage, Statut
from hn.referentiel.models import Domaine, Prerequis, Programme, Region

ZERO = regles.ZERO
CENT = Decimal(100)
REFUS_NATIONAL = "Le bilan national est réservé au niveau national."

# The amounts of a row (attributes of regles.Compteurs) and their labels, in display order.
MONTANTS = [
    ("engage", "Attribué (engagé)"),
    ("engage_amorcage", "Attribué — amorçage"),
    ("engage_usage", "Attribué — usage"),
    ("consomme", "Versé"),
    ("consomme_amorcage", "Versé — amorçage"),
    ("consomme_usage", "Versé — usage"),
]


def valeurs(compteurs: regles.Compteurs) -> list[Decimal]:
    """The amounts of ``MONTANTS``, in order."""
    return [getattr(compteurs, attr) for attr, _ in MONTANTS]


def part(valeur, total) -> Decimal | None:
    """``valeur`` as a percentage of ``total``, two places, half up (None when total is 0)."""
    total = Decimal(total)
    if not total:
        return None
    return (Decimal(valeur) * CENT / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- périmètre and access -----------------------------------------------------------------------


@dataclass(frozen=True)
class Perimetre:
    programme: Programme
    region: Region | None = None  # None: national

    @property
    def national(self) -> bool:
        return self.region is None

    @property
    def ancienne(self) -> bool:
        """A former région (HN): its own envelope alone."""
        return self.region is not None and self.region.decoupage == Decoupage.ANCIEN

    @property
    def region_ars(self) -> Region | None:
        if self.region is None:
            return None
        return self.region.region_actuelle or self.region

    @property
    def libelle(self) -> str:
        if self.region is None:
            return "National"
        return f"{self.region.nom} ({self.region.code})"

    @property
    def code(self) -> str:
        return "national" if self.region is None else self.region.code


def perimetre(programme: str, region: str | None = None) -> Perimetre:
    """The périmètre of ``programme`` (code) and ``region`` (INSEE code: a current région, or a
    former one for HN; None: national); 404 when unknown."""
    prog = Programme.objects.filter(code=str(programme).upper()).first()
    if prog is None:
        raise Http404("Programme inconnu.")
    if region is None:
        return Perimetre(prog)
    regions = {
        r.decoupage: r
        for r in Region.objects.filter(code=str(region)).select_related("region_actuelle")
    }
    # A current région first: where a former and a current région share a code, the former
    # maps onto that same current one, which covers it.
    trouvee = regions.get(Decoupage.ACTUEL)
    if trouvee is None and prog.decoupage == Decoupage.ANCIEN:
        trouvee = regions.get(Decoupage.ANCIEN)
    if trouvee is None:
        raise Http404("Région inconnue.")
    return Perimetre(prog, trouvee)


def perimetre_visible(user, programme: str, region: str | None = None) -> Perimetre:
    """Fetch-and-authorise: the national bilan for the national level (403 for anyone else);
    a région's for the national level and that région's ARS (404 for anyone else, like an
    envelope outside one's scope)."""
    a = acces(user)
    if region is None:
        if not a.national:
            raise PermissionDenied(REFUS_NATIONAL)
        return perimetre(programme)
    per = perimetre(programme, region)
    if not a.national and per.region_ars.pk not in a.regions_lecture:
        raise Http404("Bilan introuvable.")
    return per


# --- the figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Effectifs:
    """Counts of retained (selected, in an accepted or closed dossier) domaines."""

    etablissements: int = 0
    dossiers: int = 0
    domaines: int = 0
    domaines_cibles: int = 0  # targets met (cibles_atteintes_le)
    domaines_finances: int = 0  # usage funding notified (finance_le)
    etablissements_cibles: int = 0  # with at least one domaine whose targets are met

    @property
    def part_cibles(self) -> Decimal | None:
        return part(self.domaines_cibles, self.domaines)

    def __add__(self, other: "Effectifs") -> "Effectifs":
        return Effectifs(*(getattr(self, n) + getattr(other, n) for n in CHAMPS_EFFECTIFS))


@dataclass
class Ligne:
    """A row of a breakdown (statut, activité, région, domaine): its counts, its amounts
    (ledger) and its share of the périmètre's attributed amount."""

    cle: str
    libelle: str
    effectifs: Effectifs
    compteurs: regles.Compteurs
    part: Decimal | None = None  # % of the attributed (engaged) total
    enveloppe: Decimal | None = None  # région rows: the envelope (total)

    @property
    def part_enveloppe(self) -> Decimal | None:
        return None if self.enveloppe is None else part(self.compteurs.engage, self.enveloppe)

    @property
    def valeurs(self) -> list[Decimal]:
        return valeurs(self.compteurs)


@dataclass(frozen=True)
class Annee:
    """One year of selections: établissements and domaines selected that year (engagement
    lines dated that year), amounts of the year's lines, and the running totals."""

    annee: int
    etablissements: int
    nouveaux: int  # établissements selected for the first time
    domaines: int
    engage: Decimal
    verse: Decimal
    engage_cumule: Decimal
    verse_cumule: Decimal
    etablissements_cumules: int


@dataclass(frozen=True)
class LignePrerequis:
    code: str
    libelle: str
    evalues: int  # dossiers with an ARS decision on it
    acceptes: int  # dossiers where it is accepted
    etablissements: int  # établissements with it accepted

    @property
    def part(self) -> Decimal | None:
        return part(self.acceptes, self.evalues)


@dataclass(frozen=True)
class SynthesePrerequis:
    instruits: int = 0  # dossiers deposited at least once (not being typed)
    tous_acceptes: int = 0  # dossiers with every prérequis of the programme accepted
    etablissements_tous_acceptes: int = 0
    derogation: int = 0  # HOP'EN: dossiers whose prérequis were met after amorçage
    # (prerequis_atteints_le set)
    lignes: tuple[LignePrerequis, ...] = ()


@dataclass
class Bilan:
    perimetre: Perimetre
    extrait_le: dt.datetime
    publie: Decimal  # published envelopes
    enveloppe: Decimal  # published + redeployments − taken back (regles.Situation.total)
    compteurs: regles.Compteurs
    effectifs: Effectifs
    par_statut: list[Ligne]
    par_activite: list[Ligne]
    par_annee: list[Annee]
    par_domaine: list[Ligne]
    prerequis: SynthesePrerequis
    par_region: list[Ligne] = field(default_factory=list)  # national only
    nb_enveloppes: int = 0

    @property
    def programme(self) -> Programme:
        return self.perimetre.programme

    @property
    def part_enveloppe(self) -> Decimal | None:
        return part(self.compteurs.engage, self.enveloppe)

    @property
    def part_versee(self) -> Decimal | None:
        return part(self.compteurs.consomme, self.compteurs.engage)

    @property
    def total_statut(self) -> regles.Compteurs:
        return sum((lig.compteurs for lig in self.par_statut), regles.Compteurs())

    @property
    def valeurs(self) -> list[Decimal]:
        return valeurs(self.compteurs)

    @property
    def premiere_annee(self) -> int | None:
        return self.par_annee[0].annee if self.par_annee else None

    @property
    def derniere_annee(self) -> int | None:
        return self.par_annee[-1].annee if self.par_annee else None


def _enveloppes(per: Perimetre):
    qs = Enveloppe.objects.filter(programme=per.programme).select_related(
        "programme", "region__region_actuelle"
    )
    if per.national:
        return qs
    if per.ancienne:
        return qs.filter(region=per.region)
    return qs.filter(Q(region=per.region) | Q(region__region_actuelle=per.region))


def _dossiers(per: Perimetre, prefixe: str = ""):
    """The filter of the périmètre's dossiers (``prefixe``: the path to the dossier)."""
    filtre = {f"{prefixe}programme": per.programme}
    if per.ancienne:
        filtre[f"{prefixe}etablissement__region_historique"] = per.region
    elif not per.national:
        filtre[f"{prefixe}region"] = per.region
    return filtre


def _retenus(per: Perimetre):
    """The retained domaines: selected, in an accepted or closed dossier."""
    return DomaineDossier.objects.filter(
        decision=DecisionDomaine.SELECTIONNE,
        dossier__etat__in=ETATS_SUIVI,
        **_dossiers(per, "dossier__"),
    ).order_by()


CIBLES = Q(cibles_atteintes_le__isnull=False)


def _comptes(suffixe: str = "", filtre: Q | None = None) -> dict:
    """The aggregates of ``Effectifs`` (``filtre``: restricted to those rows)."""

    def f(q: Q | None = None):
        if filtre is None:
            return q
        return filtre if q is None else filtre & q

    return {
        f"etablissements{suffixe}": Count("dossier__etablissement", distinct=True, filter=f()),
        f"dossiers{suffixe}": Count("dossier", distinct=True, filter=f()),
        f"domaines{suffixe}": Count("id", filter=f()),
        f"domaines_cibles{suffixe}": Count("id", filter=f(CIBLES)),
        f"domaines_finances{suffixe}": Count("id", filter=f(Q(finance_le__isnull=False))),
        f"etablissements_cibles{suffixe}": Count(
            "dossier__etablissement", distinct=True, filter=f(CIBLES)
        ),
    }


CHAMPS_EFFECTIFS = tuple(f.name for f in fields(Effectifs))


def _effectifs(row: dict, suffixe: str = "") -> Effectifs:
    return Effectifs(*(row[f"{nom}{suffixe}"] or 0 for nom in CHAMPS_EFFECTIFS))


def _effectifs_par(retenus, champ: str) -> dict:
    return {row[champ]: _effectifs(row) for row in retenus.values(champ).annotate(**_comptes())}


def _ordre(choices, valeur) -> tuple:
    return (choices.values.index(valeur), "") if valeur in choices.values else (99, str(valeur))


def _libelle(choices, valeur) -> str:
    return choices(valeur).label if valeur in choices.values else str(valeur)


def bilan(programme, region=None) -> Bilan:
    """The bilan of ``programme`` (a Programme, or its code) on ``region`` (a Region, its INSEE
    code, or None for the national bilan), as of now."""
    if isinstance(programme, Perimetre):
        per = programme
    elif isinstance(programme, Programme) and (region is None or isinstance(region, Region)):
        per = Perimetre(programme, region)
    else:
        code_region = region.code if isinstance(region, Region) else region
        code_prog = programme.code if isinstance(programme, Programme) else programme
        per = perimetre(code_prog, code_region)
    extrait_le = timezone.now().astimezone(PARIS)

    # --- the ledger: every amount ---------------------------------------------------------
    enveloppes = list(_enveloppes(per))
    mouvements = MouvementEnveloppe.objects.filter(enveloppe__in=[e.pk for e in enveloppes])
    par_enveloppe = mouvements.par("enveloppe")
    situations = {
        e.pk: regles.situation(
            e.montant_publie,
            par_enveloppe.get(e.pk, regles.Compteurs()),
            regles.ParametresEnveloppe(part_amorcage=e.programme.part_amorcage),
        )
        for e in enveloppes
    }
    compteurs = sum(par_enveloppe.values(), regles.Compteurs())
    publie = sum((e.montant_publie for e in enveloppes), ZERO)
    total_enveloppe = sum((s.total for s in situations.values()), ZERO)
    montants_statut = mouvements.par("dossier__etablissement__statut")
    montants_activite = mouvements.par_activite()
    montants_domaine = mouvements.par("domaine__domaine")
    montants_annee = mouvements.annotate(annee=ExtractYear("date")).par("annee")

    # --- the dossiers: every count ------------------------------------------------------------
    retenus = _retenus(per)
    drapeaux = {a.value: Q(**{f"dossier__etablissement__{a.value}": True}) for a in Activite}
    totaux = retenus.aggregate(
        **_comptes(),
        **{k: v for a, q in drapeaux.items() for k, v in _comptes(f"__{a}", q).items()},
    )
    effectifs = _effectifs(totaux)
    effectifs_statut = _effectifs_par(retenus, "dossier__etablissement__statut")
    effectifs_domaine = _effectifs_par(retenus, "domaine")

    engage = compteurs.engage

    def ligne(cle, libelle, eff, cpt, **kw) -> Ligne:
        return Ligne(cle, libelle, eff, cpt, part(cpt.engage, engage), **kw)

    statuts = sorted(set(effectifs_statut) | set(montants_statut), key=lambda s: _ordre(Statut, s))
    par_statut = [
        ligne(
            s,
            _libelle(Statut, s),
            effectifs_statut.get(s, Effectifs()),
            montants_statut.get(s, regles.Compteurs()),
        )
        for s in statuts
    ]
    par_activite = [
        ligne(
            a.value,
            a.label,
            _effectifs(totaux, f"__{a.value}"),
            montants_activite.get(a.value, regles.Compteurs()),
        )
        for a in Activite
        if totaux[f"domaines__{a.value}"] or a.value in montants_activite
    ]
    domaines = list(Domaine.objects.filter(programme=per.programme).order_by("ordre", "code"))
    par_domaine = [
        ligne(
            d.code,
            d.libelle,
            effectifs_domaine.get(d.pk, Effectifs()),
            montants_domaine.get(d.pk, regles.Compteurs()),
        )
        for d in domaines
    ]
    return Bilan(
        perimetre=per,
        extrait_le=extrait_le,
        publie=publie,
        enveloppe=total_enveloppe,
        compteurs=compteurs,
        effectifs=effectifs,
        par_statut=par_statut,
        par_activite=par_activite,
        par_annee=_par_annee(mouvements, montants_annee),
        par_domaine=par_domaine,
        prerequis=_prerequis(per),
        par_region=(
            _par_region(per, enveloppes, par_enveloppe, situations, retenus, ligne)
            if per.national
            else []
        ),
        nb_enveloppes=len(enveloppes),
    )


def _par_annee(mouvements, montants_annee: dict) -> list[Annee]:
    """Per year of selection (2 queries besides the amounts)."""
    engagements = mouvements.filter(nature=Nature.ENGAGEMENT).order_by()
    selections = {
        row["annee"]: row
        for row in engagements.annotate(annee=ExtractYear("date"))
        .values("annee")
        .annotate(
            etablissements=Count("dossier__etablissement", distinct=True),
            domaines=Count("domaine", distinct=True),
        )
    }
    nouveaux: dict[int, int] = {}
    for premiere in (
        engagements.values("dossier__etablissement")
        .annotate(premiere=Min("date"))
        .values_list("premiere", flat=True)
    ):
        nouveaux[premiere.year] = nouveaux.get(premiere.year, 0) + 1
    annees = sorted(set(selections) | set(montants_annee))
    result, engage_cumule, verse_cumule, etab_cumules = [], ZERO, ZERO, 0
    for annee in annees:
        c = montants_annee.get(annee, regles.Compteurs())
        s = selections.get(annee, {})
        engage_cumule += c.engage
        verse_cumule += c.consomme
        etab_cumules += nouveaux.get(annee, 0)
        result.append(
            Annee(
                annee=annee,
                etablissements=s.get("etablissements", 0),
                nouveaux=nouveaux.get(annee, 0),
                domaines=s.get("domaines", 0),
                engage=c.engage,
                verse=c.consomme,
                engage_cumule=engage_cumule,
                verse_cumule=verse_cumule,
                etablissements_cumules=etab_cumules,
            )
        )
    return result


def _prerequis(per: Perimetre) -> SynthesePrerequis:
    """The ARS's decisions on the prérequis (3 queries besides the référentiel's list)."""
    liste = list(Prerequis.objects.filter(programme=per.programme).order_by("ordre", "code"))
    accepte = Q(decision=DecisionPrerequis.ACCEPTE)
    decisions = {
        row["prerequis"]: row
        for row in DecisionPrerequisDossier.objects.filter(**_dossiers(per, "dossier__"))
        .order_by()
        .values("prerequis")
        .annotate(
            evalues=Count("dossier", distinct=True),
            acceptes=Count("dossier", distinct=True, filter=accepte),
            etablissements=Count("dossier__etablissement", distinct=True, filter=accepte),
        )
    }
    dossiers = Dossier.objects.filter(**_dossiers(per)).order_by()
    tous = {"dossiers": 0, "etablissements": 0}
    if liste:
        tous = (
            dossiers.annotate(
                n=Count(
                    "decisions_prerequis",
                    filter=Q(decisions_prerequis__decision=DecisionPrerequis.ACCEPTE),
                )
            )
            .filter(n__gte=len(liste))
            .aggregate(
                dossiers=Count("id", distinct=True),
                etablissements=Count("etablissement", distinct=True),
            )
        )
    compte = dossiers.aggregate(
        instruits=Count("id", filter=~Q(etat=Etat.EN_SAISIE)),
        derogation=Count("id", filter=Q(prerequis_atteints_le__isnull=False)),
    )
    return SynthesePrerequis(
        instruits=compte["instruits"],
        tous_acceptes=tous["dossiers"] or 0,
        etablissements_tous_acceptes=tous["etablissements"] or 0,
        derogation=compte["derogation"],
        lignes=tuple(
            LignePrerequis(
                p.code,
                p.libelle,
                decisions.get(p.pk, {}).get("evalues", 0),
                decisions.get(p.pk, {}).get("acceptes", 0),
                decisions.get(p.pk, {}).get("etablissements", 0),
            )
            for p in liste
        ),
    )


def _par_region(per, enveloppes, par_enveloppe, situations, retenus, ligne) -> list[Ligne]:
    """National: one row per current région (HN: its former régions' envelopes summed); the
    counts by the dossier's région (the établissement's current one)."""
    effectifs = _effectifs_par(retenus, "dossier__region")
    regions: dict[int, list] = {}
    for e in enveloppes:
        r = e.region_ars
        cpt = par_enveloppe.get(e.pk, regles.Compteurs())
        if r.pk in regions:
            regions[r.pk][1] += cpt
            regions[r.pk][2] += situations[e.pk].total
        else:
            regions[r.pk] = [r, cpt, situations[e.pk].total]
    lignes = [
        ligne(r.code, r.nom, effectifs.get(pk, Effectifs()), cpt, enveloppe=total)
        for pk, (r, cpt, total) in regions.items()
    ]
    # Dossiers in a région without an envelope (none in practice): still counted.
    for pk in set(effectifs) - set(regions):
        r = Region.objects.get(pk=pk)  # pragma: no cover - not in the référentiel's data
        lignes.append(ligne(r.code, r.nom, effectifs[pk], regles.Compteurs()))
    return sorted(lignes, key=lambda lig: lig.libelle)
