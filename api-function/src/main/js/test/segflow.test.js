// Unit tests of segflow.js with stand-ins for the browser's EventSource, fetch, localStorage and DOM.
// Run: node --test api-function/src/main/js/test/
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const segflow = require("../segflow.js");

class FakeEventSource {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.handlers = {};
    FakeEventSource.last = this;
  }
  addEventListener(name, cb) { (this.handlers[name] = this.handlers[name] || []).push(cb); }
  emit(name, data) { (this.handlers[name] || []).forEach((cb) => cb({data: JSON.stringify(data)})); }
  open() { this.readyState = 1; if (this.onopen) this.onopen(); }
  fail(readyState) { if (this.closed) return; this.readyState = readyState; this.onerror(); } // a closed one is silent
  close() { this.readyState = 2; this.closed = true; }
}

function memoryStorage(initial) {
  const items = Object.assign({}, initial);
  return {getItem: (k) => (k in items ? items[k] : null), setItem: (k, v) => { items[k] = String(v); }, items};
}

function fakeDocument(elements) {
  return {
    querySelectorAll(selector) {
      const attribute = selector.slice(1, -1);
      return elements.filter((e) => attribute in e.attributes);
    }
  };
}

function element(attributes) {
  return {attributes, hidden: false, getAttribute(name) { return this.attributes[name]; }};
}

function response(status, body) {
  return {status, json: () => Promise.resolve(body)};
}

const noTimers = {setTimeout: () => 1, clearTimeout: () => {}};
const flush = () => new Promise((resolve) => setImmediate(resolve));

test("streams the state and then each change, updating has() and the DOM", () => {
  const banner = element({"data-segflow-show": "vip"});
  const normal = element({"data-segflow-hide": "vip"});
  const client = segflow.createClient({apiHost: "https://api.example/", userId: "u 1", token: "t.k",
    EventSource: FakeEventSource, storage: memoryStorage(), document: fakeDocument([banner, normal]), ...noTimers});
  const es = FakeEventSource.last;
  assert.equal(es.url, "https://api.example/v1/users/u%201/segments/stream?access_token=t.k");
  const changes = [];
  client.on("change", (c) => changes.push(c));

  es.emit("state", {userId: "u 1", segments: [{id: "carts", since: "2026-11-26T10:00:00Z"}], version: 3});
  assert.deepEqual(client.segments(), ["carts"]);
  assert.equal(banner.hidden, true);
  assert.equal(normal.hidden, false);

  es.emit("change", {userId: "u 1", segmentId: "vip", change: "entered", at: "2026-11-26T10:00:01Z", version: 4});
  assert.equal(client.has("vip"), true);
  assert.equal(banner.hidden, false);
  assert.equal(normal.hidden, true);
  assert.deepEqual(changes.at(-1).entered, ["vip"]);

  es.emit("change", {userId: "u 1", segmentId: "vip", change: "exited", at: "2026-11-26T10:00:02Z", version: 5});
  assert.equal(client.has("vip"), false);
  assert.equal(banner.hidden, true);
  assert.deepEqual(changes.at(-1).exited, ["vip"]);
  // A change already included in the state is ignored.
  es.emit("change", {userId: "u 1", segmentId: "vip", change: "entered", at: "x", version: 5});
  assert.equal(client.has("vip"), false);
});

test("shows the cached state at once on the next load", async () => {
  const storage = memoryStorage();
  const first = segflow.createClient({userId: "u2", EventSource: FakeEventSource, storage, document: null, ...noTimers});
  FakeEventSource.last.emit("state", {segments: [{id: "vip", since: "s"}], version: 7});
  first.close();

  const banner = element({"data-segflow-show": "vip"});
  const seen = [];
  const second = segflow.createClient({userId: "u2", EventSource: FakeEventSource, storage,
    document: fakeDocument([banner]), ...noTimers});
  second.on("change", (c) => seen.push(c));
  assert.equal(second.has("vip"), true, "before the stream said anything");
  assert.equal(banner.hidden, false);
  assert.equal(second.version(), 7);
  await flush();
  assert.equal(seen.length, 1, "a listener added right after init hears of the cached state");
  assert.equal(seen[0].cached, true);
});

// A token as the server mints it: only its payload matters to the client.
function jwt(claims) {
  return "eyJhbGciOiJIUzI1NiJ9." + Buffer.from(JSON.stringify(claims)).toString("base64url") + ".sig";
}

test("a page whose token allows only some segments never shows another's cached ones", () => {
  const storage = memoryStorage();
  const everything = segflow.createClient({userId: "u16", token: jwt({sub: "u16"}), EventSource: FakeEventSource,
    storage, document: null, ...noTimers});
  FakeEventSource.last.emit("state", {userId: "u16", segments: [{id: "vip", since: "s"}, {id: "carts", since: "t"}], version: 7});
  everything.close();

  const banner = element({"data-segflow-show": "vip"});
  banner.hidden = true; // <div data-segflow-show="vip" hidden>
  const onlyCarts = segflow.createClient({userId: "u16", token: jwt({sub: "u16", segments: ["carts"]}),
    EventSource: FakeEventSource, storage, document: fakeDocument([banner]), ...noTimers});
  assert.equal(onlyCarts.has("vip"), false, "before the server answered");
  assert.equal(banner.hidden, true);
  FakeEventSource.last.emit("state", {userId: "u16", segments: [{id: "carts", since: "t"}], version: 7});
  onlyCarts.close();

  const onlyVip = segflow.createClient({userId: "u16", token: jwt({sub: "u16", segments: ["vip"]}),
    EventSource: FakeEventSource, storage, document: null, ...noTimers});
  assert.deepEqual(onlyVip.segments(), [], "neither the unrestricted page's cache nor the carts-only page's");
  onlyVip.close();

  const again = segflow.createClient({userId: "u16", token: jwt({sub: "u16"}), EventSource: FakeEventSource,
    storage, document: null, ...noTimers});
  assert.deepEqual(again.segments(), ["carts", "vip"], "a restricted page leaves the unrestricted cache as it was");
});

test("a token whose payload cannot be read restores and keeps no cached state", () => {
  const storage = memoryStorage({"segflow::u17": JSON.stringify({segments: [{id: "vip", since: "s"}], version: 7, userId: "u17"})});
  const client = segflow.createClient({userId: "u17", token: "opaque", EventSource: FakeEventSource, storage,
    document: null, ...noTimers});
  assert.equal(client.has("vip"), false);
  FakeEventSource.last.emit("state", {userId: "u17", segments: [{id: "carts", since: "t"}], version: 8});
  assert.equal(JSON.parse(storage.items["segflow::u17"]).version, 7, "nothing saved under another page's key");
});

test("tells listeners once the server confirms the cached state, over the stream or by a 304", async () => {
  const cache = JSON.stringify({segments: [{id: "vip", since: "s"}], version: 7, userId: "u14"});
  const streamed = [];
  const client = segflow.createClient({userId: "u14", EventSource: FakeEventSource,
    storage: memoryStorage({"segflow::u14": cache}), document: null, ...noTimers});
  client.on("change", (c) => streamed.push(c));
  await flush();
  FakeEventSource.last.emit("state", {userId: "u14", segments: [{id: "vip", since: "s"}], version: 7});
  FakeEventSource.last.emit("state", {userId: "u14", segments: [{id: "vip", since: "s"}], version: 7});
  assert.deepEqual(streamed.map((c) => c.cached), [true, false], "the cached state, then its confirmation, once");
  assert.deepEqual(streamed[1].segments, ["vip"]);
  assert.deepEqual([streamed[1].entered, streamed[1].exited], [[], []]);

  const polled = [];
  const fetch = () => Promise.resolve(response(304));
  const poller = segflow.createClient({userId: "u14", EventSource: null, fetch,
    storage: memoryStorage({"segflow::u14": cache}), document: null, ...noTimers});
  poller.on("change", (c) => polled.push(c));
  await flush();
  assert.deepEqual(polled.map((c) => c.cached), [true, false]);
});

test("started in <head>, sets the elements once the page is parsed, though the server only answers 304", async () => {
  const cache = JSON.stringify({segments: [{id: "vip", since: "s"}], version: 7, userId: "u15"});
  const elements = [];
  const listeners = {};
  const doc = Object.assign(fakeDocument(elements), {readyState: "loading",
    addEventListener(name, cb) { (listeners[name] = listeners[name] || []).push(cb); }});
  const fetch = () => Promise.resolve(response(304));
  segflow.createClient({userId: "u15", EventSource: null, fetch, storage: memoryStorage({"segflow::u15": cache}),
    document: doc, ...noTimers});
  await flush();
  const banner = element({"data-segflow-show": "vip"});
  banner.hidden = true;
  elements.push(banner); // the body is parsed after the script ran
  doc.readyState = "interactive";
  (listeners.DOMContentLoaded || []).forEach((cb) => cb());
  assert.equal(banner.hidden, false, "the cached segment shows");
});

test("falls back to polling with If-None-Match when the stream keeps failing", async () => {
  const calls = [];
  const answers = [response(200, {segments: [{id: "vip"}], version: 2}), response(304)];
  const fetch = (url, init) => { calls.push({url, init}); return Promise.resolve(answers.shift()); };
  const timers = [];
  const client = segflow.createClient({userId: "u3", token: "tok", EventSource: FakeEventSource, fetch,
    storage: null, document: null, setTimeout: (fn) => timers.push(fn), clearTimeout() {}});
  const es = FakeEventSource.last;
  es.fail(0); es.fail(0); es.fail(0);
  assert.equal(es.closed, true);
  await flush();
  assert.equal(calls[0].url, "/v1/users/u3/segments");
  assert.equal(calls[0].init.headers.Authorization, "Bearer tok");
  assert.equal(client.has("vip"), true);
  timers.shift()();
  await flush();
  assert.equal(calls[1].init.headers["If-None-Match"], '"v2.bec09dce"', "the server's tag for version 2 of [vip]");
  assert.equal(client.has("vip"), true);
  assert.equal(timers.length, 1, "keeps polling after a 304");
});

test("keeps polling after a 200 whose body is not the state (a proxy's page)", async () => {
  const answers = [{status: 200, json: () => Promise.reject(new SyntaxError("Unexpected token <"))},
    response(200, null), response(200, {segments: [{id: "vip"}], version: 4})];
  const fetch = () => Promise.resolve(answers.shift());
  const timers = [];
  const client = segflow.createClient({userId: "u6", EventSource: null, fetch, storage: null, document: null,
    setTimeout: (fn) => timers.push(fn), clearTimeout() {}});
  await flush();
  assert.equal(timers.length, 1, "polls again after an HTML page");
  timers.shift()();
  await flush();
  assert.equal(timers.length, 1, "polls again after a null body");
  timers.shift()();
  await flush();
  assert.equal(client.has("vip"), true);
  assert.equal(timers.length, 1);
});

test("reports a refused token once and stops", async () => {
  const fetch = () => Promise.resolve(response(403, {error: "forbidden", reason: "the token is for another user"}));
  const errors = [];
  const timers = [];
  const client = segflow.createClient({userId: "u4", token: "other", EventSource: FakeEventSource, fetch,
    storage: null, document: null, setTimeout: (fn) => timers.push(fn), clearTimeout() {}});
  client.on("error", (e) => errors.push(e));
  FakeEventSource.last.fail(2); // the browser closes an EventSource answered with 403
  await flush();
  assert.deepEqual(errors, [{status: 403, error: "forbidden", reason: "the token is for another user"}]);
  assert.equal(timers.length, 0, "no retry with a refused token");
});

test("reports an answer that asking again cannot change (a wrong apiHost's 404, a refused id's 400) and stops", async () => {
  for (const [status, body] of [[404, null], [400, {error: "invalid_request", field: "userId", reason: "too long"}]]) {
    const errors = [];
    const timers = [];
    const client = segflow.createClient({userId: "u5", stream: false, fetch: () => Promise.resolve(response(status, body)),
      storage: null, document: null, setTimeout: (fn) => timers.push(fn), clearTimeout() {}});
    client.on("error", (e) => errors.push(e));
    await flush();
    assert.deepEqual(errors, [{status, error: body && body.error, reason: body && body.reason}]);
    assert.equal(timers.length, 0, "no poll after " + status);
  }
});

test("keeps polling through a 429 and a 503", async () => {
  const answers = [response(429, {error: "too_many_requests"}), response(503, {error: "unavailable"})];
  const errors = [];
  const timers = [];
  const client = segflow.createClient({userId: "u6", stream: false, fetch: () => Promise.resolve(answers.shift()),
    storage: null, document: null, setTimeout: (fn) => timers.push(fn), clearTimeout() {}});
  client.on("error", (e) => errors.push(e));
  await flush();
  timers.shift()();
  await flush();
  assert.deepEqual(errors, []);
  assert.equal(timers.length, 1, "polls again after the 503");
});

test("keeps streaming across reconnects that bring nothing new (scale-in, rolling deploy)", () => {
  const calls = [];
  const fetch = (url, init) => { calls.push({url, init}); return Promise.resolve(response(304)); };
  const client = segflow.createClient({userId: "u10", EventSource: FakeEventSource, fetch, storage: null,
    document: null, ...noTimers});
  const es = FakeEventSource.last;
  es.open();
  es.emit("state", {userId: "u10", segments: [{id: "vip"}], version: 3});
  // Each drop is followed by a reconnect with the last event id (version 3 and its fingerprint), which the server answers with no event.
  for (let i = 0; i < 5; i++) { es.fail(0); es.open(); }
  assert.equal(es.closed, undefined, "the stream is held");
  assert.equal(calls.length, 0, "no polling");
  es.emit("change", {userId: "u10", segmentId: "carts", change: "entered", at: "x", version: 4});
  assert.deepEqual(client.segments(), ["carts", "vip"]);
});

test("falls back to polling when a stream opens but never carries an event (a proxy holding it back)", async () => {
  const calls = [];
  const fetch = (url, init) => { calls.push({url, init}); return Promise.resolve(response(304)); };
  segflow.createClient({userId: "u11", EventSource: FakeEventSource, fetch, storage: null, document: null,
    ...noTimers});
  const es = FakeEventSource.last;
  es.open(); es.fail(0); es.open(); es.fail(0); es.open(); es.fail(0);
  assert.equal(es.closed, true);
  await flush();
  assert.equal(calls.length, 1);
});

test("polls while the stream is refused (a 503 in a failover), then gets the stream back", async () => {
  const calls = [];
  const fetch = (url, init) => { calls.push({url, init}); return Promise.resolve(response(503, {error: "unavailable"})); };
  const timers = [];
  const errors = [];
  const client = segflow.createClient({userId: "u12", EventSource: FakeEventSource, fetch, storage: null,
    document: null, setTimeout: (fn) => timers.push(fn), clearTimeout() {}});
  client.on("error", (e) => errors.push(e));
  const first = FakeEventSource.last;
  first.fail(2); // the browser closes an EventSource answered with 503
  await flush();
  assert.equal(calls.length, 1, "polls at once");
  timers.shift()();
  await flush();
  assert.equal(calls.length, 2, "polls again");
  assert.equal(FakeEventSource.last, first);
  timers.shift()();
  const second = FakeEventSource.last;
  assert.notEqual(second, first, "after two polls the stream is tried again, instead of a third poll");
  assert.equal(calls.length, 2);
  second.open();
  second.emit("state", {userId: "u12", segments: [{id: "vip"}], version: 5});
  second.emit("change", {userId: "u12", segmentId: "carts", change: "entered", at: "x", version: 6});
  assert.deepEqual(client.segments(), ["carts", "vip"]);
  await flush();
  assert.equal(timers.length, 0, "no polling while the stream is held");
  assert.deepEqual(errors, []);

  // Refused again after it carried events: the first wait again (two polls). Refused at once: a longer wait.
  second.fail(2);
  await flush();
  timers.shift()(); await flush();
  timers.shift()();
  const third = FakeEventSource.last;
  assert.notEqual(third, second);
  third.fail(2);
  for (let i = 0; i < 3; i++) { await flush(); timers.shift()(); }
  assert.equal(FakeEventSource.last, third, "the second try in a row waits four polls");
  await flush();
  timers.shift()();
  assert.notEqual(FakeEventSource.last, third);
  assert.equal(calls.length, 2 + 2 + 4);
});

test("a token refused when the stream is tried again stops the client, as at first", async () => {
  const answers = [response(503, {error: "unavailable"}), response(304),
    response(401, {error: "unauthorized", reason: "the token expired"})];
  const calls = [];
  const fetch = (url, init) => { calls.push({url, init}); return Promise.resolve(answers.shift()); };
  const timers = [];
  const errors = [];
  const client = segflow.createClient({userId: "u13", token: "t", EventSource: FakeEventSource, fetch,
    storage: null, document: null, setTimeout: (fn) => timers.push(fn), clearTimeout() {}});
  client.on("error", (e) => errors.push(e));
  const first = FakeEventSource.last;
  first.fail(2);
  await flush();
  timers.shift()();
  await flush();
  timers.shift()();
  const second = FakeEventSource.last;
  assert.notEqual(second, first, "the stream is tried again");
  second.fail(2); // the token expired in between: 401
  await flush();
  assert.deepEqual(errors, [{status: 401, error: "unauthorized", reason: "the token expired"}]);
  assert.equal(second.closed, true);
  assert.equal(timers.length, 0, "no retry with a refused token, neither poll nor stream");
  assert.equal(calls.length, 3);
});

test("polls when EventSource is unavailable, and init/has work through the global", async () => {
  const fetch = () => Promise.resolve(response(200, {segments: [{id: "a"}, {id: "b"}], version: 1}));
  segflow.init({userId: "u5", EventSource: null, fetch, storage: null, document: null, ...noTimers});
  await flush();
  assert.equal(segflow.has("b"), true);
  assert.deepEqual(segflow.segments(), ["a", "b"]);
  segflow.close();
  assert.equal(segflow.has("b"), false);
});

test("any-of lists in data attributes", () => {
  const el = element({"data-segflow-show": "x, vip"});
  segflow.createClient({userId: "u6", EventSource: FakeEventSource, storage: null, document: fakeDocument([el]), ...noTimers});
  FakeEventSource.last.emit("state", {segments: [{id: "vip"}], version: 1});
  assert.equal(el.hidden, false);
});

test("adopts the user an anonymous id was merged into, from the stream's state", () => {
  const storage = memoryStorage();
  const client = segflow.createClient({userId: "anon-1", token: jwt({sub: "anon-1"}), EventSource: FakeEventSource, storage,
    document: null, ...noTimers});
  const es = FakeEventSource.last;
  const changes = [];
  client.on("change", (c) => changes.push(c));
  es.emit("state", {userId: "anon-1", segments: [{id: "browsing", since: "s"}], version: 6});
  assert.equal(client.userId(), "anon-1");

  // The identify merged anon-1 into "user 7": the stream goes on with that user's state, then its changes.
  es.emit("state", {userId: "user 7", mergedFrom: "anon-1", segments: [{id: "browsing", since: "s"}], version: 2});
  assert.equal(client.userId(), "user 7");
  assert.equal(client.version(), 2);
  assert.equal(changes.at(-1).userId, "user 7", "listeners hear of the switch even with the same segments");
  assert.deepEqual(changes.at(-1).exited, []);
  assert.equal(es.url, "/v1/users/anon-1/segments/stream?access_token=" + encodeURIComponent(jwt({sub: "anon-1"})),
    "still the id the token is for");

  es.emit("change", {userId: "anon-1", segmentId: "browsing", change: "exited", at: "x", version: 7});
  assert.equal(client.has("browsing"), true, "a late record of the merged id is ignored");
  es.emit("change", {userId: "user 7", segmentId: "vip", change: "entered", at: "y", version: 3});
  assert.deepEqual(client.segments(), ["browsing", "vip"]);
  assert.equal(JSON.parse(storage.items["segflow::anon-1"]).userId, "user 7");
});

test("polls a merged id with the ETag naming the user it was merged into", async () => {
  const calls = [];
  const answers = [response(200, {userId: "user 7", mergedFrom: "anon-2", segments: [{id: "vip"}], version: 3}), response(304)];
  const fetch = (url, init) => { calls.push({url, init}); return Promise.resolve(answers.shift()); };
  const timers = [];
  const client = segflow.createClient({userId: "anon-2", EventSource: null, fetch, storage: null, document: null,
    setTimeout: (fn) => timers.push(fn), clearTimeout() {}});
  await flush();
  assert.equal(client.userId(), "user 7");
  timers.shift()();
  await flush();
  assert.equal(calls[1].url, "/v1/users/anon-2/segments");
  assert.equal(calls[1].init.headers["If-None-Match"], '"v3.bec09dce@user%207"');
});

test("revalidates a state pushed over the stream with the tag the server gives it", async () => {
  const calls = [];
  const fetch = (url, init) => { calls.push({url, init}); return Promise.resolve(response(304)); };
  const timers = [];
  const client = segflow.createClient({userId: "u9", EventSource: FakeEventSource, fetch, storage: null, document: null,
    setTimeout: (fn) => timers.push(fn), clearTimeout() {}});
  const es = FakeEventSource.last;
  es.emit("state", {userId: "u9", segments: [{id: "vip"}], version: 1});
  es.emit("change", {userId: "u9", segmentId: "carts", change: "entered", at: "x", version: 2});
  es.emit("change", {userId: "u9", segmentId: "\u00e9\ud83d\ude00", change: "entered", at: "y", version: 3});
  es.fail(0); es.fail(0); es.fail(0);
  await flush();
  // The server's MembershipsResource gives version 3 of ["carts", "vip", "\u00e9\ud83d\ude00"] this tag.
  assert.equal(calls[0].init.headers["If-None-Match"], '"v3.b7a42e19"');
  assert.deepEqual(client.segments(), ["carts", "vip", "\u00e9\ud83d\ude00"]);
});

test("userId is required", () => {
  assert.throws(() => segflow.createClient({}), /userId/);
});
