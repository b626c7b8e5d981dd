"""Reading a re-rendered HTML form in a test: the value each field shows, and whether a
message sits at a field the DSFR way (error container around the input, message with an id the
input's ``aria-describedby`` names, ``aria-invalid``)."""

import lxml.html


def document(response):
    return lxml.html.fromstring(response.content.decode())


def element(doc, nom: str, *, valeur: str | None = None):
    """The field named ``nom`` (the checkbox of that ``valeur`` when given)."""
    trouves = [
        e
        for e in doc.xpath("//input|//textarea|//select")
        if e.get("name") == nom and e.get("type") != "hidden"
    ]
    if valeur is not None:
        trouves = [e for e in trouves if e.get("value") == valeur]
    assert trouves, f"no field named {nom!r}"
    return trouves[0]


def valeur(doc, nom: str, *, valeur_case: str | None = None):
    """What the field shows: its text, its selected option, or whether the box is ticked."""
    e = element(doc, nom, valeur=valeur_case)
    if e.tag == "textarea":
        return e.text or ""
    if e.tag == "select":
        options = e.xpath(".//option")
        choisies = [o.get("value") for o in options if o.get("selected") is not None]
        return (choisies or [o.get("value") for o in options] or [None])[0]  # a browser's choice
    if e.get("type") == "checkbox":
        return e.get("checked") is not None
    return e.get("value")


def message_au_champ(doc, nom: str, *, valeur_case: str | None = None) -> str:
    """The message shown at field ``nom``; fails unless it is shown the DSFR way."""
    e = element(doc, nom, valeur=valeur_case)
    assert e.get("aria-invalid") == "true", f"{nom} is not marked invalid"
    ids = (e.get("aria-describedby") or "").split()
    messages = [doc.get_element_by_id(i, None) for i in ids]
    messages = [m for m in messages if m is not None and "fr-error-text" in m.get("class", "")]
    assert len(messages) == 1, f"{nom} names no error message"
    message = messages[0]
    groupe = next((a for a in message.iterancestors() if "--error" in (a.get("class") or "")), None)
    assert groupe is not None, f"the message of {nom} is in no error container"
    assert e in groupe.iterdescendants(), f"the error container of {nom} does not hold it"
    return message.text_content().strip()


def sans_erreur(doc, nom: str) -> bool:
    e = element(doc, nom)
    return e.get("aria-invalid") is None and not e.get("aria-describedby")
