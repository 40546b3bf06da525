// The browser heartbeat: while this page is open it tells the office the room is up.
(function () {
  "use strict";
  var box = document.querySelector("[data-heartbeat]");
  if (!box) { return; }
  var status = document.getElementById("heartbeat-status");
  var url = box.getAttribute("data-url");
  var token = box.getAttribute("data-token");
  var interval = Math.max(10, parseInt(box.getAttribute("data-interval"), 10) || 30) * 1000;
  var sent = 0;

  function clock() {
    return new Date().toLocaleTimeString("vi-VN", {hour12: false});
  }

  function beat() {
    fetch(url, {method: "POST", headers: {"Authorization": "Bearer " + token},
                credentials: "omit", cache: "no-store"})
      .then(function (response) {
        if (response.status === 204) {
          sent += 1;
          status.textContent = "Đang giữ kết nối: đã gửi " + sent + " tín hiệu, lần gần nhất lúc " + clock() + ".";
          status.setAttribute("data-beats", String(sent));
        } else if (response.status === 401 || response.status === 404) {
          status.textContent = "Đường dẫn đã hết hiệu lực; xin chủ tịch Hội cấp đường dẫn mới.";
          window.clearInterval(timer);
        } else {
          status.textContent = "Chưa gửi được tín hiệu lúc " + clock() + "; sẽ thử lại.";
        }
      })
      .catch(function () {
        status.textContent = "Mất mạng lúc " + clock() + "; sẽ thử lại.";
      });
  }

  var timer = window.setInterval(beat, interval);
  beat();
  if (navigator.wakeLock) {
    navigator.wakeLock.request("screen").catch(function () { /* not allowed: fine */ });
  }
})();
