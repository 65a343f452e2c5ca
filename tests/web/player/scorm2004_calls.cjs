// Runs SCORM 2004 API calls against the player's scorm-again build (patched at install) in Node.
// stdin: {"script": path, "steps": [[method, ...args] | ["reset"] | ["load", json], ...]}
// stdout: [{"call": [...], "result": String, "error": GetLastError()}, ...]
"use strict";
const fs = require("fs");
const vm = require("vm");
const { loadRuntime } = require("./scorm_again_vm.cjs");

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const context = loadRuntime(input.script);
const settings = { logLevel: 5, autocommit: false, lmsCommitUrl: false };
const api = new context.Scorm2004API(settings);
const out = [];
for (const step of input.steps) {
  const [method, ...args] = step;
  let result;
  if (method === "reset") {
    api.reset(settings);  // what the player does between SCOs
    result = "";
  } else if (method === "load") {
    // Objects of the runtime's own realm: loadFromJSON recurses only into plain objects it recognises.
    api.loadFromJSON(vm.runInContext("JSON.parse", context)(JSON.stringify(args[0])));
    result = "";
  } else {
    result = api[method](...args);
  }
  out.push({ call: step, result: String(result), error: String(api.GetLastError()) });
}
process.stdout.write(JSON.stringify(out));
