// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { TaskJobs } from '../../web/src/components/TaskJobs';
import { I18nProvider, useI18n } from '../../web/src/i18n';
import { templateProblem } from '../../web/src/components/MessagePreview';
import { ProgressBar, StatusBadge, ErrorNotice } from '../../web/src/components/ui';
import { Pager } from '../../web/src/components/Pager';
import { errorMessage } from '../../web/src/api/client';
import { actionsFor } from '../../web/src/task-actions';
import { countOf } from '../../web/src/format';

afterEach(cleanup);

describe('error messages are sentences', () => {
  it('uses the server message, flattens 422 detail arrays, never prints [object Object]', () => {
    expect(errorMessage({ error: 'X', message: 'Task "a" is COMPLETED.' }, 409)).toBe('Task "a" is COMPLETED.');
    expect(
      errorMessage(
        {
          detail: [
            { loc: ['body', 'name'], msg: 'field required' },
            { loc: ['body', 'type'], msg: 'bad' },
          ],
        },
        422,
      ),
    ).toBe('body.name: field required; body.type: bad');
    expect(errorMessage({ detail: 'Not allowed' }, 403)).toBe('Not allowed');
    expect(errorMessage('<html>Bad gateway</html>', 502)).toBe('<html>Bad gateway</html>');
    expect(errorMessage({ weird: { nested: true } }, 500)).toBe('Request failed (HTTP 500)');
  });
});

describe('counts', () => {
  it('agree the noun with the number and group the digits as the reader writes them', () => {
    expect(countOf(2500, 'контакт|контакта|контактов', 'ru')).toBe('2\u00a0500 контактов');
    expect(countOf(22, 'контакт|контакта|контактов', 'ru')).toBe('22 контакта');
    expect(countOf(2500, 'contact|contacts', 'en')).toBe('2,500 contacts');
    expect(countOf(1, 'contact|contacts', 'en')).toBe('1 contact');
  });
});

/** What the message forms say of a text (templateProblem), in the UI's language. */
function TemplateProblem({ text }: { text: string }) {
  const { t } = useI18n();
  return <p data-testid="problem">{templateProblem(text, t) ?? ''}</p>;
}

describe('the message field', () => {
  it('says a message is too long with the limit and how long it is now (as the server counts: trimmed)', () => {
    localStorage.removeItem('lang');
    render(
      <I18nProvider>
        <TemplateProblem text={`  ${'я'.repeat(4097)}  `} />
      </I18nProvider>,
    );
    expect(screen.getByTestId('problem').textContent).toBe('Сообщение — не длиннее 4096 символов (сейчас 4097).');
    cleanup();
    render(
      <I18nProvider>
        <TemplateProblem text={`  ${'я'.repeat(4096)}  `} />
      </I18nProvider>,
    );
    expect(screen.getByTestId('problem').textContent).toBe('');
  });
});

describe('task controls follow the server transitions', () => {
  it('offers only legal actions per status', () => {
    expect(actionsFor('PENDING')).toEqual(['start', 'cancel']);
    expect(actionsFor('IN_PROGRESS')).toEqual(['pause', 'cancel']);
    expect(actionsFor('PAUSED')).toEqual(['resume', 'cancel']);
    expect(actionsFor('COMPLETED')).toEqual([]);
  });
});

describe('components', () => {
  it('labels progress as tried/to try, the skipped apart, with an accessible value', () => {
    localStorage.removeItem('lang');
    render(
      <I18nProvider>
        <ProgressBar counters={{ total: 8, pending: 2, in_flight: 0, invited: 5, sent: 0, skipped: 1, failed: 0, done: 6, progress: 0.75 }} />
      </I18nProvider>,
    );
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('75');
    // 5 tried of the 7 to try; the one skipped is not counted as work done.
    expect(screen.getByTestId('progress-label').textContent).toBe('5/7');
    expect(screen.getByRole('progressbar').getAttribute('title')).toBe('Обработано 5 из 7; кроме того пропущено: 1');
    // The skipped are their own, paler part: 5 of 8 worked, then 1 of 8 skipped.
    expect(screen.getByTestId('progress-worked').style.width).toBe('62.5%');
    expect(screen.getByTestId('progress-skipped').style.left).toBe('62.5%');
    expect(screen.getByTestId('progress-skipped').style.width).toBe('12.5%');
  });

  it('translates status badges (Russian by default, English on request)', () => {
    localStorage.removeItem('lang');
    render(
      <I18nProvider>
        <StatusBadge status="IN_PROGRESS" />
      </I18nProvider>,
    );
    expect(screen.getByText('Выполняется').getAttribute('data-status')).toBe('IN_PROGRESS');
    cleanup();
    localStorage.setItem('lang', 'en');
    render(
      <I18nProvider>
        <StatusBadge status="PAUSED" />
      </I18nProvider>,
    );
    expect(screen.getByText('Paused')).toBeTruthy();
  });

  it('shows errors in an alert and nothing when there is none', () => {
    const { container } = render(<ErrorNotice error={null} />);
    expect(container.textContent).toBe('');
    render(<ErrorNotice error="The group could not be found." />);
    expect(screen.getByRole('alert').textContent).toBe('The group could not be found.');
  });

  it('hides the pager for a single page', () => {
    localStorage.setItem('lang', 'en');
    const { container } = render(
      <I18nProvider>
        <Pager page={1} pages={1} onPage={() => {}} />
      </I18nProvider>,
    );
    expect(container.textContent).toBe('');
    render(
      <I18nProvider>
        <Pager page={2} pages={3} total={55} onPage={() => {}} />
      </I18nProvider>,
    );
    expect(screen.getByText('Page 2 of 3 · 55 total')).toBeTruthy();
  });
});

describe('background jobs card', () => {
  const base = {
    queue: 'imports',
    task_id: 7,
    params: {},
    attempts: 1,
    max_attempts: 3,
    run_at: '2026-01-05T08:00:00Z',
    created_at: '2026-01-05T08:00:00Z',
    started_at: null,
    finished_at: null,
    download_url: null,
    progress: null,
    result: null,
    error: null,
  };
  const jobs = [
    { ...base, id: 'a', kind: 'import_file', status: 'RUNNING', progress: { rows: 3000, imported: 2990 } },
    {
      ...base,
      id: 'b',
      kind: 'import_parsing',
      status: 'COMPLETED',
      result: { imported: 40, duplicates: 2, invalid: 1, start: { error: 'NO_READY_ADMIN', message: 'No account can invite right now.' } },
    },
    {
      ...base,
      id: 'c',
      kind: 'task_report',
      queue: 'reports',
      status: 'COMPLETED',
      result: { rows: 12, filename: 'task-7-report.csv' },
      download_url: '/api/v1/invite/jobs/c/download',
    },
    { ...base, id: 'd', kind: 'import_file', status: 'FAILED', error: { code: 'MALFORMED_FILE', message: 'The file could not be read: bad JSON' } },
    {
      ...base,
      id: 'e',
      kind: 'import_parsing',
      status: 'QUEUED',
      attempts: 1,
      error: { code: 'PARSING_SERVICE_ERROR', message: 'The Parsing Service answered HTTP 503. Retrying (attempt 2 of 3).' },
    },
  ];

  it('says where each job stands, offers cancel while running and download when a report is ready', async () => {
    localStorage.setItem('lang', 'en');
    const calls: Array<{ url: string; method: string }> = [];
    // The server says every reason in the reader's language (accept-language): the card shows what it said.
    const inRussian = (job: (typeof jobs)[number]) =>
      job.id === 'b'
        ? { ...job, result: { ...job.result, start: { error: 'NO_READY_ADMIN', message: 'Сейчас ни один аккаунт не может приглашать в «Чат».' } } }
        : job.id === 'd'
          ? { ...job, error: { code: 'MALFORMED_FILE', message: 'Не удалось прочитать файл: bad JSON' } }
          : job;
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      calls.push({ url, method: init?.method ?? 'GET' });
      const said = new Headers(init?.headers).get('accept-language') === 'ru' ? jobs.map(inRussian) : jobs;
      const body = url.includes('/cancel') ? { ...jobs[0], status: 'CANCELLED' } : { items: said, total: said.length, page: 1, page_size: 10, pages: 1 };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    });
    try {
      render(
        <I18nProvider>
          <TaskJobs taskId={7} refreshKey={0} onImported={() => {}} onError={() => {}} />
        </I18nProvider>,
      );
      await screen.findByText('3000 rows read, 2990 added');
      expect(screen.getByText('40 added · 2 duplicates · 1 invalid · not started: No account can invite right now.')).toBeTruthy();
      expect(screen.getByText('12 rows')).toBeTruthy();
      expect(screen.getByText('The file could not be read: bad JSON')).toBeTruthy();
      expect(screen.getByText('will retry (attempt 2 of 3): The Parsing Service answered HTTP 503.')).toBeTruthy();
      expect(screen.getByText('Running').getAttribute('data-status')).toBe('RUNNING');
      expect(screen.getAllByText('Download')).toHaveLength(1);
      fireEvent.click(screen.getAllByText('Cancel')[0]!);
      await waitFor(() => expect(calls.some((c) => c.url === '/api/v1/invite/jobs/a/cancel' && c.method === 'POST')).toBe(true));
      expect(calls[0]!.url).toBe('/api/v1/invite/jobs?task_id=7&page_size=10');
      cleanup();
      // In Russian the card asks in Russian and shows the server's sentences in its own frame.
      localStorage.setItem('lang', 'ru');
      render(
        <I18nProvider>
          <TaskJobs taskId={7} refreshKey={0} onImported={() => {}} onError={() => {}} />
        </I18nProvider>,
      );
      await screen.findByText('Не удалось прочитать файл: bad JSON');
      expect(screen.getByText('добавлено 40 · дубликатов 2 · ошибочных 1 · не запущена: Сейчас ни один аккаунт не может приглашать в «Чат».')).toBeTruthy();
    } finally {
      vi.unstubAllGlobals();
      localStorage.setItem('lang', 'en');
    }
  });
});
