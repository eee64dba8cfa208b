/**
 * When may an account act again? Never sooner than a random human-like pause, and no sooner than
 * an even share of what is left of the day, so 30 invites are spread over 24 h instead of being
 * burned in the first five hours.
 */
export function nextActionTime(opts: {
  now: Date;
  dayEnd: Date;
  remainingToday: number;
  pauseMinSeconds: number;
  pauseMaxSeconds: number;
  random: () => number;
}): Date {
  const { now, dayEnd, remainingToday, pauseMinSeconds, pauseMaxSeconds, random } = opts;
  const pause = pauseMinSeconds + random() * (pauseMaxSeconds - pauseMinSeconds);
  if (remainingToday <= 0) {
    return new Date(Math.max(now.getTime() + pause * 1000, dayEnd.getTime()));
  }
  // remaining + 1 slots keep the last action of the day inside the day rather than at its edge.
  const evenShareSeconds = (dayEnd.getTime() - now.getTime()) / 1000 / (remainingToday + 1);
  return new Date(now.getTime() + Math.max(pause, evenShareSeconds) * 1000);
}
