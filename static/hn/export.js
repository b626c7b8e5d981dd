// A background export's page (hn.taches.vues_exports.detail): ask its state every second and
// move the progress bar, its text (aria-live) and, once ready, show the download button. Without
// JavaScript the page has its "Actualiser" link.
(function () {
  "use strict";
  var bloc = document.getElementById("export");
  if (!bloc || bloc.dataset.fini) {
    return;
  }
  var barre = document.getElementById("export-progression");
  var texte = document.getElementById("export-etat");
  var telecharger = document.getElementById("export-telecharger");
  var actualiser = document.getElementById("export-actualiser");
  var intervalle = parseInt(bloc.dataset.intervalle, 10) || 1000;
  if (actualiser) {
    actualiser.hidden = true;
  }

  function afficher(etat) {
    barre.value = etat.pourcentage;
    barre.textContent = etat.pourcentage + " %";
    if (texte.textContent !== etat.texte) {
      texte.textContent = etat.texte;
    }
    if (etat.pret) {
      document.getElementById("export-lien").href = etat.fichier;
      document.getElementById("export-nom").textContent = etat.nom_fichier;
      telecharger.hidden = false;
    }
  }

  function interroger() {
    fetch(bloc.dataset.etatUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (reponse) {
        if (!reponse.ok) {
          throw new Error(reponse.status);
        }
        return reponse.json();
      })
      .then(function (etat) {
        afficher(etat);
        if (!etat.fini) {
          window.setTimeout(interroger, intervalle);
        }
      })
      .catch(function () {
        if (actualiser) {
          actualiser.hidden = false;
        }
      });
  }
  window.setTimeout(interroger, intervalle);
})();
