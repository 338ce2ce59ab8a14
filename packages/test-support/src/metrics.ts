/**
 * An OpenTelemetry MeterProvider that records every measurement (instrument,
 * value, attributes) in memory, to assert on counts and to search attributes for leaks.
 */
import type { Attributes, Meter, MeterProvider } from "@opentelemetry/api";

export interface Measurement {
  readonly instrument: string;
  readonly value: number;
  readonly attributes: Attributes;
}

export class RecordingMeterProvider implements MeterProvider {
  readonly measurements: Measurement[] = [];

  getMeter(): Meter {
    const record =
      (instrument: string) =>
      (value: number, attributes: Attributes = {}) => {
        this.measurements.push({ instrument, value, attributes: { ...attributes } });
      };
    const observable = () => ({ addCallback() {}, removeCallback() {} });
    const meter = {
      createCounter: (name: string) => ({ add: record(name) }),
      createUpDownCounter: (name: string) => ({ add: record(name) }),
      createHistogram: (name: string) => ({ record: record(name) }),
      createGauge: (name: string) => ({ record: record(name) }),
      createObservableGauge: observable,
      createObservableCounter: observable,
      createObservableUpDownCounter: observable,
      addBatchObservableCallback() {},
      removeBatchObservableCallback() {},
    };
    return meter as unknown as Meter;
  }

  /** Sum of `instrument` over measurements whose attributes include `match`. */
  sum(instrument: string, match: Readonly<Record<string, string>> = {}): number {
    return this.measurements
      .filter(
        (m) => m.instrument === instrument && Object.entries(match).every(([k, v]) => m.attributes[k] === v),
      )
      .reduce((total, m) => total + m.value, 0);
  }

  /** Every attribute of every measurement as one string, to search for leaks. */
  text(): string {
    return JSON.stringify(this.measurements);
  }
}
