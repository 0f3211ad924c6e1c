// The error summary (templates/includes/error_summary.html), as the GOV.UK Design
// System does it: focus moves to the summary when the page loads, so a screen reader
// reads it first; each link moves focus to its field with the field's label (or a
// group's legend) in view, rather than leaving the label above the top of the screen.
(function () {
  "use strict";
  function labelOf(input) {
    var fieldset = input.closest("fieldset");
    if (input.type === "checkbox" || input.type === "radio") {
      var legend = fieldset && fieldset.querySelector("legend");
      if (legend) return legend;
    }
    return document.querySelector('label[for="' + CSS.escape(input.id) + '"]') || input;
  }
  function ready() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var input = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!input) return;
      event.preventDefault();
      labelOf(input).scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
