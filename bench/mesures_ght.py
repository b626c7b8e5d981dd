"""The GHT dossiers' measures of the bench (issue 15), on the data set's showcase GHT dossier
(``vitrines["ght"]``: accepted, 12 candidate members, every domaine requested, one value per
member of each domaine indicator):

- the dossier's page (``/dossiers/{numero}/`` redirects to its first page), its domaine D2
  page (every member's values) as the support's gestionnaire and as the CMSI of its région,
  and its instruction page, p95 ≤ 150 ms;
- the forfaits endpoint ``GET /api/v1/dossiers/{numero}/forfaits/`` (each member's forfaits),
  p95 ≤ 100 ms, as the CMSI;
- the dossier's PDF (every member's values of every domaine), against the dossier PDF's budget
  (1.5 s, ``budgets.PDF``: the issue sets none for a GHT's).

Every name starts with « GHT » (``--filtre GHT``)."""

from bench.budgets import FORFAITS_GHT, LISTE, PDF


def _client_support(banc, dossier) -> str:
    """The username of the support's gestionnaire, logged in on the bench's clients."""
    from django.test import Client

    from hn.comptes.enums import Role
    from hn.comptes.models import Attribution

    attribution = (
        Attribution.objects.filter(role=Role.ES_GESTIONNAIRE, etablissement=dossier.etablissement)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    username = attribution.user.username
    if username not in banc.clients:
        client = Client()
        client.force_login(attribution.user)
        banc.clients[username] = client
    return username


def scenarios(banc, vitrines: dict):
    """The GHT lines of the bench's table."""
    from django.urls import reverse

    from bench.mesures_candidatures import _client_valideur
    from dossiers.models import Dossier

    numero = vitrines.get("ght")
    if not numero:
        banc.log("Dossiers de GHT : aucun dans le jeu (régénérez-le).")
        return
    dossier = Dossier.objects.select_related("etablissement", "region").get(numero=numero)
    n = dossier.membres.count()
    banc.log(f"Dossiers de GHT ({numero}, {n} membres) :")
    support = _client_support(banc, dossier)
    cmsi = _client_valideur(banc, dossier.region.code)
    # ``/dossiers/{numero}/`` redirects to the dossier's first page: that page is measured.
    principale = banc.clients[support].get(f"/dossiers/{numero}/").get("Location")
    principale = principale or f"/dossiers/{numero}/pages/engagements/"
    domaine = f"/dossiers/{numero}/pages/domaine-D2/"  # every member's values of D2
    banc.page(f"GHT — page du dossier ({n} membres, gestionnaire du support)", support,
              principale, LISTE, "page")  # fmt: skip
    banc.page(f"GHT — page du dossier ({n} membres, ARS)", cmsi, principale, LISTE, "page")
    banc.page(f"GHT — page du domaine D2 ({n} membres, gestionnaire du support)", support,
              domaine, LISTE, "page")  # fmt: skip
    banc.page(f"GHT — page du domaine D2 ({n} membres, ARS)", cmsi, domaine, LISTE, "page")
    banc.page(f"GHT — instruction ({n} membres, ARS)", cmsi, f"/dossiers/{numero}/instruction/",
              LISTE, "page")  # fmt: skip
    url = reverse("api:dossier-forfaits", kwargs={"numero": numero})
    banc.page(f"GHT — API forfaits par membre ({n} membres, ARS)", cmsi, url, FORFAITS_GHT, "api")
    banc.page(f"GHT — PDF du dossier ({n} membres, API, ARS)", cmsi,
              f"/api/v1/dossiers/{numero}/pdf/", PDF, "pdf", requetes=20)  # fmt: skip
