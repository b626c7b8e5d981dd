// Print preview: the "Imprimer" button (shown only when JavaScript runs).
(function () {
  "use strict";
  var bouton = document.getElementById("imprimer");
  if (!bouton) return;
  bouton.hidden = false;
  bouton.addEventListener("click", function () { window.print(); });
})();
