/**
 * `openai`: patches `Chat.Completions.prototype.create` (which `parse()`, `stream()` and `runTools()`
 * call, in openai 4.x from `beta.chat.completions` too), `Responses.prototype.create` (which
 * `responses.stream()` and `responses.parse()` call) and `Embeddings.prototype.create`.
 */
import type { OpenAIInstrumentationConfig } from '../config';
import { GenAIInstrumentation } from '../genai-instrumentation';
import type { SDKClient, SDKResource } from '../genai-instrumentation';
import { asRecord } from '../values';
import { chatCreate, chatCreateWithAddedUsage } from './chat';
import { embeddingsCreate } from './embeddings';
import { openAIProvider } from './provider';
import { responsesCreate } from './responses';
import { wrapRunTools } from './run-tools';

export const MODULE = 'openai';
const TESTED_MAJORS = [4, 5, 6, 7];

type Method = (this: unknown, ...args: unknown[]) => unknown;

interface OpenAIClass {
  Chat?: { Completions?: { prototype?: { runTools?: unknown } } };
  Responses?: { prototype?: unknown };
  Embeddings?: { prototype?: unknown };
  Beta?: (new (client: object) => { chat?: { completions?: object } }) & {
    Responses?: { prototype?: unknown };
  };
}

/**
 * openai 4.x keeps `runTools()` on `beta.chat.completions`, whose class is not reachable from the
 * main export: a `Beta` resource built on an empty client (its constructor only builds the
 * sub-resources) shows it.
 */
function betaChatCompletions(OpenAI: OpenAIClass | undefined): { runTools?: unknown } | undefined {
  try {
    const completions = OpenAI?.Beta === undefined ? undefined : new OpenAI.Beta({}).chat?.completions;
    return completions === undefined ? undefined : Object.getPrototypeOf(completions);
  } catch {
    return undefined;
  }
}

export class OpenAIInstrumentation extends GenAIInstrumentation<OpenAIInstrumentationConfig> {
  protected init() {
    return [this.hookModule(MODULE, (loaded, version) => this.patchExports(loaded, version))];
  }

  private patchExports<T>(loaded: T, version: string | undefined): T {
    this.rememberCopy(loaded, (instance) => instance.patchExports(loaded, version));
    this.checkVersion(MODULE, version, TESTED_MAJORS);
    const moduleExports = loaded as Record<string, unknown> | undefined;
    const OpenAI = (moduleExports?.OpenAI ?? moduleExports?.default ?? moduleExports) as OpenAIClass | undefined;
    const label = `${MODULE}@${version ?? 'unknown'}`;
    this.patchMethod(OpenAI?.Chat?.Completions?.prototype, 'create', (original) => this.wrapChat(original), `${label} Chat.Completions`);
    if (OpenAI?.Responses !== undefined) {
      this.patchMethod(OpenAI.Responses.prototype, 'create', (original) => this.wrap(original, responsesCreate), `${label} Responses`);
    }
    if (OpenAI?.Beta?.Responses !== undefined) {
      this.patchMethod(
        OpenAI.Beta.Responses.prototype,
        'create',
        (original) => this.wrap(original, responsesCreate),
        `${label} Beta.Responses`,
      );
    }
    this.patchMethod(OpenAI?.Embeddings?.prototype, 'create', (original) => this.wrap(original, embeddingsCreate), `${label} Embeddings`);
    // runTools() lives on chat.completions from openai 5, on beta.chat.completions in 4.x.
    for (const [completions, where] of [
      [OpenAI?.Chat?.Completions?.prototype, 'Chat.Completions'],
      [betaChatCompletions(OpenAI), 'Beta.Chat.Completions'],
    ] as const) {
      if (typeof completions?.runTools === 'function') {
        this.patchMethod(completions, 'runTools', (original) => this.wrapRunTools(original), `${label} ${where}`);
      }
    }
    this.repatchAll();
    return loaded;
  }

  private wrapRunTools(original: Method): Method {
    const traced = wrapRunTools(original);
    const instrumentation = this;
    return function runTools(this: unknown, ...args: unknown[]) {
      return instrumentation.runWithToolContent(traced, this, args);
    };
  }

  private wrap(original: Method, spec: typeof responsesCreate): Method {
    const instrumentation = this;
    return function create(this: unknown, ...args: unknown[]) {
      return instrumentation.traceModelCall(spec, original, this as SDKResource, args);
    };
  }

  private wrapChat(original: Method): Method {
    const instrumentation = this;
    return function create(this: unknown, ...args: unknown[]) {
      const params = asRecord(args[0]);
      if (
        instrumentation.current.config.requestStreamUsage &&
        params?.stream === true &&
        asRecord(params.stream_options)?.include_usage === undefined
      ) {
        const withUsage = { ...params, stream_options: { ...asRecord(params.stream_options), include_usage: true } };
        return instrumentation.traceModelCall(chatCreateWithAddedUsage, original, this as SDKResource, [withUsage, ...args.slice(1)]);
      }
      return instrumentation.traceModelCall(chatCreate, original, this as SDKResource, args);
    };
  }

  protected providerOf(client: SDKClient): string {
    return openAIProvider((client as object).constructor?.name, client.baseURL);
  }
}
