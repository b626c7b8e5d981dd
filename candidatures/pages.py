"""What the pages of the calls for applications show (candidatures/views.py stays thin): the
list's filters, pagination and export, the campaigns' windows, the tabs' form turned into the
API's shape (``candidatures.saisie`` reads it: the rules live once) and back. Nothing is
written here; every rule stays in ``candidatures.actions``."""

from candidatures import chiffrage, exports, regles, semestres
from candidatures.enums import EtatPrecandidature, Position
from candidatures.models import Campagne
from candidatures.saisie import CHAMPS_CONTACT, CONTACTS
from candidatures.services import precandidatures_visibles
from dossiers.pagination import PaginatorParIds
from hn.champs import ENTIER_MAX, filtre_entier, filtre_texte
from hn.comptes.enums import Role
from hn.comptes.scopes import acces
from hn.dates import aujourd_hui
from hn.exports import reponse_liste
from hn.referentiel.enums import Statut
from hn.referentiel.models import Domaine, Etablissement, Region

PAR_PAGE = 25
ONGLETS = (
    ("estimation", "Estimation"),
    ("interet", "Manifestation d’intérêt"),
    ("contacts", "Contacts"),
    ("commentaire", "Commentaire"),
)
ONGLET_DU_CHAMP = {
    "position": "interet",
    "prerequis_hn_atteints": "interet",
    "semestre_prerequis_hn": "interet",
    "semestre_prerequis_hopen": "interet",
    "domaines": "interet",
    "commentaire": "commentaire",
}
ONGLET_DE_LA_PAGE = {"Manifestation d'intérêt": "interet", "Contacts": "contacts"}


def onglet_du_champ(champ: str) -> str:
    return ONGLET_DU_CHAMP.get(champ, "contacts" if "." in champ else "interet")


# --- the campaigns and their window -----------------------------------------------------------


def fenetre(campagne, jour) -> dict:
    """Where ``jour`` falls in the campaign's window: its label and whether one may file."""
    c = campagne.calendrier
    if jour < c.ouverture:
        return {"code": "a_venir", "libelle": "Pas encore ouvert", "ouverte": False}
    if jour <= c.cloture:
        return {"code": "ouverte", "libelle": "Ouvert", "ouverte": True}
    if regles.tardive(c, jour) and jour <= c.tardives_jusqu_au:
        return {"code": "tardive", "libelle": "Candidatures tardives", "ouverte": True}
    return {"code": "fermee", "libelle": "Fermé", "ouverte": False}


def campagnes_avec_fenetre():
    jour = aujourd_hui()
    return [
        (campagne, fenetre(campagne, jour))
        for campagne in Campagne.objects.select_related("programme").order_by("-ouverture", "pk")
    ]


def etablissements_gestionnaire(a):
    ids = [pk for pk, role in a.etablissements.items() if role == Role.ES_GESTIONNAIRE]
    return Etablissement.objects.filter(pk__in=ids).order_by("raison_sociale")


# --- the list ---------------------------------------------------------------------------------


def _oui_non(valeur: str):
    return {"oui": True, "non": False}.get(valeur)


def precandidatures_filtrees(request):
    """The visible pré-candidatures filtered by ``etat``, ``position``, ``domaine``,
    ``statut``, ``tardive`` (oui / non), ``campagne`` and (national) ``region``."""
    g = request.GET
    filtres = {
        "etat": filtre_texte(g, "etat"),
        "position": filtre_texte(g, "position"),
        "domaine": filtre_texte(g, "domaine", longueur=10).upper(),
        "statut": filtre_texte(g, "statut"),
        "tardive": filtre_texte(g, "tardive"),
        "campagne": filtre_entier(g, "campagne", minimum=1, maximum=ENTIER_MAX),
        "region": filtre_texte(g, "region", longueur=10),
        "programme": filtre_texte(g, "programme", longueur=10).upper(),
    }
    qs = precandidatures_visibles(request.user)
    if filtres["etat"] in EtatPrecandidature.values:
        qs = qs.filter(etat=filtres["etat"])
    if filtres["position"] in Position.values:
        qs = qs.filter(position=filtres["position"])
    if filtres["domaine"]:
        qs = qs.filter(domaines__domaine__code=filtres["domaine"]).exclude(
            domaines__semestre_cibles=""
        )
    if filtres["statut"] in Statut.values:
        qs = qs.filter(etablissement__statut=filtres["statut"])
    if (tardive := _oui_non(filtres["tardive"])) is not None:
        qs = qs.filter(tardive=tardive)
    if filtres["campagne"] is not None:
        qs = qs.filter(campagne_id=filtres["campagne"])
    if filtres["region"]:
        qs = qs.filter(region__code=filtres["region"])
    if filtres["programme"]:  # from the pilotage dashboards
        qs = qs.filter(campagne__programme__code=filtres["programme"])
    return qs.order_by("-campagne__ouverture", "etablissement__finess", "pk"), filtres


def page_de_liste(request, qs):
    """A page of rows (ids first) with each row's estimate (one query per programme)."""
    page = PaginatorParIds(qs, PAR_PAGE).get_page(request.GET.get("page"))
    estimations = chiffrage.estimations(page.object_list)
    for pc in page.object_list:
        pc.estimation = estimations[pc.pk]
        pc.domaines_demandes = [d for d in pc.domaines.all() if d.semestre_cibles]
    return page


def fichier(format_, qs):
    """The ARS export: one row per établissement and domaine [003 A5], programme by
    programme (the estimate's rules are the programme's)."""
    liste = list(qs)
    par_programme: dict = {}
    for pc in liste:
        par_programme.setdefault(pc.campagne.programme_id, []).append(pc)
    lignes = [ligne for groupe in par_programme.values() for ligne in exports.lignes(groupe)]
    return reponse_liste(
        format_,
        "precandidatures",
        "Pré-candidatures",
        exports.ENTETES,
        lignes,
        montants=exports.MONTANTS,
    )


def contexte_liste(request, filtres) -> dict:
    a = acces(request.user)
    return {
        "filtres": filtres,
        "etats": EtatPrecandidature.choices,
        "positions": Position.choices,
        "statuts": Statut.choices,
        "domaines": Domaine.objects.filter(programme__campagnes__isnull=False)
        .values_list("code", "libelle")
        .distinct()
        .order_by("code"),
        "national": a.national,
        "regions": Region.objects.actuelles().order_by("code") if a.national else (),
    }


# --- the tabs' form ---------------------------------------------------------------------------


def donnees_postees(post, campagne) -> dict:
    """The tabs' form in the API's shape (API.md ``PATCH precandidatures/{id}/``)."""
    codes = Domaine.objects.filter(programme=campagne.programme).values_list("code", flat=True)
    donnees = {
        "position": post.get("position", ""),
        "prerequis_hn_atteints": _oui_non(post.get("prerequis_hn_atteints", "")),
        "semestre_prerequis_hn": post.get("semestre_prerequis_hn", ""),
        "semestre_prerequis_hopen": post.get("semestre_prerequis_hopen", ""),
        "domaines": [
            {"code": code, "semestre_cibles": post.get(f"domaine.{code}", "")} for code in codes
        ],
        "commentaire": post.get("commentaire", ""),
    }
    for nom in CONTACTS:
        donnees[nom] = {cle: post.get(f"{nom}.{cle}", "") for cle in CHAMPS_CONTACT}
    return donnees


def valeurs_enregistrees(pc) -> dict:
    """The stored pré-candidature under the form's names (what the inputs show)."""
    valeurs = {
        "position": pc.position,
        "prerequis_hn_atteints": {True: "oui", False: "non"}.get(pc.prerequis_hn_atteints, ""),
        "semestre_prerequis_hn": pc.semestre_prerequis_hn,
        "semestre_prerequis_hopen": pc.semestre_prerequis_hopen,
        "commentaire": pc.commentaire,
    }
    for d in pc.domaines.all():
        valeurs[f"domaine.{d.domaine.code}"] = d.semestre_cibles
    for nom, prefixe in CONTACTS.items():
        for cle in CHAMPS_CONTACT:
            valeurs[f"{nom}.{cle}"] = getattr(pc, f"{prefixe}_{cle}")
    return valeurs


def libelle_sur(texte) -> str:
    """A semester's label, or the text as typed when it is not one (a refused input)."""
    try:
        return semestres.libelle(texte)
    except semestres.SemestreInvalide:
        return str(texte)


def _options(premier, dernier):
    return [(s, semestres.libelle(s)) for s in semestres.intervalle(premier, dernier)]


def lignes_domaines(pc, estimation, valeurs) -> list[dict]:
    """Tab 1 and 2's rows: every domaine of the programme, its forfait and chosen semester."""
    return [
        {
            "code": d.code,
            "libelle": d.libelle,
            "forfait": estimation.forfaits.get(d.code),
            "semestre": valeurs.get(f"domaine.{d.code}", ""),
            "nom": f"domaine.{d.code}",
            "libelle_semestre": libelle_sur(valeurs.get(f"domaine.{d.code}", "")),
        }
        for d in Domaine.objects.filter(programme=pc.campagne.programme).order_by("ordre")
    ]


CONTACTS_AFFICHES = (("referent", "Référent HOP’EN"), ("representant_legal", "Représentant légal"))
CHAMPS_AFFICHES = (
    ("nom", "Nom", "text", "name"),
    ("fonction", "Fonction", "text", "organization-title"),
    ("email", "Courriel", "email", "email"),
    ("telephone", "Téléphone", "tel", "tel"),
)


def groupes_contacts(valeurs) -> list[dict]:
    """Tab 3's inputs: the two contacts, each field under its API name (``referent.email``)."""
    return [
        {
            "nom": nom,
            "titre": titre,
            "champs": [
                {
                    "nom": f"{nom}.{cle}",
                    "id": f"{nom}-{cle}",
                    "label": label,
                    "type": type_,
                    "autocomplete": auto,
                    "valeur": valeurs.get(f"{nom}.{cle}", ""),
                }
                for cle, label, type_, auto in CHAMPS_AFFICHES
            ],
        }
        for nom, titre in CONTACTS_AFFICHES
    ]


def manquants_par_onglet(manquants) -> list[dict]:
    return [{**m, "onglet": ONGLET_DE_LA_PAGE.get(m["page"], "interet")} for m in manquants or ()]


def contexte_formulaire(pc, estimation, saisie=None) -> dict:
    """The values shown (typed ones after a refusal), the semesters offered, the rows."""
    valeurs = valeurs_enregistrees(pc)
    if saisie:
        valeurs = {k: saisie.get(k, "") for k in valeurs} | {
            k: v for k, v in saisie.items() if k.startswith("domaine.")
        }
    campagne = pc.campagne
    total = sum(
        estimation.forfaits.get(k.removeprefix("domaine."), 0)
        for k, v in valeurs.items()
        if k.startswith("domaine.") and v
    )
    return {
        "valeurs": valeurs,
        "semestres_prerequis": _options(
            campagne.premier_semestre, campagne.dernier_semestre_prerequis
        ),
        "semestres_cibles": _options(campagne.premier_semestre, campagne.dernier_semestre_cibles),
        "lignes_domaines": lignes_domaines(pc, estimation, valeurs),
        "total_estime": total,
        "positions": Position.choices,
        "contacts": groupes_contacts(valeurs),
    }
