// Drives the sequencer of the player's scorm-again build (patched at install) through a course in Node, as the
// player does: start, then per SCO Initialize, SetValue calls and Terminate (the SCO's adl.nav.request moves on).
// stdin: {"script": path, "sequencing": {"activityTree": ...}, "visits": [{"set": [[element, value], ...]}, ...]}
// stdout: {"delivered": [activity id, ...], "status": {activity id: {"completion", "success"}}}
"use strict";
const fs = require("fs");
const { loadRuntime } = require("./scorm_again_vm.cjs");

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const context = loadRuntime(input.script);
const delivered = [];
const sequencing = Object.assign({}, input.sequencing, {
  eventListeners: { onActivityDelivery: (activity) => delivered.push(activity.id) },
});
const api = new context.Scorm2004API({ logLevel: 5, autocommit: false, lmsCommitUrl: false, sequencing });
api.processNavigationRequest("start");
for (const visit of input.visits) {
  api.reset({ lmsCommitUrl: false }, { preserveListeners: true });  // what the player does between SCOs
  api.Initialize("");
  for (const [element, value] of visit.set) {
    api.SetValue(element.replace(/&([^&]+)&/g, (_, id) => objectiveIndex(id)), value);
  }
  api.Terminate("");
}

// cmi.objectives.&id&.x names an objective by its id, as the ADL CTS does.
function objectiveIndex(id) {
  const count = Number(api.GetValue("cmi.objectives._count"));
  for (let n = 0; n < count; n++) {
    if (api.GetValue(`cmi.objectives.${n}.id`) === id) return String(n);
  }
  return String(count);
}

const status = {};
(function walk(activity) {
  status[activity.id] = { completion: activity.completionStatus, success: activity.successStatus };
  activity.children.forEach(walk);
})(api._sequencing.activityTree.root);
process.stdout.write(JSON.stringify({ delivered, status }));
