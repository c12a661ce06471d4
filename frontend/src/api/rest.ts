import { ApiError, errorFromBody } from "./errors";
import type { UsageReport } from "../usage/types";
import type {
  Conversation,
  ConversationPage,
  ConversationSummary,
  CreateDocumentResponse,
  Document,
  DocumentPage,
  Me,
  Rating,
  ShareRequest,
  Turn,
} from "./types";

export type TokenSource = () => Promise<string>;

/** REST client for the document API. Every call sends `Authorization: Bearer <access token>`. */
export class RestClient {
  private readonly base: string;

  constructor(
    apiUrl: string,
    private readonly token: TokenSource,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
    /** Called when the server refuses the token (expired, revoked): the app signs out. */
    private readonly onUnauthorized: () => void = () => undefined,
  ) {
    this.base = apiUrl.replace(/\/+$/, "");
  }

  me(): Promise<Me> {
    return this.request<Me>("GET", "/me");
  }

  listDocuments(
    opts: { all?: boolean; shared?: boolean; cursor?: string | null; limit?: number } = {},
  ): Promise<DocumentPage> {
    const q = new URLSearchParams();
    if (opts.all) q.set("scope", "all");
    else if (opts.shared) q.set("scope", "shared");
    if (opts.cursor) q.set("cursor", opts.cursor);
    if (opts.limit) q.set("limit", String(opts.limit));
    const qs = q.toString();
    return this.request<DocumentPage>("GET", `/documents${qs ? `?${qs}` : ""}`);
  }

  /** Every page of the listing, following `next_cursor`. */
  async listAllDocuments(all: boolean, shared = false): Promise<Document[]> {
    const items: Document[] = [];
    let cursor: string | null | undefined = null;
    for (let i = 0; i < 100; i++) {
      const page: DocumentPage = await this.listDocuments({ all, shared, cursor, limit: 100 });
      items.push(...page.items);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    return items;
  }

  createDocument(file: { name: string; size: number; type: string }): Promise<CreateDocumentResponse> {
    return this.request<CreateDocumentResponse>("POST", "/documents", {
      filename: file.name,
      size: file.size,
      content_type: file.type || null,
    });
  }

  getDocument(id: string): Promise<Document> {
    return this.request<Document>("GET", `/documents/${encodeURIComponent(id)}`);
  }

  deleteDocument(id: string): Promise<void> {
    return this.request<void>("DELETE", `/documents/${encodeURIComponent(id)}`);
  }

  reindexDocument(id: string): Promise<Document> {
    return this.request<Document>("POST", `/documents/${encodeURIComponent(id)}/reindex`);
  }

  /** Per-person usage over the last `days` days (administrators only). */
  usage(days: number): Promise<UsageReport> {
    return this.request<UsageReport>("GET", `/usage?days=${encodeURIComponent(String(days))}`);
  }

  /** Share a document read-only with exactly these groups (an empty list: with nobody). */
  shareDocument(id: string, groups: string[]): Promise<Document> {
    const body: ShareRequest = { groups };
    return this.request<Document>("PUT", `/documents/${encodeURIComponent(id)}/sharing`, body);
  }

  // --- conversations and feedback (issue 15) ---

  listConversations(opts: { cursor?: string | null; limit?: number } = {}): Promise<ConversationPage> {
    const q = new URLSearchParams();
    if (opts.cursor) q.set("cursor", opts.cursor);
    if (opts.limit) q.set("limit", String(opts.limit));
    const qs = q.toString();
    return this.request<ConversationPage>("GET", `/conversations${qs ? `?${qs}` : ""}`);
  }

  getConversation(id: string): Promise<Conversation> {
    return this.request<Conversation>("GET", `/conversations/${encodeURIComponent(id)}`);
  }

  renameConversation(id: string, title: string): Promise<ConversationSummary> {
    return this.request<ConversationSummary>("PATCH", `/conversations/${encodeURIComponent(id)}`, { title });
  }

  deleteConversation(id: string): Promise<void> {
    return this.request<void>("DELETE", `/conversations/${encodeURIComponent(id)}`);
  }

  rateAnswer(id: string, n: number, rating: Rating, comment?: string): Promise<Turn> {
    return this.request<Turn>("PUT", `/conversations/${encodeURIComponent(id)}/turns/${n}/feedback`, {
      rating,
      ...(comment ? { comment } : {}),
    });
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      Accept: "application/json",
      Authorization: `Bearer ${await this.token()}`,
    };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "unavailable", "The server cannot be reached.");
    }
    const text = await res.text();
    const parsed: unknown = text ? safeJson(text) : null;
    if (res.status === 401) this.onUnauthorized();
    if (!res.ok) throw errorFromBody(res.status, parsed, `${method} ${path} failed (${res.status})`);
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
