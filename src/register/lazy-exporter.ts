/**
 * An exporter that loads and builds the real one on its first export. The OTLP exporters bring
 * their transport, the OTLP transformer and the metrics SDK with them (about 90 CommonJS modules):
 * loaded up front they are a large part of a register's start-up, and a process that never makes
 * a span never needs them.
 */
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';

/** What span and log record exporters share (`SpanExporter`, `LogRecordExporter`). */
export interface Exporter<Item> {
  export(items: Item[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export class LazyExporter<Item> implements Exporter<Item> {
  private exporter: Exporter<Item> | undefined;
  private creationError: Error | undefined;
  private shutDown = false;

  /** `create` runs once, on the first export; it `require`s the exporter's package and builds it. */
  constructor(private readonly create: () => Exporter<Item>) {}

  /** Whether the real exporter has been built. */
  get created(): boolean {
    return this.exporter !== undefined;
  }

  export(items: Item[], resultCallback: (result: ExportResult) => void): void {
    const exporter = this.shutDown ? undefined : this.real();
    if (exporter === undefined) {
      resultCallback({ code: ExportResultCode.FAILED, error: this.creationError ?? new Error('the exporter is shut down') });
      return;
    }
    exporter.export(items, resultCallback);
  }

  /** Nothing was exported before the real exporter exists, so there is nothing to flush. */
  forceFlush(): Promise<void> {
    return this.exporter?.forceFlush?.() ?? Promise.resolve();
  }

  /** Shuts the real exporter down if it was built; a process that exported nothing never loads it. */
  shutdown(): Promise<void> {
    this.shutDown = true;
    return this.exporter?.shutdown() ?? Promise.resolve();
  }

  private real(): Exporter<Item> | undefined {
    if (this.exporter === undefined && this.creationError === undefined) {
      try {
        this.exporter = this.create();
      } catch (error) {
        this.creationError = error instanceof Error ? error : new Error(String(error));
      }
    }
    return this.exporter;
  }
}
