/**
 * The Parsing Service of a standalone sandbox installation (`npm start` with no PARSING_SERVICE_URL): a few labelled
 * demo bases, answered in-process in the real service's contract (../shared/SPEC-NOTES.md: `GET /api/v1/results/grouped`,
 * `GET /api/v1/results/{task_id}?limit&offset`, `GET /health`) through the same client, paging and field mapping a
 * platform deployment uses. So the whole way from "База из сервиса парсинга" to invites can be tried without the
 * platform, and nothing here is mistaken for real people: every base's title starts with «Песочница», the people are
 * the sandbox's own (its world decides who refuses), and the sandbox banner is on every page.
 *
 * Not used when PARSING_SERVICE_URL is set, on the real platform (PLATFORM_MODE=telegram), or with
 * SANDBOX_PARSING_SERVICE=false.
 */

/** The address the client is given; never resolved (the fetch below answers it). */
export const SANDBOX_PARSING_URL = 'http://sandbox-parsing-service.invalid';

interface SandboxBase {
  task_id: string;
  title: string;
  target_url: string;
  status: string;
  /** Hours before the service's start that the base was parsed. */
  ageHours: number;
  size: number;
}

const BASES: readonly SandboxBase[] = [
  {
    task_id: 'sandbox-marketing-chat',
    title: 'Песочница: участники чата «Маркетинг для малого бизнеса»',
    target_url: 'https://t.me/sandbox_source_marketing',
    status: 'completed',
    ageHours: 26,
    size: 240,
  },
  {
    task_id: 'sandbox-ecommerce-channel',
    title: 'Песочница: подписчики канала «Новости e-commerce»',
    target_url: 'https://t.me/sandbox_source_ecommerce',
    status: 'completed',
    ageHours: 74,
    size: 1500,
  },
  {
    // A parse still running has no results yet: listed, but not importable (the client says why).
    task_id: 'sandbox-parse-running',
    title: 'Песочница: парсинг ещё идёт',
    target_url: 'https://t.me/sandbox_source_running',
    status: 'running',
    ageHours: 1,
    size: 0,
  },
];

// Russian surnames agree with the first name's gender: «Юлия Иванов» would read as a mistake.
const WOMEN = ['Анна', 'Мария', 'Елена', 'Ольга', 'Наталья', 'Юлия'];
const MEN = ['Иван', 'Дмитрий', 'Сергей', 'Алексей', 'Павел', 'Михаил'];
const SURNAMES = ['Смирнов', 'Иванов', 'Кузнецов', 'Попов', 'Соколов', 'Лебедев', 'Козлов', 'Новиков', 'Морозов', 'Волков'];

/** A small deterministic hash: the same seed always gives the same people. */
function mix(seed: number, n: number): number {
  let h = (seed ^ Math.imul(n + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Person `i` of a base, shaped as the real service stores one: most have a username, some only their Telegram id, a few
 * a phone; a name in `platform_specific_data` or only as the display name; every ninth has the service's literal
 * «Unknown» for a name it did not get.
 */
function person(seed: number, baseIndex: number, base: SandboxBase, i: number, createdAt: string) {
  const h = mix(seed + baseIndex * 7919, i);
  const userId = 5_100_000_000 + baseIndex * 1_000_000 + i;
  const username = (h >>> 11) % 10 === 0 ? null : `sandbox_${base.task_id.split('-')[1]}_${String(i + 1).padStart(4, '0')}`;
  const woman = (h >>> 3) % 2 === 0;
  const first = (woman ? WOMEN : MEN)[(h >>> 5) % 6]!;
  const last = `${SURNAMES[(h >>> 8) % SURNAMES.length]!}${woman ? 'а' : ''}`;
  const unnamed = i % 9 === 8;
  // Telegram's reserved test numbers (99966XYYYY), never a real subscriber's.
  const phone = (h >>> 17) % 17 === 0 ? `+99966${String((h >>> 4) % 100_000).padStart(5, '0')}` : null;
  return {
    id: String(baseIndex * 100_000 + i + 1),
    task_id: base.task_id,
    platform: 'telegram',
    platform_id: String(userId),
    username,
    display_name: unnamed ? 'Unknown' : `${first} ${last}`,
    author_phone: phone,
    created_at: createdAt,
    platform_specific_data: {
      username,
      user_id: userId,
      phone: null,
      ...(!unnamed && h % 3 === 0 ? { first_name: first, last_name: last } : {}),
      chat_title: base.title.replace(/^Песочница: /, ''),
    },
  };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * A `fetch` for the Parsing Service client that answers as the service does, in-process. `startedAt` dates the bases
 * (parsed a day or three before the service started), `seed` is the sandbox's (SANDBOX_SEED).
 */
export function sandboxParsingFetch(seed: number, startedAt: Date): typeof fetch {
  const createdAt = (b: SandboxBase) => new Date(startedAt.getTime() - b.ageHours * 3_600_000).toISOString();
  return (async (input: string | URL | Request) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname === '/health') return json(200, { status: 'healthy', service: 'parsing-service', sandbox: true });
    // The real service filters by user_id and, without it, answers everyone's bases; the client always sends it.
    if (!url.searchParams.get('user_id')) return json(422, { detail: 'user_id is required' });
    if (url.pathname === '/api/v1/results/grouped') {
      const tasks = BASES.map((b) => ({
        task_id: b.task_id,
        platform: 'telegram',
        target_url: b.target_url,
        title: b.title,
        status: b.status,
        total_results: b.size,
        created_at: createdAt(b),
      }));
      return json(200, { tasks, total_tasks: tasks.length });
    }
    const m = /^\/api\/v1\/results\/([^/]+)$/.exec(url.pathname);
    if (!m) return json(404, { detail: 'Not Found' });
    const key = decodeURIComponent(m[1]!);
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 1000);
    const offset = Math.max(Number(url.searchParams.get('offset') ?? 0) || 0, 0);
    const index = BASES.findIndex((b) => b.task_id === key);
    const base = BASES[index];
    // As the real service: an unknown or empty base is a 200 with no results.
    if (!base || base.size === 0)
      return json(200, {
        task_id: key,
        total: 0,
        format: 'json',
        results: [],
        pagination: { offset, limit, has_more: false },
        message: 'No results found for this task',
      });
    const end = Math.min(base.size, offset + limit);
    const results = [];
    for (let i = offset; i < end; i++) results.push(person(seed, index, base, i, createdAt(base)));
    return json(200, { task_id: base.task_id, total: base.size, format: 'json', results, pagination: { offset, limit, has_more: end < base.size } });
  }) as typeof fetch;
}
