// deploy/kubernetes without a cluster: every manifest valid against the Kubernetes API schemas (kubernetes-models;
// KEDA's ScaledObject and TriggerAuthentication against its CRD schemas, @kubernetes-models/keda), and the parts
// agreeing with each other and with the fleet's settings: selectors, probes, grace periods, the queue KEDA watches.
// kubernetes-models checks types, formats and required fields; like the API server's non-strict mode, it admits
// unknown fields.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { FleetKeys, loadConfig } from '@mcp-fleet/shared';
import { allowedHosts, checkSecureBinding } from '@mcp-fleet/front';
import { repoRoot } from '../../integration-tests/harness/process.ts';

const dir = join(repoRoot, 'deploy/kubernetes');
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

// biome-ignore lint/suspicious/noExplicitAny: manifests are read as plain YAML and checked field by field below.
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any }; [k: string]: any };
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const docs = new Map<string, Manifest[]>(
  files.map((f) => [f, parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Manifest)]),
);
const all = [...docs.entries()].filter(([f]) => f !== 'kustomization.yaml').flatMap(([, d]) => d);
const one = (kind: string, name: string): Manifest => {
  const m = all.find((d) => d.kind === kind && d.metadata.name === name);
  assert.ok(m, `${kind}/${name} exists`);
  return m;
};
const front = one('Deployment', 'mcp-fleet-front');
const worker = one('Deployment', 'mcp-fleet-worker');
const container = (d: Manifest) => d.spec.template.spec.containers[0];
const configMap = one('ConfigMap', 'mcp-fleet-config');
const secret = one('Secret', 'mcp-fleet-secrets');
/** What a pod's environment holds: the ConfigMap and the Secret (envFrom), as the example fills them in. */
const podConfig = loadConfig({ ...configMap.data, ...secret.stringData, NODE_ID: 'mcp-fleet-front-abc12' });

test('every manifest is valid against its Kubernetes (or KEDA CRD) schema', () => {
  for (const [file, manifests] of docs) {
    if (file === 'kustomization.yaml') continue;
    for (const m of manifests) {
      const Model = MODELS[`${m.apiVersion}/${m.kind}`];
      assert.ok(Model, `${file}: no schema known for ${m.apiVersion} ${m.kind}`);
      assert.doesNotThrow(() => new Model(m as never).validate(), `${file}: ${m.kind}/${m.metadata.name}`);
    }
  }
});

test('kustomization.yaml lists every manifest but the Secret example, and each exists', () => {
  const k = docs.get('kustomization.yaml')![0]!;
  assert.equal(k.kind, 'Kustomization');
  const expected = files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml').sort();
  assert.deepEqual([...k.resources].sort(), expected);
  assert.ok(
    k.images.some((i: { name: string }) => i.name === container(front).image),
    'the image is set in one place',
  );
});

test('the pods’ settings are valid, and a front node passes its start-up checks with them', () => {
  assert.equal(podConfig.HOST, '0.0.0.0');
  checkSecureBinding(podConfig);
  assert.deepEqual(allowedHosts(podConfig), ['mcp.example.com']);
  assert.equal(podConfig.AUTH_RESOURCE, 'https://mcp.example.com/api/mcp', 'PUBLIC_URL gives the canonical URI');
  assert.ok(podConfig.REQUEST_STATE_SECRET && podConfig.METRICS_TOKEN, 'secrets come from the Secret');
  for (const d of [front, worker]) {
    const refs = container(d).envFrom.map((e: Record<string, { name: string }>) => Object.values(e)[0]!.name);
    assert.deepEqual(refs, ['mcp-fleet-config', 'mcp-fleet-secrets'], d.metadata.name);
    assert.equal(d.spec.template.spec.securityContext.runAsNonRoot, true, `${d.metadata.name} runs as non-root`);
  }
});

test('Services, PodDisruptionBudgets and autoscalers select what they mean to', () => {
  const labelsOf = (d: Manifest) => d.spec.template.metadata.labels as Record<string, string>;
  const selects = (selector: Record<string, string>, d: Manifest) =>
    Object.entries(selector).every(([k, v]) => labelsOf(d)[k] === v);
  const svc = one('Service', 'mcp-fleet-front');
  assert.ok(selects(svc.spec.selector, front) && !selects(svc.spec.selector, worker));
  assert.equal(svc.spec.sessionAffinity, 'None');
  assert.ok(selects(one('PodDisruptionBudget', 'mcp-fleet-front').spec.selector.matchLabels, front));
  assert.ok(selects(one('PodDisruptionBudget', 'mcp-fleet-worker').spec.selector.matchLabels, worker));
  assert.deepEqual(front.spec.selector.matchLabels, labelsOf(front));
  const hpa = one('HorizontalPodAutoscaler', 'mcp-fleet-front');
  assert.deepEqual([hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name], ['Deployment', front.metadata.name]);
  assert.equal(hpa.spec.metrics[0].resource.name, 'cpu');
  assert.ok(container(front).resources.requests.cpu, 'a CPU request, which utilization is measured against');
  const ingress = one('Ingress', 'mcp-fleet');
  for (const p of ingress.spec.rules[0].http.paths) assert.equal(p.backend.service.name, svc.metadata.name);
  assert.equal(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffering'], 'off', 'SSE unbuffered');
  assert.ok(Number(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']) > 15);
});

test('front probes: readiness on /readyz, liveness on /healthz, on the port the node listens on', () => {
  const c = container(front);
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  const port = c.ports.find((p: { name: string }) => p.name === c.readinessProbe.httpGet.port);
  assert.equal(port.containerPort, podConfig.PORT);
});

test('grace periods cover the drain: preStop + SHUTDOWN_GRACE_MS / WORKER_SHUTDOWN_GRACE_MS + the CLI’s 5 s', () => {
  const preStop = Number(container(front).lifecycle.preStop.exec.command.at(-1));
  const frontNeeds = preStop + podConfig.SHUTDOWN_GRACE_MS / 1000 + 5;
  assert.ok(front.spec.template.spec.terminationGracePeriodSeconds >= frontNeeds, `front needs ${frontNeeds} s`);
  const workerNeeds = podConfig.WORKER_SHUTDOWN_GRACE_MS / 1000 + 5;
  assert.ok(worker.spec.template.spec.terminationGracePeriodSeconds >= workerNeeds, `worker needs ${workerNeeds} s`);
});

test('KEDA scales workers on the BullMQ wait list of the queue they consume, with Redis from the Secret', () => {
  const so = one('ScaledObject', 'mcp-fleet-worker');
  assert.equal(so.spec.scaleTargetRef.name, worker.metadata.name);
  assert.ok(so.spec.minReplicaCount >= 1, 'never to zero: a call waits for no cold start');
  // The CRD schema types trigger metadata as a string map; the redis scaler's own fields are checked here.
  const [trigger] = so.spec.triggers;
  assert.equal(trigger.type, 'redis');
  const waitList = `${new FleetKeys(podConfig.KEY_PREFIX).bullPrefix()}:${podConfig.QUEUE}:wait`;
  assert.equal(trigger.metadata.listName, waitList);
  assert.match(trigger.metadata.listLength, /^\d+$/);
  const auth = one('TriggerAuthentication', trigger.authenticationRef.name);
  for (const ref of auth.spec.secretTargetRef) {
    assert.ok(['address', 'password', 'username', 'host', 'port'].includes(ref.parameter), ref.parameter);
    assert.equal(ref.name, secret.metadata.name);
    assert.ok(ref.key in secret.stringData, `the Secret example has ${ref.key}`);
  }
  assert.equal(
    all.some((d) => d.kind === 'HorizontalPodAutoscaler' && d.spec.scaleTargetRef.name === worker.metadata.name),
    false,
    'no second autoscaler fights KEDA over the workers',
  );
});
