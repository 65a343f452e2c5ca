// Loads the player's scorm-again build (patched at install) into a fresh Node VM context, quiet, as a page would:
// the Node drivers beside this file (scorm2004_calls.cjs, scorm2004_rollup*.cjs) run the runtime through it.
"use strict";
const fs = require("fs");
const vm = require("vm");

function loadRuntime(script) {
  const quiet = { log() {}, warn() {}, error() {}, info() {}, debug() {} };
  const context = { console: quiet, setTimeout, clearTimeout, setInterval, clearInterval, Promise, URL, TextEncoder };
  context.window = context;
  context.self = context;
  vm.createContext(context);
  vm.runInContext(fs.readFileSync(script, "utf8"), context);
  return context;
}

module.exports = { loadRuntime };
