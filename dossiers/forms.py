"""Turn a posted DIPISI page into the content dict that dossiers.saisie.enregistrer_saisie
takes (the same shape as the API's PATCH): one validation path for the browser and the API.

A refused page is shown again as it was typed: :func:`avec_saisie` lays the posted content over
the saved one, so every page's template renders the typed values from the one ``contenu`` it
always reads, and :func:`erreurs_de_la_page` keys each error by the ``name`` of its input
(shown there by :mod:`hn.templatetags.formulaires`)."""

from dossiers.enums import TypeContact
from dossiers.ght import candidats
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


def _indicateurs_membres(post, indicateurs, membres):
    """A GHT dossier's domaine page: one value per indicator and candidate member, inputs
    ``indicateurs.<code>.<finess>`` [SPEC §10]."""
    return [
        {
            "code": ind.code,
            "finess": m.finess,
            "valeur": post.get(f"indicateurs.{ind.code}.{m.finess}", ""),
            "non_applicable": case_cochee(post, f"indicateurs.{ind.code}.{m.finess}.na"),
        }
        for m in membres
        for ind in indicateurs
    ]


def _donnees_ght(post, dossier) -> dict:
    """The page "GHT": the director's validations, the GHT's DSI and the convergence answers
    ("oui"/"non"; none given keeps the indicator unanswered)."""
    t = TypeContact.DSI_GHT.value
    return {
        "validation_directeur_support": case_cochee(post, "validation_directeur_support"),
        "dsi_ght_valide": case_cochee(post, "dsi_ght_valide"),
        "contacts": [
            {
                "type": t,
                **{
                    c: post.get(f"contacts.{t}.{c}", "")
                    for c in ("nom", "fonction", "email", "telephone")
                },
            }
        ],
        "convergence": {
            ind.code: post.get(f"convergence.{ind.code}") or None
            for ind in dossier.programme.indicateurs.exclude(declinaison_ght="")
            if f"convergence.{ind.code}" in post
        },
    }


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
    if slug == "ght":
        return _donnees_ght(post, dossier)
    if page.prerequis_id:
        return {
            "indicateurs": _indicateurs(
                post, dossier.programme.indicateurs.filter(prerequis_id=page.prerequis_id)
            )
        }
    if page.domaine_id:
        indicateurs = dossier.programme.indicateurs.filter(domaine_id=page.domaine_id)
        if dossier.ght_id:
            return {"indicateurs": _indicateurs_membres(post, indicateurs, candidats(dossier))}
        return {"indicateurs": _indicateurs(post, indicateurs)}
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


# The lists of the content dict, each item named by this key (as the inputs are:
# ``contacts.dsi.email``, ``domaines.D2.cout``, ``indicateurs.P1.1``).
LISTES = {"contacts": "type", "domaines": "code", "indicateurs": "code"}

# The API's error keys whose input has another name on the page.
SUFFIXES = {".non_applicable": ".na"}


def avec_saisie(contenu: dict | None, data: dict | None) -> dict | None:
    """``contenu`` with the values of ``data`` (a page's posted content) in place of the saved
    ones; ``contenu`` itself is left untouched."""
    if contenu is None or not data:
        return contenu
    resultat = dict(contenu)
    data = dict(data)
    if isinstance(data.get("indicateurs"), list):  # a GHT member's values
        par_membre = [i for i in data["indicateurs"] if isinstance(i, dict) and i.get("finess")]
        if par_membre:
            data["indicateurs"] = [i for i in data["indicateurs"] if i not in par_membre]
            saisis = {(i["finess"], i.get("code")): i for i in par_membre}
            resultat["indicateurs_membres"] = [
                {**i, **saisis.get((i.get("finess"), i.get("code")), {})}
                for i in contenu.get("indicateurs_membres", [])
            ]
    for cle, valeur in data.items():
        if cle in LISTES and isinstance(valeur, list):
            resultat[cle] = _fusion(contenu.get(cle, []), valeur, LISTES[cle])
        else:
            resultat[cle] = valeur
    return resultat


def _fusion(enregistres: list, saisis: list, identifiant: str) -> list:
    saisis_par_id = {i.get(identifiant): i for i in saisis if isinstance(i, dict)}
    return [{**i, **saisis_par_id.get(i.get(identifiant), {})} for i in enregistres]


def nom_du_champ(cle: str) -> str:
    """The page input's ``name`` of an error key of :func:`dossiers.saisie.enregistrer_saisie`."""
    for suffixe, remplacement in SUFFIXES.items():
        if cle.endswith(suffixe):
            return cle[: -len(suffixe)] + remplacement
    return cle


def champs_de_la_page(data: dict) -> set[str]:
    """The input names of a page whose posted content is ``data``."""
    noms = set()
    for cle, valeur in data.items():
        if isinstance(valeur, dict):  # the convergence answers: ``convergence.P1.1``
            noms |= {f"{cle}.{k}" for k in valeur} | {cle}
            continue
        if cle not in LISTES or not isinstance(valeur, list):
            noms.add(cle)
            continue
        for item in valeur:
            prefixe = f"{cle}.{item.get(LISTES[cle])}"
            if cle == "indicateurs" and item.get("finess"):
                prefixe = f"{prefixe}.{item['finess']}"
            if cle == "indicateurs":
                noms |= {prefixe, f"{prefixe}.na"}
            else:
                noms |= {f"{prefixe}.{k}" for k in item if k != LISTES[cle]}
    return noms


def erreurs_de_la_page(errors: dict, data: dict) -> tuple[dict, list[str]]:
    """``errors`` by input name, and the messages of no input of the page (said above the
    form: an engagement left unticked, an unknown item)."""
    champs = champs_de_la_page(data)
    par_champ, autres = {}, []
    for cle, messages in errors.items():
        nom = nom_du_champ(cle)
        if nom in champs:
            par_champ[nom] = messages
        else:
            autres.extend(messages)
    return par_champ, autres
