// The cmi5 player page: the course tree, and each AU launched in the frame or its own window (launchMethod).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("cmi5-config").textContent);
  var tree = document.getElementById("cmi5-tree");
  var frame = document.getElementById("au-frame");
  var message = document.getElementById("message");

  function say(text) {
    document.getElementById("message-text").textContent = text;
    message.hidden = false;
  }

  function label(node) {
    if (node.completion_status === "completed") { return " (completed)"; }
    if (node.completion_status === "incomplete") { return " (started)"; }
    return "";
  }

  function render(nodes, into) {
    nodes.forEach(function (node) {
      var li = document.createElement("li");
      if (node.type === "block") {
        var heading = document.createElement("span");
        heading.className = "block-title";
        heading.textContent = node.title;
        li.appendChild(heading);
        var ol = document.createElement("ol");
        render(node.children, ol);
        li.appendChild(ol);
      } else {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "au";
        button.dataset.index = String(node.index);
        button.dataset.status = node.completion_status;
        button.textContent = node.title + label(node);
        button.addEventListener("click", function () { launch(node.index); });
        li.appendChild(button);
      }
      into.appendChild(li);
    });
  }

  function launch(index) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", config.launch + index + "?k=" + encodeURIComponent(config.key));
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.onload = function () {
      if (xhr.status !== 200) { say("This part of the course could not be started (" + xhr.status + ")."); return; }
      var answer = JSON.parse(xhr.responseText);
      message.hidden = true;
      if (answer.launch_method === "OwnWindow") {
        // cmi5 8.1.0.0-2: the AU runs in its own window, never in a frame.
        var opened = window.open(answer.url, "_blank");
        if (!opened) { window.location.assign(answer.url); }
        else { say("This part of the course opened in a new window."); }
      } else {
        frame.src = answer.url;
      }
    };
    xhr.onerror = function () { say("This part of the course could not be started."); };
    xhr.send("{}");
  }

  render(config.tree.children, tree);
  var first = tree.querySelector("button.au[data-status='not_attempted'], button.au[data-status='incomplete']");
  if (first && tree.querySelectorAll("button.au").length === 1) { first.click(); }
})();
