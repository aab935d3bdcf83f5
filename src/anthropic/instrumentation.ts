/**
 * `@anthropic-ai/sdk`: patches `Messages.prototype.create` and `Beta.Messages.prototype.create`,
 * which `stream: true`, `messages.stream()`, `parse()`, the tool runners and `withResponse()` all
 * go through, and `Beta.Messages.prototype.toolRunner` for the run's agent and tool spans. The Bedrock and Vertex SDKs build their clients on the same classes, reached through
 * `@anthropic-ai/sdk/resources/index` rather than the main module, so that file is hooked too.
 */
import type { AnthropicInstrumentationConfig } from '../config';
import { GenAIInstrumentation, isOurs } from '../genai-instrumentation';
import type { SDKClient, SDKResource } from '../genai-instrumentation';
import { nonEmptyString } from '../values';
import { messagesCreate } from './messages';
import { wrapToolRunner } from './tool-runner';

export const MODULE = '@anthropic-ai/sdk';
const TESTED_MAJORS = [0, 1];
const RESOURCE_FILES = ['resources/index.js', 'resources/index.mjs'];

/** Provider names of the clients that predate the SDK's own `_genAIProviderName`. */
const PROVIDER_BY_CLIENT_CLASS: Record<string, string> = {
  AnthropicBedrock: 'aws.bedrock',
  AnthropicVertex: 'gcp.vertex_ai',
};

interface AnthropicClient extends SDKClient {
  _genAIProviderName?: unknown;
  /** Set by SDK >= 0.134 when its own tracing is on. */
  _tracer?: unknown;
}

interface MessagesResource extends SDKResource {
  _client?: AnthropicClient;
}

type Create = (this: unknown, ...args: unknown[]) => unknown;

export class AnthropicInstrumentation extends GenAIInstrumentation<AnthropicInstrumentationConfig> {
  protected init() {
    const resources = RESOURCE_FILES.map((file) =>
      this.hookFile(`${MODULE}/${file}`, (loaded, version) => this.patchExports(loaded, version, 'resources')),
    );
    return [this.hookModule(MODULE, (loaded, version) => this.patchExports(loaded, version, 'main'), resources)];
  }

  private patchExports<T>(loaded: T, version: string | undefined, entry: 'main' | 'resources'): T {
    this.rememberCopy(loaded, (instance) => instance.patchExports(loaded, version, entry));
    this.checkVersion(MODULE, version, TESTED_MAJORS);
    const moduleExports = loaded as Record<string, unknown> | undefined;
    const holder = (entry === 'main' ? (moduleExports?.Anthropic ?? moduleExports?.default) : moduleExports) as
      { Messages?: { prototype?: unknown }; Beta?: { Messages?: { prototype?: unknown } } } | undefined;
    const wrapper = (original: Create) => this.wrapCreate(original);
    this.patchMethod(holder?.Messages?.prototype, 'create', wrapper, `${MODULE} Messages`);
    const beta = holder?.Beta?.Messages?.prototype as { toolRunner?: unknown } | undefined;
    if (beta !== undefined) {
      this.patchMethod(beta, 'create', wrapper, `${MODULE} Beta.Messages`);
      if (typeof beta.toolRunner === 'function') {
        this.patchMethod(beta, 'toolRunner', (original) => this.wrapRunner(original), `${MODULE} Beta.Messages`);
      }
      // A thread (`beta.messages.thread()`) has a toolRunner() of its own; its class is reached through the first thread made.
      if (typeof (beta as { thread?: unknown }).thread === 'function') {
        this.patchMethod(beta, 'thread', (original) => this.wrapThread(original), `${MODULE} Beta.Messages`);
      }
    }
    this.repatchAll();
    return loaded;
  }

  private wrapRunner(original: Create): Create {
    const traceRun = (owner: unknown) => this.claimTracing((owner as MessagesResource)?._client);
    const traced = wrapToolRunner(original, traceRun);
    const instrumentation = this;
    return function toolRunner(this: unknown, ...args: unknown[]) {
      return instrumentation.runWithToolContent(traced, this, args);
    };
  }

  /**
   * A thread is built from the app's own params (its tools are traced by its toolRunner() while a run
   * holds them, as any runner's): only its toolRunner() is patched, on first sight.
   */
  private wrapThread(original: Create): Create {
    const instrumentation = this;
    return function thread(this: unknown, ...args: unknown[]) {
      const created = original.apply(this, args);
      const prototype = typeof created === 'object' && created !== null ? Object.getPrototypeOf(created) : undefined;
      if (typeof prototype?.toolRunner === 'function' && !isOurs(prototype.toolRunner)) {
        instrumentation.patchMethod(prototype, 'toolRunner', (runner) => instrumentation.wrapRunner(runner), `${MODULE} BetaMessageThread`);
      }
      return created;
    };
  }

  private wrapCreate(original: Create): Create {
    const instrumentation = this;
    return function create(this: unknown, ...args: unknown[]) {
      return instrumentation.traceCreate(original, this as MessagesResource, args);
    };
  }

  private traceCreate(original: Create, resource: MessagesResource, args: unknown[]): unknown {
    if (!this.claimTracing(resource?._client)) return original.apply(resource, args);
    return this.traceModelCall(messagesCreate, original, resource, args);
  }

  /**
   * Whether we trace this client's calls: yes, turning the SDK's own spans off on it, unless it
   * has them on and `preferNativeSpans` keeps them.
   */
  private claimTracing(client: AnthropicClient | undefined): boolean {
    if (!client?._tracer) return true;
    if (this.current.config.preferNativeSpans) return false;
    try {
      client._tracer = undefined;
    } catch (problem) {
      this._diag.warn("could not turn off the Anthropic SDK's own spans on a client", problem);
    }
    return true;
  }

  protected providerOf(client: AnthropicClient): string {
    return nonEmptyString(client._genAIProviderName) ?? PROVIDER_BY_CLIENT_CLASS[(client as object).constructor?.name] ?? 'anthropic';
  }
}
