import { useTestTopology } from '../dev/testing/src/test-topology';

// Integration tests wait on real brokers and MirrorMaker 2: generous per-test deadline.
jest.setTimeout(180_000);

// Workers started after the global setup inherit it; set again for a worker started otherwise.
useTestTopology();
