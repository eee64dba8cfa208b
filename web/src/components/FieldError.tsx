/** A form field's problem, said under it (data-testid `error-<field>` for the browser tests). */
export function FieldError({ field, text }: { field: string; text: string | undefined }) {
  return text ? (
    <div className="error-text small" role="alert" data-testid={`error-${field}`}>
      {text}
    </div>
  ) : null;
}

/** The server's per-field refusals (`details[].field`), for the fields a form has; the rest as sentences. */
export function serverFieldErrors<F extends string>(body: unknown, fields: readonly F[]): { byField: Partial<Record<F, string>>; rest: string[] } {
  const details = (body as { details?: unknown } | undefined)?.details;
  const byField: Partial<Record<F, string>> = {};
  const rest: string[] = [];
  if (Array.isArray(details))
    for (const d of details as Array<{ field?: string; message?: string }>) {
      if (d && fields.includes(d.field as F) && d.message) byField[d.field as F] ??= d.message;
      else if (d?.message) rest.push(d.field ? `${d.field}: ${d.message}` : d.message);
    }
  return { byField, rest };
}

/**
 * The form's notice above its button: the general "check the marked fields" goes once no field is marked any more
 * (the user fixed them), so it never points at nothing.
 */
export function formNotice(error: string | null, fieldErrors: Record<string, string | undefined>, fixFields: string): string | null {
  return error === fixFields && !Object.values(fieldErrors).some(Boolean) ? null : error;
}
