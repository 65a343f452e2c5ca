// Navigation validity of the sequencer (what the player's table of contents and Continue/Previous show) on small
// activity trees in Node. argv[2]: path of scorm2004.js. stdout: {"case": value, ...} for each situation checked.
"use strict";
const { loadRuntime } = require("./scorm_again_vm.cjs");

const context = loadRuntime(process.argv[2]);

const leaf = (id, extra) => Object.assign({ id, title: id, sequencingControls: { flow: false } }, extra || {});
const cluster = (id, controls, children, extra) =>
  Object.assign({ id, title: id, sequencingControls: Object.assign({ flow: false }, controls), children }, extra || {});
const rule = (action, conditions, combination) => ({ action, conditionCombination: combination || "all",
  conditions: conditions.map((c) => (typeof c === "string" ? { condition: c } : c)) });
const skipWhenAttemptedIncomplete = { sequencingRules: { preConditionRules: [
  rule("skip", ["attempted", { condition: "completed", operator: "not" }])] } };

// Runs a tree; `steps` are [request, target] pairs; each leaf delivered ends its attempt incomplete.
function play(tree, steps) {
  let validity = null;
  const api = new context.Scorm2004API({ logLevel: 5, autocommit: false, lmsCommitUrl: false,
    sequencing: { activityTree: tree, eventListeners: {
      onNavigationValidityUpdate(update) { validity = update; } } } });
  const seq = api._sequencing;
  const done = steps.map(([request, target]) => {
    const current = seq.activityTree.currentActivity;
    if (current && current.isActive && request !== "start") {
      current.completionStatus = "incomplete";
      current.attemptProgressStatus = true;
      current.attemptCompletionStatus = false;
    }
    return api.processNavigationRequest(request, target || null) !== false;
  });
  const current = seq.activityTree.currentActivity;
  return { api, done, validity: validity || {}, current: current ? current.id : null };
}

const out = {};

// CM-07b: a root that does not flow delivers nothing when chosen, so it is not a valid choice; a cluster that
// flows to a deliverable child is.
{
  const tree = cluster("org", {}, [
    cluster("unit1", { flow: true }, [leaf("a1"), leaf("a2")]),
    cluster("unit2", { flow: true }, [leaf("b1", { sequencingRules: { preConditionRules: [rule("skip", ["always"])] } }),
      leaf("b2")]),
    cluster("unit3", { flow: true }, [leaf("c1", { sequencingRules: { preConditionRules: [rule("skip", ["always"])] } })]),
  ]);
  const run = play(tree, [["choice", "a1"]]);
  out.root_without_flow = run.validity.choice.org;
  out.cluster_that_flows = run.validity.choice.unit2;
  out.cluster_all_skipped = run.validity.choice.unit3;
  run.api.Initialize("");
  out.request_valid_root = run.api.GetValue("adl.nav.request_valid.choice.{target=org}");
  out.request_valid_unit2 = run.api.GetValue("adl.nav.request_valid.choice.{target=unit2}");
}

// CM-07c: an activity whose attempt limit is used up (or below such an ancestor) cannot be delivered (DB.1.1),
// and a root whose flow reaches it first cannot be chosen either.
{
  const tree = cluster("org", { flow: true }, [
    cluster("unit1", { flow: true }, [leaf("a1", { attemptLimit: 1 }), leaf("a2")]),
    cluster("unit2", { flow: true }, [cluster("unit21", { flow: true }, [leaf("b1"), leaf("b2")])], { attemptLimit: 1 }),
    cluster("unit3", { flow: true }, [leaf("c1")]),
  ]);
  const run = play(tree, [["start"], ["continue"], ["choice", "b1"], ["choice", "c1"]]);
  out.limit_current = run.current;
  out.limit_used_up_leaf = run.validity.choice.a1;
  out.limit_used_up_ancestor = run.validity.choice.b2;
  out.limit_root_flows_into_it = run.validity.choice.org;
  out.limit_free_leaf = run.validity.choice.a2;
}

// CM-07d: Continue is offered when the parent flows (NB.2.1), even if the next cluster does not flow (SB.2.2-1).
{
  const tree = cluster("org", { flow: true }, [
    cluster("unit1", { flow: true }, [leaf("a1"), leaf("a2")]),
    cluster("unit2", {}, [leaf("b1")]),
  ]);
  const run = play(tree, [["start"], ["continue"]]);
  out.continue_current = run.current;
  out.continue_into_non_flowing_cluster = run.validity.continue;
  run.api.Initialize("");
  out.continue_request_valid = run.api.GetValue("adl.nav.request_valid.continue");
}

// ... but not when the flow stops at an activity its own rules disable (SB.2.2-2): the learner could not go on.
{
  const disabled = { sequencingRules: { preConditionRules: [rule("disabled", ["always"])] } };
  const tree = cluster("org", { flow: true }, [
    cluster("unit1", { flow: true }, [leaf("a1"), leaf("a2")]),
    leaf("b0", disabled),
  ]);
  const run = play(tree, [["start"], ["continue"]]);
  out.continue_into_disabled = run.validity.continue;
}

// CM-03b: Previous into a forward-only cluster whose children are all skipped turns back out of it (SB.2.1
// step 2) and delivers the activity before the cluster.
{
  const tree = cluster("org", { flow: true }, [
    cluster("unit1", { flow: true, choice: false }, [leaf("a1"), leaf("a2")]),
    cluster("unit2", { flow: true, forwardOnly: true, choice: false }, [
      leaf("b1", skipWhenAttemptedIncomplete), leaf("b2", skipWhenAttemptedIncomplete)]),
    leaf("c1"),
  ]);
  const run = play(tree, [["start"], ["continue"], ["continue"], ["continue"], ["continue"], ["previous"]]);
  out.previous_done = run.done;
  out.previous_out_of_forward_only = run.current;
}

process.stdout.write(JSON.stringify(out));
