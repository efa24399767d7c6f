import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * /metrics for the whole server when it runs as several processes (`serve --workers N`). A scrape
 * reaches one worker, chosen round-robin; alone, its counters would be its own share, and a
 * scraper alternating between workers would see them jump back and forth. So the worker asks the
 * primary, which gathers every worker's figures (prom-client's AggregatorRegistry: counters and
 * histograms summed, process figures each by their own rule) and answers with the total.
 */

const ASK = 'jigsaw:cluster-metrics?';
const ANSWER = 'jigsaw:cluster-metrics';
const TIMEOUT_MS = 5_000;

interface Answer { type: typeof ANSWER; id: string; text?: string; error?: string }
const isAnswer = (m: unknown): m is Answer => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === ANSWER;

/** In the primary: answers the workers' requests for the whole cluster's figures. Returns how to stop. */
export function serveClusterMetrics(): () => void {
  const aggregator = new AggregatorRegistry();
  const onMessage = (worker: Worker, message: unknown): void => {
    if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== ASK) return;
    const id = String((message as { id?: unknown }).id);
    aggregator.clusterMetrics()
      .then((text) => worker.isConnected() && worker.send({ type: ANSWER, id, text }))
      .catch((err: unknown) => worker.isConnected() && worker.send({ type: ANSWER, id, error: err instanceof Error ? err.message : 'failed' }));
  };
  cluster.on('message', onMessage);
  return () => cluster.off('message', onMessage);
}

/** In a cluster worker: `registries` are what this process adds to the cluster's figures. */
export function shareWithCluster(registries: Registry[]): boolean {
  if (!cluster.isWorker) return false;
  // Constructing one makes the worker answer the primary's requests for its figures.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries(registries);
  return true;
}

/** In a cluster worker: the whole cluster's figures as Prometheus text, from the primary. */
export function clusterMetricsText(): Promise<string> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('The primary did not answer with the cluster\'s metrics'));
    }, TIMEOUT_MS);
    const onMessage = (message: unknown): void => {
      if (!isAnswer(message) || message.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (message.error !== undefined || message.text === undefined) reject(new Error(message.error ?? 'no metrics'));
      else resolve(message.text);
    };
    process.on('message', onMessage);
    process.send?.({ type: ASK, id });
  });
}
