import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { apiUrl } from './api/client';

/** What the server says of itself in /health/detailed (open, no sign-in), as the pages need it. */
export interface ServerInfo {
  /** Loaded at least once (until then nothing below is known, and nothing should be hidden for it). */
  known: boolean;
  sandbox: boolean;
  /** This installation has a Parsing Service (PARSING_SERVICE_URL); without one, bases cannot be offered at all. */
  parsingConfigured: boolean;
  /** Circuit breaker: dispatch paused because platform calls fail en masse. */
  circuit: { state: string; retry_at: string | null } | null;
}

const UNKNOWN: ServerInfo = { known: false, sandbox: false, parsingConfigured: true, circuit: null };
const ServerInfoContext = createContext<ServerInfo>(UNKNOWN);

/** Loads /health/detailed now and every 30 s (the circuit breaker's state changes while a page stays open). */
export function ServerInfoProvider({ children }: { children: ReactNode }) {
  const [info, setInfo] = useState<ServerInfo>(UNKNOWN);
  useEffect(() => {
    const load = () =>
      fetch(apiUrl('/api/v1/health/detailed'))
        .then((r) => r.json())
        .then(
          (h) =>
            setInfo({
              known: true,
              sandbox: !!h.sandbox,
              parsingConfigured: h.parsing_service?.configured !== false,
              circuit: (h.platform_circuit as Array<{ state: string; retry_at: string | null }> | undefined)?.find((c) => c.state !== 'closed') ?? null,
            }),
          () => undefined,
        );
    void load();
    const timer = setInterval(load, 30_000);
    return () => clearInterval(timer);
  }, []);
  return <ServerInfoContext.Provider value={info}>{children}</ServerInfoContext.Provider>;
}

export const useServerInfo = () => useContext(ServerInfoContext);
