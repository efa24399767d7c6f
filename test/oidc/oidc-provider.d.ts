// The few parts of oidc-provider (which ships no types) that the tests' identity provider uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface InteractionDetails { uid: string; params: Record<string, unknown>; prompt: { name: string } }
  interface Grant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }
  interface Account { accountId: string; claims: () => Record<string, unknown> }

  export default class Provider {
    constructor(issuer: string, configuration: {
      clients?: Record<string, unknown>[];
      claims?: Record<string, string[] | null>;
      acrValues?: string[];
      cookies?: { keys: string[] };
      features?: Record<string, unknown>;
      interactions?: { url: (ctx: unknown, interaction: { uid: string }) => string };
      findAccount?: (ctx: unknown, id: string) => Account | undefined | Promise<Account | undefined>;
      [key: string]: unknown;
    });
    Grant: new (init: { accountId: string; clientId: string }) => Grant;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  }
}
