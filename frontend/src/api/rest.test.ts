import { describe, expect, it } from "vitest";
import { ApiError } from "./errors";
import { RestClient } from "./rest";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that records requests and answers from a queue of [status, body]. */
function fakeFetch(replies: [number, unknown][]) {
  const calls: Call[] = [];
  const impl = async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({
      url: String(url),
      method: init?.method ?? "GET",
      headers: init?.headers as Record<string, string>,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    });
    const [status, body] = replies.shift() ?? [500, null];
    return new Response(body === null ? null : JSON.stringify(body), { status });
  };
  return { calls, impl: impl as typeof fetch };
}

const doc = (id: string) => ({ doc_id: id, filename: `${id}.txt`, status: "INDEXED" });

describe("RestClient", () => {
  it("sends the bearer token on every call", async () => {
    const f = fakeFetch([[200, { user_id: "alice", is_admin: false }]]);
    const client = new RestClient("http://api/", async () => "T0K", f.impl);
    expect(await client.me()).toEqual({ user_id: "alice", is_admin: false });
    expect(f.calls[0]!.url).toBe("http://api/me");
    expect(f.calls[0]!.headers.Authorization).toBe("Bearer T0K");
  });

  it("lists everyone's documents for admins and follows next_cursor", async () => {
    const f = fakeFetch([
      [200, { items: [doc("a"), doc("b")], next_cursor: "c1" }],
      [200, { items: [doc("c")], next_cursor: null }],
    ]);
    const client = new RestClient("http://api", async () => "t", f.impl);
    const items = await client.listAllDocuments(true);
    expect(items.map((d) => d.doc_id)).toEqual(["a", "b", "c"]);
    expect(f.calls.map((c) => c.url)).toEqual([
      "http://api/documents?scope=all&limit=100",
      "http://api/documents?scope=all&cursor=c1&limit=100",
    ]);
  });

  it("lists the documents shared with me and shares one with groups", async () => {
    const f = fakeFetch([
      [200, { items: [doc("s")], next_cursor: null }],
      [200, { ...doc("a"), shared_with: ["crew"] }],
    ]);
    const client = new RestClient("http://api", async () => "t", f.impl);
    expect((await client.listAllDocuments(false, true)).map((d) => d.doc_id)).toEqual(["s"]);
    expect(f.calls[0]!.url).toBe("http://api/documents?scope=shared&limit=100");
    expect((await client.shareDocument("a/b", ["crew"])).shared_with).toEqual(["crew"]);
    expect(f.calls[1]).toMatchObject({ method: "PUT", url: "http://api/documents/a%2Fb/sharing", body: { groups: ["crew"] } });
  });

  it("creates a document with filename, size and type", async () => {
    const f = fakeFetch([[201, { document: doc("n"), upload: { url: "u", method: "PUT", headers: {}, fields: {} } }]]);
    const client = new RestClient("http://api", async () => "t", f.impl);
    await client.createDocument({ name: "notes.md", size: 12, type: "" });
    expect(f.calls[0]).toMatchObject({ method: "POST", url: "http://api/documents" });
    expect(f.calls[0]!.body).toEqual({ filename: "notes.md", size: 12, content_type: null });
  });

  it("escapes ids in paths and accepts an empty 204", async () => {
    const f = fakeFetch([[204, null]]);
    const client = new RestClient("http://api", async () => "t", f.impl);
    await client.deleteDocument("a/../b");
    expect(f.calls[0]).toMatchObject({ method: "DELETE", url: "http://api/documents/a%2F..%2Fb" });
  });

  it("turns the error body into an ApiError with the server's code", async () => {
    const f = fakeFetch([[404, { error: { code: "not_found", message: "document not found" } }]]);
    const client = new RestClient("http://api", async () => "t", f.impl);
    const err = await client.getDocument("x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, code: "not_found", message: "document not found" });
  });

  it("reports a refused token so the app can sign out", async () => {
    const f = fakeFetch([[401, { error: { code: "unauthorized", message: "token expired" } }]]);
    let signedOut = 0;
    const client = new RestClient("http://api", async () => "old", f.impl, () => signedOut++);
    await expect(client.me()).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    expect(signedOut).toBe(1);
  });

  it("reports an unreachable server as unavailable", async () => {
    const client = new RestClient("http://api", async () => "t", (async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch);
    await expect(client.me()).rejects.toMatchObject({ code: "unavailable" });
  });
});
