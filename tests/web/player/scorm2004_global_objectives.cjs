// Global objectives across launches in the player's runtime (ADL CTS CO-07b, CM-11).
// stdin: {"script": path of scorm2004.js, "tree": activity tree, "scenario": "restore" | "terminate", ...}
//   restore: {"saved": a saved state patch (as the server hands it over)} -> {"delivered": [...]} after "start"
//   terminate: {"choose": item, "objective": {"index", "success_status", "scaled"}} -> the global map after the SCO
//     terminated without a navigation request, and what a relaunch of the course shows the SCO in cmi.objectives
"use strict";
const fs = require("fs");
const { loadRuntime } = require("./scorm_again_vm.cjs");

const input = JSON.parse(fs.readFileSync(0, "utf8"));

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// The player's restore (web/player/static/player.js): the saved patch laid over a fresh snapshot.
function merge(base, patch) {
  for (const key of Object.keys(patch)) {
    if (isObject(base[key]) && isObject(patch[key])) merge(base[key], patch[key]);
    else base[key] = patch[key];
  }
  return base;
}

function open(saved) {
  const context = loadRuntime(input.script);
  const delivered = [];
  const sequencing = { activityTree: input.tree, eventListeners: { onActivityDelivery: (a) => delivered.push(a.id) } };
  const api = new context.Scorm2004API({ logLevel: 5, autocommit: false, lmsCommitUrl: false, sequencing });
  if (saved) {
    const fresh = JSON.parse(api.serializeSequencingState());
    if (!api.deserializeSequencingState(JSON.stringify(merge(fresh, saved)))) throw new Error("restore failed");
  }
  return { api, delivered };
}

function globalMap(api) {
  return JSON.parse(api.serializeSequencingState()).sequencing.globalObjectiveMap;
}

if (input.scenario === "restore") {
  const { api, delivered } = open(input.saved);
  api.processNavigationRequest("start");
  process.stdout.write(JSON.stringify({ delivered }));
} else {
  const first = open(null);
  first.api.processNavigationRequest("choice", input.choose);
  first.api.reset({ lmsCommitUrl: false }, { preserveListeners: true });
  first.api.Initialize("");
  const { index, success_status: success, scaled } = input.objective;
  first.api.SetValue(`cmi.objectives.${index}.success_status`, success);
  first.api.SetValue(`cmi.objectives.${index}.score.scaled`, scaled);
  first.api.SetValue("cmi.exit", "normal");
  first.api.Terminate("");
  const saved = JSON.parse(first.api.serializeSequencingState());
  // The learner left without navigating: the relaunch delivers the same activity again (player.js start()).
  const again = open(saved);
  again.api.reset({ lmsCommitUrl: false }, { preserveListeners: true });
  again.api.Initialize("");
  const read = (name) => again.api.GetValue(`cmi.objectives.${index}.${name}`);
  process.stdout.write(JSON.stringify({
    global: globalMap(first.api),
    current: saved.sequencing.currentActivity,
    relaunch: { id: read("id"), success_status: read("success_status"), scaled: read("score.scaled") },
  }));
}
