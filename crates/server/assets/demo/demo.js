// The demo merchant's own script (an external file, so it runs under a strict CSP).
// 1. The queue stub: calls made before embed.js loads are kept and replayed.
window.Talkshop = window.Talkshop || (function () {
  var q = [];
  var api = { q: q };
  ["open", "close", "toggle", "identify", "logout", "setLocale", "on", "off"].forEach(function (m) {
    api[m] = function () { q.push([m, Array.prototype.slice.call(arguments)]); };
  });
  return api;
})();

// 2. Listen to the widget (queued until embed.js is there).
function logEvent(name) {
  return function (detail) {
    var list = document.querySelector(".shop-events__log");
    if (!list) return;
    var item = document.createElement("li");
    item.textContent = name + (detail === undefined ? "" : " " + JSON.stringify(detail));
    list.append(item);
  };
}
["unread", "open", "close", "order", "identify"].forEach(function (name) {
  window.Talkshop.on(name, logEvent(name));
});

// 3. The shop's own buttons: sign in (identity verification), sign out, help.
// A real shop's backend computes userHash = HMAC-SHA256(identity secret, userId);
// the demo server stands in for it at /demo/identity.
document.addEventListener("DOMContentLoaded", function () {
  var signIn = document.querySelector(".shop-signin");
  var signOut = document.querySelector(".shop-signout");
  var shop = document.querySelector("script[data-shop]").dataset.shop;
  var show = function (signedIn) { signIn.hidden = signedIn; signOut.hidden = !signedIn; };
  show(localStorage.getItem("demo.signedIn." + shop) === "1");
  signIn.addEventListener("click", function () {
    var userId = signIn.dataset.userId;
    fetch("/demo/identity?shop=" + encodeURIComponent(shop) + "&user_id=" + encodeURIComponent(userId))
      .then(function (r) { return r.json(); })
      .then(function (id) {
        return window.Talkshop.identify({ userId: id.user_id, userHash: id.user_hash, name: signIn.dataset.userName });
      })
      .then(function () { localStorage.setItem("demo.signedIn." + shop, "1"); show(true); })
      .catch(function (err) { logEvent("identify failed")(String(err)); });
  });
  signOut.addEventListener("click", function () {
    window.Talkshop.logout();
    localStorage.removeItem("demo.signedIn." + shop);
    show(false);
  });
  document.querySelector(".shop-help").addEventListener("click", function () { window.Talkshop.open(); });
});
