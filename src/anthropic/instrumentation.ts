/**
 * `@anthropic-ai/sdk`: patches `Messages.prototype.create` and `Beta.Messages.prototype.create`,
 * which `stream: true`, `messages.stream()`, `parse()`, the tool runners and `withResponse()` all
 * go through. The Bedrock and Vertex SDKs build their clients on the same classes, reached through
 * `@anthropic-ai/sdk/resources/index` rather than the main module, so that file is hooked too.
 */
import { InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import type { AnthropicInstrumentationConfig } from '../config';
import { GenAIInstrumentation } from '../genai-instrumentation';
import type { SDKClient, SDKResource } from '../genai-instrumentation';
import { nonEmptyString } from '../values';
import { messagesCreate } from './mapping';

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
  constructor(config: AnthropicInstrumentationConfig = {}) {
    super(config);
  }

  protected init() {
    return [
      new InstrumentationNodeModuleDefinition(
        MODULE,
        ['*'],
        (exports: unknown, version?: string) => this.patchExports(exports, version, 'main'),
        () => this.unpatchAll(),
        RESOURCE_FILES.map(
          (file) =>
            new InstrumentationNodeModuleFile(
              `${MODULE}/${file}`,
              ['*'],
              (exports: unknown, version?: string) => this.patchExports(exports, version, 'resources'),
              () => this.unpatchAll(),
            ),
        ),
      ),
    ];
  }

  private patchExports<T>(exports: T, version: string | undefined, entry: 'main' | 'resources'): T {
    this.checkVersion(MODULE, version, TESTED_MAJORS);
    const moduleExports = exports as Record<string, unknown> | undefined;
    const holder = (
      entry === 'main' ? moduleExports?.Anthropic ?? moduleExports?.default : moduleExports
    ) as { Messages?: { prototype?: unknown }; Beta?: { Messages?: { prototype?: unknown } } } | undefined;
    const wrapper = (original: Create) => this.wrapCreate(original);
    this.patchMethod(holder?.Messages?.prototype, 'create', wrapper, `${MODULE} Messages`);
    if (holder?.Beta?.Messages?.prototype !== undefined) {
      this.patchMethod(holder.Beta.Messages.prototype, 'create', wrapper, `${MODULE} Beta.Messages`);
    }
    this.repatchAll();
    return exports;
  }

  private wrapCreate(original: Create): Create {
    const instrumentation = this;
    return function create(this: unknown, ...args: unknown[]) {
      return instrumentation.traceCreate(original, this as MessagesResource, args);
    };
  }

  private traceCreate(original: Create, resource: MessagesResource, args: unknown[]): unknown {
    const client = resource?._client;
    if (client?._tracer) {
      if (this.getConfig().preferNativeSpans) return original.apply(resource, args);
      try {
        client._tracer = undefined;
      } catch (problem) {
        this._diag.warn("could not turn off the Anthropic SDK's own spans on a client", problem);
      }
    }
    return this.traceModelCall(messagesCreate, original, resource, args);
  }

  protected providerOf(client: AnthropicClient): string {
    return (
      nonEmptyString(client._genAIProviderName) ??
      PROVIDER_BY_CLIENT_CLASS[(client as object).constructor?.name] ??
      'anthropic'
    );
  }
}
