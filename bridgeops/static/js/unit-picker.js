// Filters the unit list as the chair types; the search box also works without JavaScript.
(function () {
  "use strict";
  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/đ/g, "d").replace(/[\u0300-\u036f]/g, "").trim();
  }
  document.querySelectorAll("[data-unit-filter]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-unit-filter"));
    if (!list) { return; }
    input.addEventListener("input", function () {
      var wanted = fold(input.value);
      list.querySelectorAll("li[data-name]").forEach(function (item) {
        item.hidden = wanted !== "" && item.getAttribute("data-name").indexOf(wanted) === -1;
      });
    });
  });
})();
