/*!
 * segflow.js: a user's segments in the browser, live. No dependencies.
 *   segflow.init({apiHost, userId, token}); segflow.has("vip"); segflow.on("change", cb);
 *   segflow.userId(): the user the segments are of; after an identify merged this id (an anonymousId) into a
 *   user, that user's id (the client keeps asking for the id it was given, with its token; the server follows).
 *   <div data-segflow-show="vip" hidden>…</div>  <div data-segflow-hide="vip">…</div>
 * Server-Sent Events first; polling with ETag while a stream cannot be held (the stream is tried again now and
 * then); the last state is kept in localStorage (per token allow-list) and shown at once on the next page load.
 */
(function (root) {
  "use strict";

  var SHOW = "data-segflow-show", HIDE = "data-segflow-hide";

  function createClient(options) {
    var o = options || {};
    if (!o.userId) throw new Error("segflow: userId is required");
    var apiHost = (o.apiHost || "").replace(/\/+$/, "");
    var env = {
      fetch: o.fetch || (root.fetch && root.fetch.bind(root)),
      EventSource: o.EventSource === undefined ? root.EventSource : o.EventSource,
      storage: o.storage === undefined ? safeStorage() : o.storage,
      document: o.document === undefined ? root.document : o.document,
      setTimeout: o.setTimeout || root.setTimeout.bind(root),
      clearTimeout: o.clearTimeout || root.clearTimeout.bind(root)
    };
    var pollMs = o.pollInterval || 15000;
    var base = apiHost + "/v1/users/" + encodeURIComponent(o.userId) + "/segments";
    var cacheKey = cacheKeyFor(apiHost, o.userId, o.token);
    var listeners = {change: [], error: []};
    // userId: whose segments these are, as the server said (o.userId, or the user it was merged into).
    var state = {segments: {}, version: -1, userId: o.userId};
    var source = null, timer = null, closed = false;
    // Whether the server answered yet: its first answer is announced even when it matches the cached state, so that
    // listeners learn the state shown is confirmed (cached: false).
    var confirmed = false;
    // The stream's failures in a row; whether it ever carried an event; after it was given up, the polls before it
    // is tried again, and the wait to use the next time it is given up.
    var streamFailures = 0, streamCarried = false, pollsBeforeStream = 0, streamBackoff = 0;

    var client = {
      has: function (id) { return Object.prototype.hasOwnProperty.call(state.segments, id); },
      segments: function () { return Object.keys(state.segments).sort(); },
      version: function () { return state.version; },
      userId: function () { return state.userId; },
      on: function (event, cb) { (listeners[event] = listeners[event] || []).push(cb); return client; },
      off: function (event, cb) {
        listeners[event] = (listeners[event] || []).filter(function (l) { return l !== cb; });
        return client;
      },
      apply: function (rootNode) { applyDom(rootNode || env.document); },
      close: function () {
        closed = true;
        if (source) source.close();
        if (timer) env.clearTimeout(timer);
      }
    };

    function emit(event, payload) {
      (listeners[event] || []).slice().forEach(function (cb) {
        try { cb(payload); } catch (e) { if (root.console) root.console.error(e); }
      });
    }

    function setState(ids, version, since, cached, userId) {
      var next = {};
      ids.forEach(function (id) { next[id] = since[id] || state.segments[id] || null; });
      var entered = ids.filter(function (id) { return !client.has(id); });
      var exited = client.segments().filter(function (id) { return !next.hasOwnProperty(id); });
      var first = state.version < 0 || (!cached && !confirmed);
      var user = userId || state.userId;
      var merged = user !== state.userId;
      state = {segments: next, version: version, userId: user};
      if (!cached) {
        confirmed = true;
        save();
      }
      applyDom(env.document);
      if (first || merged || entered.length || exited.length) announce(entered, exited, cached);
    }

    function announce(entered, exited, cached) {
      var change = {segments: client.segments(), entered: entered, exited: exited, version: state.version,
        cached: !!cached, userId: state.userId};
      // The cached state is applied inside init(): tell listeners registered right after it, too.
      if (cached) Promise.resolve().then(function () { emit("change", change); }); else emit("change", change);
    }

    // A 304 confirms the state held: the first one tells listeners that the cached state is the server's.
    function notModified() {
      if (confirmed) return;
      confirmed = true;
      announce([], [], false);
    }

    function applyState(body, cached) {
      var since = {};
      var ids = (body.segments || []).map(function (s) { since[s.id] = s.since; return s.id; });
      setState(ids, body.version, since, cached, body.userId);
    }

    function applyChange(c) {
      // Versions are per user: after a merge the server sends the new user's state before its changes.
      if ((c.userId && c.userId !== state.userId) || c.version <= state.version) return;
      var ids = client.segments().filter(function (id) { return id !== c.segmentId; });
      if (c.change === "entered") ids.push(c.segmentId);
      var since = {};
      since[c.segmentId] = c.at;
      setState(ids, c.version, since, false);
    }

    function save() {
      if (!env.storage || cacheKey === null) return;
      try {
        env.storage.setItem(cacheKey, JSON.stringify({
          segments: client.segments().map(function (id) { return {id: id, since: state.segments[id]}; }),
          version: state.version,
          userId: state.userId
        }));
      } catch (e) { /* storage full or disabled: the cache is only an optimisation */ }
    }

    function restore() {
      if (!env.storage || cacheKey === null) return;
      try {
        var cached = JSON.parse(env.storage.getItem(cacheKey) || "null");
        if (cached && typeof cached.version === "number") applyState(cached, true);
      } catch (e) { /* an unreadable cache is ignored */ }
    }

    function applyDom(doc) {
      if (!doc || !doc.querySelectorAll) return;
      toggle(doc.querySelectorAll("[" + SHOW + "]"), SHOW, false);
      toggle(doc.querySelectorAll("[" + HIDE + "]"), HIDE, true);
    }

    // "a,b" means any of them.
    function toggle(nodes, attribute, hideWhenIn) {
      for (var i = 0; i < nodes.length; i++) {
        var anyIn = nodes[i].getAttribute(attribute).split(",").some(function (id) { return client.has(id.trim()); });
        nodes[i].hidden = hideWhenIn ? anyIn : !anyIn;
      }
    }

    function refused(status, body) {
      client.close();
      emit("error", {status: status, error: body && body.error, reason: body && body.reason});
    }

    // A 4xx other than 408 and 429 does not change by asking again: a refused token (401, 403), a user id the API
    // refuses (400), a wrong apiHost or path (404). Polling it every interval forever would hide the mistake.
    function isFinal(status) {
      return status >= 400 && status < 500 && status !== 408 && status !== 429;
    }

    function poll() {
      if (closed) return;
      var headers = {"Accept": "application/json"};
      if (o.token) headers.Authorization = "Bearer " + o.token;
      if (state.version >= 0) headers["If-None-Match"] = etag();
      env.fetch(base, {headers: headers, cache: "no-cache"}).then(function (response) {
        if (isFinal(response.status)) {
          return response.json().catch(function () { return null; }).then(function (body) { refused(response.status, body); });
        }
        if (response.status === 200) return response.json().then(function (body) { applyState(body, false); });
        if (response.status === 304) notModified();
      }).then(schedule, schedule); // after a 200, a 304, a passing failure, or a body that is not the state (a proxy's page)
    }

    // The server's ETag: "v<version>.<fingerprint of the segment ids>", and for a merged id "@<the user's id,
    // URI-encoded>" after it. Built from the state held, so that a state pushed over the stream revalidates too.
    function etag() {
      var merged = state.userId && state.userId !== o.userId;
      return '"v' + state.version + "." + fingerprint(client.segments())
        + (merged ? "@" + encodeURIComponent(state.userId) : "") + '"';
    }

    // 32-bit FNV-1a over the UTF-16 code units of the sorted ids, each followed by a line feed (as the server).
    function fingerprint(ids) {
      var hash = 0x811c9dc5;
      ids.forEach(function (id) {
        for (var i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
        hash = Math.imul(hash ^ 10, 0x01000193);
      });
      return ("0000000" + (hash >>> 0).toString(16)).slice(-8);
    }

    // Once the stream was given up, every few polls one is replaced by a new try of the stream.
    function schedule() {
      if (closed || source) return;
      timer = env.setTimeout(pollsBeforeStream > 0 && --pollsBeforeStream === 0 ? stream : poll, pollMs);
    }

    function stream() {
      var url = base + "/stream" + (o.token ? "?access_token=" + encodeURIComponent(o.token) : "");
      var es = source = new env.EventSource(url);
      streamFailures = 0;
      // A reconnect at the current version gets no event (nothing is new), so opening is what shows the server is
      // back. Not before the stream has carried an event, though: a proxy that holds the events back opens, too.
      es.onopen = function () { if (streamCarried) streamFailures = 0; };
      es.addEventListener("state", function (e) { carried(); applyState(JSON.parse(e.data), false); });
      es.addEventListener("change", function (e) { carried(); applyChange(JSON.parse(e.data)); });
      es.onerror = function () {
        // Closed means the server refused the stream (401/403, a 503...): ask at once by plain GET to learn why.
        // Repeated failures mean something on the way (a proxy) cannot hold a stream: poll instead.
        if (es.readyState === 2 || ++streamFailures >= 3) {
          es.close();
          source = null;
          // Neither need last (a failover's 503, a rolling deploy, another network): try the stream again after
          // 2 polls, then every 4 (a minute at the default interval). A 401/403 answering a poll stops it all.
          pollsBeforeStream = streamBackoff = Math.min(streamBackoff * 2 || 2, 4);
          poll();
        }
      };
    }

    function carried() {
      streamFailures = 0;
      streamCarried = true;
      streamBackoff = 0;
    }

    restore();
    whenParsed(env.document, function () { if (!closed) applyDom(env.document); });
    if (o.stream !== false && env.EventSource) stream(); else poll();
    return client;
  }

  // The cached state is per view of the user: a token with a segment allow-list sees only those segments, so its
  // page must not show what a page with another token cached. null (no cache) when the token cannot be read.
  function cacheKeyFor(apiHost, userId, token) {
    var key = "segflow:" + apiHost + ":" + userId;
    if (!token) return key;
    var claims = tokenClaims(token);
    if (!claims) return null;
    if (!Array.isArray(claims.segments)) return key;
    // A line feed cannot be in a user id, so no other user's key looks like this one.
    return key + "\nsegments=" + claims.segments.map(String).sort().join(",");
  }

  function tokenClaims(token) {
    try {
      var payload = String(token).split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var claims = JSON.parse(root.atob(payload + "===".slice((payload.length + 3) % 4)));
      return claims && typeof claims === "object" ? claims : null;
    } catch (e) {
      return null;
    }
  }

  // Started from <head>, the elements are not there yet: set them once the page is parsed, whatever the server
  // answers then (a 304 changes nothing, and would leave them as the HTML has them).
  function whenParsed(doc, cb) {
    if (doc && doc.readyState === "loading" && doc.addEventListener) doc.addEventListener("DOMContentLoaded", cb);
  }

  function safeStorage() {
    try { return root.localStorage; } catch (e) { return null; }
  }

  var current = null;
  var segflow = {
    init: function (options) {
      if (current) current.close();
      current = createClient(options);
      return current;
    },
    createClient: createClient,
    has: function (id) { return !!current && current.has(id); },
    segments: function () { return current ? current.segments() : []; },
    userId: function () { return current ? current.userId() : null; },
    on: function (event, cb) {
      if (!current) throw new Error("segflow: call init() first");
      return current.on(event, cb);
    },
    close: function () { if (current) current.close(); current = null; }
  };

  root.segflow = segflow;
  if (typeof module === "object" && module.exports) module.exports = segflow;
})(typeof window !== "undefined" ? window : globalThis);
