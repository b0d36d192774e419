// The demo shop: sends Segment-format track events to ingest-function and lets segflow.js switch the page.
(function () {
  "use strict";
  var PRODUCTS = [
    {sku: "MUG-1", name: "Trail Mug", price: 14},
    {sku: "SOCK-2", name: "Merino Socks", price: 19},
    {sku: "KNIFE-3", name: "Pocket Knife", price: 39},
    {sku: "LAMP-4", name: "Camp Lamp", price: 29}
  ];
  var VISITOR_KEY = "segflow-demo-visitor";
  var cart = 0;
  var session = null;

  function $(id) { return document.getElementById(id); }

  function showError(text) {
    $("error").hidden = false;
    $("error").textContent = text;
  }

  // Segment's HTTP API, as analytics.js calls it: text/plain (no CORS preflight) with the write key in the body.
  function track(event, properties) {
    var body = {
      type: "track", event: event, userId: session.userId, properties: properties || {},
      messageId: "demo-" + Date.now() + "-" + Math.random().toString(36).slice(2),
      timestamp: new Date().toISOString(), writeKey: session.writeKey,
      context: {library: {name: "segflow-demo"}, page: {url: location.href}}
    };
    return fetch(session.ingestUrl.replace(/\/+$/, "") + "/v1/t", {
      method: "POST", headers: {"Content-Type": "text/plain"}, body: JSON.stringify(body)
    }).catch(function () { showError("ingest-function is not reachable at " + session.ingestUrl); });
  }

  function renderProducts() {
    PRODUCTS.forEach(function (p) {
      var card = document.createElement("div");
      card.className = "product";
      card.innerHTML = "<strong></strong><br>$" + p.price + "<br>";
      card.querySelector("strong").textContent = p.name;
      var view = document.createElement("button");
      view.textContent = "View";
      view.onclick = function () { track("Product Viewed", {sku: p.sku, name: p.name, price: p.price}); };
      var add = document.createElement("button");
      add.textContent = "Add to cart";
      add.onclick = function () {
        $("cart-count").textContent = String(++cart);
        track("Product Added", {sku: p.sku, name: p.name, price: p.price, quantity: 1});
      };
      card.appendChild(view);
      card.appendChild(add);
      $("products").appendChild(card);
    });
    $("checkout").onclick = function () {
      track("Order Completed", {total: cart * 20});
      cart = 0;
      $("cart-count").textContent = "0";
    };
  }

  function start() {
    renderProducts();
    var known = localStorage.getItem(VISITOR_KEY);
    fetch("/demo/session" + (known ? "?userId=" + encodeURIComponent(known) : ""))
      .then(function (r) { return r.json().then(function (body) { return {status: r.status, body: body}; }); })
      .then(function (answer) {
        if (answer.status !== 200) {
          showError("demo unavailable: " + (answer.body.reason || answer.status));
          return;
        }
        session = answer.body;
        window.demoSession = session;
        localStorage.setItem(VISITOR_KEY, session.userId);
        $("visitor").textContent = session.userId;
        var client = segflow.init({apiHost: location.origin, userId: session.userId, token: session.token});
        client.on("change", function (c) {
          $("status").textContent = "segments: " + (c.segments.join(", ") || "none") + " · version " + c.version
            + (c.cached ? " (cached)" : "");
        });
        client.on("error", function (e) {
          showError("segflow refused the token (" + e.status + "): " + (e.reason || e.error));
        });
      });
  }

  start();
})();
