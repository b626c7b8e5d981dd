// Dossier pages: warn before leaving with unsaved edits, live green/red indicator icons,
// contextual "partenaires" field. The pages work without it (save buttons, server icons).
(function () {
  "use strict";
  var form = document.querySelector("form[data-suivi-modifications]");
  if (!form) return;
  // A page refused by the server shows what was typed, not yet saved: leaving it warns too.
  var modifie = form.hasAttribute("data-non-enregistre");
  form.addEventListener("input", function () { modifie = true; });
  form.addEventListener("change", function () { modifie = true; });
  form.addEventListener("reset", function () {
    modifie = false;
    setTimeout(function () { form.querySelectorAll("[data-indicateur]").forEach(maj); basculer(); }, 0);
  });
  form.addEventListener("submit", function () { modifie = false; });
  window.addEventListener("beforeunload", function (event) {
    if (modifie) { event.preventDefault(); event.returnValue = ""; }
  });

  function maj(ligne) {
    var champ = ligne.querySelector("input[type=number], select");
    var na = ligne.querySelector("input[type=checkbox]");
    var cellule = ligne.querySelector("[data-atteinte]");
    if (!champ || !cellule) return;
    var valeur = champ.value, atteint = null;
    if (valeur !== "" && !(na && na.checked)) {
      if (ligne.dataset.type === "existence") atteint = valeur === "oui";
      else if (ligne.dataset.cible !== "") atteint = parseFloat(valeur) >= parseFloat(ligne.dataset.cible);
    }
    cellule.innerHTML = atteint === true ? '<span class="fr-badge fr-badge--success fr-badge--sm">Atteinte</span>'
      : atteint === false ? '<span class="fr-badge fr-badge--error fr-badge--sm">Non atteinte</span>' : "—";
  }
  form.querySelectorAll("[data-indicateur]").forEach(function (ligne) {
    ligne.addEventListener("input", function () { maj(ligne); });
    ligne.addEventListener("change", function () { maj(ligne); });
  });

  function basculer() {
    form.querySelectorAll("[data-bascule]").forEach(function (box) {
      var cible = document.getElementById(box.dataset.bascule);
      if (cible) cible.hidden = !box.checked;
    });
  }
  form.querySelectorAll("[data-bascule]").forEach(function (box) { box.addEventListener("change", basculer); });
})();
