import { createContext, useContext } from "react";
import type { RestClient } from "./api/rest";
import type { ChatSocket, SocketStatus } from "./api/socket";
import type { Me, ServerEvent } from "./api/types";

export interface AppServices {
  rest: RestClient;
  socket: ChatSocket;
  status: SocketStatus;
  /** Subscribe to server events; returns the unsubscribe function. */
  subscribe: (listener: (event: ServerEvent) => void) => () => void;
  me: Me | null;
}

export const AppContext = createContext<AppServices | null>(null);

export function useApp(): AppServices {
  const value = useContext(AppContext);
  if (!value) throw new Error("useApp outside AppContext");
  return value;
}
