// @ts-check
// The Node.js client against the live service (tests/sdk/test_node_client.py runs it, after
// type-checking it with sdk/node's TypeScript): list, upload with progress, wait for the job, launch,
// typed errors. Prints what it saw as JSON for the test to assert.
import { AllureApiError, createClient } from "../../../sdk/node/dist/index.js";

const [packagePath] = process.argv.slice(2);
if (!packagePath) throw new Error("usage: node live_check.mjs PACKAGE.zip");
const client = createClient({}); // ALLURE_BASE_URL, ALLURE_API_KEY, ALLURE_TENANT_ID

/** @param {() => Promise<unknown>} call */
async function refusal(call) {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof AllureApiError)) throw error;
    return { status: error.status, code: error.code, details: error.details, requestId: error.requestId };
  }
  throw new Error("the call was expected to fail");
}

const before = await client.GET("/api/v1/packages", { params: { query: { limit: 5 } } });
/** @type {number[]} */
const progress = [];
/** @type {string[]} */
const stages = [];
const ready = await client.uploadPackage(packagePath, {
  onProgress: (sent) => progress.push(sent),
  onUpdate: (job) => stages.push(job.status),
  intervalMs: 200,
});
const after = await client.GET("/api/v1/packages", { params: { query: { limit: 5 } } });
const created = await client.POST("/api/v1/sessions", {
  body: { package_id: ready.id, user_id: "node-learner", user_name: "Node Learner" },
});
const session = created.data?.session;
const fetched = await client.GET("/api/v1/sessions/{session_id}", { params: { path: { session_id: session?.id ?? "" } } });

console.log(JSON.stringify({
  countBefore: before.data?.count,
  package: { id: ready.id, title: ready.title, standard: ready.standard },
  listed: after.data?.packages.map((p) => p.id),
  progress,
  stages,
  session: { id: session?.id, user_id: session?.user_id, fetched: fetched.data?.session.id },
  launchUrl: created.data?.launch_url,
  notFound: await refusal(() => client.GET("/api/v1/packages/{package_id}", { params: { path: { package_id: "missing" } } })),
  invalid: await refusal(() => client.POST("/api/v1/sessions", { body: { package_id: ready.id, user_id: "" } })),
}));
