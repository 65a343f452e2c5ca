// @ts-check
// The Node.js client against a scripted server (tests/sdk/test_node_client.py): a GET answered 502 is
// tried again with backoff, a POST answered 502 is not (it may have done its work).
import { AllureApiError, createClient } from "../../../sdk/node/dist/index.js";

const client = createClient({ maxAttempts: 3, maxRetryWaitMs: 2_000 });
const listed = await client.GET("/api/v1/packages", {});
/** @type {{status: number, code: string} | null} */
let refused = null;
try {
  await client.POST("/api/v1/sessions", { body: { package_id: "p", user_id: "u" } });
} catch (error) {
  if (!(error instanceof AllureApiError)) throw error;
  refused = { status: error.status, code: error.code };
}
console.log(JSON.stringify({ count: listed.data?.count, refused }));
