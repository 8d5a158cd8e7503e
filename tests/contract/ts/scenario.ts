// The TypeScript user's scenario, through openapi-fetch typed by the `paths` that
// openapi-typescript generates from openapi/openapi.json (schema.d.ts, made by tests/contract/run).
//
// On every connection of the sandbox: read capabilities, list spaces, create a folder (retried
// with its Idempotency-Key), upload, read the ETag and a 304, page through the folder, download a range, rename, move (where the capabilities list it), read
// a 501 and a 404 as typed problems, delete. Only typed client calls — no raw fetch and no casts
// (`as`, `any`, `!`): tsc --strict checks it; where one would be needed, the document is wrong.
// Node's fetch asks for gzip, deflate and br by default.
//
// Env: FILEGATE_URL, FILEGATE_TOKEN.

import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];
type Operation = components["schemas"]["Operation"];

const SANDBOX_CONNECTIONS = ["fangcloud-demo", "onebot-demo", "wecom-demo"];
// Space kinds whose root takes uploads and folders on every provider.
const WRITABLE_ROOT_KINDS: ReadonlyArray<components["schemas"]["SpaceKind"]> = ["team", "personal", "group"];

class ScenarioError extends Error {}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new ScenarioError(what);
}

/** The body of a successful answer with this status, or a failure naming what came. */
function expectOk<T>(r: { data?: T; error?: Problem; response: Response }, status: number, what: string): T {
  if (r.response.status !== status || r.data === undefined) {
    const detail = r.error ? `${r.error.code}: ${r.error.detail}` : "";
    throw new ScenarioError(`${what}: expected ${status}, got ${r.response.status} ${detail}`);
  }
  return r.data;
}

/** The typed problem of an error answer with this status and code. */
function expectProblem(r: { error?: Problem; response: Response }, status: number, code: string, what: string): Problem {
  const problem = r.error;
  if (r.response.status !== status || problem === undefined) {
    throw new ScenarioError(`${what}: expected a ${status} problem, got ${r.response.status}`);
  }
  check(problem.status === status && problem.code === code, `${what}: expected ${status} ${code}, got ${problem.status} ${problem.code}`);
  check(problem.type.endsWith(code), `${what}: problem type ${problem.type} does not name ${code}`);
  check(r.response.headers.get("content-type") === "application/problem+json", `${what}: content-type ${r.response.headers.get("content-type")}`);
  return problem;
}

const client = createClient<paths>({
  baseUrl: process.env.FILEGATE_URL ?? "",
  headers: { Authorization: `Bearer ${process.env.FILEGATE_TOKEN ?? ""}` },
});

/** Every item id of a folder, one item a page, following `next_cursor`; and the page count. */
async function pageThrough(conn: string, space: string, parent: string | undefined): Promise<[string[], number]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = expectOk(
      await client.GET("/v1/connections/{conn}/spaces/{space}/items", {
        params: { path: { conn, space }, query: { parent, limit: 1, cursor } },
      }),
      200,
      `list_items page ${pages + 1}`,
    );
    pages += 1;
    check(page.items.length <= 1, `a page of limit 1 has ${page.items.length} items`);
    ids.push(...page.items.map((i) => i.id));
    if (page.next_cursor === null || page.next_cursor === undefined) return [ids, pages];
    check(pages < 1000, "next_cursor never ends");
    cursor = page.next_cursor;
  }
}

/** Calls an operation the capabilities do not list and reads its 501 problem. */
async function readUnsupported(
  conn: string,
  space: string,
  item: string,
  operations: ReadonlySet<Operation>,
): Promise<[Operation, Problem] | undefined> {
  const path = { conn, space, item };
  const calls: Array<[Operation, () => Promise<Problem>]> = [
    [
      "list_versions",
      async () =>
        expectProblem(
          await client.GET("/v1/connections/{conn}/spaces/{space}/items/{item}/versions", { params: { path } }),
          501,
          "unsupported_operation",
          "list_versions",
        ),
    ],
    [
      "get_sharing",
      async () =>
        expectProblem(
          await client.GET("/v1/connections/{conn}/spaces/{space}/items/{item}/sharing", { params: { path } }),
          501,
          "unsupported_operation",
          "get_sharing",
        ),
    ],
  ];
  for (const [op, call] of calls) {
    if (!operations.has(op)) return [op, await call()];
  }
  return undefined;
}

async function scenario(conn: string): Promise<{ move: boolean; unsupported: boolean }> {
  const info = expectOk(await client.GET("/v1/connections/{conn}", { params: { path: { conn } } }), 200, "get_connection");
  check(info.name === conn, `get_connection answered ${info.name}`);
  const caps = info.capabilities;
  const operations = new Set<Operation>(caps.operations);
  console.log(`[${conn}] provider ${info.provider}, ${operations.size} operations, range downloads: ${caps.range_downloads}`);

  const spaces = expectOk(await client.GET("/v1/connections/{conn}/spaces", { params: { path: { conn } } }), 200, "list_spaces");
  const space = spaces.items.find((s) => WRITABLE_ROOT_KINDS.includes(s.kind));
  check(space !== undefined, `no space of kind ${WRITABLE_ROOT_KINDS.join("/")} among ${spaces.items.length}`);
  console.log(`[${conn}] ${spaces.items.length} spaces; using '${space.name}' (${space.kind})`);
  const inSpace = { conn, space: space.id };

  const tag = Math.random().toString(16).slice(2, 10);
  // With an Idempotency-Key, as a client that retries sends it: the retry gets the first answer.
  const makeFolder = async () =>
    client.POST("/v1/connections/{conn}/spaces/{space}/folders", {
      params: { path: inSpace, header: { "Idempotency-Key": `contract-ts-${tag}` } },
      body: { name: `contract-ts-${tag}` },
    });
  const first = await makeFolder();
  const folder = expectOk(first, 201, "create_folder");
  check(folder.kind === "folder", `create_folder made a ${folder.kind}`);
  const location = first.response.headers.get("location");
  check(location !== null && location.endsWith(`/items/${folder.id}`), `create_folder's Location ${location}`);
  const retried = await makeFolder();
  const again = expectOk(retried, 201, "create_folder retried with its Idempotency-Key");
  check(again.id === folder.id, "the retry with the same Idempotency-Key made another folder");
  check(retried.response.headers.get("idempotent-replayed") === "true", "the retry is not marked Idempotent-Replayed");
  console.log(`[${conn}] create_folder retried with its Idempotency-Key: the same folder, replayed`);

  const text = `filegate contract suite (TypeScript) ${tag} ${"0123456789".repeat(6)}`;
  const size = new TextEncoder().encode(text).length;
  const uploaded = expectOk(
    await client.POST("/v1/connections/{conn}/spaces/{space}/files", {
      params: { path: inSpace, query: { name: `contract-ts-${tag}.txt` } },
      body: text,
      // The body is the file's bytes, not JSON.
      bodySerializer: (body) => body,
      headers: { "Content-Type": "application/octet-stream" },
    }),
    201,
    "upload_file",
  );
  let file = uploaded.item;
  check(file.kind === "file", `upload made a ${file.kind}`);
  check(file.size === size, `uploaded ${size} bytes, item says ${file.size}`);
  console.log(`[${conn}] created folder '${folder.name}', uploaded '${file.name}' (${size} bytes, ${uploaded.method})`);

  // The item's validator: its GET carries it as ETag, and If-None-Match with it is a 304.
  const got = await client.GET("/v1/connections/{conn}/spaces/{space}/items/{item}", {
    params: { path: { ...inSpace, item: file.id } },
  });
  const current = expectOk(got, 200, "get_item");
  const etag = current.etag;
  check(typeof etag === "string" && got.response.headers.get("etag") === etag, `get_item's ETag ${got.response.headers.get("etag")} vs etag ${etag}`);
  check(current.mime_type === "text/plain", `a .txt file has mime_type ${current.mime_type}`);
  const unchanged = await client.GET("/v1/connections/{conn}/spaces/{space}/items/{item}", {
    params: { path: { ...inSpace, item: file.id }, header: { "If-None-Match": etag } },
  });
  check(unchanged.response.status === 304, `If-None-Match with the ETag answered ${unchanged.response.status}`);
  console.log(`[${conn}] get_item with If-None-Match: 304`);

  const [ids, pages] = await pageThrough(conn, space.id, file.parent_id ?? undefined);
  check(ids.includes(folder.id) && ids.includes(file.id), "the new folder and file are not both in the paged listing");
  check(new Set(ids).size === ids.length, "paging repeated an item");
  check(pages >= 2, `${ids.length} items came in ${pages} page(s) of 1`);
  console.log(`[${conn}] paged through the folder: ${ids.length} items in ${pages} pages`);

  const itemPath = { ...inSpace, item: file.id };
  if (caps.range_downloads) {
    const ranged = await client.GET("/v1/connections/{conn}/spaces/{space}/items/{item}/content", {
      params: { path: itemPath, header: { Range: "bytes=2-9" } },
      parseAs: "text",
    });
    const part = expectOk(ranged, 206, "download_file with Range");
    check(part === text.slice(2, 10), `the range's bytes differ: '${part}'`);
    const contentRange = ranged.response.headers.get("content-range");
    check(contentRange === `bytes 2-9/${size}`, `Content-Range ${contentRange}`);
    console.log(`[${conn}] downloaded bytes 2-9: 206, ${contentRange}`);
  }
  const whole = expectOk(
    await client.GET("/v1/connections/{conn}/spaces/{space}/items/{item}/content", {
      params: { path: itemPath },
      parseAs: "text",
    }),
    200,
    "download_file",
  );
  check(whole === text, "downloaded bytes differ from the upload's");

  const renamed = expectOk(
    await client.PATCH("/v1/connections/{conn}/spaces/{space}/items/{item}", {
      params: { path: { ...inSpace, item: folder.id } },
      body: { name: `contract-ts-${tag}-renamed` },
    }),
    200,
    "rename folder",
  );
  check(renamed.name === `contract-ts-${tag}-renamed`, `renamed to '${renamed.name}'`);
  console.log(`[${conn}] renamed the folder to '${renamed.name}'`);

  const move = operations.has("move_item");
  if (move) {
    const moved = expectOk(
      await client.PATCH("/v1/connections/{conn}/spaces/{space}/items/{item}", {
        params: { path: itemPath },
        body: { parent: folder.id },
      }),
      200,
      "move file",
    );
    check(moved.parent_id === folder.id, `moved file's parent is ${moved.parent_id}`);
    const inside = expectOk(
      await client.GET("/v1/connections/{conn}/spaces/{space}/items", {
        params: { path: inSpace, query: { parent: folder.id } },
      }),
      200,
      "list the folder",
    );
    check(inside.items.length === 1 && inside.items[0]?.id === moved.id, "the folder does not hold exactly the moved file");
    file = moved;
    console.log(`[${conn}] moved the file into the folder`);
  } else {
    console.log(`[${conn}] move_item is not in the capabilities: not called`);
  }

  const unsupported = await readUnsupported(conn, space.id, file.id, operations);
  if (unsupported !== undefined) {
    console.log(`[${conn}] ${unsupported[0]} (absent from capabilities) answers 501 ${unsupported[1].code}`);
  }

  const deletions: Array<[string, string]> = [
    ["delete file", file.id],
    ["delete folder", folder.id],
  ];
  for (const [what, item] of deletions) {
    const r = await client.DELETE("/v1/connections/{conn}/spaces/{space}/items/{item}", {
      params: { path: { ...inSpace, item } },
    });
    check(r.response.status === 204, `${what}: expected 204, got ${r.response.status} ${r.error?.code ?? ""}`);
  }
  const gone = expectProblem(
    await client.GET("/v1/connections/{conn}/spaces/{space}/items/{item}", { params: { path: itemPath } }),
    404,
    "item_not_found",
    "get deleted file",
  );
  check(typeof gone.request_id === "string", "the problem has no request_id");
  console.log(`[${conn}] deleted both; the file now answers 404 ${gone.code}`);
  return { move, unsupported: unsupported !== undefined };
}

async function main(): Promise<number> {
  const listing = await client.GET("/v1/connections");
  const encoding = listing.response.headers.get("content-encoding");
  const connections = expectOk(listing, 200, "list_connections");
  const names = connections.items.map((c) => c.name).sort();
  check(SANDBOX_CONNECTIONS.every((n) => names.includes(n)), `the sandbox's connections are ${names.join(", ")}`);
  // Node's fetch decodes and drops nothing: the header tells the answer came compressed.
  check(encoding !== null && ["gzip", "br", "deflate"].includes(encoding), `list_connections came with Content-Encoding ${encoding}`);
  console.log(`connections: ${names.join(", ")} (Content-Encoding: ${encoding})`);
  const nope = expectProblem(
    await client.GET("/v1/connections/{conn}", { params: { path: { conn: "no-such-connection" } } }),
    404,
    "connection_not_found",
    "unknown connection",
  );
  console.log(`unknown connection answers 404 ${nope.code}`);

  let passed = 0;
  let failed = 0;
  let moves = 0;
  let skippedMoves = 0;
  let unsupported = 0;
  for (const conn of names) {
    try {
      const ran = await scenario(conn);
      passed += 1;
      if (ran.move) moves += 1;
      else skippedMoves += 1;
      if (ran.unsupported) unsupported += 1;
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      failed += 1;
      console.log(`[${conn}] FAILED: ${e.message}`);
    }
  }
  // The sandbox has providers that move and one that cannot: both branches must have run.
  if (failed === 0 && !(moves > 0 && skippedMoves > 0 && unsupported === names.length)) {
    failed += 1;
    console.log(`FAILED: moves ${moves}, skipped moves ${skippedMoves}, 501s read ${unsupported} of ${names.length}`);
  }
  console.log(`typescript scenario: ${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
