import { checkPrerequisites, type CommandProbe } from './prerequisites';

const withEtcd = { regions: [{ etcd: { clientPort: 1, peerPort: 2 } }] } as never;
const withoutEtcd = { regions: [{}] } as never;
const missing =
  (...absent: string[]): CommandProbe =>
  (command) =>
    !absent.includes(command);

describe('checkPrerequisites', () => {
  it('passes when every program the topology needs runs', () => {
    expect(() => checkPrerequisites(withEtcd, missing())).not.toThrow();
  });

  it('names the missing JDK with the package to install', () => {
    expect(() => checkPrerequisites(withoutEtcd, missing('java'))).toThrow(
      expect.objectContaining({
        code: 'JAVA_MISSING',
        message: expect.stringMatching(/apt-get install openjdk-17/),
      }),
    );
  });

  it('requires etcd only for a topology with a quorum, and names its package', () => {
    expect(() => checkPrerequisites(withoutEtcd, missing('etcd'))).not.toThrow();
    expect(() => checkPrerequisites(withEtcd, missing('etcd'))).toThrow(
      expect.objectContaining({
        code: 'ETCD_MISSING',
        message: expect.stringMatching(/apt-get install etcd-server/),
      }),
    );
  });

  it('requires prometheus only for a topology with a prometheus section, and names its package', () => {
    expect(() => checkPrerequisites(withoutEtcd, missing('prometheus'))).not.toThrow();
    const withPrometheus = { regions: [{}], prometheus: { port: 1 } } as never;
    expect(() => checkPrerequisites(withPrometheus, missing('prometheus'))).toThrow(
      expect.objectContaining({
        code: 'PROMETHEUS_MISSING',
        message: expect.stringMatching(/apt-get install prometheus/),
      }),
    );
  });
});
