/*
 * Allure Connect dispatch launcher (SCORM 1.2 SCO).
 *
 * Finds the host LMS's SCORM 1.2 API, reads the learner, opens the Allure Connect
 * dispatch player in a frame, and writes what the player reports over postMessage
 * (completion, success, score, session time) back into the host's API.
 * Plain ES5 on purpose: host LMSs still run old browsers.
 */
(function () {
  "use strict";

  var PROTOCOL = "allure-dispatch";
  var VERSION = 1;
  // SCORM 1.2 RTE: the API lives in a parent frame or the opener; 500 hops is
  // ADL's bound, enough for any real frame nesting.
  var MAX_HOPS = 500;
  var RANK = { "not attempted": 0, "browsed": 1, "incomplete": 2, "completed": 3, "failed": 3, "passed": 4 };

  var config = window.AllureDispatchConfig || {};
  var state = {
    api: null,
    initialized: false,
    finished: false,
    frame: null,
    lessonStatus: "",
    sessionSeconds: null,
    startedAt: new Date().getTime(),
    lastStatus: null
  };

  function isTrue(value) {
    return String(value) === "true";
  }

  function apiIn(win) {
    var hops = 0;
    while (win && hops <= MAX_HOPS) {
      try {
        if (win.API && typeof win.API.LMSInitialize === "function") {
          return win.API;
        }
      } catch (crossOrigin) {
        // A cross-origin frame hides its globals; the API may still be higher up.
      }
      var parent = null;
      try {
        parent = win.parent;
      } catch (blocked) {
        return null;
      }
      if (!parent || parent === win) {
        return null;
      }
      win = parent;
      hops += 1;
    }
    return null;
  }

  function findHostApi() {
    var api = apiIn(window);
    try {
      if (!api && window.top && window.top.opener) {
        api = apiIn(window.top.opener);
      }
    } catch (ignored) { /* opener on another origin */ }
    try {
      if (!api && window.opener) {
        api = apiIn(window.opener);
      }
    } catch (ignored2) { /* opener on another origin */ }
    return api;
  }

  function getValue(element) {
    try {
      var value = state.api.LMSGetValue(element);
      return value === null || value === undefined ? "" : String(value);
    } catch (err) {
      return "";
    }
  }

  function setValue(element, value) {
    try {
      return isTrue(state.api.LMSSetValue(element, String(value)));
    } catch (err) {
      return false;
    }
  }

  function commit() {
    try {
      return isTrue(state.api.LMSCommit(""));
    } catch (err) {
      return false;
    }
  }

  function lastError() {
    try {
      return String(state.api.LMSGetLastError());
    } catch (err) {
      return "";
    }
  }

  function show(text) {
    var box = document.getElementById("allure-dispatch-message");
    if (!box) {
      box = document.createElement("div");
      box.id = "allure-dispatch-message";
      document.body.appendChild(box);
    }
    box.textContent = text;
    box.style.display = "";
  }

  function fail(text) {
    state.error = text;
    if (state.frame && state.frame.parentNode) {
      state.frame.parentNode.removeChild(state.frame);
      state.frame = null;
    }
    show(text);
  }

  function number(value) {
    if (value === null || value === undefined || value === "") {
      return null;
    }
    var n = Number(value);
    return isFinite(n) ? n : null;
  }

  function decimal(n) {
    return String(Math.round(n * 100) / 100);
  }

  function clampPercent(n) {
    return Math.max(0, Math.min(100, n));
  }

  function inPercentRange(n) {
    return n === null || (n >= 0 && n <= 100);
  }

  // SCORM 1.2 scores are decimals the host usually expects in 0..100.
  function scoreFields(score) {
    if (!score || typeof score !== "object") {
      return null;
    }
    var raw = number(score.raw);
    var min = number(score.min);
    var max = number(score.max);
    var scaled = number(score.scaled);
    if (raw !== null && inPercentRange(raw) && inPercentRange(min) && inPercentRange(max)) {
      return { raw: raw, min: min, max: max };
    }
    if (scaled !== null) {
      return { raw: clampPercent(scaled * 100), min: 0, max: 100 };
    }
    if (raw !== null && min !== null && max !== null && max > min) {
      return { raw: clampPercent((raw - min) / (max - min) * 100), min: 0, max: 100 };
    }
    return null;
  }

  function lessonStatusFor(status) {
    if (status.success_status === "passed" || status.success_status === "failed") {
      return status.success_status;
    }
    if (status.completion_status === "completed" || status.completion_status === "incomplete") {
      return status.completion_status;
    }
    return null;
  }

  function pad(n, width) {
    var text = String(n);
    while (text.length < width) {
      text = "0" + text;
    }
    return text;
  }

  // CMITimespan: HHHH:MM:SS.SS (hours two to four digits).
  function timespan(seconds) {
    var total = Math.max(0, Math.min(seconds, 9999 * 3600 + 3599.99));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total - hours * 3600) / 60);
    var secs = total - hours * 3600 - minutes * 60;
    var whole = Math.floor(secs);
    var cents = Math.round((secs - whole) * 100);
    if (cents === 100) {
      whole += 1;
      cents = 0;
    }
    var text = pad(hours, 2) + ":" + pad(minutes, 2) + ":" + pad(whole, 2);
    return cents ? text + "." + pad(cents, 2) : text;
  }

  function sessionSeconds() {
    if (state.sessionSeconds !== null && state.sessionSeconds > 0) {
      return state.sessionSeconds;
    }
    return (new Date().getTime() - state.startedAt) / 1000;
  }

  function writeLessonStatus(next) {
    if (!next || next === state.lessonStatus) {
      return;
    }
    // Never move a finished lesson back to incomplete, nor a pass to a fail.
    var current = RANK.hasOwnProperty(state.lessonStatus) ? RANK[state.lessonStatus] : -1;
    if (RANK[next] < current) {
      return;
    }
    if (setValue("cmi.core.lesson_status", next)) {
      state.lessonStatus = next;
    }
  }

  function applyStatus(status) {
    if (!status || typeof status !== "object" || state.finished) {
      return;
    }
    state.lastStatus = status;
    var seconds = number(status.session_time_seconds);
    if (seconds !== null && seconds >= 0) {
      state.sessionSeconds = seconds;
    }
    writeLessonStatus(lessonStatusFor(status));
    var score = scoreFields(status.score);
    if (score) {
      setValue("cmi.core.score.raw", decimal(score.raw));
      if (score.min !== null) {
        setValue("cmi.core.score.min", decimal(score.min));
      }
      if (score.max !== null) {
        setValue("cmi.core.score.max", decimal(score.max));
      }
    }
    setValue("cmi.core.session_time", timespan(sessionSeconds()));
    commit();
  }

  function finish() {
    if (!state.initialized || state.finished) {
      return;
    }
    setValue("cmi.core.session_time", timespan(sessionSeconds()));
    // An unfinished lesson is suspended so the host resumes the same attempt.
    var done = RANK[state.lessonStatus] >= RANK.completed;
    setValue("cmi.core.exit", done ? "" : "suspend");
    commit();
    state.finished = true;
    try {
      state.api.LMSFinish("");
    } catch (ignored) { /* the host may already be tearing down */ }
  }

  function post(message) {
    if (state.frame && state.frame.contentWindow) {
      message.source = PROTOCOL;
      message.version = VERSION;
      state.frame.contentWindow.postMessage(message, config.serviceOrigin);
    }
  }

  function onMessage(event) {
    // Only our player, in our frame, on our origin may speak to the host's API.
    if (!state.frame || event.source !== state.frame.contentWindow) {
      return;
    }
    if (event.origin !== config.serviceOrigin) {
      return;
    }
    var data = event.data;
    if (!data || typeof data !== "object" || data.source !== PROTOCOL) {
      return;
    }
    if (data.type === "ready") {
      post({ type: "hello" });
    } else if (data.type === "status") {
      applyStatus(data.status);
    } else if (data.type === "exit") {
      if (data.status) {
        applyStatus(data.status);
      }
      finish();
      fail("You have left the course. You may close this window.");
    }
  }

  function playerUrl(learnerId, learnerName) {
    var separator = config.playerUrl.indexOf("?") === -1 ? "?" : "&";
    return config.playerUrl + separator +
      "learner_id=" + encodeURIComponent(learnerId) +
      "&learner_name=" + encodeURIComponent(learnerName);
  }

  function openPlayer(learnerId, learnerName) {
    var frame = document.createElement("iframe");
    frame.id = "allure-dispatch-frame";
    frame.title = document.title;
    // The player checks the launching origin; send it, and nothing more of our URL.
    frame.referrerPolicy = "origin";
    frame.setAttribute("referrerpolicy", "origin");
    frame.setAttribute("allow", "fullscreen; autoplay; encrypted-media");
    frame.setAttribute("allowfullscreen", "");
    frame.addEventListener("load", function () {
      post({ type: "hello" });
    });
    frame.src = playerUrl(learnerId, learnerName);
    state.frame = frame;
    var box = document.getElementById("allure-dispatch-message");
    if (box) {
      box.style.display = "none";
    }
    document.body.appendChild(frame);
  }

  function start() {
    if (!config.playerUrl || !config.serviceOrigin) {
      fail("This dispatch package is damaged: its launch settings are missing.");
      return;
    }
    state.api = findHostApi();
    if (!state.api) {
      fail("This course must be launched from a learning management system: no SCORM 1.2 API was found.");
      return;
    }
    var initialized = false;
    try {
      initialized = isTrue(state.api.LMSInitialize(""));
    } catch (err) {
      initialized = false;
    }
    if (!initialized) {
      fail("The learning management system did not start the course (LMSInitialize failed, error " + lastError() + ").");
      return;
    }
    state.initialized = true;
    var learnerId = getValue("cmi.core.student_id");
    var learnerName = getValue("cmi.core.student_name");
    if (!learnerId) {
      fail("The learning management system did not provide a learner id (cmi.core.student_id).");
      finish();
      return;
    }
    state.lessonStatus = getValue("cmi.core.lesson_status");
    // A SCO that finishes while "not attempted" is marked completed by the host.
    if (!state.lessonStatus || state.lessonStatus === "not attempted") {
      writeLessonStatus("incomplete");
      commit();
    }
    openPlayer(learnerId, learnerName);
  }

  window.addEventListener("message", onMessage, false);
  window.addEventListener("pagehide", finish, false);
  window.addEventListener("beforeunload", finish, false);
  window.addEventListener("unload", finish, false);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start, false);
  } else {
    start();
  }

  // Read-only view for support staff and tests; not an API for content.
  window.AllureDispatchLauncher = {
    state: function () {
      return {
        initialized: state.initialized,
        finished: state.finished,
        lessonStatus: state.lessonStatus,
        error: state.error || null,
        lastStatus: state.lastStatus
      };
    }
  };
}());
