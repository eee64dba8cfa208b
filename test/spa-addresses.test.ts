import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from './helpers/test-app.js';

// The built UI (npm test builds it first); without it the service answers API calls only.
const haveWeb = existsSync(new URL('../web/dist/index.html', import.meta.url));

/**
 * A page's address without its hash — typed, pasted from a chat, or an old bookmark — reaches the page it names. The UI
 * routes by hash and loads its assets relative to itself, so serving it at /tasks/12 asked for /tasks/assets/… and
 * showed a blank page; it is redirected to the UI's own address with the path as the route. API calls and missing files
 * still answer 404 in JSON.
 */
describe.skipIf(!haveWeb)('addresses of the UI’s pages', () => {
  for (const mount of [undefined, '/mailing']) {
    describe(mount ? `under UI_BASE_PATH=${mount}` : 'at the root', () => {
      let t: TestApp;
      beforeAll(async () => {
        t = await makeTestApp(mount ? { UI_BASE_PATH: mount } : {});
      });
      afterAll(() => t.close());
      const at = (p: string) => `${mount ?? ''}${p}`;

      it('sends a page address to the UI with the path as its route, keeping the query', async () => {
        for (const [path, to] of [
          ['/tasks/12', '/#/tasks/12'],
          ['/tasks/new/', '/#/tasks/new'],
          ['/accounts?token=abc', '/?token=abc#/accounts'],
          ['/dashboard', '/#/dashboard'],
        ]) {
          const res = await t.app.inject({ method: 'GET', url: at(path!) });
          expect(res.statusCode, path).toBe(302);
          expect(res.headers.location, path).toBe(at(to!));
        }
      });

      it('serves the UI itself, whose assets load', async () => {
        const page = await t.app.inject({ method: 'GET', url: at('/') });
        expect(page.statusCode).toBe(200);
        expect(page.headers['content-type']).toMatch(/text\/html/);
        const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body)?.[1];
        expect(script).toBeTruthy();
        const asset = await t.app.inject({ method: 'GET', url: at(`/${script}`) });
        expect(asset.statusCode).toBe(200);
        expect(asset.headers['content-type']).toMatch(/javascript/);
      });

      it('still answers 404 in JSON for an unknown API call and a missing file', async () => {
        for (const url of ['/api/v1/invite/nothing-here', at('/assets/missing.js'), at('/tasks/assets/index.css')]) {
          const res = await t.app.inject({ method: 'GET', url, headers: { 'accept-language': 'ru' } });
          expect(res.statusCode, url).toBe(404);
          expect(res.json().error, url).toBe('NOT_FOUND');
        }
      });
    });
  }
});
