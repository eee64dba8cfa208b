// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { parseTaskListView, taskListRoute } from '../../web/src/pages/TasksPage';
import { splitRoute } from '../../web/src/router';

const view = (route: string) => parseTaskListView(splitRoute(route).query);

describe('the task list view in the address', () => {
  it('reads page, filters, search and order, and writes back only what is not the default', () => {
    const v = view('/tasks?status=PAUSED&priority=HIGH&search=%D0%BE%D0%B4%D0%B8%D0%BD&sort=name&page=2');
    expect(v).toEqual({ status: 'PAUSED', priority: 'HIGH', search: 'один', sort: 'name', page: 2 });
    expect(splitRoute(taskListRoute(v)).query.toString()).toBe(splitRoute('/tasks?status=PAUSED&priority=HIGH&search=один&sort=name&page=2').query.toString());
    expect(taskListRoute(view('/tasks'))).toBe('/tasks');
    expect(taskListRoute({ ...view('/tasks'), search: '  ' })).toBe('/tasks');
  });

  it('falls back to the default for anything malformed or unknown', () => {
    const defaults = { status: '', priority: '', search: '', sort: 'new', page: 1 };
    for (const route of [
      '/tasks?page=abc&status=NOPE&priority=urgent&sort=zzz',
      '/tasks?page=0',
      '/tasks?page=-3',
      '/tasks?page=1.5',
      '/tasks?page=1e3',
      '/tasks?page=99999999999',
      '/tasks?status=paused,IN_PROGRESS',
      '/tasks?sort=toString',
      '/tasks?sort=__proto__',
      '/tasks?%E0%A4%A=1',
    ])
      expect(view(route), route).toEqual(defaults);
    expect(view(`/tasks?search=${'я'.repeat(500)}`).search).toHaveLength(200);
  });
});
