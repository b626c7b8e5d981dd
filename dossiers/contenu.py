"""The dossier's ES content as one dict: what the ES edits, what each dépôt freezes, what the
ARS reads (from the last dépôt). One shape for the API, the snapshot and the PDF."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

from dossiers.eligibilite import indicateurs_de_convergence
from dossiers.enums import Avancement, CategoriePiece, TypeContact
from dossiers.ght import candidats
from dossiers.pages import pages


def _valeur(v) -> dict:
    return {
        "valeur": None if v is None or v.valeur is None else str(v.valeur),
        "non_applicable": bool(v and v.non_applicable),
    }


def _valeurs(dossier) -> dict:
    """``{indicateur_id: value}`` of the dossier's own values and ``{(indicateur_id,
    etablissement_id): value}`` of a GHT member's."""
    return {
        (
            v.indicateur_id if v.etablissement_id is None else (v.indicateur_id, v.etablissement_id)
        ): v
        for v in dossier.valeurs.all()
    }


def indicateurs_membres(dossier, valeurs, programme_indicateurs) -> list[dict]:
    """A GHT dossier's domaine indicators, one value per candidate member [SPEC §10]:
    ``[{"finess", "code", "valeur", "non_applicable"}]`` by FINESS then indicator."""
    return [
        {"finess": membre.finess, "code": ind.code, **_valeur(valeurs.get((ind.pk, membre.pk)))}
        for membre in candidats(dossier)
        for ind in programme_indicateurs
        if ind.domaine_id is not None
    ]


def contenu(dossier) -> dict:
    contacts = {c.type: c for c in dossier.contacts.all()}
    valeurs = _valeurs(dossier)
    programme_indicateurs = list(dossier.programme.indicateurs.all())
    indicateurs = [
        {"code": ind.code, **_valeur(valeurs.get(ind.pk))} for ind in programme_indicateurs
    ]
    # A GHT dossier only [SPEC §10]: its members' values, its GHT conditions (the GHT's DSI
    # is the contact "dsi_ght"). A single ES's content (and its deposited snapshots'
    # fingerprints) keeps its shape.
    ght = (
        {
            "indicateurs_membres": indicateurs_membres(dossier, valeurs, programme_indicateurs),
            "validation_directeur_support": dossier.validation_directeur_support,
            "dsi_ght_valide": dossier.dsi_ght_valide,
            "convergence": dict(sorted(dossier.convergence.items())),
        }
        if dossier.ght_id
        else {}
    )
    types = [t for t in TypeContact if dossier.ght_id or t != TypeContact.DSI_GHT]
    return {
        "engagements": sorted(dossier.engagements),
        "commentaire_etablissement": dossier.commentaire_etablissement,
        "commentaire_contacts": dossier.commentaire_contacts,
        "contacts": [
            {
                "type": t.value,
                "nom": contacts[t].nom if t in contacts else "",
                "fonction": contacts[t].fonction if t in contacts else "",
                "email": contacts[t].email if t in contacts else "",
                "telephone": contacts[t].telephone if t in contacts else "",
            }
            for t in types
        ],
        "mutualise": dossier.mutualise,
        "partenaires": dossier.partenaires,
        "description_projet": dossier.description_projet,
        "motivation": dossier.motivation,
        "domaines": [
            {
                "code": dd.domaine.code,
                "demande": dd.demande,
                "avancement": dd.avancement,
                "date_cible": dd.date_cible.isoformat() if dd.date_cible else None,
                "cout": None if dd.cout is None else str(dd.cout),
            }
            for dd in dossier.domaines.select_related("domaine")
        ],
        "indicateurs": indicateurs,
        **ght,
        "pieces": [
            {
                "id": p.pk,
                "categorie": p.categorie,
                "prerequis": p.prerequis.code if p.prerequis_id else None,
                "nom": p.nom,
                "taille": p.taille,
                "empreinte": p.empreinte,
            }
            for p in dossier.pieces.filter(remplacee_par__isnull=True, supprimee_le__isnull=True)
            .select_related("prerequis")
            .order_by("pk")
        ],
    }


def domaines_demandes(data: dict | None) -> set[str]:
    """Codes of the domaines requested in a content dict (none when there is no content)."""
    return {d["code"] for d in (data or {}).get("domaines", []) if d.get("demande")}


def empreinte(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


CHAMPS_CONTACTS = {
    TypeContact.CONTACT: ("nom", "email", "telephone"),
    TypeContact.RESPONSABLE_PROJET: ("nom", "email"),
    TypeContact.DSI: ("nom", "email"),
    TypeContact.DIRECTEUR: ("nom",),
}
LIBELLES_CHAMPS = {
    "nom": "nom",
    "email": "adresse électronique",
    "telephone": "téléphone",
}


def manquants_ght(dossier, dsi_ght) -> list[tuple[str, str]]:
    """(field, label) of the GHT conditions left empty on a GHT dossier [003 §5.3.1]: the
    support director's validation, the GHT's DSI named and validated, an answer for each
    convergence indicator, the GHT's SDSI (all on the page "GHT")."""
    # Only the items whose rule the programme lists (programme data: dossiers.eligibilite).
    regles = {r.get("regle") for r in dossier.programme.eligibilite}
    result = []
    if "ght_validation_directeur" in regles and not dossier.validation_directeur_support:
        result.append(
            (
                "validation_directeur_support",
                "Validation du dossier par le directeur de l'établissement support",
            )
        )
    if "ght_dsi" in regles and not getattr(dsi_ght, "nom", ""):
        result.append((f"contacts.{TypeContact.DSI_GHT.value}.nom", "DSI du GHT : nom"))
    if "ght_dsi" in regles and not dossier.dsi_ght_valide:
        result.append(
            ("dsi_ght_valide", "DSI du GHT validé par le directeur de l'établissement support")
        )
    demandes = {dd.domaine.code for dd in dossier.domaines.select_related("domaine") if dd.demande}
    indicateurs = dossier.programme.indicateurs.select_related("domaine")
    convergence = (
        indicateurs_de_convergence(indicateurs, demandes) if "ght_convergence" in regles else []
    )
    for ind in convergence:
        if not isinstance(dossier.convergence.get(ind.code), bool):
            result.append(
                (f"convergence.{ind.code}", f"Convergence GHT de l'indicateur {ind.code}")
            )
    sdsi = dossier.pieces.filter(
        categorie=CategoriePiece.SDSI_GHT, remplacee_par__isnull=True, supprimee_le__isnull=True
    )
    if "ght_sdsi" in regles and not sdsi.exists():
        result.append(("pieces.sdsi_ght", "Schéma directeur SI du GHT (pièce jointe)"))
    return result


def manquants(dossier) -> list[dict]:
    """Mandatory fields left empty, each with its page (SPEC §4: the dépôt lists them)."""
    par_slug = {p.slug: p for p in pages(dossier)}
    result = []

    def manque(slug, champ, libelle):
        page = par_slug[slug]
        result.append(
            {"page": str(page.numero), "page_slug": slug, "champ": champ, "libelle": libelle}
        )

    attendus = set(dossier.programme.engagements.values_list("code", flat=True))
    if not attendus <= set(dossier.engagements):
        manque("engagements", "engagements", "Toutes les cases d'engagement doivent être cochées")
    contacts = {c.type: c for c in dossier.contacts.all()}
    for type_, champs in CHAMPS_CONTACTS.items():
        slug = (
            "contacts"
            if type_ in (TypeContact.CONTACT, TypeContact.RESPONSABLE_PROJET)
            else ("direction")
        )
        for champ in champs:
            if not getattr(contacts.get(type_), champ, ""):
                manque(
                    slug,
                    f"contacts.{type_.value}.{champ}",
                    f"{type_.label} : {LIBELLES_CHAMPS[champ]}",
                )
    if dossier.est_ght:
        for champ, libelle in manquants_ght(dossier, contacts.get(TypeContact.DSI_GHT)):
            manque("ght", champ, libelle)
    valeurs = _valeurs(dossier)
    membres = candidats(dossier) if dossier.ght_id else []

    def indicateur_vide(ind, membre=None):
        v = valeurs.get(ind.pk if membre is None else (ind.pk, membre.pk))
        return v is None or (v.valeur is None and not v.non_applicable)

    for prerequis in dossier.programme.prerequis.prefetch_related("indicateurs"):
        for ind in prerequis.indicateurs.all():
            if indicateur_vide(ind):
                manque(
                    f"prerequis-{prerequis.code}",
                    f"indicateurs.{ind.code}",
                    f"Indicateur {ind.code}",
                )
    if dossier.mutualise and not dossier.partenaires.strip():
        manque("projet", "partenaires", "Établissements de la mutualisation")
    if not dossier.description_projet.strip():
        manque("projet", "description_projet", "Description du projet")
    if not dossier.motivation.strip():
        manque("projet", "motivation", "Motivation de l'établissement")
    domaines = dossier.domaines.select_related("domaine").prefetch_related("domaine__indicateurs")
    demandes = [dd for dd in domaines if dd.demande]
    if not demandes:
        manque("projet", "domaines", "Au moins un domaine fonctionnel demandé")
    for dd in demandes:
        code = dd.domaine.code
        if not dd.avancement:
            manque("projet", f"domaines.{code}.avancement", f"{code} : état d'avancement")
        if dd.date_cible is None:
            manque(
                "projet",
                f"domaines.{code}.date_cible",
                f"{code} : date prévisionnelle d'atteinte des cibles",
            )
        if dd.cout is None:
            manque("couts", f"domaines.{code}.cout", f"{code} : coût du projet")
        if dd.avancement and dd.avancement != Avancement.NON_DEMARRE:
            for ind in dd.domaine.indicateurs.all():
                if not membres and indicateur_vide(ind):
                    manque(f"domaine-{code}", f"indicateurs.{ind.code}", f"Indicateur {ind.code}")
                for membre in membres:  # a GHT dossier: each candidate member's value
                    if indicateur_vide(ind, membre):
                        manque(
                            f"domaine-{code}",
                            f"indicateurs.{ind.code}.{membre.finess}",
                            f"Indicateur {ind.code} — {membre.raison_sociale} ({membre.finess})",
                        )
    return result
