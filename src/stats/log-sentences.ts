import type { TaskRow } from '../db/schema.js';
import { renderMessage, renderTargetReason, type Lang } from '../shared/messages.js';

/** What a log sentence is made of: one execution_logs row as the logs read it. */
export interface LogLine {
  action: string;
  result: string;
  error_code: string | null;
  message: string | null;
  target_label: string | null;
  account_label: string | null;
}

/**
 * A log entry's sentence in the reader's language. The worker stores it in English (`Could not invite @x: …`), which
 * API clients have always read, so English is returned as stored; another language is said again from the row's
 * result, code and names, as the task page says it. A reason without a catalogue code keeps the stored words.
 */
export function logSentence(l: LogLine, task: Pick<TaskRow, 'target_group' | 'target_group_title'>, lang: Lang): string | null {
  if (lang === 'en') return l.message;
  const who = l.target_label ?? '—';
  // The stored sentence's reason is what follows its first ': ' («Could not invite @x: the user's privacy…»).
  const storedReason = l.message?.includes(': ') ? l.message.slice(l.message.indexOf(': ') + 2) : l.message;
  const reason = renderTargetReason(l.error_code, storedReason, lang) ?? l.error_code ?? '';
  const said = (() => {
    switch (l.result) {
      case 'SUCCESS':
        return l.action === 'invite'
          ? renderMessage('LOG.invited', lang, { who, group: task.target_group_title ?? task.target_group ?? '' })
          : renderMessage('LOG.sent', lang, { who });
      case 'SKIPPED':
      case 'FAILED':
        return renderMessage(l.action === 'invite' ? 'LOG.could_not_invite' : 'LOG.could_not_message', lang, { who, reason });
      case 'RETRY': {
        // The stored sentence says when («Will retry @x in 4 min: …»): said again, old rows included.
        const minutes = / in (\d+) min: /.exec(l.message ?? '')?.[1];
        return minutes ? renderMessage('LOG.retry_in', lang, { who, minutes, reason }) : renderMessage('LOG.retry', lang, { who, reason });
      }
      case 'ACCOUNT_ERROR':
        return renderMessage('LOG.account', lang, { account: l.account_label ?? '—', reason });
      case 'OUTCOME_UNKNOWN':
        return renderMessage('LOG.unknown', lang, { who });
      default:
        return null;
    }
  })();
  return said ?? l.message;
}
