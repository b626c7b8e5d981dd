// Confirmation of irreversible acts (dossiers/confirmation.py): a submit button marked
// data-confirmer posts its form as usual, but in the background; the server answers with its
// confirmation page, whose [data-confirmation] block (the consequences, the same data as
// hidden fields, the confirming button) is shown in the DSFR modal. A refused input (the
// server answers 204) is submitted normally, to show the errors at their fields. Without JavaScript, the same confirmation page is a full page.
(function () {
  "use strict";
  var modale = document.getElementById("modale-confirmation");
  var ouvreur = document.getElementById("ouvrir-confirmation");
  if (!modale || !ouvreur || !window.fetch || !window.DOMParser) return;
  var cible = modale.querySelector("[data-confirmation-cible]");

  function ouvrir() {
    if (window.dsfr) window.dsfr(modale).modal.disclose();
    else ouvreur.click();
  }

  function fermer() {
    if (window.dsfr) window.dsfr(modale).modal.conceal();
    else modale.querySelector(".fr-btn--close").click();
  }

  function donnees(form, bouton) {
    var data = new FormData(form);
    if (bouton.name) data.append(bouton.name, bouton.value);
    return data;
  }

  function envoyerSansConfirmation(form, bouton) {
    form.dataset.envoiDirect = "1";
    form.requestSubmit(bouton);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var bouton = event.submitter;
    if (!bouton || !bouton.hasAttribute("data-confirmer") || form.dataset.envoiDirect) return;
    event.preventDefault();
    bouton.disabled = true;
    fetch(form.action || window.location.href, {
      method: "POST",
      body: donnees(form, bouton),
      credentials: "same-origin",
      headers: { "X-Confirmation": "apercu" },
    })
      .then(function (reponse) {
        var ok = reponse.status === 200;  // 204: input refused, shown by a normal submit
        return reponse.text().then(function (texte) { return { ok: ok, texte: texte }; });
      })
      .then(function (reponse) {
        bouton.disabled = false;
        var page = new DOMParser().parseFromString(reponse.texte, "text/html");
        var contenu = page.querySelector("[data-confirmation]");
        if (!reponse.ok || !contenu) {
          envoyerSansConfirmation(form, bouton);
          return;
        }
        cible.replaceChildren(document.importNode(contenu, true));
        ouvrir();
        var confirmer = cible.querySelector("button[name=confirme]");
        if (confirmer) confirmer.focus();
      })
      .catch(function () {
        bouton.disabled = false;
        envoyerSansConfirmation(form, bouton);
      });
  });

  cible.addEventListener("click", function (event) {
    if (event.target.closest("[data-annuler]")) {
      event.preventDefault();
      fermer();
    }
  });
})();
