"""GHT dossiers [003 §5.3.1, A3 §2; SPEC §10]: who the candidates of a dossier are, and the
rule that an établissement is a candidate in at most one open dossier per programme — its
own or a GHT's — and in at most one pending request.

The checks run under the région's row lock, which every request and initialisation of the
région takes (``dossiers.actions``): a GHT and its members belong to one région, so two
concurrent requests naming the same établissement run one after the other and the second
sees the first.
"""

from django.db.models import Q

from dossiers.models import DemandeInitialisation, Dossier, MembreDossier
from hn.champs import SaisieRefusee
from hn.referentiel.models import Etablissement


def candidats(dossier) -> list:
    """The établissements whose forfaits and indicators make the dossier: its candidate
    members for a GHT dossier (by FINESS), its établissement otherwise. Uses a prefetched
    ``membres__etablissement`` when the caller has one."""
    if not dossier.ght_id:
        return [dossier.etablissement]
    membres = dossier.membres.all()
    if "membres" not in getattr(dossier, "_prefetched_objects_cache", {}):
        membres = membres.select_related("etablissement")
    return sorted((m.etablissement for m in membres), key=lambda etab: etab.finess)


def candidats_de_la_demande(demande) -> list:
    if not demande.ght_id:
        return [demande.etablissement]
    return sorted(demande.membres.all(), key=lambda etab: etab.finess)


def _libelle(etab) -> str:
    return f"{etab.raison_sociale} ({etab.finess})"


def occupations(programme, etablissements, *, sauf_demande=None) -> dict[int, str]:
    """{établissement id: why it cannot be a candidate again} for the établissements already
    in an open dossier or a pending request of ``programme`` (``sauf_demande``: the request
    being initialised, which does not count against itself)."""
    ids = [e.pk for e in etablissements]
    raisons: dict[int, str] = {}
    for dossier in (
        Dossier.objects.ouverts()
        .filter(programme=programme)
        .filter(Q(etablissement_id__in=ids) | Q(membres__etablissement_id__in=ids))
        .prefetch_related("membres")
        .distinct()
    ):
        concernes = {dossier.etablissement_id} if not dossier.ght_id else set()
        concernes |= {m.etablissement_id for m in dossier.membres.all()}
        for etab_id in concernes & set(ids):
            raisons.setdefault(
                etab_id,
                f"déjà candidat dans le dossier {programme.code} {dossier.numero}"
                + (" (dossier de GHT)" if dossier.ght_id else ""),
            )
    demandes = (
        DemandeInitialisation.objects.en_attente()
        .filter(programme=programme)
        .filter(Q(etablissement_id__in=ids, ght__isnull=True) | Q(membres__in=ids))
        .prefetch_related("membres")
        .distinct()
    )
    if sauf_demande is not None:
        demandes = demandes.exclude(pk=sauf_demande.pk)
    for demande in demandes:
        concernes = (
            {m.pk for m in demande.membres.all()} if demande.ght_id else {demande.etablissement_id}
        )
        for etab_id in concernes & set(ids):
            raisons.setdefault(
                etab_id,
                "déjà candidat dans une demande de dossier en attente d'initialisation"
                + (" (demande de GHT)" if demande.ght_id else ""),
            )
    return raisons


def verifier_disponibles(programme, etablissements, *, sauf_demande=None, champ="membres"):
    """Refuse (French message, field error) when one of ``etablissements`` is already a
    candidate elsewhere in ``programme``."""
    raisons = occupations(programme, etablissements, sauf_demande=sauf_demande)
    if not raisons:
        return
    lignes = [f"{_libelle(e)} : {raisons[e.pk]}" for e in etablissements if e.pk in raisons]
    message = (
        "Un établissement ne peut être candidat que dans un seul dossier par programme "
        f"(le sien ou celui de son GHT). {' ; '.join(lignes)}."
    )
    raise SaisieRefusee(message, {champ: lignes})


def membres_demandes(support, finess: list | None) -> tuple[object, list]:
    """(GHT, candidate members) of a GHT request filed by ``support``: the members must be
    établissements of the GHT whose support it is, each once, at least one. ``finess`` None:
    a single établissement's request, (None, [support])."""
    if finess is None:
        return None, [support]
    ght = getattr(support, "ght_support", None) if support.ght_id else None
    if ght is None or ght.pk != support.ght_id:
        raise SaisieRefusee(
            "Seul l'établissement support d'un GHT peut demander un dossier de GHT : "
            f"{_libelle(support)} n'est le support d'aucun GHT.",
            {"membres": ["L'établissement n'est pas l'établissement support d'un GHT."]},
        )
    if not isinstance(finess, list) or not finess or not all(isinstance(f, str) for f in finess):
        raise SaisieRefusee(
            "Indiquez au moins un établissement candidat du GHT.",
            {"membres": ["Une liste de numéros FINESS, au moins un."]},
        )
    codes = [f.strip().upper() for f in finess]
    doublons = sorted({c for c in codes if codes.count(c) > 1})
    if doublons:
        raise SaisieRefusee(
            f"Établissement cité plusieurs fois : {', '.join(doublons)}.",
            {"membres": [f"{c} : cité plusieurs fois." for c in doublons]},
        )
    trouves = {e.finess: e for e in Etablissement.objects.filter(finess__in=codes)}
    hors_ght = [c for c in codes if c not in trouves or trouves[c].ght_id != ght.pk]
    if hors_ght:
        raise SaisieRefusee(
            f"Ces établissements ne sont pas membres du {ght.nom} : {', '.join(hors_ght)}.",
            {"membres": [f"{c} : pas membre du {ght.nom}." for c in hors_ght]},
        )
    return ght, sorted(trouves.values(), key=lambda e: e.finess)


def enregistrer_membres(demande, etablissements) -> dict:
    """A GHT request's candidate members recorded; what the journal says of them."""
    if not demande.ght_id:
        return {}
    demande.membres.set(etablissements)
    return {"ght": demande.ght.nom, "membres": [e.finess for e in etablissements]}


def creer_membres(dossier, etablissements) -> None:
    MembreDossier.objects.bulk_create(
        MembreDossier(dossier=dossier, etablissement=e) for e in etablissements
    )
