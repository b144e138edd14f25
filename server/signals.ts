// Server: createSignals() -> the in-process signals of one app: "events were written" (heard by
// its metrics and webhook dispatcher) and "a next-check moment was stored" (heard by its scheduler).

import type { EventObserver } from './db/events.ts';

/** Hears that an account's next-check moment `at` was stored. */
export type NextCheckListener = (at: Date) => void;

/**
 * The signals of one app (buildApp creates one per instance and decorates it as `app.signals`),
 * so two apps in one process never hear each other. Invariants: a listener that throws never
 * fails the announcement (nor the write behind it) and never keeps the other listeners from
 * hearing it; an unsubscribed listener hears nothing more. Signals are in-process only: other
 * processes notice the database (schedulers within their sleep cap, webhooks at their poll).
 */
export interface Signals {
  /**
   * Announces events just written for `tenant`, inside their transaction (which may still roll
   * back). `recordEvents` calls it through `EventContext.onWritten`. Never throws.
   */
  readonly eventsWritten: EventObserver;
  /** Hears every later `eventsWritten`; returns the unsubscribe. */
  readonly observeEvents: (observer: EventObserver) => () => void;
  /**
   * Announces that an account's moment was stored, after its transaction committed, so a
   * scheduler sleeping until a later moment wakes up. None (null or undefined) announces nothing.
   */
  readonly nextCheckStored: (at: Date | null | undefined) => void;
  /** Hears every later `nextCheckStored` with a moment; returns the unsubscribe. */
  readonly onNextCheck: (listener: NextCheckListener) => () => void;
}

/** A fresh set of signals with no listeners. */
export function createSignals(): Signals {
  const events = channel<Parameters<EventObserver>>();
  const nextCheck = channel<[Date]>();
  return Object.freeze({
    eventsWritten: events.emit,
    observeEvents: events.listen,
    nextCheckStored: (at: Date | null | undefined) => {
      if (at) nextCheck.emit(at);
    },
    onNextCheck: nextCheck.listen,
  });
}

/** One list of listeners: `emit` calls each (a throwing one is skipped), `listen` adds one. */
function channel<A extends unknown[]>(): { emit: (...args: A) => void; listen: (listener: (...args: A) => void) => () => void } {
  const listeners = new Set<(...args: A) => void>();
  return {
    emit: (...args) => {
      for (const listener of listeners) {
        try {
          listener(...args);
        } catch {
          // A listener (metrics, a wake-up) never fails what it hears about.
        }
      }
    },
    listen: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
