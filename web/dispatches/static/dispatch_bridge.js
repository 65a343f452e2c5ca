/*
 * Allure Connect dispatch bridge: runs in the dispatch player page, framed by the
 * dispatch ZIP's launcher inside a host LMS, and forwards the session's completion,
 * success, score and session time to that launcher over postMessage.
 *
 * Configuration comes from <script type="application/json" id="allure-dispatch-config">:
 *   parentOrigin  the launching page's origin as the server verified it (Origin/Referer
 *                 against the dispatch's allowed domains), or null when unrestricted;
 *   statusUrl     optional: a same-origin URL returning the session's derived status;
 *   pollSeconds   optional: how often to refresh from statusUrl (default 30);
 *   timeBaseline  optional: the session's time_spent_seconds when this launch began, so
 *                 the launch's own time is what the host LMS receives as session time.
 * It refetches the status after every commit and finish of the page's SCORM runtime
 * (scorm-again's window.API / window.API_1484_11). The player may also feed it by
 * calling window.AllureDispatchBridge.report(status) or by dispatching window events:
 * "allure:session-status" (detail = status), "allure:session-committed" (refetch
 * statusUrl), "allure:session-exit" (the learner left the course).
 * A status is {completion_status, success_status, score: {raw, min, max, scaled},
 * session_time_seconds} (or time_spent_seconds, with timeBaseline).
 */
(function () {
  "use strict";

  var PROTOCOL = "allure-dispatch";
  var VERSION = 1;

  function readConfig() {
    var node = document.getElementById("allure-dispatch-config");
    if (!node) {
      return {};
    }
    node.parentNode.removeChild(node); // out of reach of the course content, which shares this origin
    try {
      return JSON.parse(node.textContent || "{}") || {};
    } catch (err) {
      return {};
    }
  }

  var config = readConfig();
  var framed = window.parent && window.parent !== window;
  var expectedOrigin = typeof config.parentOrigin === "string" && config.parentOrigin ? config.parentOrigin : null;
  var peerOrigin = expectedOrigin;
  var greeted = false;
  var lastStatus = null;
  var exited = false;
  var refused = [];

  function clean(status) {
    var out = {
      completion_status: status.completion_status || null,
      success_status: status.success_status || null,
      score: null,
      session_time_seconds: null
    };
    var score = status.score;
    if (score && typeof score === "object") {
      out.score = {
        raw: score.raw === undefined ? null : score.raw,
        min: score.min === undefined ? null : score.min,
        max: score.max === undefined ? null : score.max,
        scaled: score.scaled === undefined ? null : score.scaled
      };
    }
    var seconds = Number(status.session_time_seconds);
    var spent = Number(status.time_spent_seconds);
    var baseline = Number(config.timeBaseline);
    if (status.session_time_seconds !== null && status.session_time_seconds !== undefined && isFinite(seconds)) {
      out.session_time_seconds = seconds;
    } else if (status.time_spent_seconds !== null && status.time_spent_seconds !== undefined && isFinite(spent)) {
      out.session_time_seconds = Math.max(0, spent - (isFinite(baseline) ? baseline : 0));
    }
    return out;
  }

  function send(type, status) {
    // Never "*" for data: only the verified (or, when unrestricted, greeted) origin.
    if (!framed || !peerOrigin) {
      return false;
    }
    var message = { source: PROTOCOL, version: VERSION, type: type };
    if (status) {
      message.status = status;
    }
    window.parent.postMessage(message, peerOrigin);
    return true;
  }

  function report(status) {
    if (!status || typeof status !== "object" || exited) {
      return;
    }
    lastStatus = clean(status);
    send("status", lastStatus);
  }

  function exit(status) {
    if (exited) {
      return;
    }
    if (status && typeof status === "object") {
      lastStatus = clean(status);
    }
    // The final commit may still be landing: fetch the status once more, but never wait long.
    var done = false;
    function leave() {
      if (!done) {
        done = true;
        exited = true;
        send("exit", lastStatus);
      }
    }
    fetchStatus().then(leave, leave);
    window.setTimeout(leave, 1500);
  }

  function onMessage(event) {
    if (!framed || event.source !== window.parent) {
      return;
    }
    var data = event.data;
    if (!data || typeof data !== "object" || data.source !== PROTOCOL || data.type !== "hello") {
      return;
    }
    if (expectedOrigin && event.origin !== expectedOrigin) {
      // The page around us is not the one the server admitted: say nothing to it.
      refused.push(event.origin);
      return;
    }
    peerOrigin = event.origin;
    greeted = true;
    if (lastStatus) {
      send(exited ? "exit" : "status", lastStatus);
    }
  }

  function fetchStatus() {
    if (!config.statusUrl || typeof fetch !== "function") {
      return Promise.resolve(null);
    }
    return fetch(config.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (body && !exited) {
          report(body);
        }
        return body;
      });
  }

  function refresh() {
    if (!exited) {
      fetchStatus().catch(function () { /* the next commit or poll tries again */ });
    }
  }

  function refreshSoon() {
    // LMSFinish/Terminate reach the server by sendBeacon, after the runtime's event fires.
    refresh();
    window.setTimeout(refresh, 800);
    window.setTimeout(refresh, 3000);
  }

  function hookRuntime() {
    var api = window.API_1484_11 || window.API;
    if (!api || typeof api.on !== "function") {
      return;
    }
    ["LMSCommit", "LMSFinish", "Commit", "Terminate"].forEach(function (name) {
      api.on(name, refreshSoon);
    });
  }

  window.addEventListener("message", onMessage, false);
  window.addEventListener("allure:session-status", function (event) {
    report(event.detail);
  }, false);
  window.addEventListener("allure:session-committed", refresh, false);
  window.addEventListener("allure:session-exit", function (event) {
    exit(event.detail);
  }, false);

  if (framed) {
    // "ready" carries no data, so an unknown parent may hear it; it answers "hello".
    window.parent.postMessage({ source: PROTOCOL, version: VERSION, type: "ready" }, expectedOrigin || "*");
  }
  if (config.statusUrl) {
    var seconds = Number(config.pollSeconds) > 0 ? Number(config.pollSeconds) : 30;
    window.setInterval(refresh, seconds * 1000);
    refresh();
    hookRuntime();
  }

  window.AllureDispatchBridge = {
    report: report,
    exit: exit,
    refresh: refresh,
    state: function () {
      return {
        framed: !!framed,
        expectedOrigin: expectedOrigin,
        peerOrigin: peerOrigin,
        greeted: greeted,
        exited: exited,
        refusedOrigins: refused.slice(),
        lastStatus: lastStatus
      };
    }
  };
}());
