/**
 * Calendar-day windows in a configurable IANA time zone. Daily limits reset at local midnight,
 * so "today" must be computed in the deployment's zone, not in UTC.
 */
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();
/** Offsets by zone and quarter-hour: zones change offset only on quarter-hour boundaries, and Intl is slow per call. */
const offsetCache = new Map<string, number>();
const QUARTER_HOUR = 900_000;

/** How far the zone's wall clock is ahead of UTC at `instant`, in milliseconds (daily windows, reports' local dates). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const quarter = Math.floor(instant.getTime() / QUARTER_HOUR);
  const key = `${timeZone}|${quarter}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  let fmt = wallClockFormats.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallClockFormats.set(timeZone, fmt);
  }
  const at = new Date(quarter * QUARTER_HOUR);
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at.getTime();
  if (offsetCache.size > 50_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

const offsetMinutes = (instant: Date, timeZone: string): number => Math.round(zoneOffsetMs(instant, timeZone) / 60000);

function localMidnight(year: number, month: number, day: number, timeZone: string): Date {
  // Guess with the offset at UTC midnight, then correct once for a DST change in between.
  let guess = new Date(Date.UTC(year, month, day) - offsetMinutes(new Date(Date.UTC(year, month, day)), timeZone) * 60000);
  const corrected = Date.UTC(year, month, day) - offsetMinutes(guess, timeZone) * 60000;
  if (corrected !== guess.getTime()) guess = new Date(corrected);
  return guess;
}

export function dayWindow(instant: Date, timeZone: string): { start: Date; end: Date } {
  const local = new Date(instant.getTime() + offsetMinutes(instant, timeZone) * 60000);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const d = local.getUTCDate();
  return { start: localMidnight(y, m, d, timeZone), end: localMidnight(y, m, d + 1, timeZone) };
}
