import { useEffect, useRef } from 'react';
import type { T } from './i18n';

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** What is wrong with a field the browser found invalid, in the UI's language. */
export function validityMessage(el: Field, t: T): string | null {
  const v = el.validity;
  if (v.valueMissing) return t('fieldRequired');
  if (v.typeMismatch && el.type === 'url') return t('fieldUrl');
  // Lengths, ranges and patterns: the forms that have them check them themselves (noValidate) or cap the typing.
  return v.valid ? null : t('fieldInvalid');
}

/**
 * The browser's own form checks (a required field left empty, a web address that is not one) speak the browser's
 * language, not the page's: a Russian page in an English Chrome said "Please fill out this field.". This gives each
 * check's bubble the UI's sentence instead, for every form on the page at once: when a field is found invalid its
 * custom message is set from what is wrong with it, and cleared as soon as it is edited (a custom message would
 * otherwise keep the field invalid after it is fixed).
 */
export function useValidityInLanguage(t: T): void {
  const current = useRef(t);
  current.current = t;
  useEffect(() => {
    const isField = (x: EventTarget | null): x is Field => x instanceof HTMLInputElement || x instanceof HTMLTextAreaElement || x instanceof HTMLSelectElement;
    const onInvalid = (e: Event) => {
      if (!isField(e.target)) return;
      // Judge the field without a message left from an earlier check.
      e.target.setCustomValidity('');
      const text = validityMessage(e.target, current.current);
      if (text) e.target.setCustomValidity(text);
    };
    const onEdit = (e: Event) => {
      if (isField(e.target)) e.target.setCustomValidity('');
    };
    // `invalid` does not bubble: listen in the capture phase.
    document.addEventListener('invalid', onInvalid, true);
    document.addEventListener('input', onEdit, true);
    document.addEventListener('change', onEdit, true);
    return () => {
      document.removeEventListener('invalid', onInvalid, true);
      document.removeEventListener('input', onEdit, true);
      document.removeEventListener('change', onEdit, true);
    };
  }, []);
}
