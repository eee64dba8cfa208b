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
  /**
   * The service's clock as last read: its time (ms) and this browser's at that moment, and its speed. Times the service
   * gives (an account's rest until…, a start time) are on that clock, which is not the browser's: a sped-up sandbox
   * runs SANDBOX_TIME_SPEED times faster and is days ahead, and a browser's own clock may simply be wrong.
   */
  clock: { service: number; local: number; speed: number } | null;
}

const UNKNOWN: ServerInfo = { known: false, sandbox: false, parsingConfigured: true, circuit: null, clock: null };

/** The service's time now (ms), from its last reading advanced at its speed; the browser's until one is known. */
export function serviceNow(info: ServerInfo): number {
  const c = info.clock;
  return c ? c.service + (Date.now() - c.local) * c.speed : Date.now();
}
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
              clock: typeof h.now === 'string' ? { service: Date.parse(h.now), local: Date.now(), speed: Number(h.time_speed) || 1 } : null,
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

/** The service's time, read again every `tickMs` (a countdown's second; an hour of a sandbox sped up 3600 times). */
export function useServiceNow(tickMs = 1000): number {
  const info = useServerInfo();
  const [, setTick] = useState(0);
  useEffect(() => {
    const h = setInterval(() => setTick((n) => n + 1), tickMs);
    return () => clearInterval(h);
  }, [tickMs]);
  return serviceNow(info);
}
