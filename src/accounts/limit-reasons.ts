import type { Limits } from '../config/config.js';
import { localised, type LocalisedText } from '../shared/messages.js';
import type { LimitCheck } from './account-manager.js';

export { joinTexts, labelled } from '../shared/localised.js';

/**
 * Why an account may not act, in both languages (the reader's is picked when answering), from the Account
 * Manager's verdict code and the limits it applied; a verdict without a code keeps its English sentence.
 */
export function limitText(verdict: Pick<LimitCheck, 'code' | 'reason'>, limits: Limits): LocalisedText {
  const max: Record<string, number> = {
    daily_messages: limits.messagesPerAccountDay,
    daily_invites: limits.invitesPerAccountDay,
    group_lifetime: limits.invitesPerGroupLifetime,
    group_daily: limits.invitesPerGroupDay,
  };
  if (!verdict.code) return { ru: verdict.reason ?? '', en: verdict.reason ?? '' };
  return localised(`LIMIT.${verdict.code}`, { max: max[verdict.code] });
}
