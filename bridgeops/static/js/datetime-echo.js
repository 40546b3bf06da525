// Says what a datetime-local input holds in Vietnamese words ("Thứ Ba, 26/4/2022 lúc 08:30"),
// whatever date format the browser shows in the field itself (an English browser shows 4/26).
(function () {
  "use strict";
  var DAYS = ["Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"];

  function words(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    if (!m) return "";
    var year = +m[1], month = +m[2], day = +m[3];
    var weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    return DAYS[weekday] + ", " + day + "/" + month + "/" + year + " lúc " + m[4] + ":" + m[5];
  }

  function wire(input) {
    var out = document.getElementById(input.getAttribute("data-echo"));
    if (!out) return;
    var show = function () { out.textContent = words(input.value); };
    input.addEventListener("input", show);
    input.addEventListener("change", show);
    show();
  }

  document.querySelectorAll("input[type=datetime-local][data-echo]").forEach(wire);
})();
