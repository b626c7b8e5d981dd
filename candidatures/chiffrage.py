"""The figures of the calls: the estimate of a pré-candidature (its first tab) and the lines of
a région's programmation, computed with the forfait rule of ``hn.referentiel.regles`` (the same
function as the ``programmes/{code}/forfait/`` endpoint) and the envelope of ``enveloppes``.

A région's programmation is computed in a fixed number of queries whatever its size: the
pre-selected domaines, the activity figures and the CMSI's adjustments, one query each.
"""

from dataclasses import dataclass
from decimal import Decimal

from candidatures import regles as regles_campagne
from candidatures.enums import EtatPrecandidature
from candidatures.models import Ajustement, DomaineCandidature, Programmation, Version
from enveloppes.models import Enveloppe
from hn.referentiel import regles
from hn.referentiel.enums import Activite
from hn.referentiel.models import ActiviteEtablissement, Region


def activites_combinees(programme, etablissement_ids) -> dict[int, Decimal]:
    """Activité combinée of the programme's reference year, by établissement id (one query);
    an établissement without figures is absent."""
    reg = programme.regles()
    return {
        v.etablissement_id: regles.activite_combinee(v.volumes(), reg.coefficients)
        for v in ActiviteEtablissement.objects.filter(
            programme=programme, etablissement_id__in=list(etablissement_ids)
        )
    }


@dataclass(frozen=True)
class Estimation:
    """The first tab [003 A5]: activité combinée, category, forfait of every domaine."""

    activite_combinee: Decimal | None
    categorie: str | None
    forfaits: dict[str, int]  # every domaine of the programme (standard forfait)
    demandes: tuple[str, ...]  # the domaines applied for

    @property
    def total(self) -> int:
        return sum(self.forfaits.get(code, 0) for code in self.demandes)

    def api(self) -> dict:
        return {
            "activite_combinee": None
            if self.activite_combinee is None
            else float(self.activite_combinee),
            "categorie": self.categorie,
            "domaines": [{"code": c, "forfait": self.forfaits.get(c)} for c in self.demandes],
            "total": self.total,
        }


def _estimation(reg, activite, demandes) -> Estimation:
    if activite is None:
        return Estimation(None, None, {}, demandes)
    forfaits = {code: regles.forfait(reg, code, activite)[1] for code in reg.grilles}
    return Estimation(activite, regles.categorie(activite, reg.categories).code, forfaits, demandes)


def _demandes(precandidature) -> tuple[str, ...]:
    return tuple(d.domaine.code for d in precandidature.domaines.all() if d.semestre_cibles)


def estimation(precandidature, demandes: tuple[str, ...] | None = None) -> Estimation:
    """``demandes``: the domaines to total (default: those the pré-candidature applies for)."""
    programme = precandidature.campagne.programme
    activite = activites_combinees(programme, [precandidature.etablissement_id]).get(
        precandidature.etablissement_id
    )
    if demandes is None:
        demandes = _demandes(precandidature)
    return _estimation(programme.regles(), activite, demandes)


def estimations(precandidatures) -> dict[int, Estimation]:
    """The estimate of each pré-candidature (domaines prefetched), one query per programme."""
    par_programme: dict = {}
    for pc in precandidatures:
        par_programme.setdefault(pc.campagne.programme, []).append(pc)
    result = {}
    for programme, liste in par_programme.items():
        reg = programme.regles()
        activites = activites_combinees(programme, {pc.etablissement_id for pc in liste})
        for pc in liste:
            result[pc.pk] = _estimation(reg, activites.get(pc.etablissement_id), _demandes(pc))
    return result


# --- the programmation --------------------------------------------------------------------------


def enveloppe_de(programme, region) -> Decimal:
    """The région's envelope total for the programme (published, plus redeployments), summed
    over the former régions it covers for a programme set on them (SPEC §2)."""
    regions = Region.objects.couvertes_par(region)
    situations = Enveloppe.objects.filter(programme=programme, region__in=regions).situations()
    return sum((s.total for s in situations.values()), Decimal(0))


def programmation_de(campagne, region) -> Programmation:
    return Programmation.objects.get_or_create(campagne=campagne, region=region)[0]


def lignes(campagne, region) -> list[regles_campagne.Ligne]:
    """The pre-selected pré-candidatures of the région, one line per établissement and domaine,
    sorted by FINESS then domaine [003 §5.3.2]."""
    programme = campagne.programme
    part = programme.part_amorcage
    # Plain tuples, not models: ~30 % of the time of a large région went into building them.
    domaines = list(
        DomaineCandidature.objects.filter(
            precandidature__campagne=campagne,
            precandidature__region=region,
            precandidature__etat=EtatPrecandidature.PRESELECTIONNEE,
        )
        .exclude(semestre_cibles="")
        .order_by("precandidature__etablissement__finess", "domaine__ordre")
        .values_list(
            "precandidature__etablissement_id",
            "precandidature__etablissement__finess",
            "precandidature__etablissement__raison_sociale",
            "precandidature__etablissement__statut",
            "domaine_id",
            "domaine__code",
            "semestre_cibles",
            *(f"precandidature__etablissement__{a.value}" for a in Activite),
        )
    )
    activites = activites_combinees(programme, {d[0] for d in domaines})
    ajustes = {
        (a.etablissement_id, a.domaine_id): a.amorcage
        for a in Ajustement.objects.filter(
            programmation__campagne=campagne, programmation__region=region
        )
    }
    reg = programme.regles()
    result = []
    for (
        etab_id,
        finess,
        raison_sociale,
        statut,
        domaine_id,
        code,
        semestre,
        *drapeaux,
    ) in domaines:
        activite = activites.get(etab_id, Decimal(0))
        result.append(
            regles_campagne.ligne(
                forfait=regles.forfait(reg, code, activite)[1],
                part=part,
                amorcage=ajustes.get((etab_id, domaine_id)),
                finess=finess,
                raison_sociale=raison_sociale,
                statut=statut,
                activites=tuple(a.value for a, oui in zip(Activite, drapeaux, strict=True) if oui),
                domaine=code,
                semestre_cibles=semestre,
            )
        )
    return result


def totaux(campagne, region, lignes_) -> regles_campagne.Totaux:
    return regles_campagne.totaliser(
        lignes_, enveloppe_de(campagne.programme, region), campagne.programme.part_amorcage
    )


def ligne_api(lg: regles_campagne.Ligne) -> dict:
    return {
        "finess": lg.finess,
        "raison_sociale": lg.raison_sociale,
        "statut": lg.statut,
        "activites": list(lg.activites),
        "domaine": lg.domaine,
        "semestre_cibles": lg.semestre_cibles,
        "forfait": lg.forfait,
        "amorcage": lg.amorcage,
        "usage": lg.usage,
    }


def versions(campagne, region):
    return Version.objects.filter(
        programmation__campagne=campagne, programmation__region=region
    ).select_related("transmise_par")
