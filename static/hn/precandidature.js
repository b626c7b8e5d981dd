// A pré-candidature's tabs (templates/candidatures/detail.html): the estimate's total of the
// domaines applied for follows the semesters chosen in tab 2, with the forfaits the server
// rendered (data-forfait, the forfait rule's figures); the server's total is the fallback
// without JavaScript. The tab shown is kept in the form, so a save comes back to it.
(function () {
  "use strict";
  var form = document.getElementById("formulaire-precandidature");
  var total = document.getElementById("total-estime");
  if (!form || !total) return;
  var format = new Intl.NumberFormat("fr-FR", {
    style: "currency",
    currency: "EUR",
    maximumFractionDigits: 0,
  });

  function recalculer() {
    var somme = 0;
    form.querySelectorAll("select[data-semestre-domaine]").forEach(function (select) {
      var ligne = document.querySelector(
        'tr[data-estimation-domaine="' + select.dataset.semestreDomaine + '"]'
      );
      if (!ligne) return;
      var cellule = ligne.querySelector("[data-estimation-semestre]");
      if (select.value) {
        somme += parseInt(ligne.dataset.forfait, 10) || 0;
        cellule.textContent = select.options[select.selectedIndex].text;
      } else {
        cellule.textContent = "Non candidat";
      }
    });
    total.textContent = format.format(somme);
  }

  form.addEventListener("change", function (event) {
    if (event.target.matches("select[data-semestre-domaine]")) recalculer();
  });
  var courant = form.querySelector("[data-onglet-courant]");
  form.querySelectorAll("[data-onglet]").forEach(function (bouton) {
    bouton.addEventListener("click", function () {
      if (courant) courant.value = bouton.dataset.onglet;
    });
  });
})();
