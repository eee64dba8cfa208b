// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { I18nProvider } from '../../web/src/i18n';
import { ProgressBar, StatusBadge, ErrorNotice } from '../../web/src/components/ui';
import { Pager } from '../../web/src/components/Pager';
import { errorMessage } from '../../web/src/api/client';
import { actionsFor } from '../../web/src/task-actions';

afterEach(cleanup);

describe('error messages are sentences', () => {
  it('uses the server message, flattens 422 detail arrays, never prints [object Object]', () => {
    expect(errorMessage({ error: 'X', message: 'Task "a" is COMPLETED.' }, 409)).toBe('Task "a" is COMPLETED.');
    expect(errorMessage({ detail: [{ loc: ['body', 'name'], msg: 'field required' }, { loc: ['body', 'type'], msg: 'bad' }] }, 422))
      .toBe('body.name: field required; body.type: bad');
    expect(errorMessage({ detail: 'Not allowed' }, 403)).toBe('Not allowed');
    expect(errorMessage('<html>Bad gateway</html>', 502)).toBe('<html>Bad gateway</html>');
    expect(errorMessage({ weird: { nested: true } }, 500)).toBe('Request failed (HTTP 500)');
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
  it('renders progress as done/total with an accessible value', () => {
    render(<ProgressBar counters={{ total: 8, pending: 2, in_flight: 0, invited: 5, sent: 0, skipped: 1, failed: 0, done: 6, progress: 0.75 }} />);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('75');
    expect(screen.getByTestId('progress-label').textContent).toBe('6/8');
  });

  it('translates status badges (Russian by default, English on request)', () => {
    localStorage.removeItem('lang');
    render(<I18nProvider><StatusBadge status="IN_PROGRESS" /></I18nProvider>);
    expect(screen.getByText('Выполняется').getAttribute('data-status')).toBe('IN_PROGRESS');
    cleanup();
    localStorage.setItem('lang', 'en');
    render(<I18nProvider><StatusBadge status="PAUSED" /></I18nProvider>);
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
    const { container } = render(<I18nProvider><Pager page={1} pages={1} onPage={() => {}} /></I18nProvider>);
    expect(container.textContent).toBe('');
    render(<I18nProvider><Pager page={2} pages={3} total={55} onPage={() => {}} /></I18nProvider>);
    expect(screen.getByText('Page 2 of 3 · 55 total')).toBeTruthy();
  });
});
