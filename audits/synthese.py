"""The consolidated table of the audits [SPEC §8]: per programme, région and year (population,
sample, each audit with its sums to repay) and, for the national level, every région side by
side. Each is computed in a fixed number of queries, whatever the number of audits or régions
(sums to repay grouped in the database from the ledger's repayment lines, as
``audits.actions.a_rembourser``)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404
from django.utils import timezone

from audits.enums import Conclusion, Decision, EtatAudit
from audits.models import Audit, Designation, Tirage, TransmissionSynthese
from enveloppes.enums import Nature
from enveloppes.models import MouvementEnveloppe
from hn.comptes.perms import peut_instruire
from hn.comptes.scopes import acces
from hn.dates import aujourd_hui
from hn.journal.services import tracer
from hn.referentiel.models import Programme, Region
from hn.referentiel.regles import arrondi_euro

NATURES_DUES = (Nature.REMBOURSEMENT_AMORCAGE_DU, Nature.REMBOURSEMENT_USAGE_DU)


@dataclass
class LigneAudit:
    audit: Audit
    auditeurs: list[str]
    a_rembourser: int


@dataclass
class TableauRegion:
    programme: Programme
    region: Region
    annee: int
    tirage: Tirage | None
    lignes: list[LigneAudit] = field(default_factory=list)
    transmission: TransmissionSynthese | None = None

    @property
    def population(self) -> int:
        return len(self.tirage.population) if self.tirage else 0

    @property
    def echantillon(self) -> int:
        return len(self.tirage.tires) if self.tirage else 0

    @property
    def termines(self) -> int:
        return sum(1 for ligne in self.lignes if ligne.audit.etat == EtatAudit.TERMINE)

    @property
    def non_conformes(self) -> int:
        return sum(1 for ligne in self.lignes if ligne.audit.conclusion == Conclusion.NON_CONFORME)

    @property
    def total_a_rembourser(self) -> int:
        return sum(ligne.a_rembourser for ligne in self.lignes)


@dataclass
class LigneNationale:
    region: Region
    tires: int = 0
    termines: int = 0
    non_conformes: int = 0
    a_rembourser: int = 0
    transmise_le: object = None


@dataclass
class TableauNational:
    programme: Programme
    annee: int
    lignes: list[LigneNationale]
    alertes: list[Audit]

    @property
    def total(self) -> LigneNationale:
        """The national total (a row without a région)."""
        return LigneNationale(
            None,
            sum(ligne.tires for ligne in self.lignes),
            sum(ligne.termines for ligne in self.lignes),
            sum(ligne.non_conformes for ligne in self.lignes),
            sum(ligne.a_rembourser for ligne in self.lignes),
        )


# --- scope --------------------------------------------------------------------------------


def programme_ou_404(code) -> Programme:
    programme = Programme.objects.filter(code=str(code or "").strip().upper()).first()
    if programme is None:
        raise Http404("Programme inconnu.")
    return programme


def region_lisible(user, code) -> Region:
    """A current région the user reads (its ARS, any role; the national level): 404 for
    another région, 403 for a user without any ARS or national role."""
    a = acces(user)
    if not (a.national or a.regions):
        raise PermissionDenied("Le tableau consolidé des audits est lu par l'ARS et le national.")
    region = Region.objects.actuelles().filter(code=str(code or "").strip()).first()
    if region is None or not (a.national or region.pk in a.regions_lecture):
        raise Http404("Région introuvable.")
    return region


def exiger_national(user) -> None:
    if not acces(user).national:
        raise PermissionDenied("Le tableau national des audits est réservé au niveau national.")


def annee_ou_404(programme, annee: int) -> int:
    from audits.parametres import premiere_annee

    if not premiere_annee(programme) <= annee <= aujourd_hui().year:
        raise Http404("Aucun audit pour cette année.")
    return annee


class TransmissionRefusee(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def transmettre(*, programme, region, annee, acting_user) -> TransmissionSynthese:
    """The ARS valideur transmits the région's table of the year to the national level: a
    dated record each time (the last one shown), traced. Refused before the year's draw."""
    if not peut_instruire(acting_user, region):
        raise PermissionDenied("Seul le valideur (CMSI) de l'ARS transmet le tableau des audits.")
    if not Tirage.objects.filter(programme=programme, region=region, annee=annee).exists():
        raise TransmissionRefusee(
            f"Aucun tirage {programme.code} {annee} pour la région {region.nom} : il n'y a pas "
            "de tableau des audits à transmettre."
        )
    transmission = TransmissionSynthese.objects.create(
        programme=programme,
        region=region,
        annee=annee,
        transmise_le=timezone.now(),
        par=acting_user,
    )
    tracer(
        "audit_synthese_transmise",
        acteur=acting_user,
        objet=transmission,
        region=region,
        apres={"programme": programme.code, "annee": annee},
    )
    return transmission


# --- computation -------------------------------------------------------------------------


def _dus_par_dossier(dossier_ids) -> dict[int, int]:
    lignes = (
        MouvementEnveloppe.objects.filter(dossier_id__in=dossier_ids, nature__in=NATURES_DUES)
        .values("dossier_id")
        .annotate(total=Sum("montant"))
    )
    return {ligne["dossier_id"]: arrondi_euro(ligne["total"] or Decimal(0)) for ligne in lignes}


def tableau_region(programme: Programme, region: Region, annee: int) -> TableauRegion:
    """The région's table of a year: the draw, each audit in draw order; sums to repay of the
    dossiers closed for false declaration after their audit."""
    tirage = Tirage.objects.filter(programme=programme, region=region, annee=annee).first()
    tableau = TableauRegion(programme, region, annee, tirage)
    tableau.transmission = (
        TransmissionSynthese.objects.filter(programme=programme, region=region, annee=annee)
        .select_related("par")
        .first()
    )
    if tirage is None:
        return tableau
    audits = list(
        Audit.objects.filter(tirage=tirage)
        .select_related("dossier__etablissement", "conclu_par", "decide_par")
        .prefetch_related(
            Prefetch(
                "designations",
                queryset=Designation.objects.select_related("auditeur").order_by(
                    "designe_le", "pk"
                ),
            )
        )
        .order_by("rang")
    )
    clos = [a.dossier_id for a in audits if a.decision == Decision.CLOTURER]
    dus = _dus_par_dossier(clos) if clos else {}
    tableau.lignes = [
        LigneAudit(
            audit,
            [d.auditeur.get_full_name() or d.auditeur.username for d in audit.designations.all()],
            dus.get(audit.dossier_id, 0) if audit.decision == Decision.CLOTURER else 0,
        )
        for audit in audits
    ]
    return tableau


def tableau_national(programme: Programme, annee: int) -> TableauNational:
    """Every current région side by side (drawn, done, non conformes, sums to repay, last
    transmission), and the closures for false declaration (the national alerts)."""
    lignes = {r.pk: LigneNationale(r) for r in Region.objects.actuelles().order_by("nom")}
    audits = Audit.objects.filter(tirage__programme=programme, tirage__annee=annee)
    comptes = audits.values("tirage__region_id").annotate(
        tires=Count("pk"),
        termines=Count("pk", filter=Q(etat=EtatAudit.TERMINE)),
        non_conformes=Count("pk", filter=Q(conclusion=Conclusion.NON_CONFORME)),
    )
    for c in comptes:
        if (ligne := lignes.get(c["tirage__region_id"])) is not None:
            ligne.tires, ligne.termines = c["tires"], c["termines"]
            ligne.non_conformes = c["non_conformes"]
    dus = (
        MouvementEnveloppe.objects.filter(
            nature__in=NATURES_DUES,
            dossier_id__in=audits.filter(decision=Decision.CLOTURER).values("dossier_id"),
        )
        .values("dossier__region_id", "dossier_id")
        .annotate(total=Sum("montant"))
    )
    for d in dus:  # each dossier rounded to the euro, as the région's table
        if (ligne := lignes.get(d["dossier__region_id"])) is not None:
            ligne.a_rembourser += arrondi_euro(d["total"] or Decimal(0))
    transmissions = TransmissionSynthese.objects.filter(programme=programme, annee=annee)
    for region_id, le in transmissions.values_list("region_id", "transmise_le").order_by(
        "transmise_le"
    ):
        if (ligne := lignes.get(region_id)) is not None:
            ligne.transmise_le = le  # the last one wins
    alertes = list(
        audits.filter(decision=Decision.CLOTURER)
        .select_related("dossier__etablissement", "tirage__region")
        .order_by("-decide_le", "pk")
    )
    return TableauNational(programme, annee, list(lignes.values()), alertes)


# --- the export's rows ---------------------------------------------------------------------

ENTETES_REGION = [
    "Rang",
    "Dossier",
    "FINESS",
    "Établissement",
    "Auditeurs",
    "État",
    "Débuté le",
    "Conclu le",
    "Conclusion",
    "Décision",
    "Décidé le",
    "Fiche envoyée le",
    "À rembourser (€)",
]
ENTETES_NATIONAL = [
    "Région",
    "Code",
    "Audits tirés",
    "Terminés",
    "Non conformes",
    "Transmis le",
    "À rembourser (€)",
]


def lignes_region(t: TableauRegion) -> list[list]:
    return [
        [
            ligne.audit.rang,
            ligne.audit.dossier.numero,
            ligne.audit.dossier.etablissement.finess,
            ligne.audit.dossier.etablissement.raison_sociale,
            ", ".join(ligne.auditeurs),
            ligne.audit.get_etat_display(),
            ligne.audit.debute_le,
            ligne.audit.conclu_le,
            ligne.audit.get_conclusion_display() if ligne.audit.conclusion else "",
            ligne.audit.get_decision_display() if ligne.audit.decision else "",
            ligne.audit.decide_le,
            ligne.audit.fiche_envoyee_le,
            Decimal(ligne.a_rembourser),
        ]
        for ligne in t.lignes
    ]


def lignes_national(t: TableauNational) -> list[list]:
    return [
        [
            ligne.region.nom,
            ligne.region.code,
            ligne.tires,
            ligne.termines,
            ligne.non_conformes,
            ligne.transmise_le,
            Decimal(ligne.a_rembourser),
        ]
        for ligne in t.lignes
    ]
