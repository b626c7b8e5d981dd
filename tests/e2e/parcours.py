"""A crawler for the journeys of tests/e2e/test_parcours_complet.py: from the pages of the
access matrix, it follows every same-origin link, visits each kind of page (one URL per route
and page slug) and records, per page, the browser's console errors, template syntax left in the
HTML, the internal links answering 400 or more, and axe-core's serious or critical violations."""

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urldefrag, urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.urls import Resolver404, resolve

# Route kwargs naming one object among many: pages differing only by them are the same kind
# of page (one dossier page per slug, not every dossier).
IDENTIFIANTS = {"numero", "finess", "pk", "rang", "username", "uidb64", "token", "region", "annee"}
# Never followed as pages: the API, the Django admin, files (PDF, spreadsheets, exports, pieces).
NON_PAGES = re.compile(
    r"^/(api|admin)/|/pdf/|/xlsx/|\.(pdf|xlsx|csv)$|/accuse/|/depots/|^/exports/[^/]+/fichier/"
)
# Links that change state even on a GET are not checked (none expected: logout is a POST).
JAMAIS = re.compile(r"^/deconnexion/")
GABARIT = re.compile(r"\{#|\{\{|\{%")
SCRIPTS = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
GRAVES = {"serious", "critical"}
AXE = Axe()
# The kinds of page axe-core has audited in this test run, whatever the role: axe runs once per
# kind (the roles' variants of a page share its template and components; each role still walks
# it for its status, console errors, template syntax and links).
AUDITEES: set = set()

LIENS_JS = """() => Array.from(
    document.querySelectorAll('a[href]'),
    a => new URL(a.getAttribute('href'), document.baseURI).href
)"""  # an SVG <a>'s .href is an SVGAnimatedString, not a URL


def cle(url: str) -> tuple | None:
    """The kind of page a URL is: its route, its non-identifying kwargs, its ``format``."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    kwargs = tuple(sorted((k, v) for k, v in match.kwargs.items() if k not in IDENTIFIANTS))
    fmt = parse_qs(parts.query).get("format", [""])[0]
    return (match.view_name, kwargs, fmt)


@dataclass
class Constat:
    page: str
    quoi: str
    detail: str


@dataclass
class Parcours:
    """One role's walk. ``origine`` is the live server's URL."""

    page: object
    origine: str
    role: str
    constats: list = field(default_factory=list)
    visitees: set = field(default_factory=set)  # URLs walked
    cles_visitees: Counter = field(default_factory=Counter)
    # Pages walked per kind of page: two of a dossier's (two dossiers in different states),
    # one of any other kind (its other instances differ by data, not by template branch).
    par_cle: int = 2
    par_cle_autre: int = 1
    liens: dict = field(default_factory=dict)  # URL -> status
    cles_liens: Counter = field(default_factory=Counter)
    axe: Counter = field(default_factory=Counter)  # rule id -> pages
    erreurs: list = field(default_factory=list)

    def __post_init__(self):
        self.page.on(
            "console",
            lambda msg: msg.type == "error" and self.erreurs.append(f"console : {msg.text}"),
        )
        self.page.on("pageerror", lambda exc: self.erreurs.append(f"JavaScript : {exc}"))

    def interne(self, url: str) -> str | None:
        url = urldefrag(url).url
        if not url.startswith(self.origine + "/"):
            return None
        return url[len(self.origine) :]

    def parcourir(self, depart: list[str], limite: int = 400):
        a_voir = list(depart)
        while a_voir and len(self.visitees) < limite:
            chemin = a_voir.pop(0)
            k = cle(chemin)
            if (
                chemin in self.visitees
                or k is None
                or self.cles_visitees[k] >= self.visites_par_cle(chemin)
            ):
                continue
            if NON_PAGES.search(urlsplit(chemin).path) or "format=" in chemin:
                continue
            self.cles_visitees[k] += 1
            self.visitees.add(chemin)
            a_voir.extend(self.visiter(chemin))

    def visites_par_cle(self, chemin: str) -> int:
        kwargs = resolve(urlsplit(chemin).path).kwargs
        return self.par_cle if "numero" in kwargs else self.par_cle_autre

    def visiter(self, chemin: str) -> list[str]:
        self.erreurs.clear()
        reponse = self.page.goto(self.origine + chemin)
        self.page.wait_for_load_state("load")
        ici = self.interne(self.page.url) or chemin
        if reponse is None or reponse.status >= 400:
            self.constat(ici, "statut", str(reponse and reponse.status))
            return []
        if "text/html" not in (reponse.headers.get("content-type") or ""):
            return []
        html = SCRIPTS.sub("", self.page.content())
        for trace in sorted(set(GABARIT.findall(html))):
            extrait = html[max(0, html.find(trace) - 60) : html.find(trace) + 60]
            self.constat(ici, "gabarit", f"{trace!r} dans « {extrait} »")
        k = cle(ici)
        if k is None or k not in AUDITEES:  # once per kind of page in this run, any role
            AUDITEES.add(k)
            self.auditer(ici)
        liens = [c for c in map(self.interne, self.page.evaluate(LIENS_JS)) if c]
        self.verifier_liens(ici, liens)
        for erreur in self.erreurs:
            self.constat(ici, "console", erreur)
        return liens

    def auditer(self, ici: str):
        resultat = AXE.run(self.page).response
        for violation in resultat["violations"]:
            if violation["impact"] not in GRAVES:
                continue
            self.axe[violation["id"]] += 1
            cibles = "; ".join(" ".join(n["target"]) for n in violation["nodes"][:5])
            self.constat(
                ici,
                f"axe {violation['id']} ({violation['impact']})",
                f"{violation['help']} : {cibles}",
            )

    def verifier_liens(self, ici: str, liens: list[str]):
        """Each internal link once; at most two per kind of page and one per kind of file
        (every kind of link is tried, not each of the hundreds of dossiers a list links to)."""
        for lien in dict.fromkeys(liens):
            if lien in self.liens or JAMAIS.search(lien):
                continue
            k = cle(lien) or lien
            fichier = NON_PAGES.search(urlsplit(lien).path) or "format=" in lien
            if self.cles_liens[k] >= (1 if fichier else 2):
                continue
            self.cles_liens[k] += 1
            statut = self.page.request.get(self.origine + lien, max_redirects=5).status
            self.liens[lien] = statut
            if statut >= 400:
                self.constat(ici, "lien cassé", f"{lien} → {statut}")

    def constat(self, page: str, quoi: str, detail: str):
        self.constats.append(Constat(page, quoi, detail))
