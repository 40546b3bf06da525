// Small helpers every page shares; each page works without them (a form still submits).
(function () {
  "use strict";

  // Destructive actions ask first and say what they will do: data-confirm holds the question.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) ||
      event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // "Sao chép": copy the text of the element named by data-copy, then say so on the button.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var done = document.execCommand("copy");
    document.body.removeChild(area);
    return done ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = "value" in source ? source.value : source.textContent;
    var label = button.textContent;
    copyText(text.trim()).then(function () {
      button.textContent = "Đã sao chép ✓";
      button.classList.add("copied");
    }, function () {
      if (source.select) { source.select(); }
      button.textContent = "Hãy giữ ngón tay lên ô để sao chép";
    });
    window.setTimeout(function () {
      button.textContent = label;
      button.classList.remove("copied");
    }, 2500);
  });

  // A form sent back with errors opens at the first of them.
  document.addEventListener("DOMContentLoaded", function () {
    var first = document.querySelector("form .has-error, form .error");
    if (!first || window.location.hash) { return; }
    first.scrollIntoView({block: "center"});
    var input = first.querySelector("input, select, textarea");
    if (input) { input.focus({preventScroll: true}); }
  });
})();
