// Refreshes the live board without reloading the page: fetches the server-rendered fragment
// (numbers, problem list, SVG tree) every few seconds and swaps it in.
(function () {
  "use strict";
  var live = document.getElementById("board-live");
  if (!live) { return; }
  var note = document.getElementById("board-refresh");
  var every = (parseInt(live.getAttribute("data-interval"), 10) || 5) * 1000;
  var src = live.getAttribute("data-src");
  var busy = false;

  function say(text, failed) {
    if (!note) { return; }
    note.textContent = text;
    note.classList.toggle("stale", !!failed);
  }

  function refresh() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(src, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          throw new Error("Phiên đăng nhập đã hết, hãy tải lại trang để đăng nhập lại.");
        }
        if (!response.ok) { throw new Error("Mất kết nối tới máy chủ, đang thử lại…"); }
        return response.text();
      })
      .then(function (html) {
        live.innerHTML = html;
        live.setAttribute("data-refreshed", String(Date.now()));
        say("Đã cập nhật. Bảng tự cập nhật mỗi " + every / 1000 + " giây.", false);
      })
      .catch(function (error) {
        var text = String(error && error.message || "");
        say(text.indexOf("Phiên") === 0 ? text : "Mất kết nối tới máy chủ, đang thử lại…", true);
      })
      .then(function () { busy = false; });
  }

  setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { refresh(); }
  });
})();
