// @ts-check
// The Node.js client's `iterate` against the live service (tests/sdk/test_node_client.py): every
// session of a package, two per page, and every package one per page. Prints the ids it walked.
import { createClient } from "../../../sdk/node/dist/index.js";

const [packagePath] = process.argv.slice(2);
if (!packagePath) throw new Error("usage: node pages_check.mjs PACKAGE.zip");
const client = createClient({});
const ready = await client.uploadPackage(packagePath, { intervalMs: 200 });
/** @type {string[]} */
const created = [];
for (let n = 0; n < 5; n += 1) {
  const answer = await client.POST("/api/v1/sessions", { body: { package_id: ready.id, user_id: `pager-${n}` } });
  created.push(answer.data?.session.id ?? "");
}
/** @type {string[]} */
const sessions = [];
for await (const session of client.iterate("/api/v1/sessions", { limit: 2, package_id: ready.id })) {
  sessions.push(session.id);
}
/** @type {string[]} */
const packages = [];
for await (const item of client.iterate("/api/v1/packages", { limit: 1 })) packages.push(item.id);
console.log(JSON.stringify({ packageId: ready.id, created, sessions, packages }));
