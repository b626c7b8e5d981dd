"""The calls for applications' measures of the bench (issue 14 point 7), run by
``bench.mesurer`` after the audits, on the data set's HOP'EN 2019 AMI (``candidatures.bench``:
24,300 pré-candidatures, ~65,900 domaine lines, one version per région):

- the ARS's list of its région's pré-candidatures (the largest région, as its CMSI): the page
  ``/candidatures/`` p95 ≤ 150 ms, and the API list ``GET precandidatures/?campagne=&region=``
  beside it (same budget);
- the XLSX export of that région (one row per établissement and domaine) ≤ 3 s;
- the programmation of that région: the page p95 ≤ 300 ms, and ``GET programmations/{c}/{r}/``;
- the national programmation page (every région's latest version) p95 ≤ 300 ms.

A page still a placeholder (it answers « TODO ») is reported as not delivered instead of
measured; a missing route is reported « route absente » (``Banc.page``). Every name starts with
« AMI » (``--filtre AMI``)."""

from bench.budgets import LISTE, TABLEAU

XLSX_REGION = 3_000  # ms: the ARS export of the largest région [issue 14]
API = "/api/v1/"
VALIDEURS_DEMO = {"84": "ars_valideur", "11": "ars11_valideur"}


def _client_valideur(banc, region: str) -> str:
    """The username of the région's CMSI, logged in on the bench's clients."""
    from django.test import Client

    from hn.comptes.enums import Role
    from hn.comptes.models import Attribution

    username = VALIDEURS_DEMO.get(region)
    if username is None:
        attribution = (
            Attribution.objects.filter(role=Role.ARS_VALIDEUR, region__code=region)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        username = attribution.user.username
    if username not in banc.clients:
        from hn.comptes.models import User

        client = Client()
        client.force_login(User.objects.get(username=username))
        banc.clients[username] = client
    return username


def _page(banc, nom, username, url, budget, categorie):
    """The page measured, unless it is still the placeholder of the calls' first commit."""
    from bench.mesurer import Resultat

    response = banc.clients[username].get(url)
    if response.status_code == 200 and response.content.strip() == b"TODO":
        banc.ajouter(
            Resultat(nom, None, None, None, None, budget, None, 0, categorie, username, url,
                     note="page provisoire (« TODO ») : mesurée dès qu'elle sera livrée")
        )  # fmt: skip
        return None
    return banc.page(nom, username, url, budget, categorie)


def scenarios(banc):
    """The calls' lines of the bench's table."""
    from candidatures import bench as candidatures_bench
    from candidatures.demo import ami
    from candidatures.models import Precandidature

    campagne = ami()
    region = candidatures_bench.plus_grande_region(campagne)
    n = Precandidature.objects.filter(campagne=campagne, region__code=region).count()
    banc.log(f"Appels à candidatures (AMI 2019, région {region} : {n} pré-candidatures) :")
    cmsi = _client_valideur(banc, region)
    c = campagne.pk
    _page(banc, f"AMI — liste des pré-candidatures de la région {region} (page)", cmsi,
          f"/candidatures/?campagne={c}", LISTE, "liste")  # fmt: skip
    banc.page(f"AMI — API pré-candidatures de la région {region}", cmsi,
              f"{API}precandidatures/?campagne={c}&region={region}", LISTE, "api")  # fmt: skip
    banc.page(f"AMI — XLSX des pré-candidatures de la région {region}", cmsi,
              f"{API}precandidatures/?campagne={c}&region={region}&format=xlsx", XLSX_REGION,
              "export", requetes=10, echauffement=1)  # fmt: skip
    _page(banc, f"AMI — programmation de la région {region} (page)", cmsi,
          f"/candidatures/programmation/{c}/{region}/", TABLEAU, "tableau")  # fmt: skip
    banc.page(f"AMI — API programmation de la région {region}", cmsi,
              f"{API}programmations/{c}/{region}/", TABLEAU, "tableau")  # fmt: skip
    _page(banc, "AMI — programmation nationale (page)", "dgos",
          f"/candidatures/programmation/{c}/", TABLEAU, "tableau")  # fmt: skip
