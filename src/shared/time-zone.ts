/**
 * Calendar-day windows in a configurable IANA time zone. Daily limits reset at local midnight,
 * so "today" must be computed in the deployment's zone, not in UTC.
 */
function offsetMinutes(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

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
