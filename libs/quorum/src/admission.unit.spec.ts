import { admissionDeadline, admit, type AdmissionState } from './admission';

const TTL = 2000;
const MARGIN = 250;

/** A writer of us-east that holds a lease acknowledged at t=1000 and read the designation at t=1000. */
function given(over: Partial<AdmissionState> = {}): AdmissionState {
  return {
    region: 'us-east',
    ttlMs: TTL,
    safetyMarginMs: MARGIN,
    stopped: false,
    designation: { region: 'us-east', epoch: 3, state: 'active', modRevision: '42' },
    leaseAckSentAt: 1000,
    designationReadSentAt: 1000,
    registeredRevision: '42',
    ...over,
  };
}

describe('admit (write admission of one writer)', () => {
  it('admits the designated, active, registered region while the lease is fresh', () => {
    expect(admit(given(), 1000)).toEqual({ accepting: true, epoch: 3, role: 'primary' });
    expect(admit(given(), 2000)).toEqual({ accepting: true, epoch: 3, role: 'primary' });
  });

  it('stops admitting at sentTimeOfLastAckedKeepalive + ttl - margin, not at the ack time', () => {
    const s = given({ leaseAckSentAt: 1000, designationReadSentAt: 5000 });
    const end = 1000 + TTL - MARGIN; // 2750
    expect(admit(s, end - 1).accepting).toBe(true);
    expect(admit(s, end)).toEqual({ accepting: false, reason: 'LEASE_LOST', epoch: 3, role: 'primary' });
    expect(admit(s, end + 10_000).accepting).toBe(false);
  });

  it('stops admitting when the designation has not been re-read within ttl - margin', () => {
    const s = given({ leaseAckSentAt: 5000, designationReadSentAt: 1000 });
    expect(admit(s, 2749).accepting).toBe(true);
    expect(admit(s, 2750)).toMatchObject({ accepting: false, reason: 'LEASE_LOST' });
  });

  it('refuses in another region as NOT_PRIMARY (standby)', () => {
    expect(admit(given({ region: 'eu', registeredRevision: '42' }), 1500)).toEqual({
      accepting: false,
      reason: 'NOT_PRIMARY',
      epoch: 3,
      role: 'standby',
    });
  });

  it('refuses while the region is being fenced', () => {
    const s = given({ designation: { region: 'us-east', epoch: 4, state: 'fencing', modRevision: '50' } });
    expect(admit(s, 1500)).toEqual({ accepting: false, reason: 'FENCED', epoch: 4, role: 'primary' });
  });

  it('refuses until the acceptance is registered for exactly the current designation revision', () => {
    expect(admit(given({ registeredRevision: undefined }), 1500)).toMatchObject({
      accepting: false,
      reason: 'STARTING',
    });
    // Promoted again (new revision): the registration under revision 42 does not carry over.
    const s = given({ designation: { region: 'us-east', epoch: 5, state: 'active', modRevision: '60' } });
    expect(admit(s, 1500)).toMatchObject({ accepting: false, reason: 'STARTING', epoch: 5 });
  });

  it('refuses before the first lease or the first read, and after stop', () => {
    expect(admit(given({ leaseAckSentAt: undefined }), 1500)).toMatchObject({ reason: 'STARTING' });
    expect(admit(given({ designationReadSentAt: undefined }), 1500)).toMatchObject({ reason: 'STARTING' });
    expect(admit(given({ designation: undefined }), 1500)).toMatchObject({ reason: 'STARTING', epoch: 0 });
    expect(admit(given({ stopped: true }), 1500)).toMatchObject({ reason: 'STOPPED' });
  });

  it('reports a lapsed lease before the designation (an old view is not to be trusted)', () => {
    const s = given({
      leaseAckSentAt: 0,
      designation: { region: 'eu', epoch: 3, state: 'active', modRevision: '42' },
    });
    expect(admit(s, 5000)).toMatchObject({ reason: 'LEASE_LOST' });
  });

  it('tells when admission lapses by itself', () => {
    expect(admissionDeadline(given({ leaseAckSentAt: 1200, designationReadSentAt: 1100 }))).toBe(
      1100 + TTL - MARGIN,
    );
    expect(admissionDeadline(given({ leaseAckSentAt: undefined }))).toBeUndefined();
  });

  it('never admits at or past the lease deadline, whatever the state (property over a grid)', () => {
    for (let ack = 0; ack <= 3000; ack += 250) {
      for (let read = 0; read <= 3000; read += 250) {
        for (let now = 0; now <= 6000; now += 125) {
          const a = admit(given({ leaseAckSentAt: ack, designationReadSentAt: read }), now);
          if (a.accepting) {
            expect(now).toBeLessThan(ack + TTL - MARGIN);
            expect(now).toBeLessThan(read + TTL - MARGIN);
          }
        }
      }
    }
  });
});
