"""The dossier's ES content as one dict: what the ES edits, what each dépôt freezes, what the
ARS reads (from the last dépôt). One shape for the API, the snapshot and the PDF."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

from dossiers.enums import Avancement, TypeContact
from dossiers.pages import pages


def contenu(dossier) -> dict:
    contacts = {c.type: c for c in dossier.contacts.all()}
    # The dossier-level values (a GHT member's own domaine values are not in the snapshot).
    valeurs = {v.indicateur_id: v for v in dossier.valeurs.all() if v.etablissement_id is None}
    indicateurs = []
    for ind in dossier.programme.indicateurs.all():
        v = valeurs.get(ind.pk)
        indicateurs.append(
            {
                "code": ind.code,
                "valeur": None if v is None or v.valeur is None else str(v.valeur),
                "non_applicable": bool(v and v.non_applicable),
            }
        )
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
            for t in TypeContact
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
    valeurs = {v.indicateur_id: v for v in dossier.valeurs.all()}

    def indicateur_vide(ind):
        v = valeurs.get(ind.pk)
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
                if indicateur_vide(ind):
                    manque(f"domaine-{code}", f"indicateurs.{ind.code}", f"Indicateur {ind.code}")
    return result
