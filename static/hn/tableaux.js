// A DSFR table scrolls sideways inside its own box when it is wider than the screen (its
// <table> is the scroll container): a keyboard user must be able to focus it to scroll it
// (RGAA 7.3, axe "scrollable-region-focusable"). Only tables that do scroll take a tab stop.
// Whether one scrolls can change after the page's load (fonts, the DSFR's scripts, a wider
// cell): each box and its content are watched, not only read at load and on resize.
(function () {
  "use strict";
  // The older markup scrolls on the <table>, the newer one (wrapper > container) on the
  // container.
  var SELECTEUR = ".fr-table > table, .fr-table__container";

  // A tab stop written in the page (the journal's, a labelled region) is the page's choice and
  // stays; the script takes back only the ones it gave (data-hn-defile).
  function ajuster(table) {
    if (table.scrollWidth > table.clientWidth + 1 || table.scrollHeight > table.clientHeight + 1) {
      if (!table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.setAttribute("data-hn-defile", "");
      }
    } else if (table.hasAttribute("data-hn-defile")) {
      table.removeAttribute("tabindex");
      table.removeAttribute("data-hn-defile");
    }
  }

  function tout() {
    document.querySelectorAll(SELECTEUR).forEach(ajuster);
  }

  tout();
  window.addEventListener("load", tout);
  window.addEventListener("resize", tout);
  if ("ResizeObserver" in window) {
    var observateur = new ResizeObserver(tout);
    document.querySelectorAll(SELECTEUR).forEach(function (table) {
      observateur.observe(table);
      if (table.firstElementChild) {
        observateur.observe(table.firstElementChild);
      }
    });
  }
})();
