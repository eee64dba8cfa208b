import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics with the names from the product specification. One registry per app instance. */
export class Metrics {
  readonly registry = new Registry();
  readonly tasksTotal = new Counter({
    name: 'invite_tasks_total',
    help: 'Task status transitions',
    labelNames: ['platform', 'status'],
    registers: [this.registry],
  });
  readonly targetsProcessed = new Counter({
    name: 'invite_targets_processed',
    help: 'Targets processed by result',
    labelNames: ['platform', 'result'],
    registers: [this.registry],
  });
  readonly accountsBlocked = new Counter({
    name: 'invite_accounts_blocked',
    help: 'Accounts retired or put to rest by the platform',
    labelNames: ['platform'],
    registers: [this.registry],
  });
  readonly floodWaitEvents = new Counter({
    name: 'invite_floodwait_events',
    help: 'FloodWait answers from the platform',
    labelNames: ['platform'],
    registers: [this.registry],
  });
  readonly taskDuration = new Histogram({
    name: 'invite_task_duration_seconds',
    help: 'Wall time from start to finish of tasks',
    labelNames: ['platform'],
    buckets: [60, 600, 3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400],
    registers: [this.registry],
  });
  readonly activeTasks = new Gauge({ name: 'invite_active_tasks', help: 'Tasks in progress', labelNames: ['platform'], registers: [this.registry] });
  readonly activeLeases = new Gauge({ name: 'invite_account_leases', help: 'Account leases currently held', registers: [this.registry] });
  readonly pendingTargets = new Gauge({ name: 'invite_pending_targets', help: 'Targets waiting in running tasks (queue depth)', registers: [this.registry] });
  readonly queueDepth = new Gauge({
    name: 'invite_queue_depth',
    help: 'Background jobs due and waiting per queue (scheduled starts count from their time)',
    labelNames: ['queue'],
    registers: [this.registry],
  });
  readonly backgroundJobs = new Counter({
    name: 'invite_background_jobs_total',
    help: 'Background jobs finished, by kind and outcome',
    labelNames: ['kind', 'status'],
    registers: [this.registry],
  });
  readonly circuitOpen = new Gauge({
    name: 'invite_platform_circuit_open',
    help: 'Whether dispatch for a platform is paused by the circuit breaker (1 open or half-open, 0 closed)',
    labelNames: ['platform'],
    registers: [this.registry],
  });
  readonly circuitTransitions = new Counter({
    name: 'invite_platform_circuit_transitions_total',
    help: 'Circuit breaker state changes per platform, by new state',
    labelNames: ['platform', 'to'],
    registers: [this.registry],
  });
  readonly schedulerDecision = new Histogram({
    name: 'invite_scheduler_decision_seconds',
    help: 'Time for a worker to choose its next action',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });

  constructor(collectDefaults = false) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry });
  }
}
