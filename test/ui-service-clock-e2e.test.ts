/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { browserSuiteEnabled } from './helpers/browser.js';
import { useStillUi } from './helpers/still-ui-server.js';

const haveBrowser = browserSuiteEnabled('UI service clock end-to-end tests');
const SHOTS = process.env.UI_SCREENSHOT_DIR ?? '/tmp/ui-service-clock';

/**
 * The pages count on the service's clock, not the browser's: here the service stands on 5 January 2026, 08:00 UTC,
 * eleven months behind this browser (as a sped-up sandbox runs days ahead of it, the other way). A rest's countdown
 * and the "already passed" check of a start time must agree with the service, which is what decides both.
 */
describe.skipIf(!haveBrowser)('the service clock in the browser (Chromium)', () => {
  const ui = useStillUi();

  const page = async () => {
    const p = await ui.browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Moscow', locale: 'ru-RU' });
    await p.addInitScript(() => localStorage.setItem('lang', 'ru'));
    return p;
  };

  it('says a start time has passed by the service’s clock, not the browser’s', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const p = await page();
    await p.goto(`${ui.base}/?token=${ui.token}#/tasks/new`);
    await p.fill('#group', '@sandbox_marketing');
    await p.locator('[data-testid=group-check] strong', { hasText: 'Sandbox Marketing Chat' }).waitFor();
    await p.setInputFiles('input[type=file]', { name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('clock_person_1\n') });
    await p.locator('[data-testid=file-preview]').waitFor();
    await p.fill('#name', 'По часам сервиса');
    await p.locator('label', { hasText: 'В дату и время' }).click();
    // 10:00 in Moscow on 5 January 2026 is an hour before the service's now (11:00 there).
    await p.fill('input[name=scheduled_at]', '2026-01-05T10:00');
    await p.click('button[type=submit]');
    expect(await p.locator('[data-testid=error-scheduled_at]').textContent()).toBe('Это время уже прошло: выберите время в будущем.');
    // 13:00 the same day is two hours ahead of the service, though long past for this browser: accepted and scheduled.
    await p.fill('input[name=scheduled_at]', '2026-01-05T13:00');
    await p.click('button[type=submit]');
    await p.waitForURL(/#\/tasks\/\d+$/);
    const id = Number(p.url().split('/').pop());
    const task = (await ui.api('GET', `/tasks/${id}`)).json;
    expect([task.status, task.scheduled_at]).toEqual(['SCHEDULED', '2026-01-05T10:00:00.000Z']);
    await p.close();
  });

  // After the start-time test: the rest leaves no account to start a task with.
  it('counts down an account’s rest to the time the service gave', async () => {
    const accounts = async () => (await ui.api('GET', '/accounts')).json.items as Array<{ id: number; rest_until: string | null }>;
    const [account] = await accounts();
    // A FloodWait of two hours (plus the configured buffer): the rest ends at the service's 08:00 + that.
    await ui.ctx.accountManager.reportError(account.id, { kind: 'FLOOD_WAIT', seconds: 7200, message: 'FLOOD_WAIT_7200', code: 'FLOOD_WAIT' });
    const rested = (await accounts()).find((a) => a.id === account!.id)!;
    const left = Math.round((Date.parse(rested.rest_until!) - ui.clock.now().getTime()) / 1000);
    expect(left).toBeGreaterThanOrEqual(7200);

    const p = await page();
    await p.goto(`${ui.base}/?token=${ui.token}#/accounts`);
    const countdown = p.locator('.mono', { hasText: /^\d+:\d\d:\d\d$/ }).first();
    await countdown.waitFor();
    const [h, m, s] = ((await countdown.textContent()) ?? '').split(':').map(Number) as [number, number, number];
    const shown = h * 3600 + m * 60 + s;
    // The service's clock stands still; only the seconds since the page read it may have passed.
    expect(shown).toBeLessThanOrEqual(left);
    expect(shown).toBeGreaterThan(left - 30);
    await p.screenshot({ path: `${SHOTS}/rest-countdown.png`, fullPage: true });
    await p.close();
  });
});
