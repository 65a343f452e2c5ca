// Evaluates rollup rules through the sequencer's rollup process (RB.1.4, RollupRuleEvaluator) on a small activity tree in Node.
// argv[2]: path of scorm2004.js. stdout: {"case": true|false, ...} for each rollup situation checked.
"use strict";
const { loadRuntime } = require("./scorm_again_vm.cjs");

const context = loadRuntime(process.argv[2]);

const leaf = (id) => ({ id, title: id });
const rules = [
  { action: "completed", consideration: "none", conditions: [{ condition: "satisfied" }] },
  { action: "satisfied", consideration: "atLeastPercent", minimumPercent: 0.5,
    conditions: [{ condition: "objectiveMeasureKnown" }] },
];
const tree = { id: "root", title: "root", children: [
  { id: "cluster", title: "cluster", children: [leaf("a"), leaf("b"), leaf("c")], rollupRules: { rules } },
] };
const api = new context.Scorm2004API({ logLevel: 5, autocommit: false, lmsCommitUrl: false,
  sequencing: { activityTree: tree } });
const cluster = api._sequencing.activityTree.root.children[0];
const evaluator = api._sequencing._overallSequencingProcess.rollupProcess.ruleEvaluator;
const [noneSatisfied, halfMeasured] = cluster.rollupRules.rules;
const [a, b] = cluster.children;
const out = {};
a.successStatus = "failed";
a.objectiveSatisfiedStatus = false;
a.objectiveSatisfiedStatusKnown = true;
out.none_with_unknown_children = evaluator.evaluateRollupRule(cluster, noneSatisfied);
a.objectiveMeasureStatus = true;
a.objectiveNormalizedMeasure = 0.75;
out.percent_one_of_three = evaluator.evaluateRollupRule(cluster, halfMeasured);
b.objectiveMeasureStatus = true;
b.objectiveNormalizedMeasure = 0.5;
out.percent_two_of_three = evaluator.evaluateRollupRule(cluster, halfMeasured);
process.stdout.write(JSON.stringify(out));
