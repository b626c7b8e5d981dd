// A DSFR table scrolls sideways inside its own box when it is wider than the screen (its
// <table> is the scroll container): a keyboard user must be able to focus it to scroll it
// (RGAA 7.3, axe "scrollable-region-focusable"). Only tables that do scroll take a tab stop.
(function () {
  "use strict";
  function ajuster() {
    // The older markup scrolls on the <table>, the newer one (wrapper > container) on the
    // container.
    document.querySelectorAll(".fr-table > table, .fr-table__container").forEach(function (table) {
      if (
        table.scrollWidth > table.clientWidth + 1 ||
        table.scrollHeight > table.clientHeight + 1
      ) {
        table.setAttribute("tabindex", "0");
      } else if (table.getAttribute("tabindex") === "0") {
        table.removeAttribute("tabindex");
      }
    });
  }
  ajuster();
  window.addEventListener("load", ajuster);
  window.addEventListener("resize", ajuster);
})();
