// Type to filter a long list of checkboxes: an input with data-filter-checkboxes="#list"
// hides the options of #list whose label does not contain what was typed (and the
// headings of groups left empty), and says how many are shown. Ticked boxes always stay
// visible, so a filter never hides a choice already made. Without script, the whole
// grouped list shows and the input is hidden.
(function () {
  "use strict";
  function setUp(input) {
    var list = document.querySelector(input.getAttribute("data-filter-checkboxes"));
    if (!list) return;
    var count = document.getElementById(input.getAttribute("aria-describedby"));
    input.closest("div").hidden = false;
    function apply() {
      var words = input.value.trim().toLowerCase();
      var shown = 0;
      var options = list.querySelectorAll(".form-check");
      options.forEach(function (option) {
        var box = option.querySelector("input");
        var text = option.textContent.toLowerCase();
        var group = option.dataset.group || "";
        var keep = !words || box.checked || text.indexOf(words) !== -1 || group.indexOf(words) !== -1;
        option.hidden = !keep;
        if (keep) shown += 1;
      });
      list.querySelectorAll("strong").forEach(function (heading) {
        var next = heading.nextElementSibling, any = false;
        while (next && next.classList.contains("form-check")) {
          if (!next.hidden) any = true;
          next = next.nextElementSibling;
        }
        heading.hidden = !any;
      });
      if (count) count.textContent = words ? shown + " of " + options.length + " topics shown" : "";
    }
    // Each option knows its group's name, so typing a category finds its topics.
    list.querySelectorAll("strong").forEach(function (heading) {
      var next = heading.nextElementSibling;
      while (next && next.classList.contains("form-check")) {
        next.dataset.group = heading.textContent.toLowerCase();
        next = next.nextElementSibling;
      }
    });
    input.addEventListener("input", apply);
  }
  function ready() {
    document.querySelectorAll("[data-filter-checkboxes]").forEach(setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
