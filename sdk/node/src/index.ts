/**
 * Node.js client of the Allure Connect API.
 *
 * `createClient({ baseUrl, apiKey })` answers an openapi-fetch client typed by `schema.ts` (generated
 * from the service's OpenAPI by `make sdk`): every route, its parameters, bodies and answers. Its
 * calls throw `AllureApiError` (status, code, details, requestId) for any answer outside 2xx, so a
 * returned `data` is the success body.
 * Any call is tried again after a 429 or a 503 (honouring `Retry-After`) or when no connection could be
 * made; 500, 502, 504 and broken connections only for idempotent methods, with jittered backoff.
 * `iterate(path, query)` walks every page of a list route.
 * `uploadPackage` runs the long flow: upload-url → PUT to storage (streamed, with progress) →
 * process → wait for the job → the ready package.
 */
import { stat } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { Readable, Transform } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import createFetchClient, { type Client, type Middleware } from "openapi-fetch";
import type {
  DispatchList, ErrorEnvelope, Job, JobList, PackageDetail, PackageList, paths, SessionList, XapiStatementList,
} from "./schema.js";

export type * from "./schema.js";

export const USER_AGENT = "allure-connect-node/0.1.0";
// As the Python client (allure_connect/retries.py): 429/503 mean the service did nothing, so any method
// may try again; other 5xx and broken connections only where a second try cannot do the work twice.
const RETRY_ALWAYS = new Set([429, 503]);
const RETRY_IDEMPOTENT = new Set([500, 502, 504]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const PAGE_LIMIT = 100;

/** The list routes and where each keeps its items. */
interface Lists {
  "/api/v1/packages": PackageList;
  "/api/v1/sessions": SessionList;
  "/api/v1/jobs": JobList;
  "/api/v1/dispatches": DispatchList;
  "/api/v1/xapi/statements": XapiStatementList;
}
type ListPath = keyof Lists;
type Item<P extends ListPath> = Lists[P] extends infer L
  ? L extends { packages: (infer T)[] } | { sessions: (infer T)[] } | { jobs: (infer T)[] }
    | { dispatches: (infer T)[] } | { statements: (infer T)[] } ? T : never
  : never;
type ListQuery<P extends ListPath> = Omit<NonNullable<paths[P]["get"]["parameters"]["query"]>, "page">;
const ITEMS: { [P in ListPath]: string } = {
  "/api/v1/packages": "packages",
  "/api/v1/sessions": "sessions",
  "/api/v1/jobs": "jobs",
  "/api/v1/dispatches": "dispatches",
  "/api/v1/xapi/statements": "statements",
};

/** An answer of the API outside 2xx, read from its error envelope. */
export class AllureApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly requestId: string | null;
  readonly response: Response;

  constructor(response: Response, body: unknown) {
    const envelope = isEnvelope(body) ? body : undefined;
    const code = envelope?.error.code ?? `HTTP_${response.status}`;
    const message = envelope?.error.message ?? response.statusText;
    const requestId = envelope?.request_id ?? response.headers.get("X-Request-ID");
    super(`${response.status} ${code}: ${message}${requestId ? ` (request_id ${requestId})` : ""}`);
    this.name = "AllureApiError";
    this.status = response.status;
    this.code = code;
    this.details = envelope?.error.details ?? {};
    this.requestId = requestId;
    this.response = response;
  }
}

/** A job that ended `failed`; `code` and `details` are the job's error. */
export class JobFailedError extends Error {
  readonly job: Job;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(job: Job) {
    const error = (job.error ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
    super(`job ${job.id} failed: ${error.code ?? "JOB_FAILED"}: ${error.message ?? ""}`);
    this.name = "JobFailedError";
    this.job = job;
    this.code = error.code ?? "JOB_FAILED";
    this.details = error.details ?? {};
  }
}

function isEnvelope(body: unknown): body is ErrorEnvelope {
  const error = (body as { error?: { code?: unknown } } | null)?.error;
  return typeof error === "object" && error !== null && typeof error.code === "string";
}

export interface ClientOptions {
  /** The service's root, or the API base the launcher prints (`…/api/v1`); default ALLURE_BASE_URL. */
  baseUrl?: string;
  /** An API key; default ALLURE_API_KEY. Sent as `Authorization: Bearer …`, never to storage. */
  apiKey?: string;
  /** The tenant uploads name; default ALLURE_TENANT_ID, else the API key's tenant. */
  tenantId?: string;
  /** How many times a retryable call is tried in all (default 5). */
  maxAttempts?: number;
  /** The longest wait between two tries, in ms (default 120 000). */
  maxRetryWaitMs?: number;
  fetch?: typeof globalThis.fetch;
}

export type Progress = (sent: number, total: number) => void;

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  onUpdate?: (job: Job) => void;
}

export interface UploadOptions extends WaitOptions {
  onProgress?: Progress;
  uploadedBy?: string;
  /** Upload a new version of this package. */
  packageId?: string;
}

export interface AllureClient extends Client<paths> {
  readonly baseUrl: string;
  readonly tenantId: string | null;
  /** Poll the job until it has finished: the succeeded job, or `JobFailedError`, or a timeout error. */
  waitForJob(jobId: string, options?: WaitOptions): Promise<Job>;
  /** upload-url → streamed PUT (`onProgress(sent, total)`) → process → wait for the job → the package. */
  uploadPackage(path: string, options?: UploadOptions): Promise<PackageDetail>;
  /** Every item of a list route, page after page (`limit` per request, default 100). */
  iterate<P extends ListPath>(path: P, query?: ListQuery<P>): AsyncGenerator<Item<P>, void, undefined>;
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`give ${name}, or set ALLURE_${name === "baseUrl" ? "BASE_URL" : "API_KEY"}`);
  return value;
}

function retryAfterMs(response: Response, attempt: number, maxWaitMs: number): number {
  const advised = Number(response.headers.get("Retry-After"));
  // The window resets on a whole second: a little over the advice avoids a second 429.
  const wait = Number.isFinite(advised) && advised >= 0 ? advised * 1000 + 250 : 500 * 2 ** attempt;
  return Math.min(wait, maxWaitMs);
}

function retryable(method: string, status: number): boolean {
  return RETRY_ALWAYS.has(status) || (RETRY_IDEMPOTENT.has(status) && IDEMPOTENT.has(method));
}

/** Whether a failed fetch may be sent again: never connected, or idempotent. */
function retryableFailure(method: string, error: unknown): boolean {
  const code = (error as { cause?: { code?: string } } | null)?.cause?.code;
  return code === "ECONNREFUSED" || (error instanceof TypeError && IDEMPOTENT.has(method));
}

function backoffMs(attempt: number, maxWaitMs: number): number {
  const base = Math.min(500 * 2 ** (attempt - 1), 30_000);
  return Math.min(base / 2 + Math.random() * base, maxWaitMs);
}

/** fetch that tries again what `retryable`/`retryableFailure` allow, up to `maxAttempts` in all. */
function retryingFetch(send: typeof globalThis.fetch, maxAttempts: number, maxWaitMs: number) {
  return async (request: Request, init?: RequestInit): Promise<Response> => {
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await send(request.clone(), init);
      } catch (error) {
        if (attempt >= maxAttempts || !retryableFailure(request.method, error)) throw error;
        await sleep(backoffMs(attempt, maxWaitMs));
        continue;
      }
      if (!retryable(request.method, response.status) || attempt >= maxAttempts) return response;
      await response.body?.cancel();
      await sleep(response.headers.has("Retry-After") ? retryAfterMs(response, attempt, maxWaitMs)
        : backoffMs(attempt, maxWaitMs));
    }
  };
}

/** The page count a list answer states (packages give a total count, the others `pagination`). */
function totalPages(answer: Lists[ListPath], limit: number): number {
  if ("pagination" in answer) return answer.pagination.total_pages;
  return Math.ceil(answer.count / limit);
}

const throwOnError: Middleware = {
  async onResponse({ response }) {
    if (response.ok) return undefined;
    const body: unknown = await response.clone().json().catch(() => undefined);
    throw new AllureApiError(response, body);
  },
};

/** The success body of a call (the middleware has thrown for any other answer). */
function body<T>(result: { data?: T }): T {
  if (result.data === undefined) throw new Error("the service answered no body");
  return result.data;
}

export function createClient(options: ClientOptions = {}): AllureClient {
  const env = process.env;
  const root = required(options.baseUrl ?? env.ALLURE_BASE_URL, "baseUrl").replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  const apiKey = required(options.apiKey ?? env.ALLURE_API_KEY, "apiKey");
  const tenantId = options.tenantId ?? env.ALLURE_TENANT_ID ?? null;
  const send = options.fetch ?? globalThis.fetch;
  const api = createFetchClient<paths>({
    baseUrl: root,
    headers: { Authorization: `Bearer ${apiKey}`, "User-Agent": USER_AGENT },
    fetch: retryingFetch(send, options.maxAttempts ?? 5, options.maxRetryWaitMs ?? 120_000),
  });
  api.use(throwOnError);

  async function waitForJob(jobId: string, wait: WaitOptions = {}): Promise<Job> {
    const deadline = Date.now() + (wait.timeoutMs ?? 3_600_000);
    for (;;) {
      const job = body(await api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: jobId } } }));
      wait.onUpdate?.(job);
      if (job.status === "failed") throw new JobFailedError(job);
      if (job.status === "succeeded") return job;
      if (Date.now() >= deadline) throw new Error(`job ${jobId} still ${job.status} after ${wait.timeoutMs}ms`);
      await sleep(wait.intervalMs ?? 500);
    }
  }

  async function uploadPackage(path: string, upload: UploadOptions = {}): Promise<PackageDetail> {
    const filename = basename(path);
    const size = (await stat(path)).size;
    const uploadedBy = upload.uploadedBy ?? "allure-connect";
    const ticket = body(await api.POST("/api/v1/packages/upload-url", {
      body: { tenant_id: tenantId, filename, file_size: size, uploaded_by: uploadedBy, package_id: upload.packageId },
    }));
    await putFile(send, ticket.presigned_url, ticket.method, { ...ticket.required_put_headers }, path, size,
      upload.onProgress);
    const accepted = body(await api.POST("/api/v1/packages/process", {
      body: { tenant_id: tenantId, storage_path: ticket.storage_path, original_filename: filename,
              uploaded_by: uploadedBy, package_id: upload.packageId },
    }));
    const job = await waitForJob(accepted.job_id, upload);
    const packageId = String(job.result?.package_id);
    return body(await api.GET("/api/v1/packages/{package_id}", { params: { path: { package_id: packageId } } }));
  }

  async function* iterate<P extends ListPath>(path: P, query?: ListQuery<P>): AsyncGenerator<Item<P>, void, undefined> {
    const limit = (query as { limit?: number } | undefined)?.limit ?? PAGE_LIMIT;
    for (let page = 1; ; page += 1) {
      const params = { query: { ...query, limit, page } };
      // One generic walk over five typed routes: openapi-fetch cannot name a union of paths in one call.
      const answer = body(await (api.GET as (p: string, o: object) => Promise<{ data?: Lists[P] }>)(path, { params }));
      const items = (answer as unknown as Record<string, Item<P>[]>)[ITEMS[path]] ?? [];
      yield* items;
      if (!items.length || page >= totalPages(answer, limit)) return;
    }
  }

  return Object.assign(api, { baseUrl: root, tenantId, waitForJob, uploadPackage, iterate });
}

/** PUT a file to a presigned URL, streamed from disk with its length, counting the bytes sent. */
async function putFile(
  send: typeof globalThis.fetch, url: string, method: string, headers: Record<string, string>, path: string,
  size: number, onProgress?: Progress,
): Promise<void> {
  let sent = 0;
  onProgress?.(0, size);
  const counted = createReadStream(path).pipe(new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      onProgress?.(sent, size);
      done(null, chunk);
    },
  }));
  const response = await send(url, {
    method,
    headers: { ...headers, "Content-Length": String(size), "User-Agent": USER_AGENT },
    body: Readable.toWeb(counted) as ReadableStream<Uint8Array>,
    duplex: "half",
  } as RequestInit);
  if (!response.ok) {
    const text = await response.text();
    throw new AllureApiError(response, { error: { code: "STORAGE_PUT_FAILED", message: text.slice(0, 500), details: {} } });
  }
}
