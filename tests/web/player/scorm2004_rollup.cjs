// Evaluates the runtime's rollup rules (scorm-again, patched at install) on plain child activities in Node.
// stdin: {"script": path, "rule": {action, consideration, minimumPercent, ...}, "children": [{objectiveSatisfiedStatus}]}
// stdout: true | false (RollupRule.evaluate)
"use strict";
const fs = require("fs");
const { loadRuntime } = require("./scorm_again_vm.cjs");

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const context = loadRuntime(input.script);
const sequencing = { rollupRules: { rules: [input.rule] } };
const api = new context.Scorm2004API({ logLevel: 5, autocommit: false, lmsCommitUrl: false, sequencing });
const rule = api._sequencing.rollupRules.rules[0];
process.stdout.write(JSON.stringify(rule.evaluate(input.children)));
