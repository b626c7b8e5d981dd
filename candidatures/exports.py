"""The ARS export of a région's pré-candidatures: one row per établissement and domaine (an
établissement that applies on no domaine keeps one row) [003 A5 "Fonction d'export"]. The
estimated forfaits come from ``candidatures.chiffrage`` in one pass (one query for the
activities, whatever the number of rows)."""

from candidatures import chiffrage, semestres
from candidatures.enums import EtatPrecandidature, Position
from hn.referentiel import regles

ENTETES = [
    "Appel",
    "FINESS",
    "Raison sociale",
    "Région",
    "Statut",
    "Activités",
    "État",
    "Tardive",
    "Position",
    "Prérequis HN atteints",
    "Semestre prérequis HN",
    "Semestre prérequis HOP'EN",
    "Domaine",
    "Semestre d'atteinte des cibles",
    "Forfait estimé (€)",
    "Référent",
    "Courriel du référent",
    "Représentant légal",
    "Commentaire",
    "Réponse de l'ARS le",
    "Réponse tardive",
    "Commentaire de l'ARS",
]
MONTANTS = (ENTETES.index("Forfait estimé (€)"),)
ETATS = dict(EtatPrecandidature.choices)
POSITIONS = dict(Position.choices)


def _oui_non(valeur) -> str:
    return "" if valeur is None else ("Oui" if valeur else "Non")


def _tarifs(precandidatures) -> dict:
    """Per programme: its rules and its activity figures by établissement (one query each)."""
    par_programme: dict = {}
    for pc in precandidatures:
        par_programme.setdefault(pc.campagne.programme, set()).add(pc.etablissement_id)
    return {
        programme.pk: (programme.regles(), chiffrage.activites_combinees(programme, ids))
        for programme, ids in par_programme.items()
    }


def lignes(precandidatures):
    """``precandidatures``: a list from ``services.precandidatures_visibles`` (domaines
    prefetched), each priced with its own programme's rule (a national export may span
    programmes)."""
    tarifs = _tarifs(precandidatures)
    for pc in precandidatures:
        reg, activites = tarifs[pc.campagne.programme.pk]
        etab = pc.etablissement
        debut = [
            pc.campagne.libelle,
            etab.finess,
            etab.raison_sociale,
            pc.region.nom,
            etab.get_statut_display(),
            ", ".join(etab.activites),
            ETATS[pc.etat],
            "Oui" if pc.tardive else "Non",
            POSITIONS.get(pc.position, ""),
            _oui_non(pc.prerequis_hn_atteints),
            semestres.libelle(pc.semestre_prerequis_hn),
            semestres.libelle(pc.semestre_prerequis_hopen),
        ]
        fin = [
            pc.referent_nom,
            pc.referent_email,
            pc.representant_nom,
            pc.commentaire,
            pc.decidee_le,
            "Oui" if pc.reponse_tardive else ("Non" if pc.decidee_le else ""),
            pc.commentaire_decision,
        ]
        domaines = [d for d in pc.domaines.all() if d.semestre_cibles]
        if not domaines:
            yield [*debut, "", "", None, *fin]
        activite = activites.get(etab.pk)
        for d in domaines:
            forfait = None if activite is None else regles.forfait(reg, d.domaine.code, activite)[1]
            yield [*debut, d.domaine.code, semestres.libelle(d.semestre_cibles), forfait, *fin]
