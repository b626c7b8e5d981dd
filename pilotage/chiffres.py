"""The figures of the pilotage dashboards (issue 16): one row per current région of a programme,
in six blocks, and the total of the rows.

- **instruction**: dossiers per état, decisions due within 15 days, pending initialisation
  requests and the overdue ones, implicit refusals (an état);
- **finances**: the envelope as published, redeployments, engaged, paid, available, repayments
  due — the same figures as ``GET enveloppes/`` (``EnveloppeQuerySet.situations``), added up
  for HN over the former régions the ARS manages (HN envelopes are on the 26 former régions);
- **selection**: établissements and domaines selected (a domaine selected in an accepted or
  closed dossier), per statut and per activité against the région's balance (its
  établissements), with the ledger's balance warnings (``enveloppes.regles.ecarts_equilibre``);
- **suivi**: selected domaines whose targets are met, dossiers in suivi whose prérequis are
  reached (all but those whose amorçage was paid by derogation before them), late reports;
- **candidatures**: the programme's calls (pré-candidatures per état, domaines applied for,
  programmation versions transmitted);
- **audits**: audits per état, and those closed for a false declaration.

The rows are on the current régions, the ARS's unit: a dashboard row is what one ARS manages.
Every figure is aggregated in SQL: a constant number of queries whatever the number of
régions or dossiers. :func:`tableau` computes; :func:`tableau_en_cache` keeps the result until
anything it reads changes (see :func:`_cle`).
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from audits.enums import Decision, EtatAudit
from audits.models import Audit
from candidatures.enums import EtatPrecandidature
from candidatures.models import DomaineCandidature, Precandidature, Programmation, Version
from dossiers.enums import SUIVI_OUVERT, DecisionDomaine, Etat
from dossiers.models import DemandeInitialisation, DomaineDossier, Dossier, VersionPerimetre
from enveloppes import regles
from enveloppes.models import Enveloppe, MouvementEnveloppe
from hn.comptes.scopes import acces
from hn.dates import aujourd_hui
from hn.journal.models import Evenement
from hn.referentiel.enums import Activite, Statut
from hn.referentiel.models import Etablissement, Programme, Region

ZERO = Decimal(0)
# "Decisions due within 15 days" (issue 16).
HORIZON_DECISION = dt.timedelta(days=15)
# The figures are kept until anything they read changes; this only frees superseded entries.
DUREE_CACHE_S = 3600
ETATS_SELECTION = (Etat.ACCEPTE, Etat.CLOS)


# --- the blocks -----------------------------------------------------------------------------


@dataclass
class Instruction:
    etats: dict[str, int] = field(default_factory=lambda: {e.value: 0 for e in Etat})
    decisions_sous_15_jours: int = 0
    demandes_en_attente: int = 0
    initialisations_en_retard: int = 0

    @property
    def dossiers(self) -> int:
        return sum(self.etats.values())

    @property
    def refus_implicites(self) -> int:
        return self.etats[Etat.REFUSE_IMPLICITE]


@dataclass
class Finances:
    """Euros, to the cent (the API rounds each to the euro)."""

    enveloppe: Decimal = ZERO  # as published
    redeploiements: Decimal = ZERO  # net national redeployments (in − out)
    total: Decimal = ZERO  # published + redeployed − taken back
    plafond_amorcage: Decimal = ZERO
    engage: Decimal = ZERO
    engage_amorcage: Decimal = ZERO
    engage_usage: Decimal = ZERO
    amorcage_derogatoire: Decimal = ZERO
    verse: Decimal = ZERO
    verse_amorcage: Decimal = ZERO
    verse_usage: Decimal = ZERO
    disponible: Decimal = ZERO
    remboursements_dus: Decimal = ZERO

    @property
    def taux_engagement(self) -> Decimal | None:
        return _part(self.engage, self.total)

    @property
    def taux_versement(self) -> Decimal | None:
        return _part(self.verse, self.engage)


@dataclass
class Repartition:
    """Établissements selected with one statut (or activité), against the région's."""

    cle: str
    libelle: str
    selectionnes: int = 0
    region: int = 0  # établissements of the région with it
    part_selection: Decimal | None = None
    part_region: Decimal | None = None
    ecart: bool = False  # beyond the balance tolerance (a warning, never a refusal)


@dataclass
class Selection:
    etablissements: int = 0
    domaines: int = 0
    etablissements_region: int = 0
    par_statut: list[Repartition] = field(default_factory=list)
    par_activite: list[Repartition] = field(default_factory=list)

    @property
    def ecarts(self) -> list[Repartition]:
        return [r for r in [*self.par_statut, *self.par_activite] if r.ecart]


@dataclass
class Suivi:
    domaines_selectionnes: int = 0
    domaines_cibles_atteintes: int = 0
    domaines_finances: int = 0
    dossiers_suivis: int = 0
    prerequis_atteints: int = 0
    rapports_en_retard: int = 0

    @property
    def part_cibles_atteintes(self) -> Decimal | None:
        return _part(self.domaines_cibles_atteintes, self.domaines_selectionnes)

    @property
    def part_prerequis_atteints(self) -> Decimal | None:
        return _part(self.prerequis_atteints, self.dossiers_suivis)


@dataclass
class Candidatures:
    etats: dict[str, int] = field(default_factory=lambda: {e.value: 0 for e in EtatPrecandidature})
    tardives: int = 0
    domaines_demandes: int = 0
    programmations_transmises: int = 0  # régions with at least one version (1 or 0 per row)
    versions: int = 0
    derniere_version_le: dt.datetime | None = None
    total_programme: int = 0  # euros of the latest version of each campaign

    @property
    def precandidatures(self) -> int:
        return sum(self.etats.values())


@dataclass
class Audits:
    etats: dict[str, int] = field(default_factory=lambda: {e.value: 0 for e in EtatAudit})
    clotures: int = 0  # dossiers closed for a false declaration

    @property
    def audits(self) -> int:
        return sum(self.etats.values())


BLOCS = ("instruction", "finances", "selection", "suivi", "candidatures", "audits")


@dataclass
class Ligne:
    """A région's figures (``region`` None: the total of the rows)."""

    region: Region | None
    instruction: Instruction = field(default_factory=Instruction)
    finances: Finances = field(default_factory=Finances)
    selection: Selection = field(default_factory=Selection)
    suivi: Suivi = field(default_factory=Suivi)
    candidatures: Candidatures = field(default_factory=Candidatures)
    audits: Audits = field(default_factory=Audits)

    @property
    def code(self) -> str:
        return self.region.code if self.region else ""

    @property
    def nom(self) -> str:
        return self.region.nom if self.region else "Total"


@dataclass
class Tableau:
    programme: Programme
    lignes: list[Ligne]
    total: Ligne
    extrait_le: dt.datetime
    jour: dt.date
    national: bool  # the caller's scope is the whole country

    def ligne(self, code: str) -> Ligne | None:
        return next((lig for lig in self.lignes if lig.code == code), None)


# --- scope ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Perimetre:
    programme: Programme
    regions: tuple[Region, ...]  # current régions, by name
    national: bool  # the caller sees every région

    @property
    def ids(self) -> list[int]:
        return [r.pk for r in self.regions]


def perimetre(user, programme: str, region: str | None = None) -> Perimetre:
    """The régions ``user`` pilots for ``programme``: the national level every current région,
    an ARS its own. ``region`` narrows it to one (404 outside the scope, as an unknown code);
    403 for a user without a région (établissement staff)."""
    a = acces(user)
    if not (a.national or a.regions_lecture):
        raise PermissionDenied("Le pilotage est réservé aux ARS et au niveau national.")
    prog = Programme.objects.filter(code=(programme or "").upper()).first()
    if prog is None:
        raise Http404("Programme inconnu.")
    regions = Region.objects.actuelles().order_by("nom", "code")
    if not a.national:
        regions = regions.filter(pk__in=a.regions_lecture)
    if region:
        regions = regions.filter(code=region)
    regions = tuple(regions)
    if region and not regions:
        raise Http404("Région inconnue ou hors de votre périmètre.")
    return Perimetre(prog, regions, a.national)


# --- computation ----------------------------------------------------------------------------


def _part(n, d) -> Decimal | None:
    """n / d as a fraction (None when d is 0)."""
    return (Decimal(n) / Decimal(d)) if d else None


def tableau(p: Perimetre) -> Tableau:
    """Every block of every région of the perimeter, and their total (11 queries)."""
    lignes = {r.pk: Ligne(r) for r in p.regions}
    jour = aujourd_hui()
    _instruction(p, lignes, jour)
    _finances(p, lignes)
    _selection(p, lignes)
    _suivi(p, lignes, jour)
    _candidatures(p, lignes)
    _audits(p, lignes)
    ordre = list(lignes.values())
    return Tableau(
        programme=p.programme,
        lignes=ordre,
        total=total(ordre),
        extrait_le=timezone.now(),
        jour=jour,
        national=p.national,
    )


def _instruction(p, lignes, jour):
    dossiers = Dossier.objects.filter(programme=p.programme, region_id__in=p.ids).order_by()
    limite = jour + HORIZON_DECISION
    for region_id, etat, n, sous_15 in dossiers.values_list("region_id", "etat").annotate(
        n=Count("*"),
        sous_15=Count("pk", filter=Q(etat=Etat.DEPOSE, echeance_decision__lte=limite)),
    ):
        bloc = lignes[region_id].instruction
        bloc.etats[etat] = bloc.etats.get(etat, 0) + n
        bloc.decisions_sous_15_jours += sous_15
    demandes = (
        DemandeInitialisation.objects.en_attente()
        .filter(programme=p.programme, etablissement__region_id__in=p.ids)
        .order_by()
        .values_list("etablissement__region_id")
        .annotate(n=Count("pk"), retard=Count("pk", filter=Q(echeance__lt=jour)))
    )
    for region_id, n, retard in demandes:
        lignes[region_id].instruction.demandes_en_attente = n
        lignes[region_id].instruction.initialisations_en_retard = retard


def enveloppes_du_perimetre(p):
    """The programme's envelopes the perimeter's régions manage (HN: their former régions)."""
    return Enveloppe.objects.filter(
        Q(region_id__in=p.ids) | Q(region__region_actuelle_id__in=p.ids),
        programme=p.programme,
        region__decoupage=p.programme.decoupage,
    ).select_related("region")


def _finances(p, lignes):
    enveloppes = list(enveloppes_du_perimetre(p).select_related("programme"))
    compteurs = MouvementEnveloppe.objects.filter(enveloppe_id__in=[e.pk for e in enveloppes]).par(
        "enveloppe"
    )
    parametres = regles.ParametresEnveloppe(part_amorcage=p.programme.part_amorcage)
    for e in enveloppes:
        c = compteurs.get(e.pk, regles.Compteurs())
        s = regles.situation(e.montant_publie, c, parametres)
        f = lignes[e.region.region_actuelle_id or e.region_id].finances
        f.enveloppe += e.montant_publie
        f.redeploiements += s.redeploye
        f.total += s.total
        f.plafond_amorcage += s.plafond_amorcage
        f.engage += s.engage
        f.engage_amorcage += s.engage_amorcage
        f.engage_usage += s.engage_usage
        f.amorcage_derogatoire += c.engage_amorcage_derogatoire
        f.verse += s.consomme
        f.verse_amorcage += s.consomme_amorcage
        f.verse_usage += s.consomme_usage
        f.disponible += s.disponible
        f.remboursements_dus += s.remboursement_du


def _domaines_selectionnes(p):
    return DomaineDossier.objects.filter(
        dossier__programme=p.programme,
        dossier__region_id__in=p.ids,
        dossier__etat__in=ETATS_SELECTION,
        decision=DecisionDomaine.SELECTIONNE,
    ).order_by()


ACTIVITES = [a.value for a in Activite]


def _selection(p, lignes):
    """The selection block, and the suivi block's domaine counts, from ONE pass over the
    selected domaines (the largest join of the dashboard: it was four at 10x volume): grouped
    by région and établissement profile (statut, activités). An établissement has one profile,
    so the distinct établissements of a région (or of a statut, an activité) are the sums of
    the distinct établissements of its profiles."""
    etab = "dossier__etablissement"
    par_profil: dict[int, list[tuple[regles.Profil, int]]] = {}
    for row in (
        _domaines_selectionnes(p)
        .values("dossier__region_id", f"{etab}__statut", *(f"{etab}__{a}" for a in ACTIVITES))
        .annotate(
            n=Count(etab, distinct=True),
            domaines=Count("pk"),
            atteintes=Count("pk", filter=Q(cibles_atteintes_le__isnull=False)),
            finances=Count("pk", filter=Q(finance_le__isnull=False)),
        )
    ):
        region_id = row["dossier__region_id"]
        profil = regles.Profil(
            row[f"{etab}__statut"], tuple(a for a in ACTIVITES if row[f"{etab}__{a}"])
        )
        par_profil.setdefault(region_id, []).append((profil, row["n"]))
        ligne = lignes[region_id]
        ligne.selection.domaines += row["domaines"]
        ligne.selection.etablissements += row["n"]
        ligne.suivi.domaines_selectionnes += row["domaines"]
        ligne.suivi.domaines_cibles_atteintes += row["atteintes"]
        ligne.suivi.domaines_finances += row["finances"]
    # The région's balance: its établissements, per (statut, activités) profile.
    population: dict[int, list[tuple[regles.Profil, int]]] = {}
    for row in (
        Etablissement.objects.filter(region_id__in=p.ids)
        .order_by()
        .values("region_id", "statut", *ACTIVITES)
        .annotate(n=Count("pk"))
    ):
        profil = regles.Profil(row["statut"], tuple(a for a in ACTIVITES if row[a]))
        population.setdefault(row["region_id"], []).append((profil, row["n"]))
    for region_id, ligne in lignes.items():
        s = ligne.selection
        profils = population.get(region_id, [])
        selection = par_profil.get(region_id, [])
        s.etablissements_region = sum(n for _, n in profils)
        ecarts = {
            (e.axe, e.valeur)
            for e in regles.ecarts_equilibre(
                [pr for pr, n in selection for _ in range(n)],
                [pr for pr, n in profils for _ in range(n)],
            )
        }
        s.par_statut = [
            _repartition(
                "statut",
                st.value,
                st.label,
                sum(n for pr, n in selection if pr.statut == st.value),
                sum(n for pr, n in profils if pr.statut == st.value),
                s,
                ecarts,
            )
            for st in Statut
        ]
        s.par_activite = [
            _repartition(
                "activite",
                a.value,
                a.label,
                sum(n for pr, n in selection if a.value in pr.activites),
                sum(n for pr, n in profils if a.value in pr.activites),
                s,
                ecarts,
            )
            for a in Activite
        ]


def _repartition(axe, cle, libelle, selectionnes, region, s, ecarts) -> Repartition:
    return Repartition(
        cle,
        libelle,
        selectionnes=selectionnes,
        region=region,
        part_selection=_part(selectionnes, s.etablissements),
        part_region=_part(region, s.etablissements_region),
        ecart=(axe, cle) in ecarts,
    )


def _suivi(p, lignes, jour):
    """The dossiers in suivi (the domaine counts come with the selection's pass)."""
    derogation = MouvementEnveloppe.objects.filter(dossier=OuterRef("pk"), derogation=True)
    ouverts = DomaineDossier.objects.filter(dossier=OuterRef("pk"), suivi__in=SUIVI_OUVERT)
    for row in (
        Dossier.objects.filter(programme=p.programme, region_id__in=p.ids, etat=Etat.ACCEPTE)
        .order_by()
        .values("region_id")
        .annotate(
            n=Count("pk"),
            en_attente=Count(
                "pk", filter=Q(Exists(derogation), prerequis_atteints_le__isnull=True)
            ),
            retard=Count("pk", filter=Q(Exists(ouverts), prochain_rapport_le__lt=jour)),
        )
    ):
        s = lignes[row["region_id"]].suivi
        s.dossiers_suivis = row["n"]
        s.prerequis_atteints = row["n"] - row["en_attente"]
        s.rapports_en_retard = row["retard"]


def _candidatures(p, lignes):
    pre = Precandidature.objects.filter(
        campagne__programme=p.programme, region_id__in=p.ids
    ).order_by()
    for region_id, etat, n, tardives in pre.values_list("region_id", "etat").annotate(
        n=Count("*"), tardives=Count("pk", filter=Q(tardive=True))
    ):
        c = lignes[region_id].candidatures
        c.etats[etat] = c.etats.get(etat, 0) + n
        c.tardives += tardives
    for region_id, n in (
        DomaineCandidature.objects.filter(
            precandidature__campagne__programme=p.programme,
            precandidature__region_id__in=p.ids,
        )
        .order_by()
        .values_list("precandidature__region_id")
        .annotate(n=Count("pk"))
    ):
        lignes[region_id].candidatures.domaines_demandes = n
    derniere = Version.objects.filter(programmation=OuterRef("pk")).order_by("-rang")
    for region_id, versions, le, montant in (
        Programmation.objects.filter(campagne__programme=p.programme, region_id__in=p.ids)
        .order_by()
        .annotate(
            versions_n=Count("versions"),
            le=Max("versions__transmise_le"),
        )
        .values_list("region_id", "versions_n", "le", derniere.values("total")[:1])
    ):
        c = lignes[region_id].candidatures
        c.versions += versions
        if versions:
            c.programmations_transmises = 1
            c.total_programme += montant or 0
            c.derniere_version_le = max(filter(None, [c.derniere_version_le, le]))


def _audits(p, lignes):
    for region_id, etat, n, clotures in (
        Audit.objects.filter(tirage__programme=p.programme, tirage__region_id__in=p.ids)
        .order_by()
        .values_list("tirage__region_id", "etat")
        .annotate(n=Count("*"), clotures=Count("pk", filter=Q(decision=Decision.CLOTURER)))
    ):
        a = lignes[region_id].audits
        a.etats[etat] = a.etats.get(etat, 0) + n
        a.clotures += clotures


def total(lignes: list[Ligne]) -> Ligne:
    """The sum of the rows (shares recomputed from the sums, never averaged)."""
    t = Ligne(None)
    for lig in lignes:
        for bloc in BLOCS:
            _ajouter(getattr(t, bloc), getattr(lig, bloc))
    s = t.selection
    for liste in ("par_statut", "par_activite"):
        somme: dict[str, Repartition] = {}
        for lig in lignes:
            for r in getattr(lig.selection, liste):
                cumul = somme.setdefault(r.cle, Repartition(r.cle, r.libelle))
                cumul.selectionnes += r.selectionnes
                cumul.region += r.region
        for r in somme.values():
            r.part_selection = _part(r.selectionnes, s.etablissements)
            r.part_region = _part(r.region, s.etablissements_region)
        setattr(s, liste, list(somme.values()))
    return t


def _ajouter(cumul, bloc) -> None:
    for f in fields(bloc):
        valeur = getattr(bloc, f.name)
        if isinstance(valeur, dict):
            somme = getattr(cumul, f.name)
            for k, v in valeur.items():
                somme[k] = somme.get(k, 0) + v
        elif isinstance(valeur, (int, Decimal)) and not isinstance(valeur, bool):
            setattr(cumul, f.name, getattr(cumul, f.name) + valeur)
        elif isinstance(valeur, dt.datetime):
            courant = getattr(cumul, f.name)
            setattr(cumul, f.name, max(courant, valeur) if courant else valeur)


# --- cache ----------------------------------------------------------------------------------


def _cle(p: Perimetre) -> str:
    """What the figures read, in four small queries: the versions of the régions' perimeters
    (bumped by database triggers on every dossier, domaine, request or établissement change,
    ``dossiers.models.VersionPerimetre``), the last ledger line (append-only), the last journal
    row (every action of the calls and the audits is journaled), and the day (deadlines)."""
    versions = list(
        VersionPerimetre.objects.filter(region_id__in=p.ids)
        .order_by("region_id")
        .values_list("region_id", "version")
    )
    mouvement = MouvementEnveloppe.objects.aggregate(m=Max("pk"))["m"]
    evenement = Evenement.objects.aggregate(m=Max("pk"))["m"]
    perimetre = f"{p.programme.pk}|{p.national}|{p.ids}|{aujourd_hui().isoformat()}"
    etat = f"{perimetre}|{versions}|{mouvement}|{evenement}"
    return "pilotage:" + hashlib.sha256(etat.encode()).hexdigest()


def perimetre_national(programme: Programme) -> Perimetre:
    """Every current région of ``programme`` (the national level's scope), whoever asks."""
    return Perimetre(programme, tuple(Region.objects.actuelles().order_by("nom", "code")), True)


def reference_nationale(programme: Programme, cle: str | None = None) -> Ligne:
    """The national total a regional dashboard compares its région to (its rates are computed
    on the national sums). An ARS may read these national aggregates, never another région's
    row: only the total leaves this function. Cached with the national dashboard (``cle``:
    the national perimeter's key, when the caller has it)."""
    return tableau_en_cache(perimetre_national(programme), cle).total


def a_un_appel(programme: Programme) -> bool:
    """Whether the programme has a call for applications (HN has none): its block applies."""
    return programme.campagnes.exists()


def cle(p: Perimetre) -> str:
    """The key of the perimeter's figures as they stand (what the pages key their rendering
    on: the same figures, the same page)."""
    return _cle(p)


def tableau_en_cache(p: Perimetre, cle: str | None = None) -> Tableau:
    """The figures, from the cache while nothing they read changed (``cle``: the key already
    computed by the caller, :func:`cle`)."""
    cle = cle or _cle(p)
    t = cache.get(cle)
    if t is None:
        t = tableau(p)
        cache.set(cle, t, DUREE_CACHE_S)
    return t
