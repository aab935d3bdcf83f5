/**
 * Estimated cost of model calls (opt-in: the `cost` option, or `OTEL_GENAI_COST=true`), from
 * `@pydantic/genai-prices`: its bundled, versioned price data, or the app's own prices before it.
 * With cost off nothing here runs, and the price library (half a megabyte of data) is never loaded:
 * it is required when the first call is priced.
 *
 * Never a guess: a call is priced only from what its API reported (input with the cache reads and
 * writes inside it, output with reasoning inside it, and the audio and image tokens split out of
 * each), under its provider and response model (else request model). A model the prices do not
 * know, or usage they cannot take, gets no cost, said once per model through `diag`.
 */
import { diag, ValueType } from '@opentelemetry/api';
import type { Attributes, Counter, Meter } from '@opentelemetry/api';
import { dirname, join } from 'node:path';
import type { PriceCalculation, Provider, Usage } from '@pydantic/genai-prices';
import type { CallUsage } from './metrics';
import { readInstalledPackage } from './register/installed-package';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_SERVER_ADDRESS,
  ATTR_USAGE_COST_SOURCE,
  GEN_AI_OPERATION_EMBEDDINGS,
  METRIC_CLIENT_OPERATION_COST,
} from './semconv';
import { nonEmptyString } from './values';

const COST_ENV = 'OTEL_GENAI_COST';
const PRICE_PACKAGE = '@pydantic/genai-prices';

/** One call as custom prices see it. */
export interface PricedCall {
  /** `gen_ai.provider.name`: `openai`, `anthropic`, `aws.bedrock`, `gcp.vertex_ai`, … */
  provider: string;
  /** The response model, else the request model. */
  model: string;
  /** `gen_ai.operation.name`: `chat`, `embeddings`, `generate_content`, … */
  operation: string;
  /** `server.address`, when the client's base URL gave one: an OpenAI-compatible server reports as `openai`, and this tells it apart. */
  serverAddress: string | undefined;
  /**
   * The usage in `@pydantic/genai-prices`' form: `input_tokens` (all input, cache reads and writes
   * included), `cache_read_tokens`, `cache_write_tokens`, `output_tokens` (reasoning included),
   * `output_reasoning_tokens`, `input_audio_tokens`, `input_image_tokens`, `output_audio_tokens`,
   * `output_image_tokens`: input and output as the API reported them, the parts only where it reported more than 0.
   */
  usage: Usage;
}

/** The cost of a call in USD; `undefined` leaves it to the price data, `null` gives the call no cost. */
export type PriceFunction = (call: PricedCall) => number | null | undefined;

export interface CostOptions {
  /**
   * Prices that come before the price data's: a function, or providers in `@pydantic/genai-prices`'
   * form (`{ id, name, api_pattern, models: [{ id, match, prices: { input_mtok, … } }] }`), each used
   * for the calls whose `gen_ai.provider.name`, or the price data's id for it, is its `id`. A call
   * they do not price is priced from the price data.
   */
  prices?: PriceFunction | readonly Provider[];
  /** `otel_genai.usage.cost.source` of the costs `prices` produced. Default `custom`. */
  pricesSource?: string;
}

function costFromEnv(value = process.env[COST_ENV]): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/** A call's estimated cost, and the prices it came from. */
export interface CallCost {
  usd: number;
  source: string;
}

/**
 * What pricing made of a call: its cost; `null` when it reported usage that no price covers (or
 * only part of its usage), so that the total of its run is unknown; `undefined` when it reported
 * none, so that there was nothing to price.
 */
export type Estimate = CallCost | null | undefined;

/**
 * The conventions' provider names that the price data's own matching (by id, then by its
 * `provider_match`) misses or places under another provider.
 */
const PRICE_PROVIDER: Readonly<Record<string, string>> = {
  'gcp.gen_ai': 'google',
  'azure.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  x_ai: 'x-ai',
};

interface PriceLibrary {
  calcPrice: typeof import('@pydantic/genai-prices').calcPrice;
  source: string;
}

/** Loaded on the first call priced from the price data; `null` when it cannot be. */
let library: PriceLibrary | null | undefined;

function priceLibrary(): PriceLibrary | undefined {
  if (library === undefined) {
    try {
      const { calcPrice } = require(PRICE_PACKAGE) as typeof import('@pydantic/genai-prices');
      library = { calcPrice, source: `${PRICE_PACKAGE}@${installedVersion() ?? 'unknown'}` };
    } catch (problem) {
      library = null;
      diag.error(`otel-genai: could not load ${PRICE_PACKAGE}; model calls get no cost`, problem);
    }
  }
  return library ?? undefined;
}

/** The version of the copy `require` found (its exports leave its package.json out: it is read from beside dist/). */
function installedVersion(): string | undefined {
  try {
    const installed = readInstalledPackage(join(dirname(require.resolve(PRICE_PACKAGE)), '..'));
    return installed?.name === PRICE_PACKAGE ? installed.version : undefined;
  } catch {
    // A bundle that inlined the library has no copy on disk.
    return undefined;
  }
}

/** Twelve significant digits: the price arithmetic's float residue (0.00011399999999999998) goes. */
export function roundUsd(usd: number): number {
  return Number(usd.toPrecision(12));
}

/** At most this many models are remembered, or reported: a server that makes up model names costs bounded memory. */
const REMEMBERED_MODELS = 1000;
const reported = new Set<string>();

/** One diag message per provider and model, whichever prices were asked. */
function reportOnce(key: string, message: string, problem?: unknown): void {
  if (reported.has(key) || reported.size >= REMEMBERED_MODELS) return;
  reported.add(key);
  try {
    diag.warn(`otel-genai: ${message}`, ...(problem === undefined ? [] : [problem]));
  } catch {
    // The app's diag logger failed on it: the call goes on without a cost all the same.
  }
}

/**
 * The price data's model for each provider and model priced so far, as a provider of that one model
 * (`null`: the data has none), so that the data's matching (every provider, then every model of
 * one) runs once per model: later calls of it are priced against that model alone. Shared by every
 * price book, as the data is.
 */
const resolvedModels = new Map<string, Provider | null>();

/** Prices calls: the app's own first, then the price data. */
export class PriceBook {
  private readonly table: readonly Provider[] | undefined;
  private readonly priceFunction: PriceFunction | undefined;
  private readonly customSource: string;

  constructor(options: CostOptions = {}) {
    const prices = options.prices;
    this.priceFunction = typeof prices === 'function' ? prices : undefined;
    this.table = Array.isArray(prices) ? prices : undefined;
    this.customSource = typeof options.pricesSource === 'string' && options.pricesSource !== '' ? options.pricesSource : 'custom';
  }

  /** The cost of a call that started with `attributes` and ended with `usage` (and `responseModel`, when the response named one). */
  estimate(attributes: Attributes, responseModel: string | undefined, usage: CallUsage): Estimate {
    if (usage.inputTokens === undefined && usage.outputTokens === undefined) return undefined;
    const operation = nonEmptyString(attributes[ATTR_GEN_AI_OPERATION_NAME]) ?? '';
    // A call with part of its usage (a stream cut before its final event) cost more than that part says.
    if (usage.inputTokens === undefined || (usage.outputTokens === undefined && operation !== GEN_AI_OPERATION_EMBEDDINGS)) return null;
    const provider = nonEmptyString(attributes[ATTR_GEN_AI_PROVIDER_NAME]);
    const model = responseModel ?? nonEmptyString(attributes[ATTR_GEN_AI_REQUEST_MODEL]);
    if (provider === undefined || model === undefined) return null;
    const serverAddress = nonEmptyString(attributes[ATTR_SERVER_ADDRESS]);
    const call: PricedCall = { provider, model, operation, serverAddress, usage: priceUsage(usage) };
    const priceProvider = PRICE_PROVIDER[provider] ?? provider;
    if (this.priceFunction !== undefined) {
      const custom = this.fromFunction(this.priceFunction, call);
      if (custom !== undefined) return custom;
    }
    const entry = this.table?.find((candidate) => candidate.id === provider || candidate.id === priceProvider);
    if (entry !== undefined) {
      const custom = calculate(call, { provider: entry });
      if (custom === FAILED) return null;
      if (custom !== undefined) return { usd: roundUsd(custom.total_price), source: this.customSource };
    }
    return fromPriceData(call, priceProvider);
  }

  private fromFunction(prices: PriceFunction, call: PricedCall): CallCost | null | undefined {
    let usd: unknown;
    try {
      usd = prices(call);
    } catch (problem) {
      reportOnce(
        `${call.provider}\u0000${call.model}\u0000custom`,
        `the cost option's prices function threw for model ${call.model} (${call.provider}); its calls get no cost`,
        problem,
      );
      return null;
    }
    if (usd === undefined || usd === null) return usd;
    if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0) {
      reportOnce(
        `${call.provider}\u0000${call.model}\u0000custom`,
        `the cost option's prices function returned ${String(usd)} for model ${call.model} (${call.provider}), not a number of USD; its calls get no cost`,
      );
      return null;
    }
    return { usd: roundUsd(usd), source: this.customSource };
  }
}

const FAILED = Symbol('could not price');

/**
 * The library's calculation for a call: `undefined` when the prices have no price for its model,
 * `FAILED` when they could not take its usage (reported once per model).
 */
function calculate(
  call: PricedCall,
  options: { provider: Provider } | { providerId: string },
): PriceCalculation | undefined | typeof FAILED {
  const loaded = priceLibrary();
  if (loaded === undefined) return FAILED;
  try {
    return loaded.calcPrice(call.usage, call.model, options) ?? undefined;
  } catch (problem) {
    // Usage the prices cannot split (audio input read from the cache, where the cached audio has a price of its own).
    reportOnce(
      `${call.provider}\u0000${call.model}\u0000usage`,
      `could not price a call of model ${call.model} (${call.provider}); it gets no cost`,
      problem,
    );
    return FAILED;
  }
}

/** A call priced from the price data, under its id for the call's provider. */
function fromPriceData(call: PricedCall, providerId: string): CallCost | null {
  const key = `${providerId}\u0000${call.model}`;
  const known = resolvedModels.get(key);
  if (known === null) return null;
  const result = calculate(call, known === undefined ? { providerId } : { provider: known });
  if (result === FAILED) return null;
  const source = (library as PriceLibrary).source;
  if (result === undefined) {
    remember(key, null);
    reportOnce(
      key,
      `no price for model ${call.model} of provider ${call.provider} in ${source}; its calls get no cost (see the cost option's prices)`,
    );
    return null;
  }
  if (known === undefined) {
    const { id, name, api_pattern } = result.provider;
    remember(key, { id, name, api_pattern, models: [result.model] });
  }
  return { usd: roundUsd(result.total_price), source };
}

function remember(key: string, resolved: Provider | null): void {
  if (resolvedModels.size < REMEMBERED_MODELS) resolvedModels.set(key, resolved);
}

/** The usage as the price library reads it: counts of 0 left out, text tokens left in the totals (no model prices them apart). */
function priceUsage(usage: CallUsage): Usage {
  const priced: Usage = { input_tokens: usage.inputTokens };
  if (usage.outputTokens !== undefined) priced.output_tokens = usage.outputTokens;
  if (usage.cacheReadTokens) priced.cache_read_tokens = usage.cacheReadTokens;
  if (usage.cacheWriteTokens) priced.cache_write_tokens = usage.cacheWriteTokens;
  if (usage.reasoningTokens) priced.output_reasoning_tokens = usage.reasoningTokens;
  if (usage.inputByModality?.audio) priced.input_audio_tokens = usage.inputByModality.audio;
  if (usage.inputByModality?.image) priced.input_image_tokens = usage.inputByModality.image;
  if (usage.outputByModality?.audio) priced.output_audio_tokens = usage.outputByModality.audio;
  if (usage.outputByModality?.image) priced.output_image_tokens = usage.outputByModality.image;
  return priced;
}

/** The prices a config asks for, or undefined while cost is off (the option wins over `OTEL_GENAI_COST`). */
export function priceBookOf(option: boolean | CostOptions | undefined): PriceBook | undefined {
  const on = option === undefined ? costFromEnv() : option !== false;
  if (!on) return undefined;
  return new PriceBook(typeof option === 'object' && option !== null ? option : {});
}

/** What the calls of one instrumentation price with, and count on its meter. */
export class CostTelemetry {
  /** Made on the first cost counted: a meter that throws costs a call nothing more than a report. */
  private counter: Counter | undefined;

  constructor(
    readonly prices: PriceBook,
    /** Undefined while no meter provider is registered. */
    private readonly meter: Meter | undefined,
  ) {}

  /** `attributes` are the call's metric attributes (`GenAIMetrics.commonAttributes`); the prices' source goes beside them. */
  count(cost: CallCost, attributes: Attributes): void {
    if (this.meter === undefined) return;
    this.counter ??= this.meter.createCounter(METRIC_CLIENT_OPERATION_COST, {
      description: 'Estimated cost of GenAI operations, from their token usage and the prices of their models',
      unit: '{USD}',
      valueType: ValueType.DOUBLE,
    });
    this.counter.add(cost.usd, { ...attributes, [ATTR_USAGE_COST_SOURCE]: cost.source });
  }
}
