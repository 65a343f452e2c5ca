/*
    Allure Connect adapter for ADL's cmi5 LMS test suite (github adlnet/CATAPULT, `lts/`).

    It implements the suite's `lib/lms.template.js` against the Allure Connect API and reads
    only ALLURE_BASE_URL (the API origin, e.g. http://127.0.0.1:3103) and ALLURE_API_KEY (an
    admin API key) from the environment. Run it from the suite's `lts/` folder (see
    tests/conformance/cmi5/README.md): the suite's own modules (Wreck, `lib/errors`) are
    loaded from there, so `InvalidPackageError` is the class the tests check against.

      importCourse   POST /api/v1/packages/upload (a ZIP, or a bare cmi5.xml), then the job
      getLaunchUrl   POST /api/v1/sessions (learner = actor.account.name), then
                     POST /api/v1/sessions/{id}/au-launch (the AU's own launch URL)
      waiveAU        POST /api/v1/sessions/{id}/waive
      abandonSession POST /api/v1/sessions/{id}/abandon {cmi5_session_id}
      LRS            tenant LRS credentials from POST /api/v1/xapi/credentials, on /xapi
*/
"use strict";

const path = require("path");
const lts = (name) => require(path.join(process.cwd(), name));
const Wreck = lts("node_modules/@hapi/wreck");
const {InvalidPackageError} = lts("lib/errors");

const state = {courses: [], registrations: new Map(), cmi5Sessions: new Map()};
let api, base, lrsEndpoint, lrsAuth;

const JOB_POLL_MS = 200;
const JOB_TIMEOUT_MS = 120000;

const readStream = async (stream) => {
    const chunks = [];

    for await (const chunk of stream) {
        chunks.push(Buffer.from(chunk));
    }

    return Buffer.concat(chunks);
};

const request = async (method, url, options, retries = 20) => {
    const response = await api.request(method, url, options);

    if (response.statusCode === 429 && retries > 0) {  // rate limited: wait as told, then again
        await Wreck.read(response);
        const seconds = Number(response.headers["retry-after"]) || 1;

        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));

        return request(method, url, options, retries - 1);
    }
    const text = (await Wreck.read(response)).toString();
    let body = null;

    try {
        body = text ? JSON.parse(text) : null;
    }
    catch (ex) {
        body = {raw: text};
    }

    return {status: response.statusCode, body};
};

const multipart = (fields, file) => {
    const boundary = `----allure${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
    const parts = [];

    for (const [name, value] of Object.entries(fields)) {
        parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    }
    parts.push(Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\n`
        + `Content-Type: ${file.type}\r\n\r\n`
    ));
    parts.push(file.data, Buffer.from(`\r\n--${boundary}--\r\n`));

    return {body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}`};
};

const waitForJob = async (jobId) => {
    const started = Date.now();

    while (Date.now() - started < JOB_TIMEOUT_MS) {
        const {body: job} = await request("GET", `/api/v1/jobs/${jobId}`);

        if (job.status === "succeeded") {
            return job;
        }
        if (job.status === "failed") {
            throw new InvalidPackageError(`Import refused (${job.error.code}): ${job.error.message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
    }

    throw new Error(`Import job ${jobId} did not finish in time`);
};

const sessionFor = async (courseId, userId) => {
    const {status, body} = await request("POST", "/api/v1/sessions", {
        headers: {"Content-Type": "application/json"},
        payload: JSON.stringify({package_id: courseId, user_id: userId})
    });

    if (status !== 201) {
        throw new Error(`Opening a session failed: ${status} ${JSON.stringify(body)}`);
    }

    return body;
};

module.exports = {
    setup: async () => {
        base = (process.env.ALLURE_BASE_URL || "").replace(/\/+$/, "");
        if (! base || ! process.env.ALLURE_API_KEY) {
            throw new Error("ALLURE_BASE_URL and ALLURE_API_KEY must be set");
        }
        api = Wreck.defaults({baseUrl: base, headers: {Authorization: `Bearer ${process.env.ALLURE_API_KEY}`}});

        const {status, body} = await request("POST", "/api/v1/xapi/credentials", {
            headers: {"Content-Type": "application/json"},
            payload: JSON.stringify({name: "cmi5 LMS test suite"})
        });

        if (status !== 201) {
            throw new Error(`Creating LRS credentials failed: ${status} ${JSON.stringify(body)}`);
        }
        state.credentialId = body.id;
        lrsEndpoint = `${base}/xapi`;
        lrsAuth = `Basic ${Buffer.from(`${body.key}:${body.secret}`).toString("base64")}`;
    },

    teardown: async () => {
        if (state.credentialId) {
            await request("DELETE", `/api/v1/xapi/credentials/${state.credentialId}`);
        }
    },

    getLrsEndpoint: () => lrsEndpoint,

    getLrsAuthHeader: () => lrsAuth,

    importCourse: async (stream, contentType, filename) => {
        const data = await readStream(stream);
        const form = multipart({uploaded_by: "cmi5-lts"}, {name: filename, type: contentType, data});
        const {status, body} = await request("POST", "/api/v1/packages/upload", {
            headers: {"Content-Type": form.type},
            payload: form.body
        });

        if (status >= 400 && status < 500) {
            const error = (body && body.error) || {};

            throw new InvalidPackageError(`Upload refused (${error.code}): ${error.message}`);
        }
        if (status !== 202) {
            throw new Error(`Upload failed: ${status} ${JSON.stringify(body)}`);
        }

        const job = await waitForJob(body.job_id);

        state.courses.push(job.result.package_id);

        return job.result.package_id;
    },

    getLaunchUrl: async (courseId, auIndex, actor, {registration, launchMode} = {}) => {
        const opened = await sessionFor(courseId, actor.account.name);
        const sessionId = opened.session.id;

        if (registration && registration !== opened.registration) {
            throw new Error(`The learner's registration is ${opened.registration}, not ${registration}`);
        }

        const {status, body} = await request("POST", `/api/v1/sessions/${sessionId}/au-launch`, {
            headers: {"Content-Type": "application/json"},
            payload: JSON.stringify({au_index: auIndex, mode: (launchMode || "Normal").toLowerCase()})
        });

        if (status !== 200) {
            throw new Error(`AU launch failed: ${status} ${JSON.stringify(body)}`);
        }
        state.registrations.set(body.registration, sessionId);
        state.cmi5Sessions.set(body.cmi5_session_id, sessionId);

        return body.url;
    },

    cleanup: async () => {
        for (const courseId of state.courses.splice(0)) {
            await request("DELETE", `/api/v1/packages/${courseId}`);
        }
    },

    hasWaive: () => true,

    waiveAU: async (registration, auIndex, reason) => {
        const sessionId = state.registrations.get(registration);

        if (! sessionId) {
            throw new Error(`No session known for registration ${registration}`);
        }

        const {status, body} = await request("POST", `/api/v1/sessions/${sessionId}/waive`, {
            headers: {"Content-Type": "application/json"},
            payload: JSON.stringify({au_index: auIndex, reason})
        });

        if (status !== 200) {
            throw new Error(`Waive failed: ${status} ${JSON.stringify(body)}`);
        }
    },

    hasAbandon: () => true,

    abandonSession: async (cmi5SessionId) => {
        const sessionId = state.cmi5Sessions.get(cmi5SessionId);

        if (! sessionId) {
            throw new Error(`No session known for cmi5 session ${cmi5SessionId}`);
        }

        const {status, body} = await request("POST", `/api/v1/sessions/${sessionId}/abandon`, {
            headers: {"Content-Type": "application/json"},
            payload: JSON.stringify({cmi5_session_id: cmi5SessionId})
        });

        if (status !== 200 || ! body.abandoned.includes(cmi5SessionId)) {
            throw new Error(`Abandon failed: ${status} ${JSON.stringify(body)}`);
        }
    }
};
