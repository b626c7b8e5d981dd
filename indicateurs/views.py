"""Phase suivi page of a dossier: reports (ES), funding, payments, closures (ARS). Thin: every
change goes through ``indicateurs.suivi`` and ``indicateurs.clotures``. Routed under the
``dossiers`` URL namespace (``dossiers:suivi``, wired in ``hn.urls``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from dossiers import actions
from dossiers.contextes import contexte_dossier, forfaits_du_dossier
from dossiers.enums import (
    ETATS_SUIVI,
    MOTIFS_ARS,
    SUIVI_OUVERT,
    Avancement,
    SuiviDomaine,
)
from dossiers.forms import nom_du_champ
from dossiers.models import Dossier
from dossiers.services import get_dossier_for_user
from enveloppes.enums import Volet
from enveloppes.models import MouvementEnveloppe
from hn import formats
from hn.champs import case_cochee, date_formulaire
from hn.comptes.perms import peut_instruire, peut_saisir
from hn.dates import aujourd_hui
from indicateurs import clotures, suivi

CLOTURE_MOTIFS = [(m.value, m.label) for m in MOTIFS_ARS]


def _donnees_rapport(post, dossier, ouverts) -> dict:
    indicateurs = suivi.indicateurs_requis(dossier, ouverts)
    membres = suivi.membres_suivis(dossier)
    par_membre = [i for i in indicateurs if membres and i.domaine_id is not None]
    return {
        "arrete_le": date_formulaire(post.get("arrete_le", "")),
        "budget_engage": post.get("budget_engage", ""),
        "etp_engages": post.get("etp_engages", ""),
        "commentaire": post.get("commentaire", ""),
        "valeurs": {
            i.code: {
                "valeur": post.get(f"valeurs.{i.code}", ""),
                "non_applicable": case_cochee(post, f"valeurs.{i.code}.na"),
            }
            for i in indicateurs
            if i not in par_membre
        },
        "valeurs_membres": {
            m.finess: {
                i.code: {
                    "valeur": post.get(f"valeurs.{i.code}.{m.finess}", ""),
                    "non_applicable": case_cochee(post, f"valeurs.{i.code}.{m.finess}.na"),
                }
                for i in par_membre
            }
            for m in membres
        },
        "avancements": {
            dd.domaine.code: {
                "avancement": post.get(f"avancements.{dd.domaine.code}", ""),
                "condition_avance": case_cochee(post, f"avancements.{dd.domaine.code}.avance"),
                "commentaire": post.get(f"avancements.{dd.domaine.code}.commentaire", ""),
            }
            for dd in ouverts
        },
    }


def _agir(request, dossier, etape):
    """One POSTed step → one follow-up action; returns the success message."""
    post = request.POST
    domaine = post.get("domaine", "")
    if etape == "rapport":
        ouverts = [
            dd for dd in dossier.domaines.select_related("domaine") if dd.suivi in SUIVI_OUVERT
        ]
        rapport = suivi.deposer_rapport(
            dossier=dossier, data=_donnees_rapport(post, dossier, ouverts), acting_user=request.user
        )
        return f"Rapport de suivi n° {rapport.rang} déposé."
    if etape == "financement":
        dd = suivi.notifier_financement(dossier=dossier, domaine=domaine, acting_user=request.user)
        return f"Financement du domaine {dd.domaine.code} notifié."
    if etape == "verser":
        ligne = suivi.verser(
            dossier=dossier, domaine=domaine, volet=post.get("volet", ""), acting_user=request.user
        )
        return f"Versement de {formats.euros(ligne.montant)} enregistré."
    if etape == "remboursement":
        suivi.constater_remboursement(
            dossier=dossier,
            domaine=domaine,
            volet=post.get("volet", ""),
            montant=post.get("montant", ""),
            acting_user=request.user,
        )
        return "Remboursement enregistré."
    if etape == "clore_domaine":
        clotures.clore_domaine(
            dossier=dossier,
            domaine=domaine,
            motif=post.get("motif", ""),
            commentaire=post.get("commentaire", ""),
            acting_user=request.user,
        )
        return f"Domaine {domaine} clos : son engagement est libéré."
    if etape == "demander_cloture":
        clotures.demander_cloture(
            dossier=dossier,
            domaine=domaine,
            commentaire=post.get("commentaire", ""),
            acting_user=request.user,
        )
        return "Demande de clôture transmise à l'ARS."
    if etape == "frequence":
        dossier = suivi.fixer_frequence(
            dossier=dossier, mois=post.get("frequence_suivi"), acting_user=request.user
        )
        return (
            f"Un rapport tous les {dossier.frequence_suivi} mois ; prochain rapport attendu le "
            f"{dossier.prochain_rapport_le:%d/%m/%Y}."
        )
    if etape == "prerequis_atteints":
        dossier = suivi.constater_prerequis_atteints(
            dossier=dossier,
            le=date_formulaire(post.get("prerequis_atteints_le", "")),
            acting_user=request.user,
        )
        return f"Prérequis atteints le {dossier.prerequis_atteints_le:%d/%m/%Y} : enregistré."
    if etape == "amorcage":
        suivi.decider_amorcage(
            dossier=dossier,
            montants={domaine: post.get("montant", "")},
            derogation=case_cochee(post, "derogation"),
            acting_user=request.user,
        )
        return f"Amorçage du domaine {domaine} décidé."
    raise PermissionDenied("Action inconnue.")


def _lignes(indicateurs, valeurs, membres=()):
    """One row per indicator of the latest report; a GHT dossier's domaine indicators: one
    row per indicator and candidate member."""
    lignes = []
    for indicateur in indicateurs:
        par_membre = bool(membres) and indicateur.domaine_id is not None
        for membre in membres if par_membre else [None]:
            cle = indicateur.pk if membre is None else (indicateur.pk, membre.pk)
            valeur, na = (valeurs or {}).get(cle, (None, False))
            lignes.append(
                {
                    "indicateur": indicateur,
                    "membre": membre,
                    "valeur": valeur,
                    "na": na,
                    "atteint": None if na else indicateur.est_atteint(valeur),
                }
            )
    return lignes


def _lignes_domaines(
    dossier, domaines, dernier, valeurs, indicateurs, membres
) -> tuple[list, bool]:
    """One row per domaine in follow-up (forfait, money, blockers — the blocking member of a
    GHT dossier named —, progress, indicators), and whether an amorçage was paid by
    derogation."""
    mouvements = MouvementEnveloppe.objects.filter(dossier=dossier)
    argent = mouvements.par_domaine()
    derogation = mouvements.filter(derogation=True).exists()
    forfaits, _ = forfaits_du_dossier(dossier)
    avancements = {a.domaine_dossier_id: a for a in dernier.avancements.all()} if dernier else {}
    lignes = [
        {
            "dd": dd,
            "forfait": forfaits.get(dd.domaine.code),
            "argent": argent.get(dd.pk),
            "blocages": suivi.blocages(dossier, dd, valeurs, indicateurs, membres)
            if dd.suivi in SUIVI_OUVERT
            else [],
            "avancement": avancements.get(dd.pk),
            "lignes": _lignes(
                [i for i in indicateurs if i.domaine_id == dd.domaine_id], valeurs, membres
            ),
        }
        for dd in domaines
    ]
    return lignes, derogation


@login_required
def page(request, numero):
    dossier = get_dossier_for_user(request.user, numero)
    saisie = peut_saisir(request.user, dossier.etablissement)
    instruit = peut_instruire(request.user, dossier.etablissement.region)
    errors = {}
    if request.method == "POST":
        if not (saisie or instruit):
            raise PermissionDenied("Votre rôle ne permet pas d'agir sur le suivi de ce dossier.")
        try:
            message = _agir(request, dossier, request.POST.get("etape"))
        except actions.DossierError as exc:
            errors = {nom_du_champ(cle): msgs for cle, msgs in exc.errors.items()}
            messages.error(request, exc.message)
        except actions.TransitionRefusee as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, message)
            return redirect("dossiers:suivi", numero=numero)
        dossier = Dossier.objects.select_related("programme", "etablissement__region").get(
            pk=dossier.pk
        )

    en_suivi = dossier.etat in ETATS_SUIVI
    domaines = [
        dd
        for dd in dossier.domaines.select_related("domaine")
        if dd.suivi != SuiviDomaine.HORS_SUIVI
    ]
    ouverts = [dd for dd in domaines if dd.suivi in SUIVI_OUVERT]
    rapports = list(dossier.rapports.select_related("depose_par"))
    dernier = rapports[0] if rapports else None
    valeurs = suivi.valeurs_du_rapport(dernier)
    indicateurs = list(dossier.programme.indicateurs.select_related("prerequis", "domaine"))
    membres = suivi.membres_suivis(dossier)
    lignes_domaines, derogation = _lignes_domaines(
        dossier, domaines, dernier, valeurs, indicateurs, membres
    )
    requis = [
        {
            "indicateur": ligne["indicateur"],
            "membre": ligne["membre"],
            "champ": f"valeurs.{ligne['indicateur'].code}"
            + (f".{ligne['membre'].finess}" if ligne["membre"] else ""),
            "precedente": ligne["valeur"],
        }
        for ligne in _lignes(
            suivi.indicateurs_requis(dossier, ouverts) if ouverts else [], valeurs, membres
        )
    ]
    return render(
        request,
        "indicateurs/suivi.html",
        contexte_dossier(
            request,
            dossier,
            title=f"Suivi du dossier {dossier.numero}",
            en_suivi=en_suivi,
            peut_saisir_suivi=saisie and dossier.etat == "accepte" and bool(ouverts),
            peut_instruire_suivi=instruit and dossier.etat == "accepte",
            peut_instruire_argent=instruit,
            domaines=lignes_domaines,
            ouverts=ouverts,
            rapports=rapports,
            dernier=dernier,
            prerequis_lignes=_lignes([i for i in indicateurs if i.prerequis_id], valeurs),
            requis=requis,
            valeurs=valeurs or {},
            avancements_choix=Avancement.choices,
            motifs_cloture=CLOTURE_MOTIFS,
            volets=Volet.choices,
            errors=errors,
            saisie=request.POST if request.method == "POST" else {},
            aujourdhui=aujourd_hui(),
            derogation=derogation,
        ),
    )
