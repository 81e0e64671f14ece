import { defineConfig } from 'vitest/config';

// Kind mode (e2e/kind) runs real pods: image starts, probes and kubelet syncs take longer than kwok's fakes.
const kind = process.env.SWITCHYARD_E2E_CLUSTER === 'kind';

/** End-to-end suites against a real control plane (e2e/cluster) or a kind cluster; slow, run after the unit tests. */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: kind ? 300_000 : 120_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
