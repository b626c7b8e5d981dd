"""The template context of the dossier's pages, shared by the screens (dossiers.views), the
PDF export (dossiers.pdf) and the apps built on a dossier (the follow-up page): no view here,
no request beyond the user it reads."""

from decimal import Decimal, InvalidOperation

from dossiers.analyse import servie_a
from dossiers.contenu import domaines_demandes
from dossiers.eligibilite import indicateurs_de_convergence
from dossiers.enums import CategoriePiece, TypeContact
from dossiers.forms import CONTACTS_PAR_PAGE
from dossiers.ght import candidats
from dossiers.pieces import pieces_lisibles
from dossiers.repartition import membres_ght, repartition_ght, voit_toutes_les_lignes
from dossiers.services import actions_possibles, activite_et_forfaits
from hn.comptes.perms import peut_instruire, peut_saisir
from hn.comptes.scopes import acces


def contexte_dossier(request, dossier, **extra):
    """What every dossier page shows around its content: the header's rights and actions."""
    return {
        "dossier": dossier,
        "peut_saisir": peut_saisir(request.user, dossier.etablissement) and dossier.editable,
        "peut_instruire": peut_instruire(request.user, dossier.etablissement.region),
        "actions": actions_possibles(request.user, dossier),
        "membres_ght": membres_ght(dossier),
        **extra,
    }


def lignes_indicateurs(indicateurs, contenu):
    """One row per indicator: its value in ``contenu`` and whether it meets its target."""
    valeurs = {i["code"]: i for i in (contenu or {}).get("indicateurs", [])}
    lignes = []
    for ind in indicateurs:
        v = valeurs.get(ind.code, {})
        valeur = v.get("valeur")
        atteint = None
        nombre = _nombre(valeur)  # a refused page shows the value as typed: maybe no number
        if nombre is not None and not v.get("non_applicable"):
            atteint = ind.est_atteint(nombre >= 100 if ind.type == "existence" else nombre)
        lignes.append(
            {"indicateur": ind, "valeur": valeur, "na": v.get("non_applicable"), "atteint": atteint}
        )
    return lignes


def lignes_des_membres(dossier, indicateurs, contenu) -> list[dict]:
    """A GHT dossier's domaine page: per candidate member (by FINESS), its rows of
    :func:`lignes_indicateurs` read from ``contenu["indicateurs_membres"]`` [SPEC §10]."""
    valeurs = (contenu or {}).get("indicateurs_membres") or []
    return [
        {
            "etablissement": membre,
            "lignes": lignes_indicateurs(
                indicateurs,
                {"indicateurs": [v for v in valeurs if v.get("finess") == membre.finess]},
            ),
        }
        for membre in candidats(dossier)
    ]


def _nombre(valeur) -> Decimal | None:
    if valeur in (None, ""):
        return None
    try:
        nombre = Decimal(str(valeur))
    except InvalidOperation:
        return None
    return nombre if nombre.is_finite() else None


def forfaits_du_dossier(dossier):
    """({domaine: {"standard", "avance"}}, activité combinée), ({}, None) when unknown."""
    calcul = activite_et_forfaits(dossier)
    if calcul is None:
        return {}, None
    ac, forfaits = calcul
    result = {
        code: {"standard": standard, "avance": avance}
        for code, (standard, avance) in forfaits.items()
    }
    return result, ac


def contexte_pieces(user, dossier, page) -> dict:
    """The attachments shown on a prérequis page or on the project page."""
    titre = ""
    if page.prerequis_id:
        pieces = [p for p in pieces_lisibles(user, dossier) if p.prerequis_id == page.prerequis_id]
        categorie = CategoriePiece.JUSTIFICATIF_PREREQUIS
    elif page.slug == "ght":
        pieces = [
            p for p in pieces_lisibles(user, dossier) if p.categorie == CategoriePiece.SDSI_GHT
        ]
        categorie = CategoriePiece.SDSI_GHT
        titre = "Schéma directeur SI du GHT"
    else:
        pieces = [
            p
            for p in pieces_lisibles(user, dossier)
            if p.categorie not in (CategoriePiece.JUSTIFICATIF_PREREQUIS, CategoriePiece.SDSI_GHT)
        ]
        categorie = CategoriePiece.DOCUMENT_PROJET
    prerequis = dossier.programme.prerequis.filter(pk=page.prerequis_id).first()
    for p in pieces:  # antivirus: the link only once the file may be served to this user
        p.servie = servie_a(p, user)
    return {
        "pieces": pieces,
        "piece_categorie": categorie,
        "piece_prerequis": prerequis.code if prerequis else "",
        "pieces_titre": titre,
    }


def contexte_ght(dossier, contenu) -> dict:
    """The page "GHT" [SPEC §10]: the candidate members (read-only), the GHT's DSI, the
    director's validations and one oui/non answer per convergence indicator of the prérequis
    and the requested domaines of ``contenu``."""
    par_type = {c["type"]: c for c in contenu["contacts"]}
    reponses = contenu.get("convergence") or {}
    indicateurs = dossier.programme.indicateurs.select_related("prerequis", "domaine")
    return {
        "membres": [
            m.etablissement
            for m in dossier.membres.select_related("etablissement").order_by(
                "etablissement__raison_sociale"
            )
        ],
        "contacts": [(TypeContact.DSI_GHT, par_type.get(TypeContact.DSI_GHT.value, {}))],
        "convergence": [
            {"indicateur": i, "reponse": reponses.get(i.code)}
            for i in indicateurs_de_convergence(indicateurs, domaines_demandes(contenu))
        ],
    }


def template_de_page(page) -> str:
    """The partial template that renders ``page``'s content."""
    if page.prerequis_id or page.domaine_id:
        return "indicateurs.html"
    if page.slug in CONTACTS_PAR_PAGE:
        return "contacts.html"
    return f"{page.slug}.html"


def contexte_page(dossier, page, contenu, *, user=None):
    """The context of one page's content (the screen and the PDF print the same). ``user``:
    the reader, for what depends on who reads (a GHT dossier's breakdown: None prints the
    totals only)."""
    if page.slug == "engagements":
        coches = set(contenu.get("engagements", []))
        return {"engagements": [(e, e.code in coches) for e in dossier.programme.engagements.all()]}
    if page.slug in CONTACTS_PAR_PAGE:
        par_type = {c["type"]: c for c in contenu["contacts"]}
        return {"contacts": [(t, par_type.get(t.value, {})) for t in CONTACTS_PAR_PAGE[page.slug]]}
    if page.prerequis_id:
        return {
            "lignes": lignes_indicateurs(
                dossier.programme.indicateurs.filter(prerequis_id=page.prerequis_id), contenu
            )
        }
    if page.domaine_id:
        indicateurs = list(dossier.programme.indicateurs.filter(domaine_id=page.domaine_id))
        if dossier.ght_id:
            membres = lignes_des_membres(dossier, indicateurs, contenu)
            if user is not None and not voit_toutes_les_lignes(user, dossier):
                # A member's users read their own values (SPEC §10), as their forfait lines.
                siens = acces(user).etablissements_lecture
                membres = [m for m in membres if m["etablissement"].pk in siens]
            return {"membres": membres}
        return {"lignes": lignes_indicateurs(indicateurs, contenu)}
    if page.slug == "ght":
        return contexte_ght(dossier, contenu)
    if page.slug in ("projet", "couts"):
        domaines = {d.code: d for d in dossier.programme.domaines.all()}
        shown = [d for d in contenu["domaines"] if page.slug == "projet" or d["demande"]]
        repartition = None
        if page.slug == "couts" and dossier.ght_id:
            # The breakdown's total is the GHT's forfait: computed once for both tables.
            repartition = repartition_ght(user, dossier, [d["code"] for d in shown])
            total = repartition["total"]
            forfaits = (
                dict(zip([d["code"] for d in shown], total["forfaits"], strict=True))
                if total
                else {}
            )
            ac = total["activite_combinee"] if total else None
        else:
            forfaits, ac = forfaits_du_dossier(dossier)
        lignes = [
            {**d, "domaine": domaines[d["code"]], "forfait": forfaits.get(d["code"])} for d in shown
        ]
        contexte = {"domaines": lignes, "activite_combinee": ac}
        if repartition is not None:
            contexte["repartition"] = repartition
        return contexte
    return {}
