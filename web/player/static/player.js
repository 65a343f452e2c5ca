/*
 * Allure Connect player: runs one SCO at a time in a same-origin frame, with scorm-again as its
 * runtime (window.API for SCORM 1.2, window.API_1484_11 for SCORM 2004).
 *
 * - The server hands over each SCO's initial CMI (POST .../deliver); scorm-again commits JSON to the
 *   delivery's commit URL, and its LMSFinish/Terminate commit goes by sendBeacon as text/plain.
 * - When the page goes away while a SCO is still running, the player sends what the SCO has set as
 *   an "abandon" commit by sendBeacon (scorm-again registers no unload handler of its own).
 * - SCORM 2004 navigation is decided by scorm-again's sequencer (activity tree from the manifest);
 *   the player asks it (continue, previous, choice, suspendAll/exitAll), delivers what it chooses,
 *   and saves the sequencer's state on the server as a patch over the freshly built tree.
 * - SCORM 1.2 packages flow through their launchable items in manifest order, and any item can be
 *   chosen from the table of contents.
 * - Leaving the course (Exit, or content that ends the attempt) shows the closing message or, with the
 *   launch's exit URL (the partner's redirect_on_exit_url), saves the last data and sends the top window there.
 */
(function () {
  "use strict";

  // Course content shares this page's origin (window.API must be reachable): read the config once and
  // take it out of the page, so a SCO finds only the SCORM API and what scorm-again holds of its own session.
  var configNode = document.getElementById("player-config");
  var config = JSON.parse(configNode.textContent);
  configNode.parentNode.removeChild(configNode);
  var frame = document.getElementById("sco-frame");
  var is2004 = config.edition === "2004";
  var sequenced = is2004 && !!config.sequencing;
  // Keys of the sequencer state that are always saved whole (child order is random per build).
  var ALWAYS_SAVED = { selectionRandomizationState: true, childOrder: true, selectedChildIds: true };
  var EXIT_SAVE_PATIENCE_MS = 10000;

  var state = {
    current: null, // item identifier on screen
    delivery: null, // the server's answer for it
    loaded: false, // a delivery's CMI has been loaded into the API
    lastSequence: 0, // highest commitSequence scorm-again has sent
    initializedAt: 0,
    navigating: false,
    deliveredWhileUnloading: false,
    ended: false,
    leaving: false, // the page is going away
    validity: null, // the sequencer's navigation validity
    baseline: null, // the sequencer state of the freshly built tree
    lastSavedState: null,
    stateSave: null, // the sequencer state's save in flight
    deliveries: 0, // how many activities the sequencer has delivered
    finalCommit: null, // the last LMSFinish/Terminate commit: {url, body}, sent again before leaving for the exit URL
    statuses: config.statuses || {},
    available: config.available || {} // SCORM 1.2 prerequisites: false where not met yet
  };

  // ---- the runtime ------------------------------------------------------------------------------

  function readResult(xhr) {
    // scorm-again's default handler turns every non-2xx into 101; the server says which SCORM
    // error applies (a value the data model rejects) in the error envelope.
    var body = null;
    try {
      body = JSON.parse(xhr.responseText);
    } catch (ignored) {
      body = null;
    }
    if (xhr.status >= 200 && xhr.status < 300) {
      if (body && Object.prototype.hasOwnProperty.call(body, "result")) {
        var ok = body.result === true || body.result === "true";
        return { result: ok ? "true" : "false", errorCode: ok ? 0 : body.errorCode || 101 };
      }
      return { result: "true", errorCode: 0 };
    }
    var code = body && body.error && body.error.details && body.error.details.scorm_error;
    return { result: "false", errorCode: typeof code === "number" ? code : is2004 ? 391 : 101 };
  }

  function trackSequence(payload, metadata) {
    if (metadata && typeof metadata.sequence === "number") {
      state.lastSequence = Math.max(state.lastSequence, metadata.sequence);
    }
    if (payload && typeof payload.commitSequence === "number") {
      state.lastSequence = Math.max(state.lastSequence, payload.commitSequence);
    }
    if (payload && payload.terminate === true && api.settings.lmsCommitUrl) {
      state.finalCommit = { url: api.settings.lmsCommitUrl, body: JSON.stringify(payload) };
    }
    return payload;
  }

  function apiSettings() {
    var settings = {
      autocommit: true,
      autocommitSeconds: config.autocommit_seconds || 10,
      lmsCommitUrl: false,
      dataCommitFormat: "json",
      includeCommitSequence: true,
      terminateCommitPayloadField: "terminate",
      logLevel: 4,
      requestHandler: trackSequence,
      xhrResponseHandler: readResult
    };
    if (sequenced) {
      settings.sequencing = Object.assign({}, config.sequencing, { eventListeners: sequencingListeners() });
    }
    return settings;
  }

  var api = is2004 ? new window.Scorm2004API(apiSettings()) : new window.Scorm12API(apiSettings());
  if (is2004) {
    window.API_1484_11 = api;
  } else {
    window.API = api;
  }

  function bindApiListeners() {
    api.on(is2004 ? "Initialize" : "LMSInitialize", function () {
      state.initializedAt = Date.now();
    });
    api.on(is2004 ? "Terminate" : "LMSFinish", function () {
      // The learner session is over: scorm-again 1.2 still takes calls after LMSFinish, but
      // nothing set after the end of a session may be stored.
      api.settings = { lmsCommitUrl: false };
      noteStatus();
      var byContent = !state.navigating && !state.leaving;
      var request = is2004 || !byContent ? null : requestAfterFinish();
      // The content's own adl.nav.request (the sequencer processes it after this listener).
      var exitsSco = byContent && is2004 && ["exit", "abandon"].indexOf(api.adl.nav.request) >= 0;
      var deliveries = state.deliveries;
      var exited = state.current;
      setTimeout(function () {
        saveSequencingState(false);
        if (request) {
          navigate(request);
        } else if (exitsSco && state.deliveries === deliveries && !state.ended && !state.navigating) {
          leaveExitedSco(exited);
        }
      }, 0);
    });
    api.on(is2004 ? "Commit" : "LMSCommit", noteStatus);
    if (is2004) {
      ["SetValue.cmi.completion_status", "SetValue.cmi.success_status", "SetValue.cmi.score.*",
        "SetValue.cmi.progress_measure", "SetValue.cmi.objectives.*", "Commit", "Terminate"].forEach(function (event) {
        api.on(event, refreshNavSoon);
      });
      // While the learner's own navigation unloads the SCO, a request the SCO makes on its way out
      // (e.g. from its onunload handler) is superseded (ADL CTS CM-09ab/bb).
      api.on("SetValue.adl.nav.request", function () {
        if (state.navigating) {
          api.adl.nav.request = "_none_";
        }
      });
    }
  }
  bindApiListeners();

  // A SCO exited (or abandoned its attempt) and the sequencer delivered nothing. The sequencing session goes on
  // (SN SB.2.11 ends it only at the root): the SCO is taken away and the learner chooses where to go (ADL CTS
  // SX-09, SX-04b). With nowhere else to go (a one-SCO course) the learner has left the course.
  function leaveExitedSco(exited) {
    var validity = state.validity || {};
    var choice = validity.choice || {};
    var elsewhere = Object.keys(choice).some(function (id) {
      return id !== exited && choice[id] === "true" && config.items[id];
    });
    if (!elsewhere) {
      endCourse("You have left the course. You can close this window.");
      return;
    }
    state.current = null;
    state.delivery = null;
    frame.src = "about:blank";
    showMessage("Choose where to go next from the table of contents.");
    renderToc();
    updateNav();
  }

  // A SCORM 1.2 SCO that ends its own session (the player did not unload it) moves the learner on,
  // as LMSs do: to the next item after a normal exit (out of the course after the last one), nowhere
  // after a suspend, out of the course after a logout. SCORM 2004 leaves this to the sequencer.
  function requestAfterFinish() {
    // cmi.core.exit is write-only to content: read it from what a commit would carry.
    var core = ((api.renderCommitCMI(true) || {}).cmi || {}).core || {};
    if (core.exit === "suspend") {
      return null;
    }
    return core.exit !== "logout" && flowTarget("continue") !== null ? "continue" : "exit";
  }

  function isRunning() {
    return !!(state.delivery && state.delivery.sco && api.isInitialized());
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) {
          throw new Error((answer && answer.error && answer.error.message) || "The player could not reach the server.");
        }
        return answer;
      });
    });
  }

  // ---- delivering items -------------------------------------------------------------------------

  // attempt: the sequencer's "new" or "resume" (SN DB.2), so the server opens the SCO's attempt the same way.
  function deliver(itemId, attempt) {
    // The last SCO's final commit went by beacon: land it before the delivery, which may reopen the same
    // SCO (a resume after cmi.exit=suspend and a choice of itself, CTS DMB) and must find its data stored.
    var landed = sendFinalCommit();
    state.current = itemId;
    state.ended = false;
    renderToc();
    var request = { item: itemId };
    if (attempt) {
      request.attempt = attempt;
    }
    if (sequenced && state.baseline) {
      // The sequencer's state as it chose this item travels with the delivery itself.
      request.state = sequencingPatch();
      request.ts = Date.now();
      state.lastSavedState = JSON.stringify(request.state);
    }
    return landed
      .then(function () {
        return post(config.runtime.deliver, request);
      })
      .then(function (answer) {
        if (state.current !== itemId) {
          return;
        }
        state.delivery = answer;
        Object.assign(state.statuses, answer.statuses || {});
        state.available = answer.available || state.available;
        if (answer.sco) {
          if (state.loaded || sequenced) {
            // A clean runtime for this SCO; with sequencing, reset also refreshes navigation validity.
            api.reset({ lmsCommitUrl: answer.commit_url }, { preserveListeners: true });
          } else {
            api.settings = { lmsCommitUrl: answer.commit_url };
          }
          try {
            api.loadFromJSON(answer.cmi);
          } catch (error) {
            // One value the runtime refuses must not keep the learner out of the SCO.
            console.warn("Some stored CMI could not be loaded", error);
          }
          state.loaded = true;
        } else {
          state.statuses[itemId] = "completed";
        }
        // An AICC AU may live on another site (it reports over HACP, not through window.API).
        showContent(/^https?:\/\//i.test(answer.href) ? answer.href : config.content + answer.href);
        renderToc();
        updateNav();
      })
      .catch(function (error) {
        showMessage(error.message || String(error));
      });
  }

  function showContent(url) {
    document.getElementById("message").hidden = true;
    frame.src = url;
  }

  function showMessage(text) {
    document.getElementById("message-text").textContent = text;
    document.getElementById("message").hidden = false;
  }

  // Unload the running SCO; a SCO that does not end its session when unloaded is ended for it.
  function unloadSco() {
    return new Promise(function (resolve) {
      var done = false;
      function finish() {
        if (done) {
          return;
        }
        done = true;
        frame.removeEventListener("load", finish);
        if (isRunning()) {
          if (is2004) {
            api.Terminate("");
          } else {
            api.LMSFinish("");
          }
        }
        resolve();
      }
      frame.addEventListener("load", finish);
      frame.src = "about:blank";
      setTimeout(finish, 4000);
    });
  }

  function endCourse(text) {
    state.ended = true;
    state.current = null;
    state.delivery = null;
    frame.src = "about:blank";
    showMessage(text);
    renderToc();
    updateNav();
    var saved = saveSequencingState(false);
    // A dispatch launcher around this page (web/dispatches/static/dispatch_bridge.js) finishes its host session.
    window.dispatchEvent(new CustomEvent("allure:session-exit"));
    if (config.exit_url) {
      showMessage("Saving your progress, then returning you to the site you came from\u2026");
      var patience = new Promise(function (resolve) {
        setTimeout(resolve, EXIT_SAVE_PATIENCE_MS); // an unreachable server must not keep the learner here
      });
      Promise.race([Promise.all([saved, sendFinalCommit()]), patience]).then(leaveForExitUrl);
    }
  }

  // The final commit went by sendBeacon, which nothing can wait for: send it again and wait for the answer.
  // The server keeps the first final commit of a launch and answers "closed" to the second.
  function sendFinalCommit() {
    var final = state.finalCommit;
    state.finalCommit = null;
    if (!final) {
      return Promise.resolve();
    }
    return fetch(final.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: final.body
    }).catch(function () {
      return null; // the beacon still carries it
    });
  }

  function leaveForExitUrl() {
    try {
      // The whole tab: the partner may frame this player.
      window.top.location.href = config.exit_url;
    } catch (blocked) {
      window.location.href = config.exit_url;
    }
  }

  // ---- navigation -------------------------------------------------------------------------------

  function allowed(request, target) {
    if (state.navigating) {
      return false;
    }
    if (!sequenced) {
      return flowTarget(request, target) !== null || request === "exit";
    }
    var validity = state.validity || {};
    if (request === "choice") {
      return !!(validity.choice && validity.choice[target] === "true");
    }
    if (request === "continue" || request === "previous") {
      return flowAllowed(request);
    }
    return true;
  }

  // Continue/Previous as the sequencer would process them now (its simulation sees what the SCO has
  // reported so far); its validity from the last delivery when it cannot tell. ADL CTS CM-01..07.
  function flowAllowed(request) {
    var preview = api.previewNavigationRequest(request);
    if (preview.outcome !== "unknown") {
      return preview.outcome === "allowed";
    }
    return !!(state.validity || {})[request];
  }

  // What the SCO reports can open or close the way on: look again, once the calls settle.
  function refreshNavSoon() {
    clearTimeout(state.navRefresh);
    state.navRefresh = setTimeout(updateNav, 150);
  }

  function isOpen(itemId) {
    return state.available[itemId] !== false;
  }

  // SCORM 1.2 flow: the next or previous launchable item whose prerequisites are met.
  function flowTarget(request, target) {
    var order = config.order;
    var index = order.indexOf(state.current);
    var step = request === "continue" ? 1 : request === "previous" ? -1 : 0;
    if (request === "choice") {
      return order.indexOf(target) >= 0 && isOpen(target) ? target : null;
    }
    if (!step || index < 0) {
      return null;
    }
    for (var i = index + step; i >= 0 && i < order.length; i += step) {
      if (isOpen(order[i])) {
        return order[i];
      }
    }
    return null;
  }

  function navigate(request, target) {
    if (!allowed(request, target)) {
      return;
    }
    state.navigating = true;
    state.deliveredWhileUnloading = false;
    if (sequenced && isRunning()) {
      // The learner's navigation event wins over a request the SCO has set but not yet acted on: the LMS
      // processes one navigation request, the learner's (ADL CTS CM-09aa/ba).
      api.adl.nav.request = "_none_";
    }
    updateNav();
    unloadSco().then(function () {
      state.navigating = false;
      if (!sequenced) {
        var next = flowTarget(request, target);
        if (request === "exit" || !next) {
          endCourse("You have left the course. You can close this window.");
        } else {
          deliver(next);
        }
        return;
      }
      if (state.deliveredWhileUnloading || state.ended) {
        return; // the SCO's own navigation request or an exit rule has already moved on
      }
      var done = api.processNavigationRequest(request, target);
      if (!done && !state.deliveredWhileUnloading && !state.ended && state.current) {
        deliver(state.current); // refused after all: bring the learner back where they were
      }
    });
  }

  // Two ways out of a sequenced course, as SCORM 2004 LMSs offer them (RTE "Suspend All" and "Exit All"):
  // "Save and exit" suspends the attempt, the next launch resumes it; "Exit course" ends the attempt, the
  // next launch starts a new one. ADL CTS CM-09ba ("exit ... and relaunch": activity 1 again) and CM-09ca
  // ("Suspend All ... and relaunch": resumed). Without sequencing there is one Exit.
  function exitCourse() {
    navigate(sequenced ? "suspendAll" : "exit");
  }

  function exitAllCourse() {
    if (sequenced) {
      navigate("exitAll");
    }
  }

  // adl:hideLMSUI of the current activity (CAM 5.1.1.1): the controls the package asks the LMS not to show.
  function hiddenLmsUi(control) {
    var hidden = (state.validity && state.validity.hideLmsUi) || [];
    return hidden.indexOf(control) >= 0;
  }

  function sequencingListeners() {
    return {
      onActivityDelivery: function (activity) {
        state.deliveredWhileUnloading = true;
        state.deliveries += 1;
        var id = activity.id;
        // A suspended activity is resumed (after suspendAll too, whatever the SCO's cmi.exit said).
        var attempt = activity.deliveryWasResumed ? "resume" : "new";
        // Deliver outside the sequencer's call stack: the server call is asynchronous.
        setTimeout(function () {
          deliver(id, attempt);
        }, 0);
      },
      onNavigationValidityUpdate: function (validity) {
        state.validity = validity;
        updateNav();
        renderToc();
      },
      onSequencingSessionEnd: function () {
        setTimeout(function () {
          endCourse("You have left the course. You can close this window.");
        }, 0);
      }
    };
  }

  function updateNav() {
    var previous = document.getElementById("nav-previous");
    var next = document.getElementById("nav-continue");
    var exit = document.getElementById("nav-exit");
    var exitAll = document.getElementById("nav-exit-all");
    previous.hidden = hiddenLmsUi("previous");
    next.hidden = hiddenLmsUi("continue");
    // Sequenced: "Save and exit" is the Suspend All control, "Exit course" the Exit All control, each hidden
    // when the package hides its request. Unsequenced: the one Exit, hidden only with both exit and suspendAll.
    exit.hidden = sequenced ? hiddenLmsUi("suspendAll") : hiddenLmsUi("exit") && hiddenLmsUi("suspendAll");
    exitAll.hidden = !sequenced || hiddenLmsUi("exitAll");
    if (state.ended || state.navigating || !state.current) {
      previous.disabled = next.disabled = true;
      exit.disabled = exitAll.disabled = state.ended;
      return;
    }
    exit.disabled = exitAll.disabled = false;
    if (sequenced) {
      previous.disabled = !flowAllowed("previous");
      next.disabled = !flowAllowed("continue");
    } else {
      previous.disabled = flowTarget("previous") === null;
      next.disabled = flowTarget("continue") === null;
    }
  }

  // ---- table of contents ------------------------------------------------------------------------

  function countLaunchable(nodes) {
    return nodes.reduce(function (total, node) {
      return total + (node.launchable ? 1 : 0) + countLaunchable(node.children);
    }, 0);
  }

  function renderToc() {
    var toc = document.getElementById("toc");
    if (countLaunchable(config.outline) < 2) {
      toc.hidden = true;
      return;
    }
    toc.hidden = false;
    var list = document.getElementById("toc-list");
    list.textContent = "";
    if (sequenced && config.root) {
      appendRoot(list);
    }
    config.outline.forEach(function (node) {
      appendNode(list, node);
    });
  }

  // The course itself (the activity tree's root) heads the table of contents: the learner may choose it
  // when the sequencer allows a choice of the root (SN SB.2.9). ADL CTS CM-07a-e ask whether
  // "the activity that corresponds to the root" is selectable.
  function appendRoot(list) {
    appendNode(list, { id: config.root.id, title: config.root.title, visible: true, launchable: false, children: [],
      root: true });
  }

  function appendNode(list, node) {
    var hidden = (state.validity && state.validity.hiddenFromChoice) || {};
    if (hidden[node.id] === "true") {
      return; // hidden from choice by a sequencing rule: not in the table of contents (CTS MS-07)
    }
    if (!node.visible) {
      node.children.forEach(function (child) {
        appendNode(list, child);
      });
      return;
    }
    var li = document.createElement("li");
    li.dataset.item = node.id;
    // A cluster the sequencer lets the learner choose is chosen like an item: the sequencer flows into it
    // (SN SB.2.9). ADL CTS CM-04c: "start at Activity 10", a cluster.
    var choosableCluster = sequenced && !node.launchable && (node.children.length > 0 || node.root) &&
      allowedChoice(node.id);
    if (node.launchable || choosableCluster) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = node.launchable ? "status " + (state.statuses[node.id] || "not_attempted") : "cluster";
      button.textContent = node.title;
      button.disabled = state.ended || !allowedChoice(node.id);
      button.addEventListener("click", function () {
        navigate("choice", node.id);
      });
      li.appendChild(button);
      if (node.id === state.current) {
        li.className = "current";
      }
    } else {
      var label = document.createElement("span");
      label.className = "cluster";
      label.textContent = node.title;
      li.appendChild(label);
    }
    if (node.children.length) {
      var sub = document.createElement("ol");
      node.children.forEach(function (child) {
        appendNode(sub, child);
      });
      li.appendChild(sub);
    }
    list.appendChild(li);
  }

  function allowedChoice(itemId) {
    if (state.navigating) {
      return false;
    }
    if (!sequenced) {
      return itemId !== state.current && isOpen(itemId);
    }
    // SCORM 2004: the current activity may be chosen again when the sequencer allows it (SN SB.2.9;
    // ADL CTS CM-07d/f expect it selectable, CM-07a not when its choiceExit is false).
    var validity = state.validity || {};
    return !!(validity.choice && validity.choice[itemId] === "true");
  }

  function noteStatus() {
    if (!state.current || !state.delivery || !state.delivery.sco) {
      return;
    }
    var value = is2004 ? api.cmi.completion_status : api.cmi.core.lesson_status;
    // SCORM 1.2: a SCO that finishes without a status is completed by the LMS.
    var done = ["completed", "passed", "failed"].indexOf(value) >= 0 || (!is2004 && api.isTerminated() &&
      value === "not attempted");
    state.statuses[state.current] = done ? "completed" : "incomplete";
    renderToc();
  }

  // ---- the sequencer's state --------------------------------------------------------------------

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function diff(base, current) {
    if (!isObject(base) || !isObject(current)) {
      return current;
    }
    var patch = {};
    Object.keys(current).forEach(function (key) {
      if (ALWAYS_SAVED[key]) {
        patch[key] = current[key];
      } else if (JSON.stringify(base[key]) !== JSON.stringify(current[key])) {
        patch[key] = isObject(base[key]) && isObject(current[key]) ? diff(base[key], current[key]) : current[key];
      }
    });
    return patch;
  }

  function merge(base, patch) {
    Object.keys(patch).forEach(function (key) {
      if (isObject(base[key]) && isObject(patch[key]) && !ALWAYS_SAVED[key]) {
        merge(base[key], patch[key]);
      } else {
        base[key] = patch[key];
      }
    });
    return base;
  }

  function snapshot() {
    try {
      return JSON.parse(api.serializeSequencingState());
    } catch (ignored) {
      return null;
    }
  }

  function sequencingPatch() {
    return state.baseline ? diff(state.baseline, snapshot()) : null;
  }

  // Saves race (a page's last beacon against the next page's first read): each carries the
  // browser's clock and the server keeps the newest.
  function saveSequencingState(byBeacon) {
    if (!sequenced || !state.baseline) {
      return Promise.resolve();
    }
    var patch = JSON.stringify(sequencingPatch());
    if (!byBeacon && patch === state.lastSavedState) {
      return state.stateSave || Promise.resolve();
    }
    state.lastSavedState = patch;
    var body = '{"state":' + patch + ',"current":' + JSON.stringify(state.current) + ',"ts":' + Date.now() + "}";
    if (byBeacon) {
      navigator.sendBeacon(config.runtime.state, body);
      return Promise.resolve();
    }
    // A plain request: Chromium may hold keepalive fetches back for a while.
    state.stateSave = fetch(config.runtime.state, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: body
    }).catch(function () {
      state.lastSavedState = null;
    });
    return state.stateSave;
  }

  // A course left by exit or exitAll (nothing suspended, nothing running) starts a new attempt on the activity
  // tree: adl.data that is not global to the system (sharedDataGlobalToSystem="false") belonged to the attempt
  // that ended (ADL CTS DDM, Act1bV2).
  function forThisAttempt(patch) {
    var sequencing = patch.sequencing || {};
    if (config.shared_data_global !== false || sequencing.suspendedActivity || sequencing.currentActivity) {
      return patch;
    }
    var copy = Object.assign({}, patch);
    delete copy.sharedData;
    return copy;
  }

  function restoreSequencingState(patch) {
    var fresh = snapshot();
    if (!fresh || !isObject(patch)) {
      return null;
    }
    var full = merge(fresh, forThisAttempt(patch));
    return api.deserializeSequencingState(JSON.stringify(full)) ? full : null;
  }

  // ---- leaving the page -------------------------------------------------------------------------

  function formatElapsed(ms) {
    var seconds = Math.max(0, Math.round(ms / 10) / 100);
    if (is2004) {
      return "PT" + seconds + "S";
    }
    var whole = Math.floor(seconds);
    var pad = function (n, width) {
      return String(n).padStart(width, "0");
    };
    return pad(Math.floor(whole / 3600), 4) + ":" + pad(Math.floor((whole % 3600) / 60), 2) + ":" + pad(whole % 60, 2);
  }

  function reportedSessionTime(cmi) {
    var value = is2004 ? cmi.session_time : cmi.core && cmi.core.session_time;
    return value && !/^(P(T0+(\.0+)?S)?|PT0H0M0S|0+:00:00(\.0+)?)$/.test(value) ? value : "";
  }

  function onPageHide() {
    state.leaving = true; // a SCO finishing as the page goes away must not move the learner on
    if (isRunning() && api.settings.lmsCommitUrl) {
      // The SCO is still running: keep what it has set (its own LMSFinish may never come).
      var payload = api.renderCommitCMI(true);
      if (!reportedSessionTime(payload.cmi) && state.initializedAt) {
        var elapsed = formatElapsed(Date.now() - state.initializedAt);
        if (is2004) {
          payload.cmi.session_time = elapsed;
        } else {
          payload.cmi.core.session_time = elapsed;
        }
      }
      payload.commitSequence = state.lastSequence + 1;
      payload.abandon = true;
      navigator.sendBeacon(api.settings.lmsCommitUrl, JSON.stringify(payload));
    }
    saveSequencingState(true);
  }

  window.addEventListener("pagehide", onPageHide);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload(); // back from the page cache: the session was closed on pagehide
    }
  });

  // ---- start ------------------------------------------------------------------------------------

  document.getElementById("nav-previous").addEventListener("click", function () {
    navigate("previous");
  });
  document.getElementById("nav-continue").addEventListener("click", function () {
    navigate("continue");
  });
  document.getElementById("nav-exit").addEventListener("click", exitCourse);
  document.getElementById("nav-exit-all").addEventListener("click", exitAllCourse);
  if (!sequenced) {
    // One way out: the SCORM 1.2 / unsequenced exit.
    var single = document.getElementById("nav-exit");
    single.textContent = "Exit";
    single.title = "Leave the course";
  }

  function start() {
    if (!config.order.length) {
      showMessage("This package has nothing to launch.");
      return;
    }
    if (!sequenced) {
      deliver(config.resume || config.order[0]);
      return;
    }
    state.baseline = snapshot();
    // Read the saved state now rather than from the page: the previous page's last save (sent as
    // it unloaded) can arrive after this page was served.
    fetch(config.runtime.state, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : {};
      })
      .catch(function () {
        return {};
      })
      .then(function (saved) {
        var restored = saved.state ? restoreSequencingState(saved.state) : null;
        var sequencing = (restored && restored.sequencing) || {};
        if (sequencing.suspendedActivity) {
          api.processNavigationRequest("resumeAll");
        } else if (sequencing.currentActivity && config.items[sequencing.currentActivity]) {
          deliver(sequencing.currentActivity); // the page went away while this activity was running
        } else if (!api.processNavigationRequest("start")) {
          startByChoice(saved.current);
        }
      });
  }

  // The course does not start by itself (SN SB.2.5: its root does not flow): the learner chooses where to begin,
  // as ADL CTS CM-04a's "start at Activity 12" expects. A course of one item is chosen for the learner.
  function startByChoice(lastItem) {
    var choice = (state.validity && state.validity.choice) || {};
    var open = Object.keys(choice).filter(function (id) {
      return choice[id] === "true" && config.items[id];
    });
    var only = config.order.length === 1 ? config.order[0] : null;
    if (only && api.processNavigationRequest("choice", only)) {
      return;
    }
    if (!open.length || only) {
      deliver(lastItem || config.resume || config.order[0]);
      return;
    }
    showMessage("Choose where to begin from the table of contents.");
    renderToc();
    updateNav();
  }

  // What the page shows the outside (tests, and the content, which shares this origin): where the learner
  // is and the navigation the learner could click, never the delivery's CMI or its credentialed URLs.
  window.AllurePlayer = Object.freeze({
    navigate: navigate,
    state: Object.freeze({
      get current() { return state.current; },
      get ended() { return state.ended; },
      get validity() { return state.validity; },
      get delivery() { return state.delivery ? { item: state.delivery.item } : null; }
    })
  });
  start();
})();
