// @ts-check
// The Node.js client against a service with a tight read limit (tests/sdk/test_node_client.py):
// without retries the 429 is an AllureApiError with Retry-After; with them the call waits and succeeds.
import { AllureApiError, createClient } from "../../../sdk/node/dist/index.js";

const impatient = createClient({ maxAttempts: 1 });
/** @type {{status: number, code: string, requestId: string | null, retryAfter: string | null} | null} */
let refused = null;
for (let n = 0; n < 3 && !refused; n += 1) {
  try {
    await impatient.GET("/api/v1/packages", {});
  } catch (error) {
    if (!(error instanceof AllureApiError)) throw error;
    refused = { status: error.status, code: error.code, requestId: error.requestId,
                retryAfter: error.response.headers.get("Retry-After") };
  }
}

/** @type {{status: number, at: number}[]} */
const seen = [];
const patient = createClient({
  fetch: async (input, init) => {
    const response = await fetch(input, init);
    seen.push({ status: response.status, at: Date.now() });
    return response;
  },
});
const listed = await patient.GET("/api/v1/packages", {});
console.log(JSON.stringify({ refused, seen, count: listed.data?.count }));
