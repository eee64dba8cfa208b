import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInviteTask, makeTestApp, type TestApp } from './helpers/test-app.js';

/** Every change to a task's audience lands in the audit log: add (inline and on create), edit, delete, bulk actions. */
describe('target changes are audited', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const audit = async () => (await t.api({ method: 'GET', url: '/api/v1/invite/audit?page_size=100' })).json;
  const rows = async () => await t.ctx.db.selectFrom('audit_log').selectAll().orderBy('id').execute();

  it('records add, edit, delete and bulk actions with who, what and which', async () => {
    const task = await createInviteTask(t, ['aud_one', 'aud_two']);
    let log = await rows();
    expect(log.find((r) => r.action === 'targets.add' && r.entity_id === String(task.id))?.details).toMatchObject({ given: 2, imported: 2 });

    const add = await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/targets`, payload: { targets: ['aud_three', 'aud_one'] } });
    expect(add.statusCode).toBe(201);
    const targets = (await t.api({ method: 'GET', url: `/api/v1/invite/tasks/${task.id}/targets` })).json.items as Array<{ id: number; username: string }>;
    const three = targets.find((x) => x.username === 'aud_three')!;
    const two = targets.find((x) => x.username === 'aud_two')!;
    expect((await t.api({ method: 'PUT', url: `/api/v1/invite/tasks/${task.id}/targets/${three.id}`, payload: { first_name: 'Three' } })).statusCode).toBe(200);
    expect((await t.api({ method: 'DELETE', url: `/api/v1/invite/tasks/${task.id}/targets/${two.id}` })).statusCode).toBe(204);
    expect(
      (await t.api({ method: 'POST', url: `/api/v1/invite/tasks/${task.id}/targets/bulk-action`, payload: { action: 'skip', target_ids: [three.id] } }))
        .statusCode,
    ).toBe(200);

    log = await rows();
    const mine = log.filter((r) => r.user_id === 1);
    expect(mine.filter((r) => r.action === 'targets.add').map((r) => r.details)).toEqual([
      expect.objectContaining({ given: 2, imported: 2 }),
      expect.objectContaining({ given: 2, imported: 1, duplicates: 1 }),
    ]);
    expect(mine.find((r) => r.action === 'target.update')).toMatchObject({
      entity: 'target',
      entity_id: String(three.id),
      details: { task_id: task.id, fields: ['first_name'] },
    });
    expect(mine.find((r) => r.action === 'target.delete')).toMatchObject({ entity: 'target', entity_id: String(two.id), details: { task_id: task.id } });
    expect(mine.find((r) => r.action === 'targets.skip')).toMatchObject({
      entity: 'task',
      entity_id: String(task.id),
      details: { affected: 1, target_ids: [three.id] },
    });
    // A refused change is not recorded as done.
    const before = (await rows()).length;
    expect((await t.api({ method: 'DELETE', url: `/api/v1/invite/tasks/${task.id}/targets/999999` })).statusCode).toBe(404);
    expect((await rows()).length).toBe(before);
    // And the owner sees them through the audit API.
    const seen = await audit();
    expect(JSON.stringify(seen)).toContain('target.delete');
  });
});
