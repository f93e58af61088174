/**
 * Structured logs: one JSON line per event (pino), cheap enough for the request hot path.
 * @module
 */
import cluster from 'node:cluster';
import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      // With --workers, each line says which process wrote it.
      base: cluster.isWorker ? { service: 'gatehouse', worker: cluster.worker?.id, pid: process.pid } : { service: 'gatehouse' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Lines are written in batches (up to 4 KiB, at least every 100 ms) rather than one write
    // per request: on the request hot path that write costs more than formatting the line.
    destination ?? pino.destination({ fd: 1, sync: false, minLength: 4096, periodicFlush: 100 }),
  );
}
