"""Turn a posted DIPISI page into the content dict that dossiers.saisie.enregistrer_saisie
takes (the same shape as the API's PATCH): one validation path for the browser and the API."""

from dossiers.enums import TypeContact
from hn.champs import case_cochee, date_formulaire

CONTACTS_PAR_PAGE = {
    "contacts": (TypeContact.CONTACT, TypeContact.RESPONSABLE_PROJET),
    "direction": (TypeContact.DSI, TypeContact.DIRECTEUR),
}


def _indicateurs(post, indicateurs):
    return [
        {
            "code": ind.code,
            "valeur": post.get(f"indicateurs.{ind.code}", ""),
            "non_applicable": case_cochee(post, f"indicateurs.{ind.code}.na"),
        }
        for ind in indicateurs
    ]


def donnees_de_la_page(page, post, dossier) -> dict:
    slug = page.slug
    if slug == "engagements":
        return {"engagements": post.getlist("engagements")}
    if slug == "etablissement":
        return {"commentaire_etablissement": post.get("commentaire_etablissement", "")}
    if slug in CONTACTS_PAR_PAGE:
        data = {
            "contacts": [
                {
                    "type": t.value,
                    **{
                        c: post.get(f"contacts.{t.value}.{c}", "")
                        for c in ("nom", "fonction", "email", "telephone")
                    },
                }
                for t in CONTACTS_PAR_PAGE[slug]
            ]
        }
        if slug == "contacts":
            data["commentaire_contacts"] = post.get("commentaire_contacts", "")
        return data
    if page.prerequis_id:
        return {
            "indicateurs": _indicateurs(
                post, dossier.programme.indicateurs.filter(prerequis_id=page.prerequis_id)
            )
        }
    if page.domaine_id:
        return {
            "indicateurs": _indicateurs(
                post, dossier.programme.indicateurs.filter(domaine_id=page.domaine_id)
            )
        }
    if slug == "projet":
        return {
            "mutualise": case_cochee(post, "mutualise"),
            "partenaires": post.get("partenaires", ""),
            "description_projet": post.get("description_projet", ""),
            "motivation": post.get("motivation", ""),
            "domaines": [
                {
                    "code": dd.domaine.code,
                    "demande": case_cochee(post, f"domaines.{dd.domaine.code}.demande"),
                    "avancement": post.get(f"domaines.{dd.domaine.code}.avancement", ""),
                    "date_cible": date_formulaire(
                        post.get(f"domaines.{dd.domaine.code}.date_cible", "")
                    ),
                }
                for dd in dossier.domaines.select_related("domaine")
            ],
        }
    if slug == "couts":
        return {
            "domaines": [
                {"code": dd.domaine.code, "cout": post.get(f"domaines.{dd.domaine.code}.cout", "")}
                for dd in dossier.domaines.select_related("domaine")
                if dd.demande
            ]
        }
    return {}
