// Wire types, generated from the server's schema snapshot (openapi.json -> schema.d.ts).
import type { components } from "./schema";

type S = components["schemas"];

export type Document = S["Document"];
export type DocumentStatus = S["DocumentStatus"];
export type DocumentPage = S["DocumentPage"];
export type CreateDocumentResponse = S["CreateDocumentResponse"];
export type UploadTarget = S["UploadTarget"];
export type Me = S["Me"];
export type ShareRequest = S["ShareRequest"];
export type DevLoginRequest = S["DevLoginRequest"];
export type TokenResponse = S["TokenResponse"];
export type ErrorCode = S["ErrorCode"];
export type ChatTurn = S["ChatTurn"];
export type Source = S["Source"];
export type AskAction = S["AskAction"];
export type CancelAction = S["CancelAction"];
export type PingAction = S["PingAction"];
export type ClientMessage = AskAction | CancelAction | PingAction;
export type TokenEvent = S["TokenEvent"];
export type SourcesEvent = S["SourcesEvent"];
export type DoneEvent = S["DoneEvent"];
export type ErrorEvent = S["ErrorEvent"];
export type DocumentEvent = S["DocumentEvent"];
export type PongEvent = S["PongEvent"];
export type ConversationEvent = S["ConversationEvent"];
export type ServerEvent = TokenEvent | SourcesEvent | DoneEvent | ErrorEvent | DocumentEvent | PongEvent | ConversationEvent;

// Conversations and feedback (issue 15)
export type Conversation = S["Conversation"];
export type ConversationSummary = S["ConversationSummary"];
export type ConversationPage = S["ConversationPage"];
export type Turn = S["Turn"];
export type Feedback = S["Feedback"];
export type Rating = S["Rating"];

const EVENT_TYPES = new Set(["token", "sources", "done", "error", "document", "pong", "conversation"]);

/** Narrow an untrusted parsed frame to a server event (unknown types are dropped, not thrown). */
export function asServerEvent(value: unknown): ServerEvent | null {
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  return typeof type === "string" && EVENT_TYPES.has(type) ? (value as ServerEvent) : null;
}
