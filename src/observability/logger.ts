import pino, { type Logger } from 'pino';

/** Paths whose values never reach a log line: credentials, sessions and people's phone numbers. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'token',
  '*.token',
  'session',
  '*.session',
  'session_string',
  '*.session_string',
  'sessionString',
  '*.sessionString',
  'session_encrypted',
  '*.session_encrypted',
  'jwtSecret',
  '*.jwtSecret',
  'password',
  '*.password',
  'phone',
  '*.phone',
  '*.*.phone',
  'author_phone',
  '*.author_phone',
  // Webhook signing secrets (src/notifications): shown to their owner once, never logged.
  'secret',
  '*.secret',
  'secret_encrypted',
  '*.secret_encrypted',
];

const PHONE_IN_TEXT = /\+\d{8,15}/g;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'invite-orchestrator' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      // Free-text messages can quote a phone number (for example in an upstream error); mask it too.
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? a.replace(PHONE_IN_TEXT, '+***') : a));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
