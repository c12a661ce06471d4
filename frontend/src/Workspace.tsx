import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { RestClient } from "./api/rest";
import { ChatSocket, type SocketStatus } from "./api/socket";
import type { Me, ServerEvent } from "./api/types";
import type { Session } from "./auth";
import { ChatView } from "./chat/ChatView";
import { useChat } from "./chat/useChat";
import type { AppConfig } from "./config";
import { AppContext, type AppServices } from "./context";
import { DocumentsView } from "./documents/DocumentsView";
import { useDocuments } from "./documents/useDocuments";
import { UsageView } from "./usage/UsageView";

type Tab = "chat" | "documents" | "usage";
const TAB_NAMES: Record<Tab, string> = { chat: "Chat", documents: "Documents", usage: "Usage" };

const STATUS_TEXT: Record<SocketStatus, string> = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  stopped: "Offline",
};

function Views({ tab, isAdmin }: { tab: Tab; isAdmin: boolean }): ReactNode {
  // Both live here so the conversation and uploads survive switching tabs.
  const chat = useChat();
  const docs = useDocuments();
  return (
    <>
      <div hidden={tab !== "chat"} className="view" id="panel-chat" role="tabpanel" aria-labelledby="tab-chat">
        <ChatView chat={chat} documents={docs.documents} />
      </div>
      <div hidden={tab !== "documents"} className="view" id="panel-documents" role="tabpanel" aria-labelledby="tab-documents">
        <DocumentsView model={docs} />
      </div>
      {isAdmin && tab === "usage" && (
        <div className="view" id="panel-usage" role="tabpanel" aria-labelledby="tab-usage">
          <UsageView />
        </div>
      )}
    </>
  );
}

interface Props {
  config: AppConfig;
  session: Session;
  onSignOut: () => void;
}

/** The signed-in app: one REST client, one socket, two views. */
export function Workspace({ config, session, onSignOut }: Props): ReactNode {
  const [tab, setTab] = useState<Tab>("chat");
  const [status, setStatus] = useState<SocketStatus>("connecting");
  const [me, setMe] = useState<Me | null>(null);
  const listeners = useRef(new Set<(e: ServerEvent) => void>());
  // An expired session (local token past its lifetime, Cognito refresh failing) ends in sign-in.
  const token = useCallback(async () => {
    try {
      return await session.token();
    } catch (err) {
      if ((err as { status?: number }).status === 401) onSignOut();
      throw err;
    }
  }, [session, onSignOut]);
  const rest = useMemo(
    () => new RestClient(config.apiUrl, token, undefined, onSignOut),
    [config.apiUrl, token, onSignOut],
  );
  const socket = useMemo(
    () =>
      new ChatSocket({
        url: config.wsUrl,
        token,
        onEvent: (event) => listeners.current.forEach((fn) => fn(event)),
        onStatus: (s) => setStatus(s),
      }),
    [config.wsUrl, token],
  );
  useEffect(() => {
    socket.start();
    return () => socket.stop();
  }, [socket]);
  useEffect(() => {
    rest.me().then(setMe, () => undefined); // a 401 already signed out through the client
  }, [rest]);
  const subscribe = useCallback((fn: (e: ServerEvent) => void) => {
    listeners.current.add(fn);
    return () => void listeners.current.delete(fn);
  }, []);
  const services: AppServices = { rest, socket, status, subscribe, me };

  return (
    <AppContext.Provider value={services}>
      <div className="app">
        <header className="topbar">
          <span className="brand">Ask your documents</span>
          <nav role="tablist" aria-label="Views" className="tabs">
            {(me?.is_admin ? (["chat", "documents", "usage"] as const) : (["chat", "documents"] as const)).map((t) => (
              <button
                key={t}
                id={`tab-${t}`}
                role="tab"
                aria-selected={tab === t}
                aria-controls={`panel-${t}`}
                className="tab"
                onClick={() => setTab(t)}
              >
                {TAB_NAMES[t]}
              </button>
            ))}
          </nav>
          <div className="session">
            <span className={`conn conn-${status}`} role="status" title={STATUS_TEXT[status]}>
              <span className="conn-dot" aria-hidden="true" />
              <span className="conn-text">{STATUS_TEXT[status]}</span>
            </span>
            <span className="user" title={me?.is_admin ? "administrator" : undefined}>
              {session.username}
              {me?.is_admin && <span className="badge admin">admin</span>}
            </span>
            <button type="button" className="small-button" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </header>
        <main className="content">
          <Views tab={tab} isAdmin={me?.is_admin === true} />
        </main>
      </div>
    </AppContext.Provider>
  );
}
