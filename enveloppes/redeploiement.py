"""The national pilot's redeployment between two envelopes of a programme (SPEC §1), as a
page: the form, then the confirmation of what it will do (issue 19: the amounts moved, each
envelope's figures before and after, that no one is notified and that it cannot be undone),
then ``enveloppes.actions.redeployer``. Same confirmation step as the dossiers' acts
(``dossiers.confirmation``): the modal with JavaScript, the full page without; only a POST
with ``confirme=1`` acts."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from dossiers.confirmation import annule, apercu, confirme, donnees_transmises
from dossiers.consequences import Consequences, euros
from enveloppes import actions, regles
from enveloppes.enums import Nature
from enveloppes.models import Enveloppe
from enveloppes.tableaux import enveloppe_visible
from hn.champs import SaisieRefusee, texte_libre
from hn.comptes.perms import peut_piloter
from hn.dates import aujourd_hui
from hn.saisie import nombre_ou_erreur


class Refus(Exception):
    def __init__(self, errors: dict):
        super().__init__(next(iter(errors.values()))[0])
        self.errors = errors


MONTANT_MAX = Decimal("999999999999.99")  # regles.verifier_montant's bound, said at the field


def lire(source, donnees, *, champ: str = "destination", errors: dict | None = None) -> tuple:
    """(destination, montant, motif) as typed in a form (``champ="destination"``) or an API
    body (``champ="vers"``, API.md "Pilotage"), or :class:`Refus` with every error by field
    (those already in ``errors`` included). ``source`` None: the caller could not read the
    giving envelope (its error is in ``errors``); the rest is still checked."""
    errors = {} if errors is None else errors
    destination = None
    code = str(donnees.get(champ) or "").strip()[:20]
    if not code:
        errors[champ] = ["Choisissez l'enveloppe qui reçoit le montant."]
    elif source is not None and code == source.region.code:
        errors[champ] = [
            "Un redéploiement se fait entre deux régions différentes : choisissez une autre "
            "région que celle qui cède le montant."
        ]
    elif source is not None:
        destination = (
            Enveloppe.objects.select_related("region", "programme")
            .filter(programme=source.programme, region__code=code)
            .first()
        )
        if destination is None:
            errors[champ] = [
                f"Aucune enveloppe {source.programme.code} pour la région « {code} » (code "
                "INSEE de la région dans le découpage du programme)."
            ]
    montant = nombre_ou_erreur(
        donnees.get("montant"),
        "montant",
        errors,
        obligatoire=True,
        minimum=Decimal("0.01"),
        maximum=MONTANT_MAX,
        decimales=2,
        messages={
            "obligatoire": "Indiquez le montant redéployé.",
            "invalide": "Le montant doit être un nombre d'euros (par exemple 100000 ou "
            "100 000,50).",
            "minimum": "Le montant doit être strictement positif.",
            "maximum": "Le montant est hors de proportion avec une enveloppe régionale.",
            "decimales": "Le montant s'exprime en euros et centimes (deux décimales au plus).",
        },
    )
    motif = ""
    try:
        motif = texte_libre(donnees.get("motif"), "motif")
    except SaisieRefusee as exc:
        errors.update(exc.errors)
    else:
        if not motif:
            errors["motif"] = ["Un redéploiement doit être motivé."]
    if errors:
        raise Refus(errors)
    return destination, montant, motif


def consequences(source, destination, montant) -> Consequences:
    """What the redeployment will do, checked by the ledger's rules on the current figures
    (the act checks them again under the lock): :class:`regles.MouvementRefuse` otherwise."""
    le, montant = aujourd_hui(), regles.verifier_montant(montant)
    cede = regles.appliquer(
        source.etat(domaines=[]), regles.Mouvement(Nature.REDEPLOIEMENT_SORTANT, montant, le)
    )
    avant = destination.etat(domaines=[])
    recu = regles.appliquer(avant, regles.Mouvement(Nature.REDEPLOIEMENT_ENTRANT, montant, le))
    programme = source.programme.code
    return Consequences(
        titre=f"Redéployer {euros(montant)} de {source.region.nom} vers {destination.region.nom} ?",
        bouton="Confirmer le redéploiement",
        points=[
            f"L'enveloppe {programme} {source.region.nom} cède {euros(montant)} : son "
            f"disponible passe de {euros(source.etat(domaines=[]).disponible)} à "
            f"{euros(cede.disponible)}.",
            f"L'enveloppe {programme} {destination.region.nom} les reçoit : son total passe de "
            f"{euros(avant.total)} à {euros(recu.total)}.",
            "L'opération est inscrite au grand livre et au journal des deux enveloppes, avec "
            "son motif.",
        ],
        notifies=[],
        irreversible="Un redéploiement ne peut pas être annulé : seul un redéploiement en sens "
        "inverse le compense.",
    )


@login_required
def redeployer(request, programme, region):
    source = enveloppe_visible(request.user, programme, region)
    if not peut_piloter(request.user):
        raise PermissionDenied("Seul le pilote national redéploie les enveloppes.")
    errors, contexte = {}, {}
    if request.method == "POST" and not annule(request):
        try:
            destination, montant, motif = lire(source, request.POST)
            if not confirme(request):
                contexte = {
                    "consequences": consequences(source, destination, montant),
                    "donnees": donnees_transmises(request),
                }
            else:
                actions.redeployer(
                    source=source,
                    destination=destination,
                    montant=montant,
                    motif=motif,
                    acting_user=request.user,
                )
                messages.success(
                    request, f"{euros(montant)} redéployés vers {destination.region.nom}."
                )
                return redirect("enveloppes:detail", source.programme.code, source.region.code)
        except (Refus, regles.MouvementRefuse) as exc:
            if apercu(request):  # the modal's request: the normal submit shows the errors
                return HttpResponse(status=204)
            errors = getattr(exc, "errors", None) or {"montant": [exc.message]}
    return render(
        request,
        "enveloppes/redeployer.html",
        {
            "title": f"Redéployer depuis l'enveloppe {source.programme.code} — {source.region.nom}",
            "enveloppe": source,
            "destinations": Enveloppe.objects.filter(programme=source.programme)
            .exclude(pk=source.pk)
            .select_related("region")
            .order_by("region__nom"),
            "saisie": request.POST if request.method == "POST" else {},
            "errors": errors,
            "s": source.situation(),
            **contexte,
        },
    )
