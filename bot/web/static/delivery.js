// The delivery bar of a campaign's page: while the campaign runs, ask the server for its
// figures every few seconds and redraw the bar and its sentence, without reloading the page.
// A static file (no inline script), so the app can keep a strict Content-Security-Policy.
(function () {
  "use strict";
  var box = document.getElementById("delivery");
  if (!box || box.getAttribute("data-live") !== "yes" || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  var text = document.getElementById("delivery-text");
  var parts = ["sent", "pending", "failed"];
  var every = 2000;

  function draw(data) {
    var x = 0;
    parts.forEach(function (name) {
      var rect = box.querySelector("svg.bar ." + name);
      var width = Math.round(data.shares[name] * 10000) / 10;
      rect.setAttribute("x", String(x));
      rect.setAttribute("width", String(width));
      x += width;
    });
    if (text.textContent !== data.text) { text.textContent = data.text; }
    box.setAttribute("data-live", data.live ? "yes" : "no");
  }

  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        draw(data);
        if (data.live) { window.setTimeout(poll, every); }
      })
      .catch(function () { window.setTimeout(poll, every * 5); });  // offline: try later
  }

  window.setTimeout(poll, every);
})();
