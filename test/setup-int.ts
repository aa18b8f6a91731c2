// Integration tests wait on real brokers and MirrorMaker 2: generous per-test deadline.
jest.setTimeout(180_000);
