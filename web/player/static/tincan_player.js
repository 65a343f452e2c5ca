/*
 * Allure Connect player for TinCan (xAPI) packages: the content runs in the frame and reports to the LRS
 * itself (the launch URL carries endpoint, auth, actor, registration and activity_id); this page only
 * offers Exit. Leaving unloads the content first (its unload handlers send their last statements),
 * then shows the closing message or, with the launch's exit URL, sends the top window there.
 */
(function () {
  "use strict";

  var configNode = document.getElementById("player-config");
  var config = JSON.parse(configNode.textContent);
  configNode.parentNode.removeChild(configNode);
  var frame = document.getElementById("sco-frame");
  var UNLOAD_PATIENCE_MS = 1500; // the content's unload handlers may still be sending statements

  function showMessage(text) {
    document.getElementById("message-text").textContent = text;
    document.getElementById("message").hidden = false;
    frame.style.display = "none";
  }

  function leaveForExitUrl() {
    try {
      window.top.location.href = config.exit_url; // the whole tab: the partner may frame this player
    } catch (blocked) {
      window.location.href = config.exit_url;
    }
  }

  function exitCourse() {
    document.getElementById("nav-exit").disabled = true;
    frame.src = "about:blank";
    window.dispatchEvent(new CustomEvent("allure:session-exit"));
    if (config.exit_url) {
      showMessage("Saving your progress, then returning you to the site you came from\u2026");
      setTimeout(leaveForExitUrl, UNLOAD_PATIENCE_MS);
    } else {
      showMessage("You have left the course. You may close this window.");
    }
  }

  document.getElementById("nav-exit").addEventListener("click", exitCourse);
})();
