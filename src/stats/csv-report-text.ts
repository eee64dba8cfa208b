import { renderMessage, renderTargetReason, type Lang } from '../shared/messages.js';

/**
 * The words of the CSV report in the reader's language: its title line, header row and each target's reason
 * (said from the reason's code; a reason without a known code stays as stored). The column order never changes.
 */
export function csvTitle(name: string, sandbox: boolean, lang: Lang): string {
  return renderMessage('REPORT.title', lang, { name, mode: renderMessage(sandbox ? 'REPORT.mode_sandbox' : 'REPORT.mode_telegram', lang) })!;
}

export function csvHeader(lang: Lang, separator: string): string {
  return renderMessage('REPORT.header', lang)!.replaceAll(',', separator);
}

export const csvReason = (code: string | null, stored: string | null, lang: Lang): string | null => renderTargetReason(code, stored, lang);
